// Command run is the benchmark harness: it builds the Go bench server, runs
// every scenario against it and against the Node socket.io 4.8 server
// (alternating, several repetitions, server pinned to CPU 0 and this load
// generator to CPU 1), writes JSON results under bench/results/, and
// renders the table into BENCHMARKS.md and the ratio chart into
// bench/ratios.png.
//
//	go run ./bench/cmd/run                 # the full table (about 6 minutes)
//	go run ./bench/cmd/run -quick          # a few seconds, tiny sizes
//	go run ./bench/cmd/run -scenarios ack-50,bcast-1k -parsers json -reps 1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/siogen/sio/bench/report"
	"github.com/siogen/sio/bench/runner"
)

const pinnedEnv = "SIO_BENCH_PINNED"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	quick := flag.Bool("quick", false, "tiny sizes and durations (a smoke run)")
	reps := flag.Int("reps", 3, "repetitions per scenario, parser and server")
	scenarios := flag.String("scenarios", "", "comma-separated scenario names (default: all)")
	parsers := flag.String("parsers", "json,msgpack", "comma-separated parsers")
	servers := flag.String("servers", "go,node", "comma-separated servers")
	out := flag.String("out", "", "results folder (default bench/results/<time>)")
	md := flag.String("md", "BENCHMARKS.md", "markdown file whose results section is rewritten (empty: none)")
	png := flag.String("png", "bench/ratios.png", "ratio chart to write (empty: none)")
	label := flag.String("label", "", "free text shown above the table (e.g. why the machine was not quiet)")
	profile := flag.Bool("profile", false, "save the Go server's pprof profiles (CPU per measurement; heap and goroutines for idle) in the results folder")
	goServer := flag.String("go-server", "", "use this Go bench server binary instead of building examples/bench/server (e.g. to compare a patched runtime)")
	pin := flag.Bool("pin", true, "pin the server to CPU 0 and the load generator to CPU 1 (taskset)")
	flag.Parse()

	if *goServer != "" {
		abs, err := filepath.Abs(*goServer) // before moving to the repository root
		if err != nil {
			return err
		}
		*goServer = abs
	}
	root, err := runner.FindRoot()
	if err != nil {
		return err
	}
	if err := os.Chdir(root); err != nil {
		return err
	}
	serverCPU := -1
	if os.Getenv(pinnedEnv) != "" {
		serverCPU = 0 // this is the re-executed, pinned process
	} else if *pin && runtime.NumCPU() >= 2 {
		if _, err := exec.LookPath("taskset"); err == nil {
			return repin()
		} else {
			fmt.Fprintln(os.Stderr, "bench: taskset not found; running unpinned")
		}
	}
	nofile, err := runner.RaiseFileLimit(65536)
	if err != nil {
		return fmt.Errorf("raise open-file limit: %w", err)
	}

	cfg := runner.Config{
		Scenarios: runner.FullScenarios(),
		Timing:    runner.FullTiming(),
		Parsers:   split(*parsers),
		Servers:   split(*servers),
		Reps:      *reps,
		ServerCPU: serverCPU,
		Log:       os.Stdout,
	}
	if *quick {
		cfg.Scenarios, cfg.Timing = runner.QuickScenarios(), runner.QuickTiming()
	}
	if *scenarios != "" {
		want := split(*scenarios)
		var pick []runner.Scenario
		for _, sc := range append(runner.FullScenarios(), runner.QuickScenarios()...) {
			if slices.Contains(want, sc.Name) {
				pick = append(pick, sc)
			}
		}
		if len(pick) != len(want) {
			return fmt.Errorf("unknown scenario in %q", *scenarios)
		}
		cfg.Scenarios = pick
	}
	maxClients := 0
	for _, sc := range cfg.Scenarios {
		maxClients = max(maxClients, sc.Clients)
	}
	if nofile < uint64(maxClients)+1024 {
		return fmt.Errorf("open-file limit %d is too low for %d connections (raise `ulimit -n`)", nofile, maxClients)
	}

	cfg.OutDir = *out
	if cfg.OutDir == "" {
		cfg.OutDir = filepath.Join("bench", "results", time.Now().Format("20060102-150405"))
	}
	if *profile {
		cfg.ProfileDir = filepath.Join(cfg.OutDir, "profiles")
		if err := os.MkdirAll(cfg.ProfileDir, 0o755); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bin, err := os.MkdirTemp("", "sio-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	cfg.Paths = runner.Paths{Root: root, GoServer: *goServer}
	if cfg.Paths.GoServer == "" {
		fmt.Println("building the Go bench server...")
		if cfg.Paths.GoServer, err = runner.BuildGoServer(ctx, root, bin); err != nil {
			return err
		}
	}
	fmt.Printf("load %s; pinned: %v; nofile %d; results in %s\n", loadavg(), serverCPU >= 0, nofile, cfg.OutDir)
	sum, err := runner.Execute(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("done in %.0f s; load before %s, after %s\n", sum.Machine.WallSeconds, sum.Machine.LoadBefore, sum.Machine.LoadAfter)
	table := report.Markdown(sum, *label)
	fmt.Println(table)
	if *md != "" {
		if err := report.UpdateFile(*md, table); err != nil {
			return err
		}
		fmt.Println("wrote", *md)
	}
	if *png != "" {
		if err := report.WriteChart(*png, sum); err != nil {
			return err
		}
		fmt.Println("wrote", *png)
	}
	return nil
}

// repin runs this program again under taskset on CPU 1 (the servers go to
// CPU 0), so that the whole load generator, all its threads, stays there.
func repin() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ts, err := exec.LookPath("taskset")
	if err != nil {
		return err
	}
	env := append(os.Environ(), pinnedEnv+"=1")
	return syscall.Exec(ts, append([]string{"taskset", "-c", "1", exe}, os.Args[1:]...), env)
}

func split(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

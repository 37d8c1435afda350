// Package runner runs the benchmark scenarios of bench/loadgen against the
// Go (sio) and Node (socket.io 4.8) bench servers, alternating between
// them, and writes one JSON file per run plus a summary with medians,
// spreads and Go/Node ratios.
package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/siogen/sio/bench/loadgen"
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
)

// Scenario is one benchmark setting.
type Scenario struct {
	// Name identifies it in results, e.g. "ack-50".
	Name string `json:"name"`
	// Kind is idle, ack, bcast or poll.
	Kind string `json:"kind"`
	// Clients is the number of connections or sessions.
	Clients int `json:"clients"`
	// Metric names the headline figure: "KB/conn", "acks/s",
	// "deliveries/s" or "round trips/s".
	Metric string `json:"metric"`
	// LowerIsBetter is true for memory.
	LowerIsBetter bool `json:"lowerIsBetter"`
	// Goal is the target for the sio/Node advantage (3 means 3×
	// the throughput, or a third of the memory).
	Goal float64 `json:"goal"`
}

// Timing holds the durations of the timed scenarios.
type Timing struct {
	Warmup    time.Duration `json:"warmup"`
	Measure   time.Duration `json:"measure"`
	Settle    time.Duration `json:"settle"`    // idle: pause before measuring memory
	Step      time.Duration `json:"step"`      // broadcast: time per window size
	MaxWindow int           `json:"maxWindow"` // broadcast: largest window tried
}

// FullScenarios are the scenarios of the issue.
func FullScenarios() []Scenario {
	return []Scenario{
		{Name: "idle-10k", Kind: "idle", Clients: 10000, Metric: "KB/conn", LowerIsBetter: true, Goal: 3},
		{Name: "ack-1", Kind: "ack", Clients: 1, Metric: "acks/s", Goal: 3},
		{Name: "ack-50", Kind: "ack", Clients: 50, Metric: "acks/s", Goal: 3},
		{Name: "ack-1000", Kind: "ack", Clients: 1000, Metric: "acks/s", Goal: 3},
		{Name: "bcast-1k", Kind: "bcast", Clients: 1000, Metric: "deliveries/s", Goal: 3},
		{Name: "bcast-10k", Kind: "bcast", Clients: 10000, Metric: "deliveries/s", Goal: 3},
		{Name: "poll-50", Kind: "poll", Clients: 50, Metric: "round trips/s", Goal: 2},
		{Name: "poll-500", Kind: "poll", Clients: 500, Metric: "round trips/s", Goal: 2},
	}
}

// QuickScenarios are tiny versions for the smoke test.
func QuickScenarios() []Scenario {
	return []Scenario{
		{Name: "idle-20", Kind: "idle", Clients: 20, Metric: "KB/conn", LowerIsBetter: true, Goal: 3},
		{Name: "ack-20", Kind: "ack", Clients: 20, Metric: "acks/s", Goal: 3},
		{Name: "bcast-20", Kind: "bcast", Clients: 20, Metric: "deliveries/s", Goal: 3},
		{Name: "poll-5", Kind: "poll", Clients: 5, Metric: "round trips/s", Goal: 2},
	}
}

// FullTiming is the timing of a full run.
func FullTiming() Timing {
	return Timing{Warmup: 500 * time.Millisecond, Measure: 2 * time.Second, Settle: 5 * time.Second, Step: time.Second, MaxWindow: 64}
}

// QuickTiming is the smoke test's timing.
func QuickTiming() Timing {
	return Timing{Warmup: 50 * time.Millisecond, Measure: 150 * time.Millisecond, Settle: 50 * time.Millisecond, Step: 100 * time.Millisecond, MaxWindow: 2}
}

// Config is one benchmark session.
type Config struct {
	Paths     Paths
	Scenarios []Scenario
	Timing    Timing
	Parsers   []string // json, msgpack
	Servers   []string // Go, Node
	Reps      int
	// ServerCPU is the core servers are pinned to (-1: not pinned).
	ServerCPU int
	// OutDir receives run-*.json and summary.json.
	OutDir string
	// Log receives progress lines.
	Log io.Writer
	// ProfileDir, when set, makes the Go server serve pprof and saves its
	// profiles there: a heap and goroutine profile at the idle
	// measurement, a CPU profile over the other measurements.
	ProfileDir string
}

// Run is one scenario run against one server.
type Run struct {
	Scenario   string         `json:"scenario"`
	Kind       string         `json:"kind"`
	Server     string         `json:"server"`
	Parser     string         `json:"parser"`
	Rep        int            `json:"rep"`
	Started    time.Time      `json:"started"`
	ServerInfo string         `json:"serverInfo,omitempty"`
	Result     loadgen.Result `json:"result"`
	// Value is the headline figure in the scenario's Metric unit.
	Value float64 `json:"value"`
	Error string  `json:"error,omitempty"`
}

// Machine describes where the runs took place.
type Machine struct {
	CPUs         int       `json:"cpus"`
	CPUModel     string    `json:"cpuModel"`
	LoadBefore   string    `json:"loadBefore"` // /proc/loadavg at the start
	LoadAfter    string    `json:"loadAfter"`
	Pinned       bool      `json:"pinned"`
	NoFile       uint64    `json:"nofile"`
	PortRange    string    `json:"portRange"`
	GoVersion    string    `json:"goVersion"`
	NodeInfo     string    `json:"nodeInfo"`
	Started      time.Time `json:"started"`
	Finished     time.Time `json:"finished"`
	WallSeconds  float64   `json:"wallSeconds"`
	Command      string    `json:"command"`
	Repetitions  int       `json:"repetitions"`
	TimingConfig Timing    `json:"timing"`
}

// Summary is the outcome of a session.
type Summary struct {
	Machine Machine `json:"machine"`
	Rows    []Row   `json:"rows"`
	Runs    []Run   `json:"runs"`
}

// Row aggregates the runs of one scenario and parser.
type Row struct {
	Scenario  Scenario `json:"scenario"`
	Parser    string   `json:"parser"`
	Go        Agg      `json:"go"`
	Node      Agg      `json:"node"`
	Ratio     float64  `json:"ratio"`     // Go value / Node value (0 when unknown)
	Advantage float64  `json:"advantage"` // how many times better sio is (throughput ratio, or Node/Go memory)
	// CPUAdvantage is Node's server CPU time per operation over sio's:
	// how many times less CPU sio spends per operation. It depends much
	// less on the machine's load than throughput does.
	CPUAdvantage float64 `json:"cpuAdvantage"`
}

// Agg is the median and spread of one server's runs.
type Agg struct {
	N        int      `json:"n"`
	Median   float64  `json:"median"`
	Min      float64  `json:"min"`
	Max      float64  `json:"max"`
	P50Ms    float64  `json:"p50Ms"` // medians over runs
	P99Ms    float64  `json:"p99Ms"`
	CPUPerOp float64  `json:"cpuPerOpMicros"`
	Errors   int      `json:"errors"`
	Notes    []string `json:"notes,omitempty"`
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// Execute runs every scenario × parser × server × repetition, servers
// alternating (the order flips every repetition), one fresh server process
// per run. It writes run JSON files as it goes and returns the summary
// (also written as summary.json).
func Execute(ctx context.Context, cfg Config) (*Summary, error) {
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, err
	}
	if cfg.Reps < 1 {
		cfg.Reps = 1
	}
	sum := &Summary{Machine: describeMachine(cfg)}
	for rep := range cfg.Reps {
		for _, sc := range cfg.Scenarios {
			for _, parser := range cfg.Parsers {
				order := slices.Clone(cfg.Servers)
				if rep%2 == 1 {
					slices.Reverse(order)
				}
				for _, name := range order {
					if err := ctx.Err(); err != nil {
						return sum, err
					}
					run := runOne(ctx, cfg, sc, parser, name, rep)
					sum.Runs = append(sum.Runs, run)
					file := filepath.Join(cfg.OutDir, fmt.Sprintf("run-%d-%s-%s-%s.json", rep, sc.Name, parser, name))
					if err := writeJSON(file, run); err != nil {
						return sum, err
					}
					if run.Error != "" {
						cfg.logf("  %-10s %-7s %-4s rep %d: ERROR %s", sc.Name, parser, name, rep, run.Error)
					} else {
						cfg.logf("  %-10s %-7s %-4s rep %d: %12.1f %-14s p50 %7.2f ms  p99 %7.2f ms  cpu/op %6.2f µs  %s",
							sc.Name, parser, name, rep, run.Value, sc.Metric, run.Result.P50Ms, run.Result.P99Ms,
							run.Result.CPUPerOpMicros, run.Result.Note)
					}
				}
			}
		}
	}
	sum.Machine.Finished = time.Now()
	sum.Machine.WallSeconds = sum.Machine.Finished.Sub(sum.Machine.Started).Seconds()
	sum.Machine.LoadAfter = loadavg()
	sum.Rows = Aggregate(cfg.Scenarios, cfg.Parsers, sum.Runs)
	if err := writeJSON(filepath.Join(cfg.OutDir, "summary.json"), sum); err != nil {
		return sum, err
	}
	return sum, nil
}

func codecFor(parser string) socketio.Codec {
	if parser == "msgpack" {
		return msgpack.Codec{}
	}
	return socketio.JSON
}

// runOne starts a fresh server and runs one scenario against it.
func runOne(ctx context.Context, cfg Config, sc Scenario, parser, name string, rep int) Run {
	run := Run{Scenario: sc.Name, Kind: sc.Kind, Server: name, Parser: parser, Rep: rep, Started: time.Now()}
	profile := cfg.ProfileDir != "" && name == Go
	sp, err := startServer(ctx, cfg.Paths, name, parser, cfg.ServerCPU, profile)
	if err != nil {
		run.Error = err.Error()
		return run
	}
	defer sp.stop()
	run.ServerInfo = sp.info
	t := loadgen.Target{Base: sp.base, Codec: codecFor(parser), ServerCPU: sp.cpu}
	tm := cfg.Timing
	if profile {
		prefix := filepath.Join(cfg.ProfileDir, fmt.Sprintf("%s-%s-%d", sc.Name, parser, rep))
		var wait func()
		t.OnMeasure = func() { wait = takeProfiles(sp.base, prefix, sc, tm, cfg.logf) }
		defer func() {
			if wait != nil {
				wait()
			}
		}()
	}
	var r loadgen.Result
	switch sc.Kind {
	case "idle":
		r, err = loadgen.Idle(ctx, t, sc.Clients, tm.Settle)
		run.Value = r.BytesPerConn / 1024
	case "ack":
		r, err = loadgen.Acks(ctx, t, sc.Clients, tm.Warmup, tm.Measure)
		run.Value = r.OpsPerSec
	case "bcast":
		r, err = loadgen.Broadcast(ctx, t, loadgen.BroadcastOptions{
			Receivers: sc.Clients, Step: tm.Step, MaxWindow: tm.MaxWindow, P99Limit: 100 * time.Millisecond,
		})
		run.Value = r.OpsPerSec
	case "poll":
		r, err = loadgen.PollEcho(ctx, t, sc.Clients, tm.Warmup, tm.Measure)
		run.Value = r.OpsPerSec
	default:
		err = fmt.Errorf("unknown scenario kind %q", sc.Kind)
	}
	run.Result = r
	if err != nil {
		run.Error = err.Error()
	}
	return run
}

// Aggregate computes medians, spreads and ratios per scenario and parser.
func Aggregate(scs []Scenario, parsers []string, runs []Run) []Row {
	var rows []Row
	for _, sc := range scs {
		for _, parser := range parsers {
			row := Row{Scenario: sc, Parser: parser}
			for _, name := range []string{Go, Node} {
				var vals, p50, p99, cpu []float64
				var a Agg
				for _, r := range runs {
					if r.Scenario != sc.Name || r.Parser != parser || r.Server != name {
						continue
					}
					if r.Error != "" {
						a.Errors++
						a.Notes = appendUnique(a.Notes, r.Error)
						continue
					}
					vals = append(vals, r.Value)
					p50 = append(p50, r.Result.P50Ms)
					p99 = append(p99, r.Result.P99Ms)
					cpu = append(cpu, r.Result.CPUPerOpMicros)
					if r.Result.Note != "" {
						a.Notes = appendUnique(a.Notes, r.Result.Note)
					}
				}
				a.N = len(vals)
				if a.N > 0 {
					a.Median, a.Min, a.Max = median(vals), slices.Min(vals), slices.Max(vals)
					a.P50Ms, a.P99Ms, a.CPUPerOp = median(p50), median(p99), median(cpu)
				}
				if name == Go {
					row.Go = a
				} else {
					row.Node = a
				}
			}
			// A ratio needs two positive medians: an idle run can measure at
			// or below zero when its connections cost less than RSS noise.
			if row.Go.N > 0 && row.Node.N > 0 && row.Go.Median > 0 && row.Node.Median > 0 {
				row.Ratio = row.Go.Median / row.Node.Median
				row.Advantage = row.Ratio
				if sc.LowerIsBetter {
					row.Advantage = row.Node.Median / row.Go.Median
				}
			}
			if row.Go.CPUPerOp > 0 && row.Node.CPUPerOp > 0 {
				row.CPUAdvantage = row.Node.CPUPerOp / row.Go.CPUPerOp
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func appendUnique(s []string, v string) []string {
	if len(v) > 200 {
		v = v[:200] + "…"
	}
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

func describeMachine(cfg Config) Machine {
	m := Machine{
		CPUs:         onlineCPUs(),
		LoadBefore:   loadavg(),
		Pinned:       cfg.ServerCPU >= 0,
		GoVersion:    runtime.Version(),
		Started:      time.Now(),
		Command:      strings.Join(os.Args, " "),
		Repetitions:  cfg.Reps,
		TimingConfig: cfg.Timing,
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPUModel = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		m.NoFile = rl.Cur
	}
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		m.PortRange = strings.Join(strings.Fields(string(b)), "-")
	}
	return m
}

// onlineCPUs counts the machine's processors (runtime.NumCPU only sees
// the ones this pinned process may use).
func onlineCPUs() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "processor") {
			n++
		}
	}
	return max(n, 1)
}

// RaiseFileLimit lifts RLIMIT_NOFILE as high as allowed (servers started
// later inherit it): 10k loopback connections need 10k descriptors in each
// process.
func RaiseFileLimit(want uint64) (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur >= want {
		return rl.Cur, nil
	}
	try := rl
	try.Cur = want
	if try.Max < want {
		try.Max = want
	}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &try) == nil {
		return want, nil
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	return rl.Cur, nil
}

package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server names.
const (
	Go   = "go"
	Node = "node"
)

// serverProc is a running bench server.
type serverProc struct {
	name string
	cmd  *exec.Cmd
	base string // http://host:port
	info string // the rest of the "listening" line (Node: native helpers)
	done chan struct{}
}

// Paths locates what the runner starts.
type Paths struct {
	// Root is the repository root (holding go.mod).
	Root string
	// GoServer is the built Go bench server binary.
	GoServer string
}

// Interop is the interop/ folder.
func (p Paths) Interop() string { return filepath.Join(p.Root, "interop") }

// FindRoot walks up from the working directory to the folder with go.mod.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("runner: no go.mod above the working directory")
		}
		dir = parent
	}
}

// BuildGoServer compiles examples/bench/server into dir and returns the
// binary's path.
func BuildGoServer(ctx context.Context, root, dir string) (string, error) {
	out := filepath.Join(dir, "sio-bench-server")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./examples/bench/server")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("runner: build Go bench server: %w\n%s", err, b)
	}
	return out, nil
}

// startServer starts one bench server on a free loopback port, pinned to
// cpu when cpu >= 0, and waits for its "listening" line.
func startServer(ctx context.Context, p Paths, name, parser string, cpu int, pprof bool) (*serverProc, error) {
	var argv []string
	var dir string
	env := os.Environ()
	switch name {
	case Go:
		argv = []string{p.GoServer, "-addr", "127.0.0.1:0", "-parser", parser}
		if pprof {
			argv = append(argv, "-pprof")
		}
	case Node:
		dir = p.Interop()
		argv = []string{"node", "--expose-gc", "bench/server.mjs", "--addr", "127.0.0.1:0", "--parser", parser}
		env = append(env, "NODE_PATH="+filepath.Join(dir, "bench", "node_modules"))
	default:
		return nil, fmt.Errorf("runner: unknown server %q", name)
	}
	if cpu >= 0 {
		argv = append([]string{"taskset", "-c", strconv.Itoa(cpu)}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("runner: start %s server: %w", name, err)
	}
	sp := &serverProc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(sp.done)
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	t := time.NewTimer(20 * time.Second)
	defer t.Stop()
	select {
	case line, ok := <-lines:
		f := strings.Fields(line)
		if !ok || len(f) < 2 || f[0] != "listening" {
			sp.stop()
			return nil, fmt.Errorf("runner: %s server did not start (first line %q)", name, line)
		}
		sp.base = "http://" + f[1]
		sp.info = strings.Join(f[2:], " ")
		return sp, nil
	case <-t.C:
		sp.stop()
		return nil, fmt.Errorf("runner: %s server: no listening line in 20s", name)
	case <-ctx.Done():
		sp.stop()
		return nil, ctx.Err()
	}
}

// stop ends the server: SIGTERM, then SIGKILL after 3 s.
func (sp *serverProc) stop() {
	if sp.cmd.Process == nil {
		return
	}
	sp.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-sp.done:
	case <-time.After(3 * time.Second):
		sp.cmd.Process.Kill()
		<-sp.done
	}
}

// cpu returns the server's user+system CPU time from /proc/<pid>/stat.
func (sp *serverProc) cpu() time.Duration {
	return procCPU(sp.cmd.Process.Pid)
}

// clockTick is USER_HZ, 100 on Linux.
const clockTick = 100

// procCPU reads utime+stime of a process.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTick
}

package nodetest

import (
	"bufio"
	"fmt"
	"io"
	"testing"
	"time"
)

// Lines is a long-lived node process that answers one line on stdout for
// every line written to its stdin: the oracles the codec cross-checks talk
// to. One process serves a whole test, so hundreds of cases cost one start.
type Lines struct {
	in  io.WriteCloser
	out *bufio.Reader
}

// StartLines starts `node script` (relative to interop/) and stops it when
// the test ends. The process is killed after deadline, so a call that never
// gets an answer fails instead of hanging the test.
func StartLines(t testing.TB, script string, deadline time.Duration) *Lines {
	t.Helper()
	cmd := Command(t, script)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("nodetest: start %s: %v", script, err)
	}
	timer := time.AfterFunc(deadline, func() { _ = cmd.Process.Kill() })
	t.Cleanup(func() {
		_ = in.Close()
		if err := cmd.Wait(); err != nil && !t.Failed() {
			t.Errorf("nodetest: %s exited: %v", script, err)
		}
		timer.Stop()
	})
	return &Lines{in: in, out: bufio.NewReaderSize(out, 1<<20)}
}

// Call writes req (without its newline) and returns the next line of
// output, without its newline.
func (l *Lines) Call(req []byte) ([]byte, error) {
	if _, err := l.in.Write(append(req, '\n')); err != nil {
		return nil, fmt.Errorf("nodetest: write: %w", err)
	}
	line, err := l.out.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("nodetest: read: %w", err)
	}
	return line[:len(line)-1], nil
}

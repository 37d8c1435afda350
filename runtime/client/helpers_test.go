package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/nodetest"
)

// waitLimit bounds every wait in these tests: they stop by themselves.
const waitLimit = 20 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// serverEvent is one line printed by interop/client/server.mjs.
type serverEvent struct {
	Ev        string         `json:"ev"`
	Port      int            `json:"port"`
	Nsp       string         `json:"nsp"`
	ID        string         `json:"id"`
	Engine    string         `json:"engine"`
	Recovered bool           `json:"recovered"`
	Auth      map[string]any `json:"auth"`
	Transport string         `json:"transport"`
	N         int            `json:"n"`
	Dup       bool           `json:"dup"`
	Reason    string         `json:"reason"`
	LastPing  int64          `json:"lastPing"`
	RoomSize  int            `json:"roomSize"`
	Event     string         `json:"event"`
	Message   string         `json:"message"`
}

// eventLog is the record of what a test server saw, in order.
type eventLog struct {
	t    testing.TB
	read chan struct{} // closed when no more events can come

	mu    sync.Mutex
	evs   []serverEvent
	taken []bool
	more  chan struct{} // closed and replaced when an event arrives
}

func newEventLog(t testing.TB) *eventLog {
	return &eventLog{t: t, read: make(chan struct{}), more: make(chan struct{})}
}

func (l *eventLog) add(ev serverEvent) {
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.taken = append(l.taken, false)
	close(l.more)
	l.more = make(chan struct{})
	l.mu.Unlock()
}

// peer is a Socket.IO server under test: the Node one or ours.
type peer interface {
	URL() string
	waitFor(match func(serverEvent) bool) serverEvent
}

// nodeServer is a running interop/client/server.mjs.
type nodeServer struct {
	*eventLog
	cmd   *exec.Cmd
	stdin io.WriteCloser
	port  int
	url   string
}

// URL returns the server's base URL.
func (s *nodeServer) URL() string { return s.url }

// startServer starts the Node Socket.IO server with opts (see server.mjs)
// and stops it when the test ends.
func startServer(t *testing.T, opts map[string]any) *nodeServer {
	t.Helper()
	js, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	cmd := nodetest.Command(t, "client/server.mjs", string(js))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	s := &nodeServer{eventLog: newEventLog(t), cmd: cmd, stdin: stdin}
	go func() {
		defer close(s.read)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var ev serverEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				continue
			}
			s.add(ev)
		}
		io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(s.stop)
	ev := s.waitFor(func(e serverEvent) bool { return e.Ev == "listening" })
	s.port = ev.Port
	s.url = fmt.Sprintf("http://127.0.0.1:%d", s.port)
	return s
}

// stop ends the server gracefully (stdin closed) and waits for it.
func (s *nodeServer) stop() {
	s.stdin.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	<-s.read
}

// kill ends the server abruptly (SIGKILL): its TCP connections are reset.
func (s *nodeServer) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	<-s.read
}

// send writes one command to the server.
func (s *nodeServer) send(cmd map[string]any) {
	s.t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := s.stdin.Write(append(b, '\n')); err != nil {
		s.t.Fatalf("server command %s: %v", b, err)
	}
}

// waitFor returns the first event not returned before that matches, waiting
// up to waitLimit.
func (s *eventLog) waitFor(match func(serverEvent) bool) serverEvent {
	s.t.Helper()
	return s.wait(match, true)
}

// waitSeen is waitFor counting events already returned too.
func (s *eventLog) waitSeen(match func(serverEvent) bool) serverEvent {
	s.t.Helper()
	return s.wait(match, false)
}

func (s *eventLog) wait(match func(serverEvent) bool, take bool) serverEvent {
	s.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	exited := false
	for {
		s.mu.Lock()
		for i, e := range s.evs {
			if (!take || !s.taken[i]) && match(e) {
				s.taken[i] = true
				s.mu.Unlock()
				return e
			}
		}
		more := s.more
		s.mu.Unlock()
		if exited {
			s.t.Fatalf("server exited before the awaited event")
		}
		select {
		case <-more:
		case <-s.read:
			exited = true
		case <-deadline.C:
			s.t.Fatalf("timed out waiting for a server event")
		}
	}
}

// events returns a copy of every event seen so far.
func (s *eventLog) events() []serverEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]serverEvent(nil), s.evs...)
}

// parsers are the two wire formats, by the name server.mjs takes.
var parsers = []struct {
	name  string
	codec socketio.Codec
}{
	{"json", socketio.JSON},
	{"msgpack", msgpack.Codec{}},
}

// inbox collects the events a socket receives, per name.
type inbox struct {
	mu   sync.Mutex
	evs  map[string][]*Event
	more chan struct{}
}

func newInbox() *inbox { return &inbox{evs: map[string][]*Event{}, more: make(chan struct{})} }

// handler returns an EventHandler recording into b.
func (b *inbox) handler() EventHandler {
	return func(_ context.Context, ev *Event) {
		b.mu.Lock()
		b.evs[ev.Name] = append(b.evs[ev.Name], ev)
		close(b.more)
		b.more = make(chan struct{})
		b.mu.Unlock()
	}
}

// wait returns the n-th (from 0) event named name.
func (b *inbox) wait(t *testing.T, name string, n int) *Event {
	t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		if evs := b.evs[name]; len(evs) > n {
			b.mu.Unlock()
			return evs[n]
		}
		more := b.more
		b.mu.Unlock()
		select {
		case <-more:
		case <-deadline.C:
			t.Fatalf("timed out waiting for event %q #%d", name, n)
		}
	}
}

func (b *inbox) count(name string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.evs[name])
}

// signal is a channel-backed record of callback invocations.
type signal struct {
	mu    sync.Mutex
	vals  []any
	times []time.Time
	more  chan struct{}
}

func newSignal() *signal { return &signal{more: make(chan struct{})} }

func (s *signal) add(v any) {
	s.mu.Lock()
	s.vals = append(s.vals, v)
	s.times = append(s.times, time.Now())
	close(s.more)
	s.more = make(chan struct{})
	s.mu.Unlock()
}

// wait blocks until at least n values were added and returns the n-th
// (from 1) with its time.
func (s *signal) wait(t *testing.T, n int) (any, time.Time) {
	t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.vals) >= n {
			v, at := s.vals[n-1], s.times[n-1]
			s.mu.Unlock()
			return v, at
		}
		more := s.more
		s.mu.Unlock()
		select {
		case <-more:
		case <-deadline.C:
			t.Fatalf("timed out waiting for callback #%d", n)
		}
	}
}

func (s *signal) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.vals)
}

func (s *signal) snapshot() ([]any, []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]any(nil), s.vals...), append([]time.Time(nil), s.times...)
}

// test is the time unit of backoff settings in tests.
const test = time.Millisecond

// sendEmit makes the server emit event with args to room.
func (s *nodeServer) sendEmit(room, event string, args ...any) error {
	s.send(map[string]any{"cmd": "emit", "room": room, "event": event, "args": args})
	return nil
}

package engineclient

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/internal/nodetest"
)

// waitLimit bounds every wait in these tests: they stop by themselves.
const waitLimit = 20 * time.Second

// nodeServer is the official engine.io echo server of
// interop/engineclient/server.mjs.
type nodeServer struct {
	url    string
	port   int
	events chan serverEvent
}

type serverEvent struct {
	Event     string `json:"event"`
	Port      int    `json:"port"`
	SID       string `json:"sid"`
	Transport string `json:"transport"`
	Reason    string `json:"reason"`
	Received  int    `json:"received"`
}

// startNode starts the node echo server with opts (see server.mjs) and stops
// it when the test ends.
func startNode(t *testing.T, opts map[string]any) *nodeServer {
	t.Helper()
	js, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	cmd := nodetest.Command(t, "engineclient/server.mjs", string(js))
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
	s := &nodeServer{events: make(chan serverEvent, 1024)}
	lines := make(chan serverEvent, 1)
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(stdout)
		first := true
		for sc.Scan() {
			var ev serverEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				continue
			}
			if first {
				lines <- ev
				first = false
				continue
			}
			select {
			case s.events <- ev:
			default: // nobody listens: drop
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		for range s.events {
		}
	})
	select {
	case ev := <-lines:
		if ev.Event != "listening" {
			t.Fatalf("node server: first event %+v", ev)
		}
		s.port = ev.Port
	case <-time.After(waitLimit):
		t.Fatal("node server did not start")
	}
	s.url = fmt.Sprintf("http://127.0.0.1:%d", s.port)
	return s
}

// waitEvent returns the next server event named name.
func (s *nodeServer) waitEvent(t *testing.T, name string) serverEvent {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("node server exited while waiting for %q", name)
			}
			if ev.Event == name {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %q event from the node server", name)
		}
	}
}

// recorder is a Handler that keeps everything it is told.
type recorder struct {
	mu       sync.Mutex
	packets  []engineio.Packet
	notify   chan struct{} // signalled on every packet
	upgraded chan string
	upErrs   chan error
	closed   chan struct{}
	reason   string
	err      error
	closedAt time.Time
	calls    int // OnClose calls
}

func newRecorder() *recorder {
	return &recorder{
		notify:   make(chan struct{}, 1),
		upgraded: make(chan string, 1),
		upErrs:   make(chan error, 4),
		closed:   make(chan struct{}),
	}
}

func (r *recorder) OnPacket(p engineio.Packet) {
	r.mu.Lock()
	r.packets = append(r.packets, p)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recorder) OnClose(reason string, err error) {
	now := time.Now()
	r.mu.Lock()
	r.calls++
	first := r.calls == 1
	if first {
		r.reason, r.err, r.closedAt = reason, err, now
	}
	r.mu.Unlock()
	if first {
		close(r.closed)
	}
}

func (r *recorder) OnUpgrade(transport string) { r.upgraded <- transport }
func (r *recorder) OnUpgradeError(err error)   { r.upErrs <- err }

// waitFor waits until cond holds over the packets received so far.
func (r *recorder) waitFor(t *testing.T, what string, cond func([]engineio.Packet) bool) {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		r.mu.Lock()
		ps := r.packets[:len(r.packets):len(r.packets)]
		r.mu.Unlock()
		if cond(ps) { // outside the lock: the handler keeps going
			return
		}
		select {
		case <-r.notify:
		case <-r.closed:
			r.mu.Lock()
			ok := cond(r.packets)
			reason, err := r.reason, r.err
			r.mu.Unlock()
			if !ok {
				t.Fatalf("connection closed (%s, %v) while waiting for %s", reason, err, what)
			}
			return
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitText waits for a text message equal to s.
func (r *recorder) waitText(t *testing.T, s string) {
	t.Helper()
	r.waitFor(t, fmt.Sprintf("message %q", s), func(ps []engineio.Packet) bool {
		for _, p := range ps {
			if !p.Binary && string(p.Data) == s {
				return true
			}
		}
		return false
	})
}

func (r *recorder) waitClosed(t *testing.T) (string, error) {
	t.Helper()
	select {
	case <-r.closed:
	case <-time.After(waitLimit):
		t.Fatal("OnClose was not called")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason, r.err
}

// Message helpers: the ordering protocol of server.mjs.
func textMsg(i int) engineio.Packet {
	return engineio.TextPacket(engineio.Message, fmt.Sprintf("t%d", i))
}

func binMsg(i int) engineio.Packet {
	b := make([]byte, 7)
	binary.BigEndian.PutUint32(b, uint32(i))
	b[4], b[5], b[6] = 'C', 0x00, 0xff
	return engineio.BinaryPacket(b)
}

// tally checks the received packets: client echoes t<i> and binary 'C'
// messages, server bursts s<i> and binary 'S' messages, each kind with
// i = 0, 1, 2, ... exactly once and in order; any "bad:" report fails.
type tally struct{ text, bin, stext, sbin int }

func count(t *testing.T, ps []engineio.Packet) (tally, error) {
	var c tally
	for _, p := range ps {
		if p.Binary {
			if len(p.Data) < 5 {
				return c, fmt.Errorf("short binary %x", p.Data)
			}
			i := int(binary.BigEndian.Uint32(p.Data))
			switch p.Data[4] {
			case 'C':
				if i != c.bin || len(p.Data) != 7 || p.Data[5] != 0 || p.Data[6] != 0xff {
					return c, fmt.Errorf("binary echo %x, want index %d", p.Data, c.bin)
				}
				c.bin++
			case 'S':
				if i != c.sbin {
					return c, fmt.Errorf("server binary %d, want %d", i, c.sbin)
				}
				c.sbin++
			default:
				return c, fmt.Errorf("unexpected binary %x", p.Data)
			}
			continue
		}
		s := string(p.Data)
		switch {
		case strings.HasPrefix(s, "bad:"):
			return c, fmt.Errorf("server reports %s", s)
		case strings.HasPrefix(s, "t"):
			if s[1:] != strconv.Itoa(c.text) {
				return c, fmt.Errorf("text echo %q, want t%d", s, c.text)
			}
			c.text++
		case strings.HasPrefix(s, "s"):
			if s[1:] != strconv.Itoa(c.stext) {
				return c, fmt.Errorf("server text %q, want s%d", s, c.stext)
			}
			c.stext++
		}
	}
	return c, nil
}

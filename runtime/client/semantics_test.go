package client

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		name   string
		jitter float64
		rand   float64
		want   []time.Duration
	}{
		{"no jitter doubles up to max", 0, 0, []time.Duration{1000, 2000, 4000, 5000, 5000}},
		// rand 0.25: floor(2.5)=2 is even → down by floor(0.25·0.5·ms).
		{"jitter down", 0.5, 0.25, []time.Duration{875, 1750, 3500, 5000}},
		// rand 0.15: floor(1.5)=1 is odd → up by floor(0.15·0.5·ms).
		{"jitter up", 0.5, 0.15, []time.Duration{1075, 2150, 4300, 5000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &backoff{min: time.Second, max: 5 * time.Second, jitter: tt.jitter, rand: func() float64 { return tt.rand }}
			for i, w := range tt.want {
				if got := b.duration(); got != w*time.Millisecond {
					t.Errorf("attempt %d: %v, want %v", i, got, w*time.Millisecond)
				}
			}
			b.reset()
			if b.attempts != 0 {
				t.Error("reset kept attempts")
			}
			b.attempts = 4000 // 2^4000 overflows float64
			if got := b.duration(); got != b.max {
				t.Errorf("overflowing attempt: %v", got)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.ReconnectionDelay != time.Second || o.ReconnectionDelayMax != 5*time.Second || o.RandomizationFactor != 0.5 || o.Timeout != 20*time.Second || o.Codec == nil {
		t.Errorf("defaults: %+v", o)
	}
	if o := (Options{RandomizationFactor: -1}).withDefaults(); o.RandomizationFactor != 0 {
		t.Errorf("negative jitter: %v", o.RandomizationFactor)
	}
}

func TestBadInput(t *testing.T) {
	for _, u := range []string{"ftp://x", "http://", "::"} {
		if _, err := NewManager(u, Options{}); err == nil {
			t.Errorf("NewManager(%q) succeeded", u)
		}
	}
	m, err := NewManager("http://127.0.0.1:1", Options{NoAutoConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, nsp := range []string{"chat", "/a,b"} {
		if _, err := m.Socket(nsp, SocketOptions{}); err == nil {
			t.Errorf("namespace %q accepted", nsp)
		}
	}
	s, err := m.Socket("", SocketOptions{})
	if err != nil || s.Namespace() != "/" {
		t.Fatalf("main namespace: %v %v", s, err)
	}
	if _, err := m.Socket("/", SocketOptions{}); err == nil {
		t.Error("second socket for a namespace accepted")
	}
	for _, ev := range []string{"connect", "disconnect", "connect_error", "newListener"} {
		if err := s.Emit(ev); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("emit %q: %v", ev, err)
		}
	}
	if err := s.Emit("x", func() {}); err == nil {
		t.Error("an argument the codec cannot encode was accepted")
	}
}

// TestOfflineSemantics checks the send buffer without any server: acks
// time out by context (and leave the buffer), Close fails the rest.
func TestOfflineSemantics(t *testing.T) {
	m, err := NewManager("http://127.0.0.1:1", Options{NoAutoConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Socket("/", SocketOptions{})
	if err := s.Emit("buffered", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Volatile().Emit("dropped", 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = s.EmitWithAck(ctx, "late", 1)
	if !errors.Is(err, ErrAckTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ack timeout: %v", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := s.EmitWithAck(cctx, "cancelled"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	pending := s.EmitAsync(context.Background(), "pending")
	s.mu.Lock()
	nbuf, nacks := len(s.sendBuf), len(s.acks)
	s.mu.Unlock()
	if nbuf != 2 || nacks != 1 {
		t.Errorf("buffer holds %d packets and %d acks, want 2 (buffered, pending) and 1", nbuf, nacks)
	}
	if _, err := pending.Result(); err == nil {
		t.Error("Result of a pending call returned no error")
	}
	m.Close()
	if _, err := pending.Wait(); !errors.Is(err, ErrClosed) {
		t.Errorf("pending ack after Close: %v", err)
	}
	if err := s.Emit("after"); !errors.Is(err, ErrClosed) {
		t.Errorf("emit after Close: %v", err)
	}
	if err := s.Open(); !errors.Is(err, ErrClosed) {
		t.Errorf("open after Close: %v", err)
	}
	m.Close() // again: no-op
}

// TestConnectFailures: a refused port without reconnection fails Connect
// with the transport error; with a limit of attempts, reconnect_failed.
func TestConnectFailures(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	ctx := testCtx(t)
	s, err := Dial(ctx, "http://"+addr+"/", Options{NoReconnection: true}, SocketOptions{})
	if err == nil || s != nil {
		t.Fatalf("Dial to a closed port: %v", err)
	}

	failed, attempts, rerrs := newSignal(), newSignal(), newSignal()
	m, err := NewManager("http://"+addr, Options{
		ReconnectionAttempts: 2,
		ReconnectionDelay:    10 * time.Millisecond,
		ReconnectionDelayMax: 20 * time.Millisecond,
		OnReconnectAttempt:   func(n int) { attempts.add(n) },
		OnReconnectError:     func(err error) { rerrs.add(err) },
		OnReconnectFailed:    func() { failed.add(true) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	connectErrs := newSignal()
	sock, _ := m.Socket("/", SocketOptions{OnConnectError: func(err error) { connectErrs.add(err) }})
	if err := sock.Connect(ctx); !errors.Is(err, ErrReconnectFailed) {
		t.Errorf("Connect: %v, want ErrReconnectFailed", err)
	}
	failed.wait(t, 1)
	// Connect errors reach the socket on its own callback goroutine, which
	// may run after the Manager's OnReconnectFailed: wait for the third.
	connectErrs.wait(t, 3)
	time.Sleep(50 * time.Millisecond) // a fourth would show up by now
	if attempts.len() != 2 || rerrs.len() != 2 || connectErrs.len() != 3 {
		t.Errorf("%d attempts, %d reconnect errors, %d connect errors; want 2, 2, 3", attempts.len(), rerrs.len(), connectErrs.len())
	}
}

// TestSemanticsAgainstNode covers ack timeouts, the retry queue, volatile
// and buffered emits, AuthFunc, a server-side namespace disconnect, and
// Close from a handler, against the Node server.
func TestSemanticsAgainstNode(t *testing.T) {
	srv := startServer(t, map[string]any{})
	ctx := testCtx(t)

	t.Run("ack timeout forgets the ack", func(t *testing.T) {
		s, err := Dial(ctx, srv.url, Options{}, SocketOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Manager().Close()
		tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if _, err := s.EmitWithAck(tctx, "noack", 1); !errors.Is(err, ErrAckTimeout) {
			t.Fatalf("got %v", err)
		}
		srv.waitFor(func(e serverEvent) bool { return e.Ev == "noack" && e.N == 1 })
		s.mu.Lock()
		n := len(s.acks)
		s.mu.Unlock()
		if n != 0 {
			t.Errorf("%d ack entries left after the timeout", n)
		}
	})

	t.Run("retries resend until acked, then give up", func(t *testing.T) {
		s, err := Dial(ctx, srv.url, Options{}, SocketOptions{Retries: 2, AckTimeout: 150 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Manager().Close()
		// Queued in order, one in flight at a time; the server acks each
		// number only on its second receipt.
		c7 := s.EmitAsync(ctx, "flaky", 7)
		c8 := s.EmitAsync(ctx, "flaky", 8)
		for _, c := range []*Call{c7, c8} {
			if _, err := c.Wait(); err != nil {
				t.Fatal(err)
			}
		}
		srv.waitSeen(func(e serverEvent) bool { return e.Ev == "flaky" && e.N == 8 && e.Dup })
		var order []int
		for _, e := range srv.events() {
			if e.Ev == "flaky" && (e.N == 7 || e.N == 8) {
				order = append(order, e.N)
			}
		}
		if len(order) != 4 || order[0] != 7 || order[1] != 7 || order[2] != 8 || order[3] != 8 {
			t.Errorf("server received %v, want [7 7 8 8] (one in flight at a time)", order)
		}
		// noack never answers: Retries+1 = 3 tries, then ErrAckTimeout.
		if _, err := s.EmitWithAck(ctx, "noack", 9); !errors.Is(err, ErrAckTimeout) {
			t.Errorf("exhausted retries: %v", err)
		}
		for i := 0; i < 3; i++ {
			srv.waitFor(func(e serverEvent) bool { return e.Ev == "noack" && e.N == 9 })
		}
		// Emit goes through the queue too (and asks for an ack).
		if err := s.Emit("seq", 1000); err != nil {
			t.Fatal(err)
		}
		srv.waitFor(func(e serverEvent) bool { return e.Ev == "seq" && e.N == 1000 })
	})

	t.Run("buffered emits flush in order, volatile ones drop", func(t *testing.T) {
		m, err := NewManager(srv.url, Options{NoAutoConnect: true})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		s, _ := m.Socket("/", SocketOptions{})
		s.Emit("seq", 2001)
		s.Volatile().Emit("seq", 2002)
		c := s.EmitAsync(ctx, "seq", 2003)
		s.Emit("seq", 2004)
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		s.Emit("seq", 2005)
		if _, err := c.Wait(); err != nil {
			t.Fatal(err)
		}
		srv.waitFor(func(e serverEvent) bool { return e.Ev == "seq" && e.N == 2005 })
		// Connected now, a volatile emit goes once the transport is idle
		// (one made while a write is on the network is dropped).
		arrived := func() bool {
			return slices.ContainsFunc(srv.events(), func(e serverEvent) bool { return e.Ev == "seq" && e.N == 2006 })
		}
		for deadline := time.Now().Add(waitLimit); !arrived(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no volatile emit arrived on an idle connection")
			}
			s.Volatile().Emit("seq", 2006)
		}
		var got []int
		for _, e := range srv.events() {
			if e.Ev == "seq" && e.N > 2000 && e.N < 3000 && !(e.N == 2006 && slices.Contains(got, 2006)) {
				got = append(got, e.N)
			}
		}
		want := []int{2001, 2003, 2004, 2005, 2006}
		if len(got) != len(want) {
			t.Fatalf("server got %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("server got %v, want %v", got, want)
			}
		}
	})

	t.Run("AuthFunc runs per connect; server disconnect stops the socket", func(t *testing.T) {
		calls := 0
		disc := newSignal()
		m, err := NewManager(srv.url, Options{ReconnectionDelay: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		s, _ := m.Socket("/chat", SocketOptions{
			AuthFunc: func(context.Context) (map[string]any, error) {
				calls++
				return map[string]any{"n": calls}, nil
			},
			OnDisconnect: func(r string) { disc.add(r) },
		})
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		if w := askWhoami(t, s); w.Auth["n"] != float64(1) {
			t.Errorf("first auth %v", w.Auth)
		}
		id := s.ID()
		srv.send(map[string]any{"cmd": "cut", "nsp": "/chat"})
		disc.wait(t, 1)
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		if w := askWhoami(t, s); w.Auth["n"] != float64(2) || w.ID == id {
			t.Errorf("auth after reconnect %v (id %q, before %q)", w.Auth, w.ID, id)
		}
		srv.send(map[string]any{"cmd": "disconnect", "nsp": "/chat"})
		if r, _ := disc.wait(t, 2); r != ReasonServerDisconnect {
			t.Errorf("reason %q", r)
		}
		if s.Connected() {
			t.Error("connected after a server disconnect")
		}
		if err := s.Connect(ctx); err != nil { // explicit reconnect works
			t.Fatal(err)
		}
	})

	t.Run("Close from a handler and no goroutine left", func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		s, err := Dial(ctx, srv.url, Options{}, SocketOptions{})
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan error, 1)
		s.On("echo", func(hctx context.Context, ev *Event) {
			// A handler may wait for an ack: the network side resolves it.
			_, err := s.EmitWithAck(hctx, "ack", 1)
			if err != nil {
				closed <- err
				return
			}
			s.Manager().Close() // must not deadlock on its own callback goroutine
			closed <- hctx.Err()
		})
		pending := s.EmitAsync(context.Background(), "noack", 5)
		s.Emit("echo", 1)
		select {
		case err := <-closed:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("handler: %v (its ctx should be cancelled by Close)", err)
			}
		case <-ctx.Done():
			t.Fatal("handler did not run")
		}
		if _, err := pending.Wait(); !errors.Is(err, ErrClosed) {
			t.Errorf("pending ack: %v", err)
		}
		s.Manager().Close() // waits for the callback goroutine to end
	})
}

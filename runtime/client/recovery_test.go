package client

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/siogen/sio/runtime/engineclient"
)

// gate lets a test keep the client from reconnecting: while closed, every
// new TCP connection of the client fails.
type gate struct {
	closed atomic.Bool
	d      net.Dialer
}

func (g *gate) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.closed.Load() {
		return nil, errors.New("gate closed")
	}
	return g.d.DialContext(ctx, network, addr)
}

// TestRecovery: with connectionStateRecovery on the Node server, the server
// cuts the transport (socket.conn.close()), emits to the client's room while
// the client cannot reconnect, then lets it back: the client reports
// Recovered, keeps its id and rooms, and receives the missed events in
// order. With recovery off the same cut gives a fresh session.
func TestRecovery(t *testing.T) {
	for _, p := range parsers {
		for _, tr := range []string{engineclient.Polling, engineclient.WebSocket} {
			t.Run(p.name+"/"+tr, func(t *testing.T) { testRecovery(t, p.name, tr, true) })
		}
	}
	t.Run("off", func(t *testing.T) { testRecovery(t, "json", engineclient.WebSocket, false) })
}

func testRecovery(t *testing.T, parser, transport string, recovery bool) {
	ctx := testCtx(t)
	srv := startServer(t, map[string]any{"parser": parser, "recovery": recovery})
	g := &gate{}
	reconnectErrs := newSignal()
	opts := Options{
		OnReconnectError:     func(err error) { reconnectErrs.add(err) },
		ReconnectionDelay:    50 * test,
		ReconnectionDelayMax: 200 * test,
		Engine:               engineclient.Options{Transports: []string{transport}, NetDial: g.dial},
	}
	for _, p := range parsers {
		if p.name == parser {
			opts.Codec = p.codec
		}
	}
	opts.NoAutoConnect = true // handlers first, then Connect (the server greets on connection)
	m, err := NewManager(srv.url, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	disconnects, connects := newSignal(), newSignal()
	s, err := m.Socket("/", SocketOptions{
		Auth:         map[string]any{"user": "bob"},
		OnDisconnect: func(r string) { disconnects.add(r) },
		OnConnect:    func() { connects.add(true) },
	})
	if err != nil {
		t.Fatal(err)
	}
	in := newInbox()
	s.On("welcome", in.handler())
	s.On("news", in.handler())
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	in.wait(t, "welcome", 0) // gives the client a first offset
	if _, err := s.EmitWithAck(ctx, "join", "r"); err != nil {
		t.Fatal(err)
	}
	if err := srv.sendEmit("r", "news", 0); err != nil {
		t.Fatal(err)
	}
	srv.waitFor(func(e serverEvent) bool { return e.Ev == "emitted" })
	in.wait(t, "news", 0)
	id := s.ID()

	g.closed.Store(true)
	srv.send(map[string]any{"cmd": "cut"})
	if r, _ := disconnects.wait(t, 1); r != ReasonTransportClose {
		t.Errorf("disconnect reason %q, want %q", r, ReasonTransportClose)
	}
	srv.waitFor(func(e serverEvent) bool { return e.Ev == "disconnect" && e.ID == id })
	for i := 1; i <= 3; i++ {
		srv.sendEmit("r", "news", i)
		if e := srv.waitFor(func(e serverEvent) bool { return e.Ev == "emitted" }); e.RoomSize != 0 {
			t.Fatalf("the room still has %d members while the client is cut off", e.RoomSize)
		}
	}
	reconnectErrs.wait(t, 1) // it tried, and could not
	g.closed.Store(false)
	connects.wait(t, 2)
	conn := srv.waitFor(func(e serverEvent) bool { return e.Ev == "connection" && e.Recovered == recovery })

	if !recovery {
		if s.Recovered() || s.ID() == id {
			t.Errorf("recovery off: recovered %v, id %q (was %q)", s.Recovered(), s.ID(), id)
		}
		if n := in.count("news"); n != 1 {
			t.Errorf("recovery off: %d news events, want only the first", n)
		}
		return
	}
	if !s.Recovered() || s.ID() != id || conn.ID != id {
		t.Fatalf("recovered %v, id %q (server %q), want %q", s.Recovered(), s.ID(), conn.ID, id)
	}
	for i := 1; i <= 3; i++ {
		ev := in.wait(t, "news", i)
		var n int
		var offset string
		if err := ev.Decode(0, &n); err != nil || n != i {
			t.Errorf("missed event #%d: %d %v", i, n, err)
		}
		if ev.Len() != 2 || ev.Decode(1, &offset) != nil || offset == "" {
			t.Errorf("missed event #%d: want the offset as last argument, got %d args", i, ev.Len())
		}
	}
	w := askWhoami(t, s)
	if !w.Recovered || !slices.Contains(w.Rooms, "r") || w.Auth["user"] != "bob" {
		t.Errorf("server side after recovery: %+v", w)
	}
	if _, ok := w.Auth["pid"]; !ok {
		t.Errorf("CONNECT auth carried no pid: %v", w.Auth)
	}
	// Live events keep flowing and a second cut recovers again.
	srv.sendEmit("r", "news", 4)
	srv.waitFor(func(e serverEvent) bool { return e.Ev == "emitted" })
	in.wait(t, "news", 4)
	srv.send(map[string]any{"cmd": "cut"})
	disconnects.wait(t, 2)
	connects.wait(t, 3)
	if !s.Recovered() || s.ID() != id {
		t.Errorf("second recovery: recovered %v id %q", s.Recovered(), s.ID())
	}
	if n := in.count("news"); n != 5 {
		t.Errorf("%d news events after the second recovery, want 5 (nothing replayed twice)", n)
	}
}

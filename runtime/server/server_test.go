package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/siogen/sio/runtime/engine"
	"github.com/siogen/sio/runtime/server"
)

// connectRaw joins nsp ("/" or "/x") and returns the socket id.
func (c *rawClient) connect(nsp string, auth string) string {
	c.t.Helper()
	prefix := "40"
	if nsp != "/" {
		prefix += nsp + ","
	}
	c.send(prefix + auth)
	rest := c.expectPrefix(prefix)
	var reply struct {
		SID string `json:"sid"`
		PID string `json:"pid"`
	}
	if err := json.Unmarshal([]byte(rest), &reply); err != nil {
		c.t.Fatalf("CONNECT reply %q: %v", rest, err)
	}
	return reply.SID
}

// events records strings from handlers running on other goroutines.
type events struct {
	mu  sync.Mutex
	got []string
	ch  chan struct{}
}

func newEvents() *events { return &events{ch: make(chan struct{}, 1000)} }

func (e *events) add(format string, args ...any) {
	e.mu.Lock()
	e.got = append(e.got, fmt.Sprintf(format, args...))
	e.mu.Unlock()
	e.ch <- struct{}{}
}

// wait returns the recorded strings once there are n of them.
func (e *events) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		e.mu.Lock()
		if len(e.got) >= n {
			out := slices.Clone(e.got)
			e.mu.Unlock()
			return out
		}
		e.mu.Unlock()
		select {
		case <-e.ch:
		case <-deadline:
			e.mu.Lock()
			defer e.mu.Unlock()
			t.Fatalf("waited for %d events, got %q", n, e.got)
		}
	}
}

func TestMiddleware(t *testing.T) {
	srv := server.New(server.Options{})
	var order []string
	var mu sync.Mutex
	step := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	srv.Use(func(_ context.Context, s *server.Socket) error {
		step("first")
		var auth struct {
			Mode string `json:"mode"`
		}
		_ = s.DecodeAuth(&auth)
		switch auth.Mode {
		case "data":
			return &server.ConnectError{Message: "nope", Data: map[string]any{"code": 1}}
		case "plain":
			return errors.New("boom")
		case "panic":
			panic("middleware panic")
		}
		s.SetData("from middleware")
		return nil
	})
	srv.Use(func(_ context.Context, s *server.Socket) error {
		step("second")
		s.Join("vip", "tmp") // takes effect on connection
		s.Leave("tmp")
		return nil
	})
	got := newEvents()
	srv.OnConnection(func(s *server.Socket) {
		rooms := slices.DeleteFunc(s.Rooms(), func(r string) bool { return r == s.ID() })
		got.add("connected %v %v", s.Data(), rooms)
	})
	base := serve(t, srv)

	c := dialRaw(t, base)
	c.send(`40{"mode":"data"}`)
	c.expect(`44{"message":"nope","data":{"code":1}}`)
	c.send(`40{"mode":"plain"}`)
	c.expect(`44{"message":"boom"}`)
	c.send(`40{"mode":"panic"}`)
	c.expectPrefix(`44{"message":"server: handler panicked: middleware panic"`)
	c.connect("/", `{"mode":"ok"}`)
	if ev := got.wait(t, 1); ev[0] != "connected from middleware [vip]" {
		t.Errorf("connection handler: %q", ev)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"first", "first", "first", "first", "second"}; !slices.Equal(order, want) {
		t.Errorf("middleware calls %v, want %v", order, want)
	}
}

func TestEventDispatch(t *testing.T) {
	srv := server.New(server.Options{})
	got := newEvents()
	nsp := srv.Of("/")
	nsp.UseEvents(func(_ context.Context, _ *server.Socket, ev *server.Event) error {
		if ev.Name == "forbidden" {
			return errors.New("not allowed")
		}
		return nil
	})
	nsp.On("shared", func(_ context.Context, _ *server.Socket, ev *server.Event) { got.add("namespace shared") })
	nsp.OnAny(func(_ context.Context, _ *server.Socket, ev *server.Event) { got.add("any %s/%d", ev.Name, ev.Len()) })
	nsp.On("forbidden", func(context.Context, *server.Socket, *server.Event) { got.add("forbidden handled") })
	nsp.OnConnection(func(s *server.Socket) {
		// registered before any event of the socket is handled
		s.On("shared", func(_ context.Context, _ *server.Socket, ev *server.Event) {
			var n int
			_ = ev.Decode(0, &n)
			got.add("socket shared %d", n)
		})
		s.Use(func(_ context.Context, _ *server.Socket, ev *server.Event) error {
			if ev.Name == "socket-forbidden" {
				return errors.New("socket says no")
			}
			return nil
		})
		s.OnError(func(err error) { got.add("error %v", err) })
	})
	nsp.On("acks", func(_ context.Context, _ *server.Socket, ev *server.Event) {
		e1 := ev.Ack([]byte{1, 2}, "x")
		e2 := ev.Ack()
		got.add("acks %v %v", e1, errors.Is(e2, server.ErrAlreadyAcked))
	})
	nsp.On("no-ack", func(_ context.Context, _ *server.Socket, ev *server.Event) {
		got.add("no-ack %v", errors.Is(ev.Ack(), server.ErrNoAck))
	})
	base := serve(t, srv)
	c := dialRaw(t, base)
	c.connect("/", "")
	c.send(`42["shared",7]`)
	c.send(`42["unknown",1,2]`)
	c.send(`42["forbidden"]`)
	c.send(`42["socket-forbidden"]`)
	c.send(`425["acks"]`)
	c.send(`42["no-ack"]`)
	c.expect(`461-5[{"_placeholder":true,"num":0},"x"]`)
	if b, op, err := c.read(); err != nil || op != ws.OpBinary || b != "\x01\x02" {
		t.Fatalf("attachment: %q %v %v", b, op, err)
	}
	want := []string{
		"socket shared 7",
		"any unknown/2",
		"error not allowed",
		"error socket says no",
		"acks <nil> true",
		"no-ack true",
	}
	if ev := got.wait(t, len(want)); !slices.Equal(ev, want) {
		t.Errorf("events %q, want %q", ev, want)
	}
}

func TestEmitErrors(t *testing.T) {
	srv := server.New(server.Options{})
	if err := srv.Emit("disconnect"); !errors.Is(err, server.ErrReservedEvent) {
		t.Errorf("reserved event: %v", err)
	}
	if err := srv.Emit("x", func() {}); err == nil {
		t.Error("an argument that does not encode must fail")
	}
}

func TestSocketIdentityAndHandshake(t *testing.T) {
	srv := server.New(server.Options{})
	hsc := make(chan *server.Socket, 1)
	srv.OnConnection(func(s *server.Socket) { hsc <- s })
	base := serve(t, srv)
	c := dialRaw(t, base)
	sid := c.connect("/", `{"token":"t"}`)
	s := <-hsc
	h := s.Handshake()
	switch {
	case s.ID() != sid || len(sid) != 20:
		t.Errorf("socket id %q, reply %q", s.ID(), sid)
	case s.ID() == s.Conn().ID():
		t.Error("socket id equals the Engine.IO sid")
	case h.Auth["token"] != "t":
		t.Errorf("auth %v", h.Auth)
	case h.Query.Get("EIO") != "4" || !strings.HasPrefix(h.URL, "/socket.io/?"):
		t.Errorf("query %v url %q", h.Query, h.URL)
	case h.Address != "127.0.0.1" || h.Headers.Get("Upgrade") == "" || h.Issued == 0 || !strings.HasPrefix(h.Headers.Get("Host"), "127.0.0.1:"):
		t.Errorf("handshake %+v", h)
	case s.Transport() != "websocket" || s.Recovered():
		t.Errorf("transport %q recovered %v", s.Transport(), s.Recovered())
	}
	if got := s.Rooms(); !slices.Equal(got, []string{sid}) {
		t.Errorf("rooms %v, want the own room", got)
	}
}

func TestDisconnect(t *testing.T) {
	srv := server.New(server.Options{})
	got := newEvents()
	sockets := make(chan *server.Socket, 10)
	record := func(s *server.Socket) {
		s.OnDisconnecting(func(r string) { got.add("disconnecting %s %s %d", s.Namespace().Name(), r, len(s.Rooms())) })
		sockets <- s
	}
	srv.OnConnection(record)
	srv.Of("/b").OnConnection(record)
	srv.Of("/").OnDisconnect(func(s *server.Socket, r string) { got.add("disconnect / %s %d", r, len(s.Rooms())) })
	base := serve(t, srv)

	c := dialRaw(t, base)
	c.connect("/", "")
	s := <-sockets
	s.Join("room")
	s.Disconnect(false)
	c.expect("41")
	want := []string{"disconnecting / server namespace disconnect 2", "disconnect / server namespace disconnect 0"}
	if ev := got.wait(t, 2); !slices.Equal(ev, want) {
		t.Errorf("events %q, want %q", ev, want)
	}
	// the connection stays usable
	c.connect("/", "")
	<-sockets
	c.connect("/b", "")
	sb := <-sockets
	sb.Disconnect(true)
	got1, _, _ := c.read()
	got2, _, _ := c.read()
	if pair := []string{got1, got2}; !slices.Contains(pair, "41") || !slices.Contains(pair, "41/b,") {
		t.Errorf("DISCONNECT packets %q", pair)
	}
	c.expectClosed()
	ev := got.wait(t, 5)[2:]
	slices.Sort(ev)
	want = []string{"disconnect / server namespace disconnect 0", "disconnecting / server namespace disconnect 1", "disconnecting /b server namespace disconnect 1"}
	if !slices.Equal(ev, want) {
		t.Errorf("events %q, want %q", ev, want)
	}
}

func TestClientNamespaceDisconnectAndTransportClose(t *testing.T) {
	srv := server.New(server.Options{})
	got := newEvents()
	srv.OnConnection(func(s *server.Socket) {
		s.OnDisconnect(func(r string) { got.add("%s", r) })
	})
	base := serve(t, srv)
	c := dialRaw(t, base)
	c.connect("/", "")
	c.send("41")
	c.connect("/", "")
	c.conn.Close()
	// Two sockets, each with its own sequence: their disconnect handlers
	// are not ordered with respect to each other.
	ev := got.wait(t, 2)
	slices.Sort(ev)
	if !slices.Equal(ev, []string{"client namespace disconnect", "transport close"}) {
		t.Errorf("reasons %q", ev)
	}
}

func TestConnectTimeout(t *testing.T) {
	srv := server.New(server.Options{ConnectTimeout: 100 * time.Millisecond})
	base := serve(t, srv)
	c := dialRaw(t, base)
	c.expectClosed()
	// joining in time keeps the connection
	c2 := dialRaw(t, base)
	c2.connect("/", "")
	time.Sleep(200 * time.Millisecond)
	c2.send(`42["x"]`)
	c2.send("40/nope,")
	c2.expect(`44/nope,{"message":"Invalid namespace"}`)
}

func TestEmitWithAck(t *testing.T) {
	srv := server.New(server.Options{})
	sockets := make(chan *server.Socket, 1)
	srv.OnConnection(func(s *server.Socket) { sockets <- s })
	base := serve(t, srv)
	c := dialRaw(t, base)
	c.connect("/", "")
	s := <-sockets

	type result struct {
		args *server.Args
		err  error
	}
	res := make(chan result, 1)
	go func() {
		a, err := s.EmitWithAck(context.Background(), "q", 1)
		res <- result{a, err}
	}()
	c.expect(`420["q",1]`)
	c.send(`430["answer",{"n":2}]`)
	r := <-res
	var answer string
	var obj struct {
		N int `json:"n"`
	}
	if r.err != nil || r.args.Len() != 2 || r.args.DecodeAll(&answer, &obj) != nil || answer != "answer" || obj.N != 2 {
		t.Fatalf("ack: %v %v", r.args, r.err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.EmitWithAck(ctx, "q", 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timeout: %v", err)
	}
	c.expect(`421["q",2]`)
	c.send(`431["late"]`) // ignored

	go func() {
		a, err := s.EmitWithAck(context.Background(), "q", 3)
		res <- result{a, err}
	}()
	c.expect(`422["q",3]`)
	c.send("41")
	if r := <-res; !errors.Is(r.err, server.ErrDisconnected) {
		t.Fatalf("disconnect while waiting: %v", r.err)
	}
	if err := s.Emit("after"); !errors.Is(err, server.ErrDisconnected) {
		t.Errorf("emit after disconnect: %v", err)
	}
}

func TestBroadcastEmitWithAck(t *testing.T) {
	srv := server.New(server.Options{})
	base := serve(t, srv)
	var cs []*rawClient
	for range 3 {
		c := dialRaw(t, base)
		c.connect("/", "")
		cs = append(cs, c)
	}
	type result struct {
		args []*server.Args
		err  error
	}
	res := make(chan result, 1)
	go func() {
		a, err := srv.Of("/").EmitWithAck(context.Background(), "poll")
		res <- result{a, err}
	}()
	for i, c := range cs {
		c.expect(`420["poll"]`)
		if i == 2 {
			c.conn.Close() // gone: not waited for
			continue
		}
		c.send(fmt.Sprintf(`430[%d]`, i))
	}
	r := <-res
	if r.err != nil || len(r.args) != 2 {
		t.Fatalf("answers %d, %v", len(r.args), r.err)
	}
	var sum int
	for _, a := range r.args {
		var n int
		_ = a.Decode(0, &n)
		sum += n
	}
	if sum != 1 {
		t.Errorf("answers sum %d", sum)
	}
	// with a timeout: the silent client makes it fail with what arrived
	go func() {
		a, err := srv.Of("/").Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "poll")
		res <- result{a, err}
	}()
	cs[0].expect(`421["poll"]`)
	cs[1].expect(`421["poll"]`)
	cs[0].send(`431["a"]`)
	r = <-res
	if !errors.Is(r.err, context.DeadlineExceeded) || len(r.args) != 1 {
		t.Fatalf("timeout: %d answers, %v", len(r.args), r.err)
	}
	// no target: returns at once
	if a, err := srv.To("empty").EmitWithAck(context.Background(), "poll"); err != nil || len(a) != 0 {
		t.Fatalf("no target: %v %v", a, err)
	}
	if a, err := srv.Of("/").ServerSideEmitWithAck(context.Background(), "x"); err != nil || len(a) != 0 {
		t.Fatalf("server-side emit: %v %v", a, err)
	}
}

func TestServerSideOperations(t *testing.T) {
	srv := server.New(server.Options{})
	nsp := srv.Of("/")
	sockets := make(chan *server.Socket, 3)
	nsp.OnConnection(func(s *server.Socket) { sockets <- s })
	base := serve(t, srv)
	var cs []*rawClient
	var ids []string
	for i := range 3 {
		c := dialRaw(t, base)
		ids = append(ids, c.connect("/", fmt.Sprintf(`{"i":%d}`, i)))
		cs = append(cs, c)
		s := <-sockets
		s.SetData(i)
	}
	ctx := context.Background()
	if err := nsp.Except(ids[2]).SocketsJoin("g"); err != nil {
		t.Fatal(err)
	}
	rs, err := nsp.In("g").FetchSockets(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("fetch: %d %v", len(rs), err)
	}
	for _, r := range rs {
		if r.Local() == nil || !slices.Contains(r.Rooms, "g") || r.Data == 2 || r.Handshake == nil {
			t.Errorf("fetched %+v", r)
		}
	}
	if err := rs[0].Emit("direct", "x"); err != nil {
		t.Fatal(err)
	}
	cs[slices.Index(ids, rs[0].ID)].expect(`42["direct","x"]`)
	if err := nsp.In("g").Emit("to-g"); err != nil {
		t.Fatal(err)
	}
	cs[0].expect(`42["to-g"]`)
	cs[1].expect(`42["to-g"]`)
	if err := nsp.SocketsLeave("g"); err != nil {
		t.Fatal(err)
	}
	if rs, _ := nsp.In("g").FetchSockets(ctx); len(rs) != 0 {
		t.Errorf("%d sockets still in g", len(rs))
	}
	if err := nsp.In(ids[1]).DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	cs[1].expect("41")
	if err := nsp.DisconnectSockets(true); err != nil {
		t.Fatal(err)
	}
	cs[0].expect("41")
	cs[0].expectClosed()
	cs[2].expect("41")
	cs[2].expectClosed()
	if err := nsp.ServerSideEmit("x", 1); err != nil {
		t.Error(err)
	}
}

func TestDynamicNamespaces(t *testing.T) {
	srv := server.New(server.Options{CleanupEmptyChildNamespaces: true})
	got := newEvents()
	parent := srv.OfRegexp(regexp.MustCompile(`^/room-\d+$`))
	parent.Use(func(_ context.Context, s *server.Socket) error {
		if s.Handshake().Auth["ok"] != true {
			return errors.New("parent says no")
		}
		return nil
	})
	parent.OnConnection(func(s *server.Socket) { got.add("parent connection %s", s.Namespace().Name()) })
	parent.On("hello", func(_ context.Context, s *server.Socket, ev *server.Event) { _ = ev.Ack(s.Namespace().Name()) })
	byFunc := srv.OfFunc(func(_ context.Context, name string, auth *server.Args) (bool, error) {
		var a struct {
			Key string `json:"key"`
		}
		if auth.Len() == 1 {
			_ = auth.Decode(0, &a)
		}
		return strings.HasPrefix(name, "/key-") && a.Key == name[5:], nil
	})
	byFunc.OnConnection(func(s *server.Socket) { got.add("func connection %s", s.Namespace().Name()) })
	base := serve(t, srv)

	c := dialRaw(t, base)
	c.send(`40/room-1,{"ok":false}`)
	c.expect(`44/room-1,{"message":"parent says no"}`)
	c.connect("/room-1", `{"ok":true}`)
	c.send(`42/room-1,1["hello"]`)
	c.expect(`43/room-1,1["/room-1"]`)
	c.send(`40/room-x,{"ok":true}`)
	c.expect(`44/room-x,{"message":"Invalid namespace"}`)
	c.send(`40/key-abc,{"key":"nope"}`)
	c.expect(`44/key-abc,{"message":"Invalid namespace"}`)
	c.connect("/key-abc", `{"key":"abc"}`)
	got.wait(t, 2)
	if n := len(parent.Children()); n != 1 {
		t.Errorf("%d children", n)
	}
	if err := parent.Emit("all-children", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`42/room-1,["all-children",1]`)
	if err := parent.To("nobody").Emit("nobody"); err != nil {
		t.Fatal(err)
	}
	if err := parent.Except("nobody").To().Emit("except", 2); err != nil {
		t.Fatal(err)
	}
	c.expect(`42/room-1,["except",2]`)

	// the emptied child goes away, and comes back on demand
	c.send("41/room-1,")
	deadline := time.Now().Add(5 * time.Second)
	for len(parent.Children()) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("empty child namespace not removed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.connect("/room-1", `{"ok":true}`)
	if n := len(parent.Children()); n != 1 {
		t.Errorf("%d children after reconnecting", n)
	}
	// Of with a matching name attaches the namespace to the parent
	srv.Of("/room-9")
	if n := len(parent.Children()); n != 2 {
		t.Errorf("Of(/room-9): %d children", n)
	}
}

func TestServerClose(t *testing.T) {
	srv := server.New(server.Options{})
	got := newEvents()
	srv.OnConnection(func(s *server.Socket) { s.OnDisconnect(func(r string) { got.add("%s", r) }) })
	base := serve(t, srv)
	c := dialRaw(t, base)
	c.connect("/", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	c.expectClosed()
	if ev := got.wait(t, 1); ev[0] != "server shutting down" {
		t.Errorf("reason %q", ev[0])
	}
}

func TestRecoveryRaw(t *testing.T) {
	for _, run := range []bool{false, true} {
		t.Run(fmt.Sprintf("RunMiddlewares=%v", run), func(t *testing.T) {
			srv := server.New(server.Options{ConnectionStateRecovery: &server.RecoveryOptions{RunMiddlewares: run}})
			got := newEvents()
			srv.Use(func(_ context.Context, s *server.Socket) error { got.add("middleware"); return nil })
			sockets := make(chan *server.Socket, 2)
			srv.OnConnection(func(s *server.Socket) {
				s.SetData("kept")
				if s.Recovered() {
					got.add("recovered %v %v", s.Data(), slices.Contains(s.Rooms(), "news"))
				}
				sockets <- s
			})
			base := serve(t, srv)
			c := dialRaw(t, base)
			c.send("40")
			var reply struct{ SID, PID string }
			_ = json.Unmarshal([]byte(c.expectPrefix("40")), &reply)
			if reply.PID == "" || reply.SID == "" {
				t.Fatalf("CONNECT reply without pid: %+v", reply)
			}
			s := <-sockets
			s.Join("news")
			_ = srv.To("news").Emit("n", 1)
			text := c.expectPrefix(`42["n",1,"`)
			offset := strings.TrimSuffix(text, `"]`)
			if err := s.Emit("own"); err != nil {
				t.Fatal(err)
			}
			c.expectPrefix(`42["own","`)
			c.conn.Close()
			for s.Connected() {
				time.Sleep(time.Millisecond)
			}
			_ = srv.To("news").Emit("n", 2)
			_ = srv.Of("/").Volatile().Emit("volatile")

			c2 := dialRaw(t, base)
			c2.send(fmt.Sprintf(`40{"pid":%q,"offset":%q}`, reply.PID, offset))
			var reply2 struct{ SID, PID string }
			_ = json.Unmarshal([]byte(c2.expectPrefix("40")), &reply2)
			if reply2 != reply {
				t.Errorf("recovered as %+v, was %+v", reply2, reply)
			}
			c2.expectPrefix(`42["own","`)
			c2.expectPrefix(`42["n",2,"`)
			want := []string{"middleware", "recovered kept true"}
			if run {
				want = []string{"middleware", "middleware", "recovered kept true"}
			}
			if ev := got.wait(t, len(want)); !slices.Equal(ev, want) {
				t.Errorf("events %q, want %q", ev, want)
			}
			// a stale pid gets a new session
			c3 := dialRaw(t, base)
			c3.send(fmt.Sprintf(`40{"pid":%q,"offset":%q}`, reply.PID, offset))
			var reply3 struct{ SID, PID string }
			_ = json.Unmarshal([]byte(c3.expectPrefix("40")), &reply3)
			if reply3.SID == reply.SID || reply3.PID == reply.PID {
				t.Errorf("a session was recovered twice: %+v", reply3)
			}
		})
	}
}

// TestPendingEventsBound disconnects a client that floods a socket whose
// handler is busy.
func TestPendingEventsBound(t *testing.T) {
	srv := server.New(server.Options{MaxPendingEvents: 3})
	release := make(chan struct{})
	srv.On("slow", func(context.Context, *server.Socket, *server.Event) { <-release })
	base := serve(t, srv)
	defer close(release)
	c := dialRaw(t, base)
	c.connect("/", "")
	for range 10 {
		c.send(`42["slow"]`)
	}
	c.expectClosed()
}

// TestPingTimeoutReason: a client that stops answering pings disconnects
// its sockets with "ping timeout".
func TestPingTimeoutReason(t *testing.T) {
	srv := server.New(server.Options{Engine: engine.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}})
	got := newEvents()
	srv.OnConnection(func(s *server.Socket) { s.OnDisconnect(func(r string) { got.add("%s", r) }) })
	base := serve(t, srv)
	c := dialRaw(t, base)
	c.connect("/", "") // then never reads, so never answers a ping
	if ev := got.wait(t, 1); ev[0] != "ping timeout" {
		t.Errorf("reason %q", ev[0])
	}
}

// TestSocketContext: the context handlers get is the socket's, and it ends
// when the socket disconnects, including one first asked for afterwards
// (the runtime creates it on first use).
func TestSocketContext(t *testing.T) {
	srv := server.New(server.Options{})
	type pair struct {
		s   *server.Socket
		ctx context.Context
	}
	events := make(chan pair, 2)
	sockets := make(chan *server.Socket, 2)
	left := make(chan struct{}, 2)
	srv.OnConnection(func(s *server.Socket) {
		s.On("ctx", func(ctx context.Context, s *server.Socket, ev *server.Event) { events <- pair{s, ctx} })
		s.OnDisconnect(func(string) { left <- struct{}{} })
		sockets <- s
	})
	base := serve(t, srv)

	c := dialRaw(t, base)
	c.connect("/", "")
	<-sockets
	c.send(`42["ctx"]`)
	p := <-events
	if p.ctx != p.s.Context() {
		t.Fatal("the handler's context is not the socket's")
	}
	if p.ctx.Err() != nil {
		t.Fatalf("context ended while connected: %v", p.ctx.Err())
	}
	c.send("41")
	select {
	case <-p.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("context still open 5 s after the disconnect")
	}

	// A socket whose context nobody asked for until after it left.
	c.connect("/", "")
	s := <-sockets
	<-left
	c.send("41")
	select {
	case <-left:
	case <-time.After(5 * time.Second):
		t.Fatal("no disconnect 5 s after DISCONNECT")
	}
	if err := s.Context().Err(); err != context.Canceled {
		t.Fatalf("context of a disconnected socket: %v, want context.Canceled", err)
	}
}

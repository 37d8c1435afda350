package redisadapter_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	redisadapter "github.com/siogen/sio/runtime/adapter/redis"
	"github.com/siogen/sio/runtime/server"
)

// cluster is three sio servers sharing one Redis: a and b with the JSON
// codec, c with msgpack (so arguments cross codecs), and five clients:
// a1 (room r1), a2, b1 (r1, r2), b2, c1 (r2).
type cluster struct {
	a, b, c            *node
	a1, a2, b1, b2, c1 *gclient
	all                []*gclient
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	key := testKey(t)
	cl := &cluster{
		a: startNode(t, key, "a", socketio.JSON),
		b: startNode(t, key, "b", socketio.JSON),
		c: startNode(t, key, "c", msgpack.Codec{}),
	}
	cl.a1 = dial(t, cl.a, "a1", socketio.JSON)
	cl.a2 = dial(t, cl.a, "a2", socketio.JSON)
	cl.b1 = dial(t, cl.b, "b1", socketio.JSON)
	cl.b2 = dial(t, cl.b, "b2", socketio.JSON)
	cl.c1 = dial(t, cl.c, "c1", msgpack.Codec{})
	cl.all = []*gclient{cl.a1, cl.a2, cl.b1, cl.b2, cl.c1}
	cl.a1.join(t, "r1")
	cl.b1.join(t, "r1", "r2")
	cl.c1.join(t, "r2")
	return cl
}

func (cl *cluster) each(want string) map[*gclient][]string {
	m := make(map[*gclient][]string)
	for _, c := range cl.all {
		m[c] = []string{want}
	}
	return m
}

func only(want string, cs ...*gclient) map[*gclient][]string {
	m := make(map[*gclient][]string)
	for _, c := range cs {
		m[c] = []string{want}
	}
	return m
}

func TestClusterBroadcast(t *testing.T) {
	cl := startCluster(t)
	tests := []struct {
		name string
		from *node
		emit func(n *node) error
		want map[*gclient][]string
	}{
		{"all, every JSON type and binary", cl.a, func(n *node) error {
			return n.srv.Emit("all", 1, -2.5, "two", true, nil, []any{1, "x"}, map[string]any{"k": map[string]any{"n": 3}}, []byte{1, 2, 3})
		}, cl.each(`all [1,-2.5,"two",true,null,[1,"x"],{"k":{"n":3}},"AQID"]`)},
		{"from the msgpack server", cl.c, func(n *node) error {
			return n.srv.Emit("all", map[string]any{"bin": []byte{0xff}, "f": 0.5})
		}, cl.each(`all [{"bin":"/w==","f":0.5}]`)},
		{"one room", cl.b, func(n *node) error { return n.srv.To("r1").Emit("r1") }, only("r1 []", cl.a1, cl.b1)},
		{"two rooms", cl.c, func(n *node) error { return n.srv.To("r1", "r2").Emit("r12") }, only("r12 []", cl.a1, cl.b1, cl.c1)},
		{"except", cl.a, func(n *node) error { return n.srv.Except("r1").Emit("x") }, only("x []", cl.a2, cl.b2, cl.c1)},
		{"room except room", cl.a, func(n *node) error { return n.srv.To("r2").Except("r1").Emit("y") }, only("y []", cl.c1)},
		{"local", cl.b, func(n *node) error { return n.srv.Of("/").Local().Emit("l") }, only("l []", cl.b1, cl.b2)},
		{"volatile, no compression", cl.a, func(n *node) error {
			return n.srv.Of("/").Volatile().Compress(false).To("r2").Emit("v")
		}, only("v []", cl.b1, cl.c1)},
		{"a socket's room", cl.c, func(n *node) error { return n.srv.To(cl.a2.s.ID()).Emit("direct", "hi") }, only(`direct ["hi"]`, cl.a2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.emit(tt.from); err != nil {
				t.Fatal(err)
			}
			fence(t, tt.from, cl.all, tt.want)
		})
	}
}

func TestClusterBroadcastWithAck(t *testing.T) {
	cl := startCluster(t)
	tests := []struct {
		name  string
		from  *node
		op    func(n *node) server.BroadcastOperator
		names []string
	}{
		{"all from a", cl.a, func(n *node) server.BroadcastOperator { return n.srv.Of("/").Timeout(waitFor) }, []string{"a1", "a2", "b1", "b2", "c1"}},
		{"all from the msgpack server", cl.c, func(n *node) server.BroadcastOperator { return n.srv.Of("/").Timeout(waitFor) }, []string{"a1", "a2", "b1", "b2", "c1"}},
		{"room r2 from a (no local target)", cl.a, func(n *node) server.BroadcastOperator { return n.srv.To("r2") }, []string{"b1", "c1"}},
		{"except r1 from b", cl.b, func(n *node) server.BroadcastOperator { return n.srv.Except("r1") }, []string{"a2", "b2", "c1"}},
		{"local", cl.b, func(n *node) server.BroadcastOperator { return n.srv.Of("/").Local() }, []string{"b1", "b2"}},
		{"nobody", cl.b, func(n *node) server.BroadcastOperator { return n.srv.To("empty") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.op(tt.from).EmitWithAck(ctxT(t), "ask", 7)
			if err != nil {
				t.Fatalf("EmitWithAck: %v (%d answers)", err, len(res))
			}
			var names []string
			for _, a := range res {
				var s string
				if err := a.Decode(0, &s); err != nil {
					t.Fatal(err)
				}
				names = append(names, s)
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.names) {
				t.Fatalf("answers %v, want %v", names, tt.names)
			}
			want := make(map[*gclient][]string)
			for _, c := range cl.all {
				if slices.Contains(tt.names, c.name) {
					want[c] = []string{"ask [7]"}
				}
			}
			fence(t, tt.from, cl.all, want)
		})
	}
}

func TestClusterFetchSocketsAndRemoteOperations(t *testing.T) {
	cl := startCluster(t)
	ctx := ctxT(t)
	byName := func(rs []*server.RemoteSocket) map[string]*server.RemoteSocket {
		m := make(map[string]*server.RemoteSocket)
		for _, r := range rs {
			data, _ := r.Data.(map[string]any)
			name, _ := data["name"].(string)
			m[name] = r
		}
		return m
	}
	names := func(rs []*server.RemoteSocket) []string {
		var out []string
		for n := range byName(rs) {
			out = append(out, n)
		}
		slices.Sort(out)
		return out
	}

	rs, err := cl.a.srv.Of("/").FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(rs); !slices.Equal(got, []string{"a1", "a2", "b1", "b2", "c1"}) {
		t.Fatalf("fetched %v", got)
	}
	m := byName(rs)
	b1 := m["b1"]
	if b1.ID != cl.b1.s.ID() || b1.Local() != nil {
		t.Errorf("b1: id %q (want %q), local %v", b1.ID, cl.b1.s.ID(), b1.Local())
	}
	slices.Sort(b1.Rooms)
	if want := []string{"r1", "r2", b1.ID}; !slices.Equal(b1.Rooms, slices.Sorted(slices.Values(want))) {
		t.Errorf("b1 rooms %v", b1.Rooms)
	}
	if d := b1.Data.(map[string]any); d["node"] != "b" {
		t.Errorf("b1 data %v", d)
	}
	hs := b1.Handshake
	if hs == nil || hs.Auth["name"] != "b1" || hs.Address == "" || hs.Issued == 0 || hs.Time.IsZero() ||
		hs.Query.Get("EIO") != "4" || len(hs.Headers) == 0 {
		t.Errorf("b1 handshake %+v", hs)
	}
	if m["a1"].Local() == nil {
		t.Error("a1 is local to a")
	}
	if c1 := m["c1"]; c1 == nil || c1.Handshake == nil || c1.Handshake.Auth["name"] != "c1" {
		t.Errorf("c1 (msgpack server) %+v", c1)
	}

	// Fetch with a selection.
	rs, err = cl.c.srv.In("r1").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"a1", "b1"}) {
		t.Fatalf("fetch r1 from c: %v %v", got, err)
	}
	rs, err = cl.b.srv.In("r2").Except("r1").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"c1"}) {
		t.Fatalf("fetch r2 except r1 from b: %v %v", got, err)
	}
	rs, err = cl.b.srv.Of("/").Local().FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"b1", "b2"}) {
		t.Fatalf("local fetch: %v %v", got, err)
	}

	// socketsJoin / socketsLeave across servers.
	if err := cl.b.srv.In("r1").SocketsJoin("r9"); err != nil {
		t.Fatal(err)
	}
	rs, err = cl.c.srv.In("r9").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"a1", "b1"}) {
		t.Fatalf("after join: %v %v", got, err)
	}
	if err := cl.c.srv.Of("/").SocketsLeave("r9"); err != nil {
		t.Fatal(err)
	}
	rs, err = cl.c.srv.In("r9").FetchSockets(ctx)
	if got := names(rs); err != nil || len(got) != 0 {
		t.Fatalf("after leave: %v %v", got, err)
	}

	// A remote socket: emit, emit with ack, join, disconnect.
	rs, _ = cl.a.srv.Of("/").FetchSockets(ctx)
	c1 := byName(rs)["c1"]
	if err := c1.Emit("direct", "hi"); err != nil {
		t.Fatal(err)
	}
	cl.c1.expect(t, `direct ["hi"]`)
	ack, err := c1.EmitWithAck(ctx, "ask")
	if err != nil {
		t.Fatal(err)
	}
	var who string
	if err := ack.Decode(0, &who); err != nil || who != "c1" {
		t.Fatalf("ack %q %v", who, err)
	}
	cl.c1.expect(t, "ask []")
	if err := c1.Join("r7"); err != nil {
		t.Fatal(err)
	}
	if err := cl.a.srv.To("r7").Emit("r7"); err != nil {
		t.Fatal(err)
	}
	cl.c1.expect(t, "r7 []")
	if err := c1.Disconnect(false); err != nil {
		t.Fatal(err)
	}
	cl.c1.expect(t, "disconnect io server disconnect")
	if err := cl.b.srv.In("r1").DisconnectSockets(true); err != nil {
		t.Fatal(err)
	}
	cl.a1.expect(t, "disconnect io server disconnect")
	cl.b1.expect(t, "disconnect io server disconnect")
	rs, err = cl.a.srv.Of("/").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"a2", "b2"}) {
		t.Fatalf("after disconnects: %v %v", got, err)
	}
}

func TestClusterServerSideEmit(t *testing.T) {
	key := testKey(t)
	nodes := []*node{
		startNode(t, key, "a", socketio.JSON),
		startNode(t, key, "b", socketio.JSON),
		startNode(t, key, "c", msgpack.Codec{}),
	}
	type got struct {
		node string
		args string
	}
	received := make(chan got, 16)
	for _, n := range nodes {
		n.srv.Of("/").OnServerSideEmit("hello", func(args *server.Args, reply func(...any) error) {
			vals := make([]any, args.Len())
			for i := range vals {
				_ = args.Decode(i, &vals[i])
			}
			received <- got{n.name, fmt.Sprint(normalizeNumbers(vals))}
			if reply != nil {
				_ = reply(map[string]any{"from": n.name})
			}
		})
	}
	ctx := ctxT(t)
	if err := nodes[0].srv.Of("/").ServerSideEmit("hello", 1, "x", map[string]any{"k": []any{true}}); err != nil {
		t.Fatal(err)
	}
	var from []string
	for range 2 {
		select {
		case g := <-received:
			from = append(from, g.node)
			if g.args != "[1 x map[k:[true]]]" {
				t.Errorf("%s received %s", g.node, g.args)
			}
		case <-ctx.Done():
			t.Fatal("server-side emit not received")
		}
	}
	slices.Sort(from)
	if !slices.Equal(from, []string{"b", "c"}) {
		t.Fatalf("received by %v", from)
	}

	for _, sender := range []*node{nodes[0], nodes[2]} {
		res, err := sender.srv.Of("/").ServerSideEmitWithAck(ctx, "hello", 2)
		if err != nil {
			t.Fatalf("from %s: %v", sender.name, err)
		}
		var answers []string
		for _, a := range res {
			var v map[string]string
			if err := a.Decode(0, &v); err != nil {
				t.Fatal(err)
			}
			answers = append(answers, v["from"])
		}
		slices.Sort(answers)
		want := []string{"a", "b", "c"}
		want = slices.DeleteFunc(want, func(s string) bool { return s == sender.name })
		if !slices.Equal(answers, want) {
			t.Fatalf("answers to %s: %v", sender.name, answers)
		}
		for range 2 {
			<-received
		}
	}
	select {
	case g := <-received:
		t.Fatalf("unexpected delivery to %s (a server received its own emit?)", g.node)
	default:
	}
}

func TestClusterServerCountAndLeave(t *testing.T) {
	key := testKey(t)
	a := startNode(t, key, "a", socketio.JSON)
	b := startNode(t, key, "b", socketio.JSON)
	c := startNode(t, key, "c", socketio.JSON)
	ca := dial(t, a, "ca", socketio.JSON)
	dial(t, b, "cb", socketio.JSON)
	dial(t, c, "cc", socketio.JSON)
	ctx := ctxT(t)
	count := func() int {
		n, err := a.srv.Of("/").Adapter().ServerCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 3 {
		t.Fatalf("server count %d, want 3", n)
	}
	// Another namespace has its own count.
	if n, err := b.srv.Of("/other").Adapter().ServerCount(ctx); err != nil || n != 1 {
		t.Fatalf("server count of /other: %d %v", n, err)
	}

	c.close()
	// Redis drops the subscriptions of the closed connection promptly;
	// poll until it has.
	for deadline := time.Now().Add(waitFor); count() != 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("server count still %d after c left", count())
		}
	}
	rs, err := a.srv.Of("/").FetchSockets(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("fetch after c left: %d sockets, %v", len(rs), err)
	}
	res, err := a.srv.Of("/").Timeout(waitFor).EmitWithAck(ctx, "ask")
	if err != nil || len(res) != 2 {
		t.Fatalf("broadcast with acks after c left: %d answers, %v", len(res), err)
	}
	ca.expect(t, "ask []")
}

// TestConcurrentBroadcasts sends from every server at once; each client
// gets every message exactly once, and each server's messages in order.
func TestConcurrentBroadcasts(t *testing.T) {
	cl := startCluster(t)
	const per = 50
	var wg sync.WaitGroup
	for _, n := range []*node{cl.a, cl.b, cl.c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				if err := n.srv.Emit("n", n.name, i); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, c := range cl.all {
		next := map[string]int{}
		for range 3 * per {
			ev := c.next(t)
			var from string
			var i int
			if _, err := fmt.Sscanf(ev, "n [%q,%d]", &from, &i); err != nil {
				t.Fatalf("%s: %q: %v", c.name, ev, err)
			}
			if i != next[from] {
				t.Fatalf("%s: from %s got %d, want %d", c.name, from, i, next[from])
			}
			next[from]++
		}
	}
}

// TestSpecificResponseChannel runs requests between servers that answer on
// the requester's own response channel.
func TestSpecificResponseChannel(t *testing.T) {
	opts := redisadapter.Options{Key: testKey(t), PublishOnSpecificResponseChannel: true, RequestsTimeout: waitFor}
	a := startNodeOpts(t, newRedisClient(t), "a", socketio.JSON, opts)
	b := startNodeOpts(t, newRedisClient(t), "b", socketio.JSON, opts)
	dial(t, a, "ca", socketio.JSON)
	cb := dial(t, b, "cb", socketio.JSON)
	ctx := ctxT(t)
	rs, err := a.srv.Of("/").FetchSockets(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("fetch: %d %v", len(rs), err)
	}
	res, err := a.srv.Of("/").Timeout(waitFor).EmitWithAck(ctx, "ask")
	if err != nil || len(res) != 2 {
		t.Fatalf("broadcast with acks: %d %v", len(res), err)
	}
	cb.expect(t, "ask []")
}

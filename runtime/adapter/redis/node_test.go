package redisadapter_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/nodetest"
	"github.com/siogen/sio/runtime/server"
)

// nodePeer drives interop/redis/peer.mjs: a Node socket.io server with
// @socket.io/redis-adapter and official socket.io-client clients.
type nodePeer struct {
	t     *testing.T
	lines *nodetest.Lines
	url   string
}

func startNodePeer(t *testing.T, key string) *nodePeer {
	t.Helper()
	p := &nodePeer{t: t, lines: nodetest.StartLines(t, "redis/peer.mjs", 2*time.Minute)}
	var res struct{ Port int }
	p.call(t, &res, map[string]any{"op": "start", "redis": "redis://" + redisAddr, "key": key})
	p.url = "http://127.0.0.1:" + itoa(res.Port)
	return p
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// call sends one command and decodes its answer into out (may be nil).
func (p *nodePeer) call(t *testing.T, out any, cmd map[string]any) {
	t.Helper()
	req, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	line, err := p.lines.Call(req)
	if err != nil {
		t.Fatalf("node %s: %v", cmd["op"], err)
	}
	var e struct{ Error string }
	if json.Unmarshal(line, &e) == nil && e.Error != "" {
		t.Fatalf("node %s: %s", cmd["op"], e.Error)
	}
	if out != nil {
		if err := json.Unmarshal(line, out); err != nil {
			t.Fatalf("node %s: answer %s: %v", cmd["op"], line, err)
		}
	}
}

// nclient is an official socket.io-client in the Node peer.
type nclient struct {
	p    *nodePeer
	name string
	id   string
}

func (p *nodePeer) dial(name, url string) *nclient {
	p.t.Helper()
	var res struct{ ID string }
	p.call(p.t, &res, map[string]any{"op": "connect", "name": name, "url": url})
	return &nclient{p: p, name: name, id: res.ID}
}

func (c *nclient) join(rooms ...string) {
	c.p.t.Helper()
	var res struct{ Ack any }
	c.p.call(c.p.t, &res, map[string]any{"op": "clientEmitAck", "name": c.name, "event": "join", "args": []any{rooms}})
}

// expect checks the client's events up to and including the next fence.
func (c *nclient) expect(t *testing.T, want ...string) {
	t.Helper()
	var res struct{ Events []string }
	c.p.call(t, &res, map[string]any{"op": "events", "name": c.name})
	want = append(slices.Clone(want), "fence []")
	if !slices.Equal(res.Events, want) {
		t.Fatalf("%s (node client): events %q, want %q", c.name, res.Events, want)
	}
}

// TestNodeInterop puts a sio server (JSON codec) and a Node socket.io server
// with @socket.io/redis-adapter in one cluster, with a Go and a Node client
// on each: g1 (Go client on Go, r1), j1 (Node client on Go, r2), n1 (Go
// client on Node, r1), m1 (Node client on Node, r2).
func TestNodeInterop(t *testing.T) {
	key := testKey(t)
	g := startNode(t, key, "go", socketio.JSON)
	g.srv.Of("/").OnServerSideEmit("hello", func(args *server.Args, reply func(...any) error) {
		goSSE <- args
		if reply != nil {
			_ = reply(map[string]any{"from": "go"})
		}
	})
	p := startNodePeer(t, key)
	nodeSrv := &node{name: "node", url: p.url}

	g1 := dial(t, g, "g1", socketio.JSON)
	n1 := dial(t, nodeSrv, "n1", socketio.JSON)
	j1 := p.dial("j1", g.url)
	m1 := p.dial("m1", p.url)
	g1.join(t, "r1")
	n1.join(t, "r1")
	j1.join("r2")
	m1.join("r2")
	goClients := []*gclient{g1, n1}

	// expectAll checks every client's events up to the fence.
	expectAll := func(t *testing.T, want map[string][]string) {
		t.Helper()
		for _, c := range goClients {
			c.expect(t, append(slices.Clone(want[c.name]), "fence []")...)
		}
		for _, c := range []*nclient{j1, m1} {
			c.expect(t, want[c.name]...)
		}
	}
	every := func(ev string) map[string][]string {
		return map[string][]string{"g1": {ev}, "n1": {ev}, "j1": {ev}, "m1": {ev}}
	}
	goFence := func(t *testing.T) {
		if err := g.srv.Emit("fence"); err != nil {
			t.Fatal(err)
		}
	}
	nodeEmit := func(t *testing.T, cmd map[string]any) {
		cmd["op"] = "emit"
		p.call(t, nil, cmd)
	}
	nodeFence := func(t *testing.T) { nodeEmit(t, map[string]any{"event": "fence"}) }

	t.Run("server count", func(t *testing.T) {
		n, err := g.srv.Of("/").Adapter().ServerCount(ctxT(t))
		var res struct{ Count int }
		p.call(t, &res, map[string]any{"op": "serverCount"})
		if err != nil || n != 2 || res.Count != 2 {
			t.Fatalf("go counts %d (%v), node counts %d", n, err, res.Count)
		}
	})

	const allArgs = `[1,-2.5,"two",true,null,[1,"x"],{"a":{"n":3},"b":"c"},"AQID"]`
	t.Run("go broadcasts every JSON type and binary", func(t *testing.T) {
		if err := g.srv.Emit("all", 1, -2.5, "two", true, nil, []any{1, "x"}, map[string]any{"b": "c", "a": map[string]any{"n": 3}}, []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		goFence(t)
		expectAll(t, every("all "+allArgs))
	})
	t.Run("node broadcasts every JSON type and binary", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "all", "args": []any{1, -2.5, "two", true, nil, []any{1, "x"},
			map[string]any{"b": "c", "a": map[string]any{"n": 3}}, map[string]string{"$bin": "AQID"}}})
		nodeFence(t)
		expectAll(t, every("all "+allArgs))
	})
	// Object keys keep their order across the Redis hop in both directions
	// (JSON -> msgpack on the wire -> JSON), as they do between Node servers.
	const ordered = `ordered [{"z":1,"a":{"y":2,"b":[{"d":4,"c":3}]},"m":"x"}]`
	type inner struct {
		D int `json:"d"`
		C int `json:"c"`
	}
	type middle struct {
		Y int     `json:"y"`
		B []inner `json:"b"`
	}
	type outer struct {
		Z int    `json:"z"`
		A middle `json:"a"`
		M string `json:"m"`
	}
	t.Run("go broadcast keeps object key order", func(t *testing.T) {
		if err := g.srv.Emit("ordered", outer{Z: 1, A: middle{Y: 2, B: []inner{{D: 4, C: 3}}}, M: "x"}); err != nil {
			t.Fatal(err)
		}
		goFence(t)
		expectAll(t, every(ordered))
	})
	t.Run("node broadcast keeps object key order", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "ordered", "args": json.RawMessage(strings.TrimPrefix(ordered, "ordered "))})
		nodeFence(t)
		expectAll(t, every(ordered))
	})
	t.Run("go to a room", func(t *testing.T) {
		if err := g.srv.To("r2").Emit("r2", "x"); err != nil {
			t.Fatal(err)
		}
		goFence(t)
		expectAll(t, map[string][]string{"j1": {`r2 ["x"]`}, "m1": {`r2 ["x"]`}})
	})
	t.Run("node to a room", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "r1", "rooms": []string{"r1"}})
		nodeFence(t)
		expectAll(t, map[string][]string{"g1": {"r1 []"}, "n1": {"r1 []"}})
	})
	t.Run("go except a room, two rooms", func(t *testing.T) {
		if err := g.srv.Except("r1").Emit("x"); err != nil {
			t.Fatal(err)
		}
		if err := g.srv.To("r1", "r2").Except(m1.id).Emit("y"); err != nil {
			t.Fatal(err)
		}
		goFence(t)
		expectAll(t, map[string][]string{"j1": {"x []", "y []"}, "m1": {"x []"}, "g1": {"y []"}, "n1": {"y []"}})
	})
	t.Run("node except a room, two rooms, local", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "x", "except": []string{"r2"}})
		nodeEmit(t, map[string]any{"event": "y", "rooms": []string{"r1", "r2"}, "except": []string{g1.s.ID()}})
		nodeEmit(t, map[string]any{"event": "z", "local": true})
		nodeFence(t)
		expectAll(t, map[string][]string{"g1": {"x []"}, "n1": {"x []", "y []", "z []"}, "j1": {"y []"}, "m1": {"y []", "z []"}})
	})
	t.Run("go to a node client's own room", func(t *testing.T) {
		if err := g.srv.To(m1.id).Emit("direct", []byte{0xfe}); err != nil {
			t.Fatal(err)
		}
		goFence(t)
		expectAll(t, map[string][]string{"m1": {`direct ["/g=="]`}})
	})

	t.Run("go broadcast with acks", func(t *testing.T) {
		res, err := g.srv.Of("/").Timeout(waitFor).EmitWithAck(ctxT(t), "ask", 7)
		if err != nil {
			t.Fatalf("%v (%d answers)", err, len(res))
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
		if !slices.Equal(names, []string{"g1", "j1", "m1", "n1"}) {
			t.Fatalf("answers %v", names)
		}
		goFence(t)
		expectAll(t, every("ask [7]"))
	})
	t.Run("node broadcast with acks", func(t *testing.T) {
		var res struct{ Responses []string }
		p.call(t, &res, map[string]any{"op": "emitWithAck", "event": "ask", "args": []any{8}, "except": []string{"nobody"}})
		slices.Sort(res.Responses)
		if !slices.Equal(res.Responses, []string{"g1", "j1", "m1", "n1"}) {
			t.Fatalf("answers %v", res.Responses)
		}
		nodeFence(t)
		expectAll(t, every("ask [8]"))
	})

	t.Run("go fetches node sockets", func(t *testing.T) {
		rs, err := g.srv.Of("/").FetchSockets(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		var m1s *server.RemoteSocket
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
			if r.ID == m1.id {
				m1s = r
			}
		}
		if len(rs) != 4 || m1s == nil {
			t.Fatalf("fetched %v", ids)
		}
		slices.Sort(m1s.Rooms)
		if !slices.Equal(m1s.Rooms, slices.Sorted(slices.Values([]string{m1.id, "r2"}))) {
			t.Errorf("m1 rooms %v", m1s.Rooms)
		}
		if d, _ := m1s.Data.(map[string]any); d["name"] != "m1" || d["node"] != "node" {
			t.Errorf("m1 data %v", m1s.Data)
		}
		hs := m1s.Handshake
		if hs == nil || hs.Auth["name"] != "m1" || hs.Address == "" || hs.Issued == 0 || hs.Time.IsZero() ||
			hs.Query.Get("EIO") != "4" || hs.Headers.Get("Host") == "" || !strings.HasPrefix(hs.URL, "/socket.io/") {
			t.Errorf("m1 handshake %+v", hs)
		}
		if !hs.Time.Equal(time.UnixMilli(hs.Issued)) {
			t.Errorf("m1 handshake time %v, issued %d", hs.Time, hs.Issued)
		}
		// act on it
		if err := m1s.Emit("direct", "to m1"); err != nil {
			t.Fatal(err)
		}
		goFence(t)
		expectAll(t, map[string][]string{"m1": {`direct ["to m1"]`}})
	})
	t.Run("node fetches go sockets", func(t *testing.T) {
		var res struct {
			Sockets []struct {
				ID        string
				Rooms     []string
				Data      map[string]any
				Handshake struct {
					Auth    map[string]any
					Time    string
					Issued  float64
					Address string
					URL     string
					Query   map[string]any
					Headers map[string]any
				}
			}
		}
		p.call(t, &res, map[string]any{"op": "fetch", "rooms": []string{"r1"}})
		if len(res.Sockets) != 2 {
			t.Fatalf("fetched %+v", res.Sockets)
		}
		for _, s := range res.Sockets {
			if s.ID != g1.s.ID() {
				continue
			}
			hs := s.Handshake
			if s.Data["name"] != "g1" || s.Data["node"] != "go" || !slices.Equal(s.Rooms, slices.Sorted(slices.Values([]string{"r1", s.ID}))) ||
				hs.Auth["name"] != "g1" || hs.Issued == 0 || !strings.Contains(hs.Time, " GMT") || hs.Query["EIO"] != "4" ||
				hs.Headers["user-agent"] == nil || !strings.HasPrefix(hs.URL, "/socket.io/") {
				t.Errorf("g1 as node sees it: %+v", s)
			}
			return
		}
		t.Fatalf("g1 not fetched: %+v", res.Sockets)
	})

	t.Run("server-side emit both ways", func(t *testing.T) {
		ctx := ctxT(t)
		if err := g.srv.Of("/").ServerSideEmit("hello", 1, "go", map[string]any{"k": true}); err != nil {
			t.Fatal(err)
		}
		res, err := g.srv.Of("/").ServerSideEmitWithAck(ctx, "hello", 2)
		if err != nil || len(res) != 1 {
			t.Fatalf("go → node with ack: %d answers, %v", len(res), err)
		}
		var ans map[string]string
		if err := res[0].Decode(0, &ans); err != nil || ans["from"] != "node" {
			t.Fatalf("answer %v %v", ans, err)
		}
		var evs struct{ Events [][]any }
		p.call(t, &evs, map[string]any{"op": "serverSideEvents"})
		b, _ := json.Marshal(evs.Events)
		if string(b) != `[[1,"go",{"k":true}],[2]]` {
			t.Fatalf("node received %s", b)
		}

		p.call(t, nil, map[string]any{"op": "serverSideEmit", "event": "hello", "args": []any{"from node", 3}})
		var r struct{ Responses []map[string]string }
		p.call(t, &r, map[string]any{"op": "serverSideEmitWithAck", "event": "hello", "args": []any{4}})
		if len(r.Responses) != 1 || r.Responses[0]["from"] != "go" {
			t.Fatalf("node → go with ack: %v", r.Responses)
		}
		for _, want := range []string{`["from node",3]`, `[4]`} {
			select {
			case a := <-goSSE:
				vals := make([]any, a.Len())
				for i := range vals {
					_ = a.Decode(i, &vals[i])
				}
				if b, _ := json.Marshal(vals); string(b) != want {
					t.Errorf("go received %s, want %s", b, want)
				}
			case <-ctx.Done():
				t.Fatal("go did not receive the server-side emit")
			}
		}
	})

	t.Run("remote join, leave and disconnect", func(t *testing.T) {
		ctx := ctxT(t)
		// node makes the sockets of r1 (g1 on go, n1 on node) join r5
		p.call(t, nil, map[string]any{"op": "socketsJoin", "rooms": []string{"r1"}, "target": []string{"r5"}})
		// Node applies its own socketsJoin when Redis echoes the request
		// back. The Go server answers a first fetch after it applied the
		// join, and that answer reaches Node after the echo: from then on
		// Node has r5 locally too.
		var fetched struct{ Sockets []struct{ ID string } }
		p.call(t, &fetched, map[string]any{"op": "fetch", "rooms": []string{"r5"}})
		p.call(t, &fetched, map[string]any{"op": "fetch", "rooms": []string{"r5"}})
		if len(fetched.Sockets) != 2 {
			t.Fatalf("node sees %d sockets in r5", len(fetched.Sockets))
		}
		nodeEmit(t, map[string]any{"event": "r5", "rooms": []string{"r5"}})
		nodeFence(t)
		expectAll(t, map[string][]string{"g1": {"r5 []"}, "n1": {"r5 []"}})
		// go makes the sockets of r2 (j1 on go, m1 on node) join r6, then r5 leave r5
		if err := g.srv.In("r2").SocketsJoin("r6"); err != nil {
			t.Fatal(err)
		}
		if err := g.srv.Of("/").SocketsLeave("r5"); err != nil {
			t.Fatal(err)
		}
		rs, err := g.srv.In("r5", "r6").FetchSockets(ctx)
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		slices.Sort(ids)
		if want := slices.Sorted(slices.Values([]string{j1.id, m1.id})); err != nil || !slices.Equal(ids, want) {
			t.Fatalf("in r5/r6: %v, want %v (%v)", ids, want, err)
		}
		// go disconnects the node client m1, node disconnects the go client g1
		if err := g.srv.In(m1.id).DisconnectSockets(false); err != nil {
			t.Fatal(err)
		}
		p.call(t, nil, map[string]any{"op": "disconnectSockets", "rooms": []string{g1.s.ID()}})
		g1.expect(t, "disconnect io server disconnect")
		goFence(t)
		nodeFence(t)
		n1.expect(t, "fence []", "fence []")
		j1.expect(t)
		var evs struct{ Events []string }
		p.call(t, &evs, map[string]any{"op": "events", "name": "m1", "until": "disconnect io server disconnect"})
		if len(evs.Events) != 1 {
			t.Fatalf("m1 events %q", evs.Events)
		}
	})
}

// goSSE receives the server-side events the Go server of TestNodeInterop
// gets.
var goSSE = make(chan *server.Args, 16)

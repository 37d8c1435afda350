package redisadapter_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/nodetest"
	redisadapter "github.com/siogen/sio/runtime/adapter/redis"
	"github.com/siogen/sio/runtime/server"
)

// startShardedNodePeer starts interop/redis/peer.mjs with createShardedAdapter
// (channel prefix key, subscription mode mode).
func startShardedNodePeer(t *testing.T, key string, mode redisadapter.SubscriptionMode) *nodePeer {
	t.Helper()
	p := &nodePeer{t: t, lines: nodetest.StartLines(t, "redis/peer.mjs", 2*time.Minute)}
	var res struct{ Port int }
	p.call(t, &res, map[string]any{"op": "start", "redis": "redis://" + redisAddr, "key": key, "sharded": true, "subscriptionMode": string(mode)})
	p.url = "http://127.0.0.1:" + itoa(res.Port)
	return p
}

// TestShardedNodeInterop puts a sio server (JSON codec) and a Node socket.io
// server with createShardedAdapter (dynamic subscriptions) in one cluster,
// with a Go and a Node client on each: g1 (Go client on Go, r1), j1 (Node
// client on Go, r2), n1 (Go client on Node, r1), m1 (Node client on Node,
// r2).
func TestShardedNodeInterop(t *testing.T) {
	key := testKey(t)
	rdb := newRedisClient(t)
	g := startSharded(t, key, "go", socketio.JSON, redisadapter.SubscriptionDynamic)
	sse := make(chan *server.Args, 16)
	g.srv.Of("/").OnServerSideEmit("hello", func(args *server.Args, reply func(...any) error) {
		sse <- args
		if reply != nil {
			_ = reply(map[string]any{"from": "go"})
		}
	})
	p := startShardedNodePeer(t, key, redisadapter.SubscriptionDynamic)
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

	t.Run("server count and room channels", func(t *testing.T) {
		n, err := g.srv.Of("/").Adapter().ServerCount(ctxT(t))
		var res struct{ Count int }
		p.call(t, &res, map[string]any{"op": "serverCount"})
		if err != nil || n != 2 || res.Count != 2 {
			t.Fatalf("go counts %d (%v), node counts %d", n, err, res.Count)
		}
		// both servers have members of r1 and r2: both subscribe to
		// their channels; nobody to a socket id's.
		for _, room := range []string{"r1", "r2"} {
			waitShardNumSub(t, rdb, key+"#/#"+room+"#", 2)
		}
		for _, id := range []string{g1.s.ID(), m1.id} {
			if n := shardNumSub(t, rdb, key+"#/#"+id+"#"); n != 0 {
				t.Errorf("channel of socket %s has %d subscribers", id, n)
			}
		}
	})

	const allArgs = `[1,-2.5,"two",true,null,[1,"x"],{"a":{"n":3},"b":"c"},"AQID"]`
	t.Run("go broadcasts every JSON type and binary", func(t *testing.T) {
		if err := g.srv.Emit("all", 1, -2.5, "two", true, nil, []any{1, "x"}, map[string]any{"b": "c", "a": map[string]any{"n": 3}}, []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if err := g.srv.Emit("plain", map[string]any{"k": "v"}); err != nil { // JSON on the wire
			t.Fatal(err)
		}
		goFence(t)
		want := every("all " + allArgs)
		for k := range want {
			want[k] = append(want[k], `plain [{"k":"v"}]`)
		}
		expectAll(t, want)
	})
	t.Run("node broadcasts every JSON type and binary", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "all", "args": []any{1, -2.5, "two", true, nil, []any{1, "x"},
			map[string]any{"b": "c", "a": map[string]any{"n": 3}}, map[string]string{"$bin": "AQID"}}})
		nodeFence(t)
		expectAll(t, every("all "+allArgs))
	})
	const ordered = `ordered [{"z":1,"a":{"y":2,"b":[{"d":4,"c":3}]},"m":"x"}]`
	t.Run("node broadcast keeps object key order", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "ordered", "args": json.RawMessage(strings.TrimPrefix(ordered, "ordered "))})
		nodeFence(t)
		expectAll(t, every(ordered))
	})
	t.Run("go to a room (its channel)", func(t *testing.T) {
		if err := g.srv.To("r2").Emit("r2", "x"); err != nil {
			t.Fatal(err)
		}
		if err := g.srv.To("r2").Emit("r2", []byte{1}); err != nil {
			t.Fatal(err)
		}
		goFence(t)
		expectAll(t, map[string][]string{"j1": {`r2 ["x"]`, `r2 ["AQ=="]`}, "m1": {`r2 ["x"]`, `r2 ["AQ=="]`}})
	})
	t.Run("node to a room (its channel)", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "r1", "rooms": []string{"r1"}})
		nodeEmit(t, map[string]any{"event": "r1", "rooms": []string{"r1"}, "args": []any{map[string]string{"$bin": "Ag=="}}})
		nodeFence(t)
		expectAll(t, map[string][]string{"g1": {"r1 []", `r1 ["Ag=="]`}, "n1": {"r1 []", `r1 ["Ag=="]`}})
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
	t.Run("node except a room, two rooms", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "x", "except": []string{"r2"}})
		nodeEmit(t, map[string]any{"event": "y", "rooms": []string{"r1", "r2"}, "except": []string{g1.s.ID()}})
		nodeFence(t)
		expectAll(t, map[string][]string{"g1": {"x []"}, "n1": {"x []", "y []"}, "j1": {"y []"}, "m1": {"y []"}})
	})
	// (The Node ClusterAdapter delivers a broadcast locally once SPUBLISH
	// answered, a local one at once: each gets its own fence.)
	t.Run("node local", func(t *testing.T) {
		nodeEmit(t, map[string]any{"event": "z", "local": true})
		nodeFence(t)
		expectAll(t, map[string][]string{"n1": {"z []"}, "m1": {"z []"}})
	})
	t.Run("socket rooms both ways", func(t *testing.T) {
		if err := g.srv.To(m1.id).Emit("direct", []byte{0xfe}); err != nil {
			t.Fatal(err)
		}
		goFence(t)
		nodeEmit(t, map[string]any{"event": "direct", "rooms": []string{g1.s.ID()}, "args": []any{"to g1"}})
		nodeFence(t)
		g1.expect(t, "fence []", `direct ["to g1"]`, "fence []")
		n1.expect(t, "fence []", "fence []")
		j1.expect(t)
		j1.expect(t)
		m1.expect(t, `direct ["/g=="]`)
		m1.expect(t)
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
		p.call(t, &res, map[string]any{"op": "emitWithAck", "event": "ask", "args": []any{8}, "rooms": []string{"r1"}})
		slices.Sort(res.Responses)
		if !slices.Equal(res.Responses, []string{"g1", "n1"}) {
			t.Fatalf("answers %v", res.Responses)
		}
		p.call(t, &res, map[string]any{"op": "emitWithAck", "event": "ask", "args": []any{9}})
		slices.Sort(res.Responses)
		if !slices.Equal(res.Responses, []string{"g1", "j1", "m1", "n1"}) {
			t.Fatalf("answers %v", res.Responses)
		}
		nodeFence(t)
		expectAll(t, map[string][]string{"g1": {"ask [8]", "ask [9]"}, "n1": {"ask [8]", "ask [9]"}, "j1": {"ask [9]"}, "m1": {"ask [9]"}})
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
					Auth   map[string]any
					Time   string
					Issued float64
					Query  map[string]any
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
				hs.Auth["name"] != "g1" || hs.Issued == 0 || !strings.Contains(hs.Time, " GMT") || hs.Query["EIO"] != "4" {
				t.Errorf("g1 as node sees it: %+v", s)
			}
			return
		}
		t.Fatalf("g1 not fetched: %+v", res.Sockets)
	})

	t.Run("server-side emit both ways", func(t *testing.T) {
		ctx := ctxT(t)
		if err := g.srv.Of("/").ServerSideEmit("hello", 1, "go", map[string]any{"k": true}, []byte{1, 2}); err != nil {
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
		if string(b) != `[[1,"go",{"k":true},"AQI="],[2]]` { // binary arrives as a Buffer
			t.Fatalf("node received %s", b)
		}

		p.call(t, nil, map[string]any{"op": "serverSideEmit", "event": "hello", "args": []any{"from node", 3, map[string]string{"$bin": "AwQ="}}})
		var r struct{ Responses []map[string]string }
		p.call(t, &r, map[string]any{"op": "serverSideEmitWithAck", "event": "hello", "args": []any{4}})
		if len(r.Responses) != 1 || r.Responses[0]["from"] != "go" {
			t.Fatalf("node → go with ack: %v", r.Responses)
		}
		for _, want := range []string{`["from node",3,"AwQ="]`, `[4]`} {
			select {
			case a := <-sse:
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
		// Node applies its own socketsJoin once SPUBLISH answered, after
		// its first fetch took the local sockets: the second sees both.
		var fetched struct{ Sockets []struct{ ID string } }
		p.call(t, &fetched, map[string]any{"op": "fetch", "rooms": []string{"r5"}})
		p.call(t, &fetched, map[string]any{"op": "fetch", "rooms": []string{"r5"}})
		if len(fetched.Sockets) != 2 {
			t.Fatalf("node sees %d sockets in r5", len(fetched.Sockets))
		}
		waitShardNumSub(t, rdb, key+"#/#r5#", 2)
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
		// r5 emptied everywhere: both servers unsubscribed its channel
		waitShardNumSub(t, rdb, key+"#/#r5#", 0)
		waitShardNumSub(t, rdb, key+"#/#r6#", 2)
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
		// r1 now has n1 on node only; r2 j1 on go only
		waitShardNumSub(t, rdb, key+"#/#r1#", 1)
		waitShardNumSub(t, rdb, key+"#/#r2#", 1)
	})
}

// TestShardedNodeModes runs broadcasts to one room and to one socket (the
// cases whose channel depends on the subscription mode) between a sio and
// a Node server in each mode, and checks the channels Redis counts.
func TestShardedNodeModes(t *testing.T) {
	rdb := newRedisClient(t)
	for _, mode := range shardedModes {
		t.Run(string(mode), func(t *testing.T) {
			key := testKey(t)
			ch := func(room string) string { return key + "#/#" + room + "#" }
			g := startSharded(t, key, "go", socketio.JSON, mode)
			p := startShardedNodePeer(t, key, mode)
			g1 := dial(t, g, "g1", socketio.JSON)
			m1 := p.dial("m1", p.url)
			g1.join(t, "r")
			m1.join("r")
			perRoom, perSocket := 2, 0
			switch mode {
			case redisadapter.SubscriptionStatic:
				perRoom = 0
			case redisadapter.SubscriptionDynamicPrivate:
				perSocket = 1
			}
			waitShardNumSub(t, rdb, ch("r"), perRoom)
			waitShardNumSub(t, rdb, ch(g1.s.ID()), perSocket)
			waitShardNumSub(t, rdb, ch(m1.id), perSocket)

			if err := g.srv.To("r").Emit("room", "go"); err != nil {
				t.Fatal(err)
			}
			if err := g.srv.To(m1.id).Emit("direct", "go"); err != nil {
				t.Fatal(err)
			}
			if err := g.srv.Emit("fence"); err != nil {
				t.Fatal(err)
			}
			p.call(t, nil, map[string]any{"op": "emit", "event": "room", "rooms": []string{"r"}, "args": []any{"node"}})
			p.call(t, nil, map[string]any{"op": "emit", "event": "direct", "rooms": []string{g1.s.ID()}, "args": []any{"node"}})
			p.call(t, nil, map[string]any{"op": "emit", "event": "fence"})
			g1.expect(t, `room ["go"]`, "fence []", `room ["node"]`, `direct ["node"]`, "fence []")
			m1.expect(t, `room ["go"]`, `direct ["go"]`)
			m1.expect(t, `room ["node"]`)
		})
	}
}

// TestShardedNodeMsgpackServer pairs a sio server with the msgpack codec,
// whose messages are always msgpack, with a Node server: broadcasts, acks,
// server-side emits with answers and fetches in both directions.
func TestShardedNodeMsgpackServer(t *testing.T) {
	key := testKey(t)
	g := startSharded(t, key, "go", msgpack.Codec{}, "")
	sse := make(chan *server.Args, 4)
	g.srv.Of("/").OnServerSideEmit("hello", func(args *server.Args, reply func(...any) error) {
		sse <- args
		if reply != nil {
			_ = reply(map[string]any{"from": "go", "bin": []byte{5}})
		}
	})
	p := startShardedNodePeer(t, key, redisadapter.SubscriptionDynamic)
	g1 := dial(t, g, "g1", msgpack.Codec{})
	m1 := p.dial("m1", p.url)
	g1.join(t, "r")
	m1.join("r")
	ctx := ctxT(t)

	if err := g.srv.To("r").Emit("all", 1, -2.5, "two", true, nil, []any{1, "x"}, map[string]any{"a": map[string]any{"n": 3}}, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := g.srv.Emit("fence"); err != nil {
		t.Fatal(err)
	}
	const allArgs = `all [1,-2.5,"two",true,null,[1,"x"],{"a":{"n":3}},"AQID"]`
	g1.expect(t, allArgs, "fence []")
	m1.expect(t, allArgs)
	p.call(t, nil, map[string]any{"op": "emit", "event": "all", "rooms": []string{"r"}, "args": []any{1, -2.5, "two", true, nil, []any{1, "x"},
		map[string]any{"a": map[string]any{"n": 3}}, map[string]string{"$bin": "AQID"}}})
	p.call(t, nil, map[string]any{"op": "emit", "event": "fence"})
	g1.expect(t, allArgs, "fence []")
	m1.expect(t, allArgs)

	// acks both ways
	res, err := g.srv.Of("/").Timeout(waitFor).EmitWithAck(ctx, "ask", []byte{1})
	if err != nil || len(res) != 2 {
		t.Fatalf("go broadcast with acks: %d answers, %v", len(res), err)
	}
	var acks struct{ Responses []string }
	p.call(t, &acks, map[string]any{"op": "emitWithAck", "event": "ask", "args": []any{2}})
	slices.Sort(acks.Responses)
	if !slices.Equal(acks.Responses, []string{"g1", "m1"}) {
		t.Fatalf("node broadcast with acks: %v", acks.Responses)
	}
	if err := g.srv.Emit("fence"); err != nil {
		t.Fatal(err)
	}
	g1.expect(t, `ask ["AQ=="]`, "ask [2]", "fence []")
	m1.expect(t, `ask ["AQ=="]`, "ask [2]")

	// server-side emits with answers, both ways
	ans, err := g.srv.Of("/").ServerSideEmitWithAck(ctx, "hello", []byte{7}, map[string]any{"k": 1})
	if err != nil || len(ans) != 1 {
		t.Fatalf("go → node: %d answers, %v", len(ans), err)
	}
	var from map[string]any
	if err := ans[0].Decode(0, &from); err != nil || from["from"] != "node" {
		t.Fatalf("answer %v %v", from, err)
	}
	var evs struct{ Events [][]any }
	p.call(t, &evs, map[string]any{"op": "serverSideEvents"})
	if b, _ := json.Marshal(evs.Events); string(b) != `[["Bw==",{"k":1}]]` {
		t.Fatalf("node received %s", b)
	}
	var r struct{ Responses []map[string]any }
	p.call(t, &r, map[string]any{"op": "serverSideEmitWithAck", "event": "hello", "args": []any{map[string]string{"$bin": "CA=="}}})
	if b, _ := json.Marshal(r.Responses); string(b) != `[{"bin":"BQ==","from":"go"}]` {
		t.Fatalf("node → go answers %s", b)
	}
	select {
	case a := <-sse:
		var v []byte
		if err := a.Decode(0, &v); err != nil || !slices.Equal(v, []byte{8}) {
			t.Fatalf("go received %v %v", v, err)
		}
	case <-ctx.Done():
		t.Fatal("go did not receive the server-side emit")
	}

	// fetches both ways
	rs, err := g.srv.In("r").FetchSockets(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("go fetch: %d %v", len(rs), err)
	}
	var fetched struct{ Sockets []struct{ ID string } }
	p.call(t, &fetched, map[string]any{"op": "fetch", "rooms": []string{"r"}})
	if len(fetched.Sockets) != 2 {
		t.Fatalf("node fetch: %+v", fetched.Sockets)
	}
}

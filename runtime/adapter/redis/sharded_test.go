package redisadapter_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	redisadapter "github.com/siogen/sio/runtime/adapter/redis"
	"github.com/siogen/sio/runtime/server"
)

// startSharded starts a sio server named name (see startNode) using the
// sharded adapter with channel prefix key and subscription mode mode.
func startSharded(t *testing.T, key, name string, codec socketio.Codec, mode redisadapter.SubscriptionMode) *node {
	t.Helper()
	rdb := newRedisClient(t)
	return startNodeFactory(t, rdb, name, codec, redisadapter.NewSharded(rdb, redisadapter.ShardedOptions{
		ChannelPrefix:    key,
		SubscriptionMode: mode,
		RequestsTimeout:  waitFor,
		Logger:           quietLogger(),
	}))
}

// startShardedCluster is startCluster with the sharded adapter in mode.
func startShardedCluster(t *testing.T, mode redisadapter.SubscriptionMode) *cluster {
	t.Helper()
	key := testKey(t)
	cl := &cluster{
		a: startSharded(t, key, "a", socketio.JSON, mode),
		b: startSharded(t, key, "b", socketio.JSON, mode),
		c: startSharded(t, key, "c", msgpack.Codec{}, mode),
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

// shardNumSub returns PUBSUB SHARDNUMSUB of channel.
func shardNumSub(t *testing.T, rdb *redis.Client, channel string) int {
	t.Helper()
	res, err := rdb.PubSubShardNumSub(ctxT(t), channel).Result()
	if err != nil {
		t.Fatal(err)
	}
	return int(res[channel])
}

// waitShardNumSub polls SHARDNUMSUB of channel until it is want: a
// subscription change is a command on the subscriber connection that is
// not awaited (as in the reference).
func waitShardNumSub(t *testing.T, rdb *redis.Client, channel string, want int) {
	t.Helper()
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		n := shardNumSub(t, rdb, channel)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("SHARDNUMSUB %s = %d, want %d", channel, n, want)
		}
	}
}

var shardedModes = []redisadapter.SubscriptionMode{
	redisadapter.SubscriptionDynamic, redisadapter.SubscriptionDynamicPrivate, redisadapter.SubscriptionStatic,
}

func TestShardedBroadcast(t *testing.T) {
	for _, mode := range shardedModes {
		t.Run(string(mode), func(t *testing.T) {
			cl := startShardedCluster(t, mode)
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
				{"one room from the msgpack server", cl.c, func(n *node) error { return n.srv.To("r1").Emit("r1", []byte{7}) }, only(`r1 ["Bw=="]`, cl.a1, cl.b1)},
				{"two rooms", cl.c, func(n *node) error { return n.srv.To("r1", "r2").Emit("r12") }, only("r12 []", cl.a1, cl.b1, cl.c1)},
				{"except", cl.a, func(n *node) error { return n.srv.Except("r1").Emit("x") }, only("x []", cl.a2, cl.b2, cl.c1)},
				{"room except room", cl.a, func(n *node) error { return n.srv.To("r2").Except("r1").Emit("y") }, only("y []", cl.c1)},
				{"local", cl.b, func(n *node) error { return n.srv.Of("/").Local().Emit("l") }, only("l []", cl.b1, cl.b2)},
				{"volatile, no compression", cl.a, func(n *node) error {
					return n.srv.Of("/").Volatile().Compress(false).To("r2").Emit("v")
				}, only("v []", cl.b1, cl.c1)},
				{"a socket's room", cl.c, func(n *node) error { return n.srv.To(cl.a2.s.ID()).Emit("direct", "hi") }, only(`direct ["hi"]`, cl.a2)},
				{"an empty room", cl.a, func(n *node) error { return n.srv.To("nobody").Emit("none") }, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if err := tt.emit(tt.from); err != nil {
						t.Fatal(err)
					}
					fence(t, tt.from, cl.all, tt.want)
				})
			}
		})
	}
}

func TestShardedBroadcastWithAck(t *testing.T) {
	cl := startShardedCluster(t, redisadapter.SubscriptionDynamic)
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

func TestShardedFetchSocketsAndRemoteOperations(t *testing.T) {
	cl := startShardedCluster(t, redisadapter.SubscriptionDynamic)
	ctx := ctxT(t)
	names := func(rs []*server.RemoteSocket) []string {
		var out []string
		for _, r := range rs {
			data, _ := r.Data.(map[string]any)
			name, _ := data["name"].(string)
			out = append(out, name)
		}
		slices.Sort(out)
		return out
	}
	n, err := cl.a.srv.Of("/").Adapter().ServerCount(ctx)
	if err != nil || n != 3 {
		t.Fatalf("server count %d %v", n, err)
	}
	rs, err := cl.a.srv.Of("/").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"a1", "a2", "b1", "b2", "c1"}) {
		t.Fatalf("fetched %v %v", got, err)
	}
	for _, r := range rs {
		if r.ID != cl.b1.s.ID() {
			continue
		}
		slices.Sort(r.Rooms)
		if want := slices.Sorted(slices.Values([]string{"r1", "r2", r.ID})); !slices.Equal(r.Rooms, want) || r.Local() != nil {
			t.Errorf("b1 rooms %v local %v", r.Rooms, r.Local())
		}
		if hs := r.Handshake; hs == nil || hs.Auth["name"] != "b1" || hs.Issued == 0 || hs.Query.Get("EIO") != "4" {
			t.Errorf("b1 handshake %+v", hs)
		}
	}
	rs, err = cl.c.srv.In("r1").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"a1", "b1"}) {
		t.Fatalf("fetch r1 from c: %v %v", got, err)
	}
	rs, err = cl.b.srv.In("r2").Except("r1").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"c1"}) {
		t.Fatalf("fetch r2 except r1 from b: %v %v", got, err)
	}

	// socketsJoin / socketsLeave across servers; the new room gets its
	// channel where it has members.
	if err := cl.b.srv.In("r1").SocketsJoin("r9"); err != nil {
		t.Fatal(err)
	}
	rs, err = cl.c.srv.In("r9").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"a1", "b1"}) {
		t.Fatalf("after join: %v %v", got, err)
	}
	if err := cl.c.srv.To("r9").Emit("r9"); err != nil {
		t.Fatal(err)
	}
	fence(t, cl.c, cl.all, only("r9 []", cl.a1, cl.b1))
	if err := cl.c.srv.Of("/").SocketsLeave("r9"); err != nil {
		t.Fatal(err)
	}
	rs, err = cl.c.srv.In("r9").FetchSockets(ctx)
	if got := names(rs); err != nil || len(got) != 0 {
		t.Fatalf("after leave: %v %v", got, err)
	}

	// Disconnect across servers.
	if err := cl.a.srv.In(cl.c1.s.ID()).DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	cl.c1.expect(t, "disconnect io server disconnect")
	if err := cl.c.srv.In("r1").DisconnectSockets(true); err != nil {
		t.Fatal(err)
	}
	cl.a1.expect(t, "disconnect io server disconnect")
	cl.b1.expect(t, "disconnect io server disconnect")
	rs, err = cl.a.srv.Of("/").FetchSockets(ctx)
	if got := names(rs); err != nil || !slices.Equal(got, []string{"a2", "b2"}) {
		t.Fatalf("after disconnects: %v %v", got, err)
	}
}

func TestShardedServerSideEmit(t *testing.T) {
	key := testKey(t)
	nodes := []*node{
		startSharded(t, key, "a", socketio.JSON, ""),
		startSharded(t, key, "b", socketio.JSON, ""),
		startSharded(t, key, "c", msgpack.Codec{}, ""),
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
	// Binary survives a server-side emit of the sharded adapter (it
	// travels as msgpack).
	for _, sender := range []*node{nodes[0], nodes[2]} {
		if err := sender.srv.Of("/").ServerSideEmit("hello", 1, "x", map[string]any{"k": []any{true}}, []byte{9}); err != nil {
			t.Fatal(err)
		}
		var from []string
		for range 2 {
			select {
			case g := <-received:
				from = append(from, g.node)
				if g.args != "[1 x map[k:[true]] [9]]" {
					t.Errorf("%s received %s from %s", g.node, g.args, sender.name)
				}
			case <-ctx.Done():
				t.Fatal("server-side emit not received")
			}
		}
		slices.Sort(from)
		if want := slices.DeleteFunc([]string{"a", "b", "c"}, func(s string) bool { return s == sender.name }); !slices.Equal(from, want) {
			t.Fatalf("received by %v", from)
		}
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
		want := slices.DeleteFunc([]string{"a", "b", "c"}, func(s string) bool { return s == sender.name })
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

// TestShardedDynamicChannels checks which room channels each mode
// subscribes, and that a room's channel is unsubscribed when the room
// empties (leave, remote leave, disconnect) and the server count drops
// when a server closes.
func TestShardedDynamicChannels(t *testing.T) {
	rdb := newRedisClient(t)
	for _, mode := range shardedModes {
		t.Run(string(mode), func(t *testing.T) {
			key := testKey(t)
			ch := func(room string) string { return key + "#/#" + room + "#" }
			a := startSharded(t, key, "a", socketio.JSON, mode)
			b := startSharded(t, key, "b", msgpack.Codec{}, mode)
			a1 := dial(t, a, "a1", socketio.JSON)
			a2 := dial(t, a, "a2", socketio.JSON)
			b1 := dial(t, b, "b1", msgpack.Codec{})
			a1.join(t, "room")
			a2.join(t, "room", "only-a2")
			b1.join(t, "room")
			perRoom := mode != redisadapter.SubscriptionStatic
			want := func(n int) int {
				if perRoom {
					return n
				}
				return 0
			}
			waitShardNumSub(t, rdb, key+"#/#", 2)
			waitShardNumSub(t, rdb, ch("room"), want(2))
			waitShardNumSub(t, rdb, ch("only-a2"), want(1))
			private := 0
			if mode == redisadapter.SubscriptionDynamicPrivate {
				private = 1
			}
			waitShardNumSub(t, rdb, ch(a1.s.ID()), private)

			// b makes a2 leave only-a2: a's channel of it goes.
			if err := b.srv.In(a2.s.ID()).SocketsLeave("only-a2"); err != nil {
				t.Fatal(err)
			}
			waitShardNumSub(t, rdb, ch("only-a2"), 0)
			// a1 leaving "room" keeps a's channel (a2 is still in it).
			if err := a.srv.In(a1.s.ID()).SocketsLeave("room"); err != nil {
				t.Fatal(err)
			}
			if err := b.srv.To("room").Emit("still"); err != nil {
				t.Fatal(err)
			}
			fence(t, b, []*gclient{a1, a2, b1}, map[*gclient][]string{a2: {"still []"}, b1: {"still []"}})
			waitShardNumSub(t, rdb, ch("room"), want(2))
			// a2 disconnecting empties it on a.
			if err := b.srv.In(a2.s.ID()).DisconnectSockets(false); err != nil {
				t.Fatal(err)
			}
			a2.expect(t, "disconnect io server disconnect")
			waitShardNumSub(t, rdb, ch("room"), want(1))
			waitShardNumSub(t, rdb, ch(a2.s.ID()), 0)
			// A room joined again is subscribed again.
			a1.join(t, "room")
			waitShardNumSub(t, rdb, ch("room"), want(2))
			if err := b.srv.To("room").Emit("again"); err != nil {
				t.Fatal(err)
			}
			fence(t, b, []*gclient{a1, b1}, only("again []", a1, b1))
			// Closing b drops its subscriptions.
			b.close()
			waitShardNumSub(t, rdb, key+"#/#", 1)
			waitShardNumSub(t, rdb, ch("room"), want(1))
			n, err := a.srv.Of("/").Adapter().ServerCount(ctxT(t))
			if err != nil || n != 1 {
				t.Fatalf("server count after b closed: %d %v", n, err)
			}
		})
	}
}

// TestShardedBadInput publishes garbage on the namespace's channel, a
// room's channel and a server's response channel: the servers ignore it
// (debug log) and keep working, and nothing reaches the clients but the
// valid broadcasts.
func TestShardedBadInput(t *testing.T) {
	key := testKey(t)
	a := startSharded(t, key, "a", socketio.JSON, "")
	b := startSharded(t, key, "b", msgpack.Codec{}, "")
	ca := dial(t, a, "ca", socketio.JSON)
	cb := dial(t, b, "cb", msgpack.Codec{})
	ca.join(t, "r")
	cb.join(t, "r")
	raw := newRedisClient(t)
	ctx := ctxT(t)
	uidA := a.srv.Of("/").Adapter().(*redisadapter.ShardedAdapter).UID()

	garbage := []string{
		"", "x", "{", "{}", "null", `{"type":3}`, `{"type":"3","nsp":"/"}`, `{"type":3,"nsp":"/","uid":"z"}`,
		`{"type":3,"nsp":"/","uid":"z","data":{"packet":{"type":2,"data":["e"]}}}`,            // no opts
		`{"type":3,"nsp":"/","uid":"z","data":{"packet":{"type":0,"data":["e"]},"opts":{}}}`,  // CONNECT
		`{"type":3,"nsp":"/","uid":"z","data":{"packet":{"type":2,"data":[]},"opts":{}}}`,     // no event
		`{"type":3,"nsp":"/","uid":"z","data":{"packet":{"type":2,"data":[{}]},"opts":{}}}`,   // object event
		`{"type":3,"nsp":"/","uid":"z","data":{"packet":{"type":2,"data":"e"},"opts":{}}}`,    // data not an array
		`{"type":3,"nsp":"/x","uid":"z","data":{"packet":{"type":2,"data":["e"]},"opts":{}}}`, // other namespace
		`{"type":3,"nsp":"/","uid":"z","data":{"packet":{"type":2,"data":["e"]},"opts":{"rooms":"r"}}}`,
		`{"type":3,"nsp":"/","uid":"z","data":{"packet":{"type":2,"data":["e"]},"opts":{"flags":{"volatile":"yes"}}}}`,
		`{"type":3,"nsp":"/","uid":"z","data":{"packet":{"type":2,"data":["e"]},"requestId":5,"opts":{}}}`,
		`{"type":4,"nsp":"/","uid":"z","data":{"rooms":["q"]}}`, `{"type":6,"nsp":"/","uid":"z","data":{"close":true}}`,
		`{"type":7,"nsp":"/","uid":"z","data":{"opts":{}}}`, `{"type":9,"nsp":"/","uid":"z","data":{"packet":"hello"}}`,
		`{"type":9,"nsp":"/","uid":"z","data":{"packet":[]}}`, `{"type":9,"nsp":"/","uid":"z","data":{"packet":[1,{"a":}]}}`,
		`{"type":8,"nsp":"/","uid":"z","data":{"requestId":"nope","sockets":[{"id":1}]}}`,
		`{"type":11,"nsp":"/","uid":"z","data":{"requestId":"nope","clientCount":1e300}}`,
		`{"type":12,"nsp":"/","uid":"z","data":{"requestId":{"a":1}}}`, `{"type":99,"nsp":"/","uid":"z","data":{}}`,
		`{"type":13,"nsp":"/","uid":"z"}`, `{"type":1,"nsp":"/","uid":"z"}`,
		"\xc1", "\x80", "\x81\xa4type\x03", "\x84\xa4type\x03\xa3nsp\xa1/\xa3uid\xa1z\xa4data\x81\xa6packet\xc1",
		"\x84\xa4type\x03\xa3nsp\xa1/\xa3uid\xa1z\xa4data\x82\xa6packet\x82\xa4type\x02\xa4data\x91\xa1e\xa4opts\x80\x00", // trailing byte
		"\x84\xa4type\x03\xa3nsp\xa1/\xa3uid\xa1z\xa4data\xdf\x7f\xff\xff\xff",                                            // huge map
		"\x84\xa4type\x09\xa3nsp\xa1/\xa3uid\xa1z\xa4data\x81\xa6packet" + strings.Repeat("\x91", 10000),                  // deep nesting
		"\x84\xa4type\x09\xa3nsp\xa1/\xa3uid\xa1z\xa4data\x81\xa6packet\x92\xa1e\xc7\x05\x01ab",                           // ext past the end
	}
	for _, ch := range []string{key + "#/#", key + "#/#r#", key + "#/#" + uidA + "#"} {
		for _, m := range garbage {
			if err := raw.SPublish(ctx, ch, m).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The servers still answer each other.
	rs, err := a.srv.Of("/").FetchSockets(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("fetch after bad input: %d %v", len(rs), err)
	}
	// A valid broadcast of another publisher (packet without nsp, as Node
	// sends it) reaches both clients, on the room's channel too.
	for _, ch := range []string{key + "#/#", key + "#/#r#"} {
		msg := `{"type":3,"data":{"packet":{"type":2,"data":["e",1]},"opts":{"rooms":["r"],"except":[],"flags":{}}},"uid":"z","nsp":"/"}`
		if err := raw.SPublish(ctx, ch, msg).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// A fetch answered through Redis makes sure a has read them too (same
	// subscriber connection, in order) before a's local fence goes out.
	if _, err := a.srv.Of("/").FetchSockets(ctx); err != nil {
		t.Fatal(err)
	}
	fence(t, a, []*gclient{ca, cb}, map[*gclient][]string{ca: {"e [1]", "e [1]"}, cb: {"e [1]", "e [1]"}})
}

// TestShardedFetchSocketsTimeoutFlag: a subscriber that counts as a server
// but never answers makes FetchSockets fail after the operator's Timeout
// (ClusterAdapter's flags.timeout), not after RequestsTimeout (15 s here).
func TestShardedFetchSocketsTimeoutFlag(t *testing.T) {
	key := testKey(t)
	a := startSharded(t, key, "a", socketio.JSON, redisadapter.SubscriptionDynamic)
	silent := newRedisClient(t)
	ps := silent.SSubscribe(ctxT(t), key+"#/#")
	defer ps.Close()
	if _, err := ps.Receive(ctxT(t)); err != nil { // the subscription confirmation
		t.Fatal(err)
	}
	waitShardNumSub(t, silent, key+"#/#", 2)

	done := make(chan error, 1)
	go func() {
		_, err := a.srv.Of("/").Timeout(200 * time.Millisecond).FetchSockets(ctxT(t))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Fatalf("FetchSockets with a silent server: %v, want a timeout error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("FetchSockets still waiting after 10 s with a 200 ms Timeout")
	}
}

package redisadapter_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
	redisadapter "github.com/siogen/sio/runtime/adapter/redis"
	"github.com/siogen/sio/runtime/client"
	"github.com/siogen/sio/runtime/server"
)

// waitFor bounds every wait of the tests for something that should happen;
// it is a deadlock guard, not a timing assertion.
const waitFor = 15 * time.Second

func quietLogger() *slog.Logger {
	if os.Getenv("REDISADAPTER_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testKey returns a key prefix of the test's own, so tests sharing the
// Redis never see each other's messages.
func testKey(t testing.TB) string {
	return "sio-test-" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
}

// node is one sio server of a test cluster.
type node struct {
	name string
	srv  *server.Server
	url  string
	rdb  *redis.Client
	hs   *httptest.Server
}

// startNode starts a sio server named name using the Redis adapter with
// key. Its main namespace answers "join" (rooms in argument 0) with "ok"
// and stores {"name": auth.name, "node": name} as socket data.
func startNode(t *testing.T, key, name string, codec socketio.Codec) *node {
	t.Helper()
	return startNodeOn(t, newRedisClient(t), key, name, codec)
}

// startNodeOn is startNode with the Redis client rdb.
func startNodeOn(t *testing.T, rdb *redis.Client, key, name string, codec socketio.Codec) *node {
	t.Helper()
	return startNodeOpts(t, rdb, name, codec, redisadapter.Options{Key: key})
}

// startNodeOpts is startNode with the Redis client rdb and adapter options.
func startNodeOpts(t *testing.T, rdb *redis.Client, name string, codec socketio.Codec, opts redisadapter.Options) *node {
	t.Helper()
	opts.Logger = quietLogger()
	return startNodeFactory(t, rdb, name, codec, redisadapter.New(rdb, opts))
}

// startNodeFactory is startNode with the Redis client rdb (closed after the
// server) and the adapter factory f.
func startNodeFactory(t *testing.T, rdb *redis.Client, name string, codec socketio.Codec, f adapter.Factory) *node {
	t.Helper()
	srv := server.New(server.Options{
		Codec:   codec,
		Logger:  quietLogger(),
		Adapter: f,
	})
	srv.OnConnection(func(s *server.Socket) {
		var auth map[string]any
		_ = s.DecodeAuth(&auth)
		s.SetData(map[string]any{"name": auth["name"], "node": name})
	})
	srv.On("join", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var rooms []string
		_ = ev.Decode(0, &rooms)
		s.Join(rooms...)
		_ = ev.Ack("ok")
	})
	n := &node{name: name, srv: srv, rdb: rdb, hs: httptest.NewServer(srv)}
	n.url = n.hs.URL
	t.Cleanup(n.close)
	return n
}

// close stops the server (closing its adapters); it may be called twice.
func (n *node) close() {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	_ = n.srv.Close(ctx)
	n.hs.Close()
}

// gclient is a Go client whose received events are recorded as
// "name [args as JSON]"; it acks every event asking for one with its name.
type gclient struct {
	name   string
	s      *client.Socket
	events chan string
}

func dial(t *testing.T, n *node, name string, codec socketio.Codec) *gclient {
	t.Helper()
	c := &gclient{name: name, events: make(chan string, 256)}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	s, err := client.Dial(ctx, n.url, client.Options{Codec: codec, NoReconnection: true}, client.SocketOptions{
		Auth:         map[string]any{"name": name},
		OnDisconnect: func(reason string) { c.events <- "disconnect " + reason },
	})
	if err != nil {
		t.Fatalf("dial %s: %v", n.name, err)
	}
	c.s = s
	s.OnAny(func(_ context.Context, ev *client.Event) {
		if ev.WantsAck() {
			_ = ev.Ack(name)
		}
		c.events <- formatEvent(ev)
	})
	t.Cleanup(func() { _ = s.Manager().Close() })
	return c
}

func formatEvent(ev *client.Event) string {
	if ev.Name == "ordered" {
		// The arguments as they came, object keys in wire order.
		raws := make([]json.RawMessage, ev.Len())
		for i := range raws {
			if err := ev.Decode(i, &raws[i]); err != nil {
				return ev.Name + " decode error: " + err.Error()
			}
		}
		b, _ := json.Marshal(raws)
		return ev.Name + " " + string(b)
	}
	args := make([]any, ev.Len())
	for i := range args {
		if err := ev.Decode(i, &args[i]); err != nil {
			args[i] = "decode error: " + err.Error()
		}
	}
	b, err := json.Marshal(normalizeNumbers(args))
	if err != nil {
		return ev.Name + " marshal error: " + err.Error()
	}
	return ev.Name + " " + string(b)
}

// normalizeNumbers turns the integer types the msgpack codec decodes into
// float64, so both codecs print the same.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case int8:
		return float64(x)
	case int16:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case uint8:
		return float64(x)
	case uint16:
		return float64(x)
	case uint32:
		return float64(x)
	case uint64:
		return float64(x)
	case []any:
		for i := range x {
			x[i] = normalizeNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeNumbers(x[k])
		}
	}
	return v
}

// next returns the client's next event.
func (c *gclient) next(t *testing.T) string {
	t.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-time.After(waitFor):
		t.Fatalf("%s: no event within %v", c.name, waitFor)
		return ""
	}
}

// expect checks the client's next events.
func (c *gclient) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if got := c.next(t); got != w {
			t.Fatalf("%s: got %q, want %q", c.name, got, w)
		}
	}
}

func (c *gclient) join(t *testing.T, rooms ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := c.s.EmitWithAck(ctx, "join", rooms); err != nil {
		t.Fatalf("%s join %v: %v", c.name, rooms, err)
	}
}

// fence broadcasts "fence" from n to every client and checks that each
// client's events up to it are exactly want[client] (nothing for a client
// missing from want). Redis delivers one publisher's messages in order and
// the adapter publishes synchronously, so anything n sent before reached
// the clients before the fence.
func fence(t *testing.T, n *node, clients []*gclient, want map[*gclient][]string) {
	t.Helper()
	if err := n.srv.Emit("fence"); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		c.expect(t, append(slices.Clone(want[c]), "fence []")...)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return ctx
}

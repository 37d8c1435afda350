package benchserver

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/examples/bench/benchschema"
	"github.com/siogen/sio/generated/bench"
	"github.com/siogen/sio/runtime/client"
	"github.com/siogen/sio/runtime/engineclient"
	"github.com/siogen/sio/runtime/server"
	"github.com/siogen/sio/runtime/typed"
)

func serve(tb testing.TB, register func(*server.Server)) string {
	tb.Helper()
	srv := server.New(server.Options{})
	register(srv)
	hs := httptest.NewServer(srv)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
		hs.Close()
	})
	return hs.URL
}

var wsOnly = client.Options{Engine: engineclient.Options{Transports: []string{engineclient.WebSocket}}}

func dialTyped(tb testing.TB, url string) *bench.MainClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := bench.DialMain(ctx, url, wsOnly, client.SocketOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Socket().Manager().Close() })
	return c
}

// TestTypedAndUntypedAgree checks both servers answer the same way, typed
// client and untyped client alike.
func TestTypedAndUntypedAgree(t *testing.T) {
	for name, reg := range map[string]func(*server.Server){
		"typed":   func(s *server.Server) { RegisterTyped(s) },
		"untyped": RegisterUntyped,
	} {
		t.Run(name, func(t *testing.T) {
			c := dialTyped(t, serve(t, reg))
			got := make(chan benchschema.Payload, 2)
			c.OnEcho(func(_ context.Context, p benchschema.Payload) { got <- p })
			c.OnBcast(func(_ context.Context, p benchschema.Payload) { got <- p })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			want := benchschema.Payload{Seq: 7, Sent: 123, Text: "x"}
			if p, err := c.Ping(ctx, want); err != nil || p != want {
				t.Fatalf("ping = %+v, %v", p, err)
			}
			for _, emit := range []func(benchschema.Payload) error{c.Echo, c.Bcast} {
				if err := emit(want); err != nil {
					t.Fatal(err)
				}
				select {
				case p := <-got:
					if p != want {
						t.Fatalf("got %+v", p)
					}
				case <-ctx.Done():
					t.Fatal("timed out")
				}
			}
		})
	}
}

// BenchmarkRoundTrip compares one acked round trip (client emit → server
// handler → ack → client decode) through the generated typed code and
// through the untyped runtime API, over a loopback websocket.
func BenchmarkRoundTrip(b *testing.B) {
	p := benchschema.Payload{Seq: 1, Sent: 1700000000000, Text: "hello world"}
	b.Run("typed", func(b *testing.B) {
		c := dialTyped(b, serve(b, func(s *server.Server) { RegisterTyped(s) }))
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Ping(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("untyped", func(b *testing.B) {
		c := dialTyped(b, serve(b, RegisterUntyped))
		sock := c.Socket()
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			ack, err := sock.EmitWithAck(ctx, "ping", p)
			if err != nil {
				b.Fatal(err)
			}
			var back benchschema.Payload
			if err := ack.Decode(0, &back); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTypedLayer measures only what the generated layer adds around a
// handler: decoding the argument and building the ack values, typed vs the
// equivalent untyped calls, on an in-memory argument list.
func BenchmarkTypedLayer(b *testing.B) {
	raw := fakeArgs{`{"seq":1,"sent":1700000000000,"text":"hello world"}`}
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p benchschema.Payload
			if err := typed.DecodeArgs("ping", raw, &p); err != nil {
				b.Fatal(err)
			}
			_ = typed.AckValues(false, nil, p)
		}
	})
	b.Run("untyped", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p benchschema.Payload
			if err := raw.Decode(0, &p); err != nil {
				b.Fatal(err)
			}
			_ = []any{p}
		}
	})
}

// fakeArgs is one raw JSON argument decoded with the JSON codec, as the
// runtime's Args does.
type fakeArgs []string

func (a fakeArgs) Len() int { return len(a) }

func (a fakeArgs) Decode(i int, v any) error {
	p := socketio.Packet{}
	return socketio.JSON.Unmarshal(&p, socketio.Raw(a[i]), v)
}

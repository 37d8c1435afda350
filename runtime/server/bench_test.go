package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/gobwas/ws/wsutil"

	"github.com/siogen/sio/runtime/server"
)

// drainingClients connects n WebSocket clients to "/" that read and drop
// everything, and returns their sockets.
func drainingClients(b *testing.B, srv *server.Server, n int) []*server.Socket {
	b.Helper()
	sockets := make(chan *server.Socket, n)
	srv.OnConnection(func(s *server.Socket) { sockets <- s })
	base := serve(b, srv)
	var wg sync.WaitGroup
	out := make([]*server.Socket, 0, n)
	for range n {
		c := dialRaw(b, base)
		c.send("40")
		c.expectPrefix(`40{"sid":`)
		out = append(out, <-sockets)
		wg.Go(func() {
			for {
				if _, _, err := wsutil.ReadServerData(c.rw); err != nil {
					return
				}
			}
		})
	}
	b.Cleanup(func() {
		for _, s := range out {
			s.Conn().Close("bench done")
		}
		wg.Wait()
	})
	return out
}

// BenchmarkBroadcast measures one broadcast to every socket of a namespace:
// the packet is encoded once and the same bytes are queued on each
// session, so allocations must not grow with the number of sockets (beyond
// the target list).
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) {
			srv := server.New(server.Options{})
			drainingClients(b, srv, n)
			nsp := srv.Of("/")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := nsp.Emit("tick", "hello", 42); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSocketEmit measures Socket.Emit of a small event: argument
// encoding, packet encoding and queueing on the session.
func BenchmarkSocketEmit(b *testing.B) {
	srv := server.New(server.Options{})
	s := drainingClients(b, srv, 1)[0]
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Emit("tick", "hello", 42); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventDecode measures a handler decoding two arguments of a
// received event.
func BenchmarkEventRoundTrip(b *testing.B) {
	srv := server.New(server.Options{})
	done := make(chan struct{}, 1)
	srv.On("ping", func(_ context.Context, _ *server.Socket, ev *server.Event) {
		var s string
		var n int
		_ = ev.DecodeAll(&s, &n)
		done <- struct{}{}
	})
	base := serve(b, srv)
	c := dialRaw(b, base)
	c.send("40")
	c.expectPrefix(`40{"sid":`)
	msg := []byte(`42["ping","hello",42]`)
	b.ReportAllocs()
	for b.Loop() {
		if err := wsutil.WriteClientText(c.conn, msg); err != nil {
			b.Fatal(err)
		}
		<-done
	}
}

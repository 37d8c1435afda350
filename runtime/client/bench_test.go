package client

import (
	"context"
	"testing"

	"github.com/siogen/sio/runtime/engineclient"
)

// BenchmarkEmitBuffered measures the client's own cost of an emit (encode
// and queue), without the network: the socket is not connected.
func BenchmarkEmitBuffered(b *testing.B) {
	m, err := NewManager("http://127.0.0.1:1", Options{NoAutoConnect: true})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	s, _ := m.Socket("/", SocketOptions{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := s.Emit("message", "room", i); err != nil {
			b.Fatal(err)
		}
		if i%1024 == 0 {
			s.mu.Lock()
			s.sendBuf = s.sendBuf[:0]
			s.mu.Unlock()
		}
	}
}

// BenchmarkEmitWithAck measures one acked emit round trip over websocket to
// our Go server on loopback, per parser.
func BenchmarkEmitWithAck(b *testing.B) {
	for _, p := range parsers {
		b.Run(p.name, func(b *testing.B) {
			srv := startGoServer(b, p.codec)
			s, err := Dial(context.Background(), srv.URL(), Options{Codec: p.codec, Engine: engineclient.Options{Transports: []string{engineclient.WebSocket}}}, SocketOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Manager().Close()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				ack, err := s.EmitWithAck(ctx, "ack", "hello", 42)
				if err != nil {
					b.Fatal(err)
				}
				var n int
				if err := ack.Decode(1, &n); err != nil || n != 42 {
					b.Fatal(n, err)
				}
			}
		})
	}
}

package engine_test

import (
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// BenchmarkWebSocketSend measures Send on WebSocket sessions whose clients
// read as fast as they can: the cost per packet of queueing, coalescing
// and writing, with `sessions` receivers of the same encoded packet (a
// broadcast encoded once).
func BenchmarkWebSocketSend(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			var mu sync.Mutex
			var sessions []*engine.Session
			ts := newTestServer(b, engine.Options{PingInterval: time.Minute, MaxQueuedBytes: -1, OnSession: func(s *engine.Session) {
				mu.Lock()
				sessions = append(sessions, s)
				mu.Unlock()
			}})
			var readers sync.WaitGroup
			counts := make([]int, n)
			for i := 0; i < n; i++ {
				c := dialWS(b, ts.ws+"?EIO=4&transport=websocket")
				c.readText()
				readers.Add(1)
				go func() { // a frame reader that does not allocate, so B/op is the server's
					defer readers.Done()
					hdr := make([]byte, ws.MaxHeaderSize)
					for {
						c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
						h, err := ws.ReadHeaderBuffer(c.rw, hdr)
						if err != nil || h.OpCode == ws.OpClose {
							return
						}
						if _, err := io.CopyN(io.Discard, c.rw, h.Length); err != nil {
							return
						}
						if h.OpCode == ws.OpText {
							counts[i]++
						}
					}
				}()
			}
			p := engineio.TextPacket(engineio.Message, `2["chat","hello, this is a message"]`)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, s := range sessions {
					if err := s.Send(p); err != nil {
						b.Fatal(err)
					}
				}
			}
			for _, s := range sessions {
				s.Close(engine.ReasonForcedClose) // flushes, then closes
			}
			readers.Wait()
			b.StopTimer()
			for i, c := range counts {
				if c != b.N {
					b.Fatalf("client %d got %d of %d", i, c, b.N)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

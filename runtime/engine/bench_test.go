package engine_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

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
				go func() {
					defer readers.Done()
					for {
						if _, _, err := c.read(10 * time.Second); err != nil {
							return
						}
						counts[i]++
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

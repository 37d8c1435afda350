package micro

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
	"github.com/siogen/sio/runtime/engine"
)

// fakeNS and fakeSocket stand in for the server runtime around an adapter:
// a socket only counts what it is handed.
type fakeNS struct {
	codec   socketio.Codec
	sockets map[string]*fakeSocket
}

func (n *fakeNS) Name() string                                         { return "/" }
func (n *fakeNS) Codec() socketio.Codec                                { return n.codec }
func (n *fakeNS) NextAckID() int64                                     { return 0 }
func (n *fakeNS) ServerSideEvent(*socketio.Packet, func(...any) error) {}
func (n *fakeNS) Socket(id string) adapter.Socket {
	if s, ok := n.sockets[id]; ok {
		return s
	}
	return nil
}

type fakeSocket struct {
	id    string
	got   int
	bytes int
}

func (s *fakeSocket) ID() string { return s.id }
func (s *fakeSocket) WriteEncoded(p []engineio.Packet, _ adapter.BroadcastFlags) {
	s.got++
	s.bytes += len(p[0].Data)
}
func (s *fakeSocket) ExpectAck(int64, adapter.AckFunc) {}
func (s *fakeSocket) CancelAck(int64)                  {}
func (s *fakeSocket) Join(...string)                   {}
func (s *fakeSocket) Leave(string)                     {}
func (s *fakeSocket) Disconnect(bool)                  {}
func (s *fakeSocket) Details() adapter.SocketDetails   { return adapter.SocketDetails{ID: s.id} }

// memoryAdapter returns an in-memory adapter with n sockets spread over
// rooms rooms ("r0".."rN"); every socket is also in its own room.
func memoryAdapter(codec socketio.Codec, n, rooms int) (*adapter.Memory, *fakeNS) {
	ns := &fakeNS{codec: codec, sockets: make(map[string]*fakeSocket, n)}
	m := adapter.NewMemory(ns, adapter.MemoryOptions{})
	for i := range n {
		id := fmt.Sprintf("socket-%015d", i)
		ns.sockets[id] = &fakeSocket{id: id}
		m.AddAll(id, id, fmt.Sprintf("r%d", i%rooms))
	}
	return m, ns
}

func benchPacket(b *testing.B, codec socketio.Codec) *socketio.Packet {
	p := &socketio.Packet{Type: socketio.Event, Event: "bcast", ID: socketio.NoID}
	if err := codec.AppendArg(p, map[string]any{"seq": 1, "sent": 2, "text": "the quick brown fox jumps over the lazy dog"}); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkBroadcastEncodeOnce broadcasts one event to every socket of a
// namespace through the in-memory adapter: one encode, then the same bytes
// handed to each target. ns/op and allocs/op grow only with the target
// list, never with an encode per socket (see allocs/op vs sockets).
func BenchmarkBroadcastEncodeOnce(b *testing.B) {
	for _, codec := range []socketio.Codec{socketio.JSON, msgpack.Codec{}} {
		for _, n := range []int{1, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/sockets=%d", codec.Name(), n), func(b *testing.B) {
				m, _ := memoryAdapter(codec, n, 10)
				proto := benchPacket(b, codec)
				b.ReportAllocs()
				for b.Loop() {
					p := *proto
					if err := m.Broadcast(&p, adapter.BroadcastOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delivery")
			})
		}
	}
}

// BenchmarkRoomLookup broadcasts to one room, to three rooms (targets
// de-duplicated) and to all but one room among 10,000 sockets in 100
// rooms: the cost of selecting targets.
func BenchmarkRoomLookup(b *testing.B) {
	m, _ := memoryAdapter(socketio.JSON, 10000, 100)
	proto := benchPacket(b, socketio.JSON)
	for _, tc := range []struct {
		name string
		opts adapter.BroadcastOptions
	}{
		{"one-room", adapter.BroadcastOptions{Rooms: []string{"r7"}}},
		{"three-rooms", adapter.BroadcastOptions{Rooms: []string{"r1", "r2", "r3"}}},
		{"one-socket", adapter.BroadcastOptions{Rooms: []string{"socket-000000000000042"}}},
		{"all-except-room", adapter.BroadcastOptions{Except: []string{"r5"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := *proto
				if err := m.Broadcast(&p, tc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSessionWriterBatching queues packets on one WebSocket session
// of the Engine.IO server while a raw client reads them. The session's
// writer drains everything queued into one buffered write, so packets per
// client read ("pkts/read") grows with the burst size and the cost per
// packet falls.
func BenchmarkSessionWriterBatching(b *testing.B) {
	for _, burst := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("burst=%d", burst), func(b *testing.B) {
			sessions := make(chan *engine.Session, 1)
			srv := engine.NewServer(engine.Options{OnSession: func(s *engine.Session) { sessions <- s }})
			hs := httptest.NewServer(srv)
			defer hs.Close()
			defer srv.Close(context.Background())
			conn, br, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http")+"/socket.io/?EIO=4&transport=websocket")
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			if br == nil {
				br = bufio.NewReader(conn)
			}
			s := <-sessions
			var frames, reads, target atomic.Int64
			reached := make(chan struct{}, 1)
			// Count the reads that reach the connection (each one a read
			// syscall): a large buffer in front takes whatever one server
			// write delivered.
			pre := io.LimitReader(br, int64(br.Buffered()))
			r := bufio.NewReaderSize(io.MultiReader(pre, &countingReader{r: conn, reads: &reads}), 256<<10)
			go func() {
				for {
					h, err := ws.ReadHeader(r)
					if err != nil {
						return
					}
					if _, err := io.CopyN(io.Discard, r, h.Length); err != nil {
						return
					}
					if frames.Add(1) == target.Load() {
						reached <- struct{}{}
					}
				}
			}()
			for frames.Load() < 1 { // the open packet
				time.Sleep(time.Millisecond)
			}
			wait := func(n int64) {
				target.Store(n)
				for frames.Load() < n { // a stale signal just loops once more
					<-reached
				}
			}
			pkt := engineio.TextPacket(engineio.Message, `2["bcast",{"seq":1,"sent":2,"text":"the quick brown fox jumps over the lazy dog"}]`)
			burstPkts := make([]engineio.Packet, burst)
			for i := range burstPkts {
				burstPkts[i] = pkt
			}
			want := int64(1)
			reads.Store(0)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for _, p := range burstPkts {
					if err := s.Send(p); err != nil {
						b.Fatal(err)
					}
				}
				want += int64(burst)
				wait(want)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/pkt")
			if n := reads.Load(); n > 0 {
				b.ReportMetric(float64(want-1)/float64(n), "pkts/read")
			}
		})
	}
}

type countingReader struct {
	r     io.Reader
	reads *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.r.Read(p)
}

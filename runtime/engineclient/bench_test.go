package engineclient

import (
	"bufio"
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/siogen/sio/codec/engineio"
)

// discardConn is a net.Conn that accepts every write.
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error)      { return len(b), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
func (discardConn) Close() error                     { return nil }

func benchConn() *Conn {
	c := &Conn{cfg: &config{Options: Options{RequestTimeout: time.Second, MaxReadBytes: DefaultMaxReadBytes}}}
	w := &wsTransport{c: c, conn: discardConn{}, bw: bufio.NewWriterSize(discardConn{}, 4096)}
	c.tr = w
	c.hs = engineio.Handshake{SID: "bench", PingInterval: 25000, PingTimeout: 20000}
	return c
}

// BenchmarkSendFlushWebSocket: Send of one 64-byte text message plus the
// writer's flush of it as a masked frame (run in this goroutine). Steady
// state must not allocate.
func BenchmarkSendFlushWebSocket(b *testing.B) {
	c := benchConn()
	p := engineio.TextPacket(engineio.Message, string(bytes.Repeat([]byte("x"), 64)))
	var spare []engineio.Packet
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Send(p); err != nil {
			b.Fatal(err)
		}
		spare, _ = c.flush(spare)
	}
}

// BenchmarkWebSocketWriteBatch: one writer batch of 16 packets (8 text, 8
// binary) coalesced into buffered frames and one flush.
func BenchmarkWebSocketWriteBatch(b *testing.B) {
	c := benchConn()
	w := c.tr.(*wsTransport)
	batch := make([]engineio.Packet, 16)
	for i := range batch {
		if i%2 == 0 {
			batch[i] = engineio.TextPacket(engineio.Message, `2["chat","hello world"]`)
		} else {
			batch[i] = engineio.BinaryPacket(bytes.Repeat([]byte{1, 2, 3, 4}, 64))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.write(time.Time{}, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebSocketRead: decode one server text frame into a packet. The
// one allocation per message is the packet's Data, owned by the handler.
func BenchmarkWebSocketRead(b *testing.B) {
	var frame bytes.Buffer
	wsutil.WriteServerMessage(&frame, ws.OpText, []byte(`42["chat","hello world"]`))
	raw := frame.Bytes()
	c := benchConn()
	rd := bytes.NewReader(raw)
	w := &wsTransport{c: c, br: bufio.NewReader(rd)}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(raw)
		w.br.Reset(rd)
		if _, err := w.readPacket(); err != nil {
			b.Fatal(err)
		}
	}
}

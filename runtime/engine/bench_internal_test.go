package engine

import (
	"bufio"
	"io"
	"testing"

	"github.com/siogen/sio/codec/engineio"
)

// BenchmarkWriteFrames measures coalescing a batch of 16 packets (text and
// binary, 64 bytes each) into WebSocket frames: it must not allocate.
func BenchmarkWriteFrames(b *testing.B) {
	data := make([]byte, 64)
	batch := make([]engineio.Packet, 0, 16)
	for i := 0; i < 8; i++ {
		batch = append(batch, engineio.Packet{Type: engineio.Message, Data: data}, engineio.BinaryPacket(data))
	}
	c := &wsConn{}
	bw := bufio.NewWriterSize(io.Discard, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(16 * 66))
	for b.Loop() {
		if err := c.writeFrames(bw, nil, batch, false, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollPayload measures encoding a batch of 16 packets into one
// polling response body with the pooled buffer.
func BenchmarkPollPayload(b *testing.B) {
	data := make([]byte, 64)
	batch := make([]engineio.Packet, 0, 16)
	for i := 0; i < 8; i++ {
		batch = append(batch, engineio.Packet{Type: engineio.Message, Data: data}, engineio.BinaryPacket(data))
	}
	b.ReportAllocs()
	for b.Loop() {
		bp := payloadPool.Get().(*[]byte)
		*bp = engineio.AppendPayload((*bp)[:0], batch...)
		payloadPool.Put(bp)
	}
}

package loadgen

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/examples/bench/benchschema"
)

// TestPayloadMatchesCodec checks that the hand-written payload encoder
// writes exactly what the codecs write for benchschema.Payload, and that
// payloadSeq reads the seq back from either form.
func TestPayloadMatchesCodec(t *testing.T) {
	codecs := []socketio.Codec{socketio.JSON, msgpack.Codec{}}
	values := []int64{0, 1, 31, 127, 128, 255, 256, 65535, 65536, 1 << 31, 1<<32 + 5, math.MaxInt64, -1, -32, -33, -128, -129, -40000, -1 << 40}
	for _, c := range codecs {
		for _, seq := range values {
			for _, sent := range []int64{0, 12345678, -7} {
				var p socketio.Packet
				if err := c.AppendArg(&p, benchschema.Payload{Seq: seq, Sent: sent, Text: PayloadText}); err != nil {
					t.Fatalf("%s AppendArg: %v", c.Name(), err)
				}
				got := appendPayload(nil, c.Name(), seq, sent)
				if !bytes.Equal(got, p.Args[0]) {
					t.Fatalf("%s seq=%d sent=%d:\n got % x\nwant % x", c.Name(), seq, sent, got, p.Args[0])
				}
				back, err := payloadSeq(c.Name(), got)
				if err != nil || back != seq {
					t.Fatalf("%s payloadSeq = %d, %v; want %d", c.Name(), back, err, seq)
				}
				var dec benchschema.Payload
				if err := c.Unmarshal(&p, got, &dec); err != nil || dec.Seq != seq || dec.Sent != sent || dec.Text != PayloadText {
					t.Fatalf("%s Unmarshal = %+v, %v", c.Name(), dec, err)
				}
			}
		}
	}
}

func TestPayloadSeqErrors(t *testing.T) {
	tests := []struct {
		codec string
		raw   string
	}{
		{"json", `{"sent":1}`},
		{"json", `{"seq":"x"}`},
		{"msgpack", "\x81\xa4sent\x01"},
		{"msgpack", "\x81\xa3seq"},
		{"msgpack", "\x81\xa3seq\xcd\x01"},
	}
	for _, tt := range tests {
		if v, err := payloadSeq(tt.codec, socketio.Raw(tt.raw)); err == nil {
			t.Errorf("payloadSeq(%s, %q) = %d, want an error", tt.codec, tt.raw, v)
		}
	}
}

func TestHistQuantiles(t *testing.T) {
	var h Hist
	if h.Quantile(0.5) != 0 {
		t.Fatal("empty histogram: want 0")
	}
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	if h.Count() != 1000 {
		t.Fatalf("count %d", h.Count())
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, 1000 * time.Microsecond}} {
		got := h.Quantile(tt.q)
		if d := math.Abs(float64(got-tt.want)) / float64(tt.want); d > 0.02 {
			t.Errorf("q%.2f = %v, want %v ±2%%", tt.q, got, tt.want)
		}
	}
	h.Reset()
	if h.Count() != 0 || h.Quantile(0.99) != 0 {
		t.Fatal("reset histogram not empty")
	}
}

func TestHistBuckets(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 20, 1 << 40, math.MaxInt64} {
		b := histBucket(v)
		if b < prev || b >= histBuckets {
			t.Fatalf("bucket(%d) = %d (prev %d, max %d)", v, b, prev, histBuckets)
		}
		prev = b
		if v > 64 && v < 1<<50 {
			if got := histValue(b); math.Abs(float64(got-v))/float64(v) > 0.02 {
				t.Errorf("value(bucket(%d)) = %d", v, got)
			}
		}
	}
}

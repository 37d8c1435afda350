package msgpack

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// FuzzMsgpackDecode feeds arbitrary bytes to the packet decoder. It must
// never panic; whatever it accepts must re-encode, decode again to the same
// packet, and hold arguments that are already normalized.
// Seeds: testdata/fuzz/FuzzMsgpackDecode (npm-encoded packets and quirks).
func FuzzMsgpackDecode(f *testing.F) {
	f.Add(hexb("83 a4 'type' 02 a4 'data' 92 a5 'hello' a3 'you' a3 'nsp' a1 2f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := Codec{}.NewDecoder(socketio.DecoderOptions{})
		p, err := dec.Decode(engineio.BinaryPacket(bytes.Clone(b)))
		if err != nil {
			if p != nil {
				t.Fatal("packet and error")
			}
			if !strings.HasPrefix(err.Error(), "codec: msgpack: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		for i, a := range p.Args {
			if n, err := normalize(a); err != nil || !bytes.Equal(n, a) {
				t.Fatalf("arg %d % x not normalized: % x, %v", i, []byte(a), n, err)
			}
		}
		if p.Data != nil {
			if n, err := normalize(p.Data); err != nil || !bytes.Equal(n, p.Data) {
				t.Fatalf("data % x not normalized: %v", []byte(p.Data), err)
			}
		}
		out, err := goEncode(p)
		if err != nil {
			if strings.Contains(err.Error(), "out of range for a JavaScript Date") {
				return
			}
			t.Fatalf("decoded %+v but cannot encode it: %v", p, err)
		}
		p2, err := dec.Decode(engineio.BinaryPacket(bytes.Clone(out)))
		if err != nil {
			t.Fatalf("cannot decode own encoding % x: %v", out, err)
		}
		// The wire form is a fixed point: a timestamp may change form (and
		// lose sub-millisecond digits) on the first trip, never after.
		out2, err := goEncode(p2)
		if err != nil || !bytes.Equal(out, out2) || p.Type != p2.Type || p.Namespace != p2.Namespace || p.ID != p2.ID || p.Event != p2.Event {
			t.Fatalf("round trip changed the packet:\n%+v % x\n%+v % x (%v)", p, out, p2, out2, err)
		}
	})
}

// FuzzMsgpackUnmarshal feeds arbitrary bytes to Unmarshal with several
// targets. It must never panic, and a value that decodes into `any` must
// encode again. vmihailenco/msgpack itself panics on some inputs (an array
// decoded into a struct whose time.Time field gets nil, found by this
// target); Unmarshal's guard turns those into an *UnmarshalError, which
// is what this target checks: an error, never a crash.
// Seeds: testdata/fuzz/FuzzMsgpackUnmarshal.
func FuzzMsgpackUnmarshal(f *testing.F) {
	f.Add(hexb("84 a4 'name' a1 'x' a5 'photo' c7 01 00 01 a4 'seen' d7 00 00 00 01 8b cf e5 68 7b a5 'score' 02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Codec{}
		targets := []any{new(any), new(user), new([]any), new(map[string]any), new(string), new(int64),
			new(float64), new(time.Time), new([]byte), new(socketio.Raw), new(chatMessage), new(map[int]string), new([3]int)}
		for _, target := range targets {
			err := c.Unmarshal(nil, b, target)
			var ue *UnmarshalError
			if err != nil && !errors.As(err, &ue) {
				t.Fatalf("Unmarshal % x into %T: error %v is not an *UnmarshalError", b, target, err)
			}
		}
		var v any
		if c.Unmarshal(nil, b, &v) == nil {
			var p socketio.Packet
			if err := c.AppendArg(&p, v); err != nil {
				t.Fatalf("decoded %#v from % x but cannot encode it: %v", v, b, err)
			}
		}
		if n, err := normalize(b); err == nil {
			if n2, err := normalize(n); err != nil || !bytes.Equal(n, n2) {
				t.Fatalf("normalize is not idempotent on % x: % x / % x, %v", b, n, n2, err)
			}
			if _, err := appendWire(nil, n); err != nil && !strings.Contains(err.Error(), "out of range") {
				t.Fatalf("normalized % x does not go to the wire: %v", n, err)
			}
		}
	})
}

// TestUnmarshalLibraryPanicIsAnError pins the input fuzzing found: the
// library panics inside, Unmarshal answers with an error.
func TestUnmarshalLibraryPanicIsAnError(t *testing.T) {
	in := []byte("\x98\xc0\xc0\xc00\xc0\xc0\xc00")
	var m chatMessage
	err := Codec{}.Unmarshal(nil, in, &m)
	var ue *UnmarshalError
	if !errors.As(err, &ue) {
		t.Fatalf("Unmarshal = %v, want an *UnmarshalError", err)
	}
}

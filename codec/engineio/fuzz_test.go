package engineio

import (
	"bytes"
	"testing"
)

// FuzzDecodeText checks that any input either fails to decode or decodes to
// a packet whose re-encoding decodes to the same packet.
func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{"4hello", "2", "2probe", "3probe", "6", "bAQIDBA==", "bAQIDBA", "b", "0{}", "", "7", "b====", "4\x1e"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := DecodeText(in)
		if err != nil {
			return
		}
		if !p.Type.Valid() {
			t.Fatalf("decoded invalid type %d", p.Type)
		}
		if p.Binary && p.Type != Message {
			t.Fatalf("binary packet of type %v", p.Type)
		}
		enc := AppendText(nil, p)
		if len(enc) != TextLen(p) {
			t.Fatalf("TextLen %d != %d", TextLen(p), len(enc))
		}
		q, err := DecodeText(enc)
		if err != nil {
			t.Fatalf("re-decode %q: %v", enc, err)
		}
		if q.Type != p.Type || q.Binary != p.Binary || !bytes.Equal(q.Data, p.Data) {
			t.Fatalf("round trip %+v != %+v", q, p)
		}
	})
}

// FuzzPayload checks that payload decoding never panics, that every packet
// it yields is well formed, and that text-only payloads survive a round trip.
func FuzzPayload(f *testing.F) {
	for _, s := range []string{"4hello", "4test1\x1e4test2\x1e4test3", "4hello\x1ebAQIDBA==", "2\x1e6\x1e1", "\x1e", "4a\x1e\x1e4b", "abc", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		packets, err := DecodePayload(in)
		if err != nil {
			return
		}
		for _, p := range packets {
			if !p.Type.Valid() {
				t.Fatalf("invalid type %d", p.Type)
			}
			if !p.Binary && bytes.IndexByte(p.Data, Separator) >= 0 {
				t.Fatalf("text packet holds a separator: %q", p.Data)
			}
		}
		enc := AppendPayload(nil, packets...)
		again, err := DecodePayload(enc)
		if err != nil {
			t.Fatalf("re-decode %q: %v", enc, err)
		}
		if len(again) != len(packets) {
			t.Fatalf("round trip count %d != %d", len(again), len(packets))
		}
		for i := range again {
			if again[i].Type != packets[i].Type || !bytes.Equal(again[i].Data, packets[i].Data) {
				t.Fatalf("packet %d differs after round trip", i)
			}
		}
	})
}

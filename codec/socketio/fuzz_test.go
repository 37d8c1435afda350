package socketio

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/siogen/sio/codec/engineio"
)

// fuzzMessages splits fuzz input into Engine.IO messages: chunks separated
// by 0x00; a chunk starting with 0x01 is a binary message holding the rest,
// any other chunk a text message.
func fuzzMessages(in []byte) []engineio.Packet {
	var out []engineio.Packet
	for chunk := range bytes.SplitSeq(in, []byte{0}) {
		if len(chunk) > 0 && chunk[0] == 1 {
			out = append(out, engineio.BinaryPacket(bytes.Clone(chunk[1:])))
		} else {
			out = append(out, engineio.TextPacket(engineio.Message, string(chunk)))
		}
	}
	return out
}

// FuzzJSONDecode feeds message sequences to one decoder. It must never
// panic, and every packet it completes must encode again and decode to the
// same packet.
func FuzzJSONDecode(f *testing.F) {
	for _, s := range []string{
		`0`, `0/admin,{"token":"123"}`, `2["message",1,"2",{"3":[true]}]`, `2/chat,456["a",{"b":null}]`,
		"52-[\"m\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\x00\x01\x01\x02\x00\x01",
		"61-3[{\"_placeholder\":true,\"num\":0}]\x00\x01abc\x002[\"next\"]",
		`30[]`, `4"x"`, `1/a,`, `2 ["a"]`, "51.0-[\"a\"]\x00\x01", `2[1e400]`, `2["\ud83d\ude00"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d := JSON.NewDecoder(DecoderOptions{})
		for _, m := range fuzzMessages(in) {
			p, err := d.Decode(m)
			if err != nil {
				if _, err2 := d.Decode(m); err2 == nil {
					t.Fatal("decoder usable after an error")
				}
				return
			}
			if p == nil {
				continue
			}
			checkDecoded(t, p)
		}
	})
}

func checkDecoded(t *testing.T, p *Packet) {
	t.Helper()
	if p.Type > ConnectError || p.Namespace == "" || p.ID < NoID || p.ID > maxSafeInteger {
		t.Fatalf("bad packet %+v", p)
	}
	if len(p.Attachments) > 0 && p.Type != Event && p.Type != Ack {
		t.Fatalf("attachments on %v", p.Type)
	}
	msgs, err := JSON.Encode(p)
	if err != nil {
		t.Fatalf("decoded packet %+v does not encode: %v", p, err)
	}
	back, err := decodeAll(t, DecoderOptions{MaxAttachments: len(p.Attachments)}, msgs...)
	if err != nil || len(back) != 1 {
		t.Fatalf("re-decode of %q: %v", msgs[0].Data, err)
	}
	if !equalRawPackets(back[0], p) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back[0], p)
	}
	for _, a := range p.Args {
		var v any
		_ = JSON.Unmarshal(p, a, &v) // must not panic
	}
}

// FuzzJSONUnmarshal decodes arbitrary JSON into a range of targets with a
// few attachments. It must never panic; a value decoded into any must
// marshal again and decode to an equal value.
func FuzzJSONUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"_placeholder":true,"num":0}`, `[{"_placeholder":true,"num":1},{"a":{"_placeholder":true,"num":0}}]`,
		`"AQID"`, `{"Name":"f","Parts":[{"_placeholder":true,"num":0}],"Meta":{"x":1}}`, `{"a":1,"a":2}`,
		`[1,-0,1.5e300,"é😀\u2028"]`, `{"_placeholder":true,"num":0.5}`, `null`, `{"\u005fplaceholder":true,"num":1}`,
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw []byte, n uint8) {
		p := &Packet{}
		for i := range int(n % 4) {
			p.Attachments = append(p.Attachments, bytes.Repeat([]byte{byte(i)}, i))
		}
		var (
			b  []byte
			u  upload
			m  map[string]any
			s  []any
			r  Raw
			st string
			fl float64
			bb [][]byte
		)
		for _, target := range []any{&b, &u, &m, &s, &r, &st, &fl, &bb} {
			_ = JSON.Unmarshal(p, Raw(raw), target)
		}
		var v any
		if err := JSON.Unmarshal(p, Raw(raw), &v); err != nil {
			return
		}
		var q Packet
		if err := JSON.AppendArg(&q, v); err != nil {
			t.Fatalf("%#v does not marshal: %v", v, err)
		}
		if err := validRaw(q.Args[0]); err != nil {
			t.Fatalf("marshaled %q: %v", q.Args[0], err)
		}
		var w any
		if err := JSON.Unmarshal(&q, q.Args[0], &w); err != nil {
			t.Fatalf("re-unmarshal %q: %v", q.Args[0], err)
		}
		if !reflect.DeepEqual(v, w) {
			t.Fatalf("round trip of %q:\n got %#v\nwant %#v", raw, w, v)
		}
	})
}

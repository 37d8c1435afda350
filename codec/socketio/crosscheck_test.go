package socketio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/siogen/sio/codec/engineio"
)

// TestCrossCheck drives the npm engine.io-parser and socket.io-parser (one
// node process, interop/codec/oracle.mjs) over generated packets and checks
// both directions:
//   - what JS encodes, Go decodes to the same packet;
//   - what Go encodes, JS decodes to the same packet;
//   - the bytes are identical where the JS encoding is canonical;
//   - what JS rejects, Go rejects (and what JS accepts, Go accepts, except
//     the documented deviations).
func TestCrossCheck(t *testing.T) {
	o := startOracle(t)
	total := 0
	for _, part := range []struct {
		name string
		run  func(*testing.T, *oracle) int
	}{
		{"engineio/packets", crossEngineIOPackets},
		{"engineio/payloads", crossEngineIOPayloads},
		{"socketio/packets", crossSocketIOPackets},
		{"socketio/decode", crossSocketIODecode},
	} {
		t.Run(part.name, func(t *testing.T) {
			n := part.run(t, o)
			t.Logf("%s: %d cross-checked", part.name, n)
			total += n
		})
	}
	t.Logf("cross-checked %d packets and message sequences against the npm parsers", total)
	if total < 300 {
		t.Errorf("only %d packets cross-checked, want at least 300", total)
	}
}

var (
	// unicodeSamples cover multi-byte UTF-8, astral characters (surrogate
	// pairs in JS), U+2028/U+2029, escapes and the polling separator 0x1E.
	unicodeSamples = []string{
		"", "hello", "héllo wörld", "日本語", "😀👍🏽", "𝄞 clef", "\u2028\u2029", "a\x1eb",
		"\x00\x01\x1f\x7f", "tab\tnew\nline\r", `quote" back\ slash/`, "<script>&amp;</script>",
		"\ufeffBOM", "\u00a0nbsp",
	}
	large = strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
)

func crossEngineIOPackets(t *testing.T, o *oracle) int {
	n := 0
	// Encoding: every type with text data, binary in both forms.
	var packets []engineio.Packet
	for typ := engineio.Open; typ <= engineio.Noop; typ++ {
		for _, s := range []string{"", "probe", `{"sid":"x"}`} {
			packets = append(packets, engineio.TextPacket(typ, s))
		}
	}
	for _, s := range append(unicodeSamples, large) {
		packets = append(packets, engineio.TextPacket(engineio.Message, s))
	}
	for _, b := range [][]byte{{}, {0}, {1, 2, 3, 4}, {0xff, 0xfe, 0x1e}, bytes.Repeat([]byte{7, 0x1e, 0xff}, 350_000)} {
		packets = append(packets, engineio.BinaryPacket(b))
	}
	for _, p := range packets {
		for _, supportsBinary := range []bool{false, true} {
			var got wireMsg
			o.call(t, "eio.encodePacket", map[string]any{"packet": eioPacketReq(p), "supportsBinary": supportsBinary}, &got)
			want := textMsg(string(engineio.AppendText(nil, p)))
			if p.Binary && supportsBinary {
				want = binMsg(p.Data) // a WebSocket binary frame: the raw bytes
			}
			if got.String() != want.String() {
				t.Errorf("encode %s (binary frames %v): JS %.80s, Go %.80s", eioKey(p), supportsBinary, got, want)
			}
			n++
		}
		// And back: JS decodes what Go wrote.
		var view eioView
		o.call(t, "eio.decodePacket", map[string]any{"msg": textMsg(string(engineio.AppendText(nil, p)))}, &view)
		if got, want := view.key(t), eioKey(p); got != want {
			t.Errorf("JS decode of Go %.80s: %.80s", want, got)
		}
		n++
	}

	// Decoding: valid and invalid text, compared with DecodeText.
	inputs := []string{"", "7", "8", "9", "a", " ", "-", "b", "bAQIDBA==", "bAQIDBA", "bAQID", "bAA==", "bAA", "b====", "bA", "b!!!!", "bAQ=D",
		"4\x1e", "40", "42[\"a\"]", "2probe", "3probe", "5", "6", "\u00e9", "😀", "0{\"sid\":\"a\"}"}
	for typ := '0'; typ <= '6'; typ++ {
		for _, s := range unicodeSamples {
			inputs = append(inputs, string(typ)+s)
		}
	}
	lenient := 0
	for _, in := range inputs {
		var view eioView
		o.call(t, "eio.decodePacket", map[string]any{"msg": textMsg(in)}, &view)
		p, err := engineio.DecodeText([]byte(in))
		n++
		switch {
		case view.Type == "error" && err == nil:
			t.Errorf("decode %q: JS rejects, Go accepts %s", in, eioKey(p))
		case view.Type == "error":
		case err != nil && strings.HasPrefix(in, "b"):
			lenient++ // Node's Buffer.from(s, "base64") ignores bad input; Go refuses it
			t.Logf("deviation: JS decodes malformed base64 %q to %s; Go: %v", in, view.key(t), err)
		case err != nil:
			t.Errorf("decode %q: JS accepts %s, Go rejects: %v", in, view.key(t), err)
		case view.key(t) != eioKey(p):
			t.Errorf("decode %q: JS %s, Go %s", in, view.key(t), eioKey(p))
		}
	}
	return n
}

func crossEngineIOPayloads(t *testing.T, o *oracle) int {
	n := 0
	msg := func(s string) engineio.Packet { return engineio.TextPacket(engineio.Message, s) }
	payloads := [][]engineio.Packet{
		{msg("hello")},
		{msg("test1"), msg("test2"), msg("test3")},
		{msg("hello"), engineio.BinaryPacket([]byte{1, 2, 3, 4})},
		{{Type: engineio.Ping}, {Type: engineio.Noop}, {Type: engineio.Close}},
		{msg(`2["message",{"_placeholder":true,"num":0}]`), engineio.BinaryPacket(nil), engineio.BinaryPacket([]byte{0x1e})},
		{msg(large), engineio.BinaryPacket([]byte(large[:1000])), msg("")},
	}
	for i, s := range unicodeSamples {
		if strings.ContainsRune(s, engineio.Separator) {
			continue // a text packet cannot hold the separator
		}
		payloads = append(payloads, []engineio.Packet{msg(s), {Type: engineio.PacketType(i % 7), Data: []byte(s)}})
	}
	for _, ps := range payloads {
		var got string
		req := make([]map[string]any, len(ps))
		for i, p := range ps {
			req[i] = eioPacketReq(p)
		}
		o.call(t, "eio.encodePayload", map[string]any{"packets": req}, &got)
		want := string(engineio.AppendPayload(nil, ps...))
		if got != want {
			t.Errorf("encodePayload: JS %.80q, Go %.80q", got, want)
		}
		decodePayloadAgree(t, o, want)
		n += len(ps)
	}
	for _, body := range []string{"", "\x1e", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b", "4a\x1eabc\x1e4b", "4a\x1e7", "bAQID\x1e4x", "4a\x1eb", "2\x1e3\x1e4\x1e5\x1e6\x1e0\x1e1"} {
		decodePayloadAgree(t, o, body)
		n++
	}
	return n
}

// decodePayloadAgree decodes a polling payload on both sides: the same
// packets up to the first bad one, and an error at the same place.
func decodePayloadAgree(t *testing.T, o *oracle, body string) {
	t.Helper()
	var views []eioView
	o.call(t, "eio.decodePayload", map[string]any{"payload": body}, &views)
	packets, err := engineio.DecodePayload([]byte(body))
	jsErr := len(views) > 0 && views[len(views)-1].Type == "error"
	if jsErr {
		views = views[:len(views)-1]
	}
	if jsErr != (err != nil) || len(views) != len(packets) {
		t.Errorf("decodePayload %.80q: JS %d packets (error %v), Go %d packets (error %v)", body, len(views), jsErr, len(packets), err)
		return
	}
	for i := range views {
		if views[i].key(t) != eioKey(packets[i]) {
			t.Errorf("decodePayload %.80q packet %d: JS %.80s, Go %.80s", body, i, views[i].key(t), eioKey(packets[i]))
		}
	}
}

// sioCase is one Socket.IO packet built in Go. canonical says the JS
// encoder writes the same bytes for it (false where JS reorders integer-like
// keys, drops precision, or the raw text is not in JSON.stringify form).
type sioCase struct {
	name      string
	p         *Packet
	canonical bool
}

type demoStruct struct {
	ID    int               `json:"id"`
	Tags  []string          `json:"tags"`
	Score float64           `json:"score"`
	Blob  []byte            `json:"blob,omitzero"`
	Extra map[string]string `json:"extra,omitempty"`
}

// argSets are the argument lists events and acks are built from.
func argSets() []struct {
	name      string
	args      []any
	canonical bool
} {
	nested := func(depth int, leaf any) any {
		v := leaf
		for i := range depth {
			if i%2 == 0 {
				v = []any{i, v}
			} else {
				v = map[string]any{"d" + strconv.Itoa(i): v, "n": nil}
			}
		}
		return v
	}
	type set = struct {
		name      string
		args      []any
		canonical bool
	}
	sets := []set{
		{"none", nil, true},
		{"one string", []any{"hello world"}, true},
		{"chat", []any{chatMessage{"general", "alice", "hello world", 1700000000000}}, true},
		{"scalars", []any{1, "2", map[string]any{"3": []any{true}}, false, nil}, true},
		{"numbers", []any{0, -1, 1.5, 1e21, 1e-7, 0.000001, 123456789, math.Copysign(0, -1), math.MaxFloat64, 5e-324, 0.1, 1 << 53, -1e300}, true},
		{"non-finite", []any{math.NaN(), math.Inf(1), math.Inf(-1)}, true},
		{"unicode", func() []any {
			var a []any
			for _, s := range unicodeSamples {
				a = append(a, s)
			}
			return a
		}(), true},
		{"unicode keys", []any{map[string]any{"é": 1, "😀": "x", "\u2028": []any{}, "a\x1e": "b"}}, true},
		{"empty containers", []any{[]any{}, map[string]any{}, "", [][]any{{}}}, true},
		{"struct", []any{demoStruct{ID: 7, Tags: []string{"a", "b"}, Score: 0.25, Extra: map[string]string{"z": "1", "a": "2"}}}, true},
		{"large string", []any{large}, true},
		{"many args", func() []any {
			a := make([]any, 50)
			for i := range a {
				a[i] = i * i
			}
			return a
		}(), true},
		{"binary top", []any{[]byte{1, 2, 3}}, true},
		{"binary empty", []any{[]byte{}}, true},
		{"binary two", []any{[]byte{1}, "x", []byte{2, 3}}, true},
		{"binary in struct", []any{demoStruct{ID: 1, Tags: []string{}, Blob: []byte("blob")}}, true},
		{"binary depth 2", []any{nested(2, []byte{9})}, true},
		{"binary depth 5", []any{nested(5, []byte{8, 7})}, true},
		{"binary depth 9", []any{nested(9, []byte{0xff})}, true},
		{"binary many", []any{[]any{[]byte{0}, []byte{1}, []byte{2}, []byte{3}, []byte{4}}, map[string]any{"a": []byte{5}, "b": [][]byte{{6}, {7}}}}, true},
		{"binary large", []any{"file.bin", bytes.Repeat([]byte{0xab, 0x1e}, 1<<19)}, true},
		{"binary ten", func() []any {
			a := make([]any, 10)
			for i := range a {
				a[i] = []byte{byte(i)}
			}
			return a
		}(), true},
		// JS orders integer-like keys first, ascending: not canonical.
		{"integer keys", []any{map[string]any{"b": 1, "10": 2, "2": 3, "a": 4}}, false},
		// 2^53+1 is not a double; JS writes 9007199254740992.
		{"unsafe integer", []any{int64(1<<53 + 1)}, false},
		// Raw text passes through as written; JS re-serializes it.
		{"raw spaced", []any{Raw(`{ "b" : [1, 2.50, 1E3] , "a" : "\u0041" }`)}, false},
		{"raw duplicate names", []any{Raw(`{"a":1,"a":2}`)}, false},
		{"raw canonical", []any{Raw(`{"b":[1,2.5,1000],"a":"A"}`)}, true},
		{"raw lone surrogate", []any{Raw(`"\ud800x"`)}, true},
		{"raw placeholder-looking text", []any{Raw(`{"_placeholder":true,"num":0}`)}, true},
	}
	return sets
}

var (
	namespaces = []string{"/", "/admin", "/a/b", "/é", "/😀", "/with space", "/" + strings.Repeat("n", 300)}
	ackIDs     = []int64{NoID, 0, 1, 42, 1234567, maxSafeInteger}
	eventNames = []string{"message", "a", "", "é", "😀", "with \"quote\"", "1", "ping", "connect_", "x\u2028y"}
)

// sioCases generates the Socket.IO packets: every type, each argument set
// as an event and as an ack, across namespaces, ack ids and event names.
func sioCases(t *testing.T) []sioCase {
	var cases []sioCase
	add := func(name string, p *Packet, canonical bool) {
		cases = append(cases, sioCase{name, p, canonical})
	}
	k := 0
	next := func() (string, int64) {
		k++
		return namespaces[k%len(namespaces)], ackIDs[(k/len(namespaces)+k)%len(ackIDs)]
	}
	for _, s := range argSets() {
		for _, typ := range []PacketType{Event, Ack} {
			variants := 3
			if strings.Contains(s.name, "large") {
				variants = 1
			}
			for v := range variants {
				nsp, id := next()
				if typ == Ack && id == NoID {
					id = int64(v)
				}
				p := &Packet{Type: typ, Namespace: nsp, ID: id}
				if typ == Event {
					p.Event = eventNames[(k+v)%len(eventNames)]
				}
				for _, a := range s.args {
					if err := JSON.AppendArg(p, a); err != nil {
						t.Fatalf("%s: AppendArg(%T): %v", s.name, a, err)
					}
				}
				add(fmt.Sprintf("%s %s %d", typ, s.name, v), p, s.canonical)
			}
		}
	}
	datas := []any{nil, map[string]any{}, map[string]any{"token": "123"}, map[string]any{"sid": "lv_VI97HAXpY6yYWAAAC", "pid": "x"},
		map[string]any{"message": "Not authorized", "data": map[string]any{"code": 401, "u": "é😀"}}}
	for _, nsp := range namespaces {
		for i, d := range datas {
			_, id := next()
			for _, typ := range []PacketType{Connect, ConnectError} {
				p := &Packet{Type: typ, Namespace: nsp, ID: NoID}
				if i == 2 {
					p.ID = id // ids on these types are legal on the wire too
				}
				if err := JSON.SetData(p, d); err != nil {
					t.Fatal(err)
				}
				add(fmt.Sprintf("%s %s data %d", typ, nsp, i), p, true)
			}
		}
		add("DISCONNECT "+nsp, &Packet{Type: Disconnect, Namespace: nsp, ID: NoID}, true)
		for _, s := range unicodeSamples[:6] {
			p := &Packet{Type: ConnectError, Namespace: nsp, ID: NoID}
			if err := JSON.SetData(p, s); err != nil {
				t.Fatal(err)
			}
			add("CONNECT_ERROR string "+nsp, p, true)
		}
	}
	return cases
}

// payloadJSON is the JSON payload of p as a JS app would pass it to the
// encoder (placeholders still in place).
func payloadJSON(p *Packet) (string, bool) {
	switch p.Type {
	case Event:
		b := appendJSONString([]byte{'['}, p.Event)
		for _, a := range p.Args {
			b = append(append(b, ','), a...)
		}
		return string(append(b, ']')), true
	case Ack:
		return string(joinArgs(p.Args)), true
	}
	if p.Data == nil {
		return "", false
	}
	return string(p.Data), true
}

func crossSocketIOPackets(t *testing.T, o *oracle) int {
	cases := sioCases(t)
	for _, c := range cases {
		p := c.p
		want := keyOf(t, p)

		// Go encodes; Go and JS decode it.
		goMsgs, err := JSON.Encode(p)
		if err != nil {
			t.Errorf("%s: Encode: %v", c.name, err)
			continue
		}
		if back, err := decodeAll(t, DecoderOptions{}, goMsgs...); err != nil || len(back) != 1 {
			t.Errorf("%s: Go does not decode its own %.80s: %v", c.name, goMsgs[0].Data, err)
		} else if got := keyOf(t, back[0]); got != want || !equalRawPackets(back[0], p) {
			t.Errorf("%s: Go round trip:\n got %.300s\nwant %.300s", c.name, got, want)
		}
		var jsDec struct {
			Packets []sioView `json:"packets"`
			Error   string    `json:"error"`
		}
		o.call(t, "sio.decode", map[string]any{"msgs": toWire(goMsgs)}, &jsDec)
		if jsDec.Error != "" || len(jsDec.Packets) != 1 {
			t.Errorf("%s: JS does not decode Go's %.120q: %s", c.name, goMsgs[0].Data, jsDec.Error)
		} else if got, err := jsDec.Packets[0].key(nil); err != nil || got != want {
			t.Errorf("%s: JS decodes Go's %.120q as\n%.300s\nwant %.300s (%v)", c.name, goMsgs[0].Data, got, want, err)
		}

		// JS encodes the same packet; Go decodes it; bytes match where canonical.
		jp := map[string]any{"type": int(p.Type), "nsp": p.Namespace}
		if p.ID >= 0 {
			jp["id"] = p.ID
		}
		if js, ok := payloadJSON(p); ok {
			jp["json"] = js
		}
		if len(p.Attachments) > 0 {
			att := make([]string, len(p.Attachments))
			for i, a := range p.Attachments {
				att[i] = base64.StdEncoding.EncodeToString(a)
			}
			jp["attachments"] = att
		}
		var jsMsgs []wireMsg
		o.call(t, "sio.encode", map[string]any{"packet": jp}, &jsMsgs)
		if c.canonical && fmt.Sprint(jsMsgs) != fmt.Sprint(toWire(goMsgs)) {
			t.Errorf("%s: bytes differ:\n JS %.300s\n Go %.300s", c.name, jsMsgs, toWire(goMsgs))
		}
		msgs := make([]engineio.Packet, len(jsMsgs))
		for i, m := range jsMsgs {
			msgs[i] = m.message(t)
		}
		if got, err := decodeAll(t, DecoderOptions{}, msgs...); err != nil || len(got) != 1 {
			t.Errorf("%s: Go does not decode JS's %.120s: %v", c.name, jsMsgs[0], err)
		} else if k := keyOf(t, got[0]); k != want {
			t.Errorf("%s: Go decodes JS's %.120s as\n%.300s\nwant %.300s", c.name, jsMsgs[0], k, want)
		} else if len(p.Attachments) > 0 {
			checkUnmarshalAny(t, c.name, got[0])
		}
	}
	return len(cases)
}

// checkUnmarshalAny checks that Unmarshal into any resolves placeholders as
// canon does (the JS reconstruction).
func checkUnmarshalAny(t *testing.T, name string, p *Packet) {
	for i, a := range p.Args {
		var v any
		if err := JSON.Unmarshal(p, a, &v); err != nil {
			t.Errorf("%s: Unmarshal arg %d: %v", name, i, err)
			continue
		}
		var tmp Packet
		b, err := marshalTagged(&tmp, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err1 := canon(b, nil)
		want, err2 := canon(a, p.Attachments)
		if err1 != nil || err2 != nil || got != want {
			t.Errorf("%s: Unmarshal arg %d into any:\n got %.200s\nwant %.200s (%v %v)", name, i, got, want, err1, err2)
		}
	}
}

// marshalTagged marshals v with []byte written as {"$b":"<base64>"}.
func marshalTagged(p *Packet, v any) ([]byte, error) {
	r, err := marshal(p, v)
	if err != nil {
		return nil, err
	}
	s, err := canon(r, p.Attachments)
	return []byte(s), err
}

func equalRawPackets(a, b *Packet) bool {
	if a.Type != b.Type || a.Namespace != b.Namespace || a.ID != b.ID || a.Event != b.Event ||
		!bytes.Equal(a.Data, b.Data) || len(a.Args) != len(b.Args) || len(a.Attachments) != len(b.Attachments) {
		return false
	}
	for i := range a.Args {
		if !bytes.Equal(a.Args[i], b.Args[i]) {
			return false
		}
	}
	for i := range a.Attachments {
		if !bytes.Equal(a.Attachments[i], b.Attachments[i]) {
			return false
		}
	}
	return true
}

// decodeSeeds are valid message sequences; crossSocketIODecode mutates them.
var decodeSeeds = [][]string{
	{`0`}, {`0/admin,{"token":"123"}`}, {`40`}, {`1/admin,`}, {`4{"message":"Invalid namespace"}`}, {`4/random,"nope"`},
	{`2["message",1,"2",{"3":[true]}]`}, {`2/chat,456["message-with-ack",1,"2",{"3":[false]}]`},
	{`30[]`}, {`3/admin,13["bar",{"a":null}]`},
	{`52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, "\x00bin:\x01\x02\x03", "\x00bin:\x04\x05\x06"},
	{`62-/a,789[{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]`, "\x00bin:\x01", "\x00bin:"},
	{`2["é😀",-1.5e3,"\u2028\ud83d\ude00\n"]`},
}

// extraDecodeCases are hand-picked inputs, valid and invalid, beyond the
// mutations. Binary messages are written as "\x00bin:<bytes>".
var extraDecodeCases = [][]string{
	{``}, {`9`}, {`7`}, {`a`}, {` `}, {"\u00a0{}"}, {"\u3000"}, {`2`}, {`2/nsp`}, {`3`}, {`4`}, {`2[]`}, {`3{}`},
	{`2["connect"]`}, {`2["connect_error"]`}, {`2["disconnect"]`}, {`2["disconnecting"]`}, {`2["newListener"]`},
	{`2["removeListener"]`}, {`2["Connect"]`}, {`2["conn\u0065ct"]`}, {`2[null]`}, {`2[true]`}, {`2[[]]`}, {`2[{}]`},
	{`2[1]`}, {`2[-0]`}, {`2[1e400]`}, {`2[1.50]`}, {`2[1e21]`}, {`2[0.0000001]`}, {`2["a"] `}, {"2[\"a\"]\n\t\r "},
	{`2 ["a"]`}, {`21 2["a"]`}, {`2007["a"]`}, {`299999999999999999999["a"]`}, {`29007199254740991["a"]`}, {`29007199254740992["a"]`},
	{`2/a,b,["x"]`}, {`2/a,1["x"]`}, {`2/,["x"]`}, {`2/["x"]`}, {`2-["a"]`}, {`2abc`}, {`2["a"]x`}, {`2["a",]`}, {`2["a" "b"]`},
	{`2[01]`}, {`2[.5]`}, {`2[+1]`}, {`2["\x"]`}, {`2["\u12"]`}, {"2[\"\x01\"]"}, {`2["a",{"a":1,"a":2}]`}, {`2["\ud800"]`},
	{`0null`}, {`0[]`}, {`0"x"`}, {`0{}`}, {`0{"a":1} `}, {`1{}`}, {`1/a,{}`}, {`4null`}, {`4[]`}, {`41`}, {`4"x"`},
	{`50-["a"]`}, {`5-["a"]`}, {`51["a"]`}, {`511-["a"]`}, {`5101-["a"]`, "\x00bin:1", "\x00bin:2", "\x00bin:3", "\x00bin:4", "\x00bin:5", "\x00bin:6", "\x00bin:7", "\x00bin:8", "\x00bin:9", "\x00bin:10"},
	{`51e1-["a"]`}, {`51.0-["a"]`, "\x00bin:x"}, {`50x1-["a"]`, "\x00bin:x"}, {`5 1 -["a"]`, "\x00bin:x"}, {`5+1-["a"]`, "\x00bin:x"},
	{`5-1-["a"]`}, {`5Infinity-["a"]`}, {`51-`, "\x00bin:x"}, {`51-/a`, "\x00bin:x"}, {`51-/a,3`, "\x00bin:x"},
	{`51-["a",{"_placeholder":true,"num":1}]`, "\x00bin:x"}, {`51-["a",{"_placeholder":true,"num":-1}]`, "\x00bin:x"},
	{`51-["a",{"_placeholder":true,"num":"0"}]`, "\x00bin:x"}, {`51-["a",{"_placeholder":true}]`, "\x00bin:x"},
	{`51-["a",{"_placeholder":true,"num":0.0}]`, "\x00bin:x"}, {`51-["a",{"_placeholder":true,"num":0e5}]`, "\x00bin:x"},
	{`51-["a",{"_placeholder":false,"num":5}]`, "\x00bin:x"}, {`51-["a",{"_placeholder":1,"num":5}]`, "\x00bin:x"},
	{`51-["a",{"_placeholder":true,"num":5,"_placeholder":false}]`, "\x00bin:x"},
	{`51-["a",{"\u005fplaceholder":true,"num":0}]`, "\x00bin:x"}, {`51-["a",{"_placeholder":true,"n\u0075m":3}]`, "\x00bin:x"},
	{`51-["a",{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}]`, "\x00bin:x"},
	{`51-[{"_placeholder":true,"num":0}]`, "\x00bin:x"}, {`61-[{"_placeholder":true,"num":0}]`, "\x00bin:x"},
	{`52-["a"]`, "\x00bin:x", `2["b"]`}, {"\x00bin:x"}, {`2["a"]`, "\x00bin:x"},
	{`52-["a"]`, "\x00bin:", "\x00bin:", `2["b"]`}, {`0/` + strings.Repeat("x", 5000) + `,{}`},
	{`2[` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `]`},
	{`2["deep",` + strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth) + `]`},
	{`2["big",` + strconv.Quote(large) + `]`},
}

// mutationChars replace one character of a seed at a time.
var mutationChars = []string{"", " ", "-", ",", "/", "0", "9", "[", "]", "{", "}", `"`, `\`, "x", "\u00a0", "."}

// crossSocketIODecode feeds the same message sequences to both decoders:
// seeds, every prefix and single-character mutation of the seeds' first
// message, and the hand-picked cases.
func crossSocketIODecode(t *testing.T, o *oracle) int {
	var seqs [][]string
	seen := map[string]bool{}
	addSeq := func(s []string) {
		k := strings.Join(s, "\xff")
		if !seen[k] {
			seen[k] = true
			seqs = append(seqs, s)
		}
	}
	for _, seed := range decodeSeeds {
		addSeq(seed)
		first := []rune(seed[0])
		for i := 0; i <= len(first); i++ {
			addSeq(append([]string{string(first[:i])}, seed[1:]...))
		}
		for i := range first {
			for _, c := range mutationChars {
				m := string(first[:i]) + c + string(first[i+1:])
				addSeq(append([]string{m}, seed[1:]...))
			}
		}
	}
	for _, c := range extraDecodeCases {
		addSeq(c)
	}

	wire := make([][]wireMsg, len(seqs))
	for i, s := range seqs {
		for _, m := range s {
			if b, ok := strings.CutPrefix(m, "\x00bin:"); ok {
				wire[i] = append(wire[i], binMsg([]byte(b)))
			} else {
				wire[i] = append(wire[i], textMsg(m))
			}
		}
	}
	type result struct {
		Packets []sioView `json:"packets"`
		Error   *string   `json:"error"`
		ErrorAt int       `json:"errorAt"`
		Pending bool      `json:"pending"`
	}
	var results []result
	o.call(t, "sio.decodeMany", map[string]any{"cases": wire}, &results)
	if len(results) != len(seqs) {
		t.Fatalf("oracle answered %d of %d cases", len(results), len(seqs))
	}

	accepted, rejected, deviations := 0, 0, 0
	for i, js := range results {
		name := fmt.Sprintf("%.100q", seqs[i])
		d := JSON.NewDecoder(DecoderOptions{})
		var got []*Packet
		var goErr error
		goErrAt := -1
		for j, m := range wire[i] {
			p, err := d.Decode(m.message(t))
			if err != nil {
				goErr, goErrAt = err, j
				break
			}
			if p != nil {
				got = append(got, p)
			}
		}
		if js.Error != nil {
			rejected++
			switch {
			case goErr == nil:
				t.Errorf("%s: JS rejects (%s at %d), Go accepts", name, *js.Error, js.ErrorAt)
			case goErrAt > js.ErrorAt:
				t.Errorf("%s: JS rejects message %d, Go only message %d: %v", name, js.ErrorAt, goErrAt, goErr)
			case goErrAt < js.ErrorAt && !errors.Is(goErr, errBadPlaceholder) && !errors.Is(goErr, errBadAckID):
				// Only placeholder errors may show earlier in Go (at the header;
				// JS checks them after the last attachment), and ack ids Go
				// refuses but JS takes (see knownDeviation).
				t.Errorf("%s: JS rejects message %d, Go already message %d: %v", name, js.ErrorAt, goErrAt, goErr)
			}
			// Packets completed before the error must agree too.
		} else {
			accepted++
			if goErr != nil {
				if dev := knownDeviation(js.Packets, seqs[i]); dev != "" {
					deviations++
					t.Logf("deviation (%s): %s: JS accepts, Go: %v", dev, name, goErr)
					continue
				}
				t.Errorf("%s: JS accepts, Go rejects: %v", name, goErr)
				continue
			}
			if pending := d.(*jsonDecoder).pending != nil; pending != js.Pending {
				t.Errorf("%s: pending JS %v, Go %v", name, js.Pending, pending)
			}
		}
		n := min(len(js.Packets), len(got))
		if len(js.Packets) != len(got) && js.Error == nil {
			t.Errorf("%s: JS %d packets, Go %d", name, len(js.Packets), len(got))
		}
		for j := range n {
			want, err := js.Packets[j].key(nil)
			if err != nil {
				t.Fatal(err)
			}
			if k := keyOf(t, got[j]); k != want {
				t.Errorf("%s packet %d:\n Go %.300s\n JS %.300s", name, j, k, want)
			}
		}
	}
	t.Logf("%d sequences: JS accepts %d, rejects %d; %d documented deviations", len(seqs), accepted, rejected, deviations)
	return len(seqs)
}

// knownDeviation names the documented cases where Go rejects what the JS
// parser accepts, or returns "".
func knownDeviation(js []sioView, seq []string) string {
	for _, p := range js {
		if p.ID != nil {
			id, err := strconv.ParseFloat(*p.ID, 64)
			if err != nil || id != math.Trunc(id) || id > maxSafeInteger {
				return "ack id is not a safe integer: " + *p.ID
			}
		}
	}
	for _, m := range seq {
		if strings.Count(m, "[") > MaxJSONDepth {
			return "nesting limit"
		}
		if !utf8.ValidString(m) {
			return "invalid UTF-8"
		}
	}
	return ""
}

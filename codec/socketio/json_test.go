package socketio

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/siogen/sio/codec/engineio"
)

func text(s string) engineio.Packet { return engineio.TextPacket(engineio.Message, s) }
func bin(b ...byte) engineio.Packet { return engineio.BinaryPacket(b) }
func raws(ss ...string) []Raw {
	if len(ss) == 0 {
		return nil
	}
	out := make([]Raw, len(ss))
	for i, s := range ss {
		out[i] = Raw(s)
	}
	return out
}

// decodeAll feeds msgs to a fresh decoder and returns the packets it
// completes, or the first error.
func decodeAll(t testing.TB, opts DecoderOptions, msgs ...engineio.Packet) ([]*Packet, error) {
	t.Helper()
	d := JSON.NewDecoder(opts)
	var out []*Packet
	for _, m := range msgs {
		p, err := d.Decode(m)
		if err != nil {
			return out, err
		}
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// TestJSONDecode holds the edge cases checked by hand against
// socket.io-parser 4.2.7 (the cross-check test covers many more).
func TestJSONDecode(t *testing.T) {
	type P = Packet
	tests := []struct {
		in   string
		bins [][]byte
		want *P
		err  string
	}{
		{in: `0`, want: &P{Type: Connect, Namespace: "/", ID: NoID}},
		{in: `0/admin,{"token":"123"}`, want: &P{Type: Connect, Namespace: "/admin", ID: NoID, Data: Raw(`{"token":"123"}`)}},
		{in: `0/custom`, want: &P{Type: Connect, Namespace: "/custom", ID: NoID}},
		{in: `1/a`, want: &P{Type: Disconnect, Namespace: "/a", ID: NoID}},
		{in: `1/a,`, want: &P{Type: Disconnect, Namespace: "/a", ID: NoID}},
		{in: `2/nsp`, want: &P{Type: Event, Namespace: "/nsp", ID: NoID}},
		{in: `2`, want: &P{Type: Event, Namespace: "/", ID: NoID}},
		{in: `2["foo"]`, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "foo"}},
		{in: `2/admin,12["bar",1,{"a":[true]}]`, want: &P{Type: Event, Namespace: "/admin", ID: 12, Event: "bar", Args: raws(`1`, `{"a":[true]}`)}},
		{in: `2007["a"]`, want: &P{Type: Event, Namespace: "/", ID: 7, Event: "a"}},
		{in: ` {}`, want: &P{Type: Connect, Namespace: "/", ID: NoID, Data: Raw(`{}`)}},
		{in: `0 {}`, want: &P{Type: Connect, Namespace: "/", ID: 0, Data: Raw(`{}`)}},
		{in: `2 ["a"]`, want: &P{Type: Event, Namespace: "/", ID: 0, Event: "a"}},
		{in: "2\u00a0[\"a\"]", want: &P{Type: Event, Namespace: "/", ID: 0, Event: "a"}},
		{in: `21 2["a"]`, err: "invalid ack id"},
		{in: `299999999999999999999["a"]`, err: "invalid ack id"},
		{in: `29007199254740991["a"]`, want: &P{Type: Event, Namespace: "/", ID: 9007199254740991, Event: "a"}},
		{in: `2[ "a" , 1.50 , { "x" : 1 } ] `, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "a", Args: raws(`1.50`, `{ "x" : 1 }`)}},
		{in: `2[1.50]`, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "1.5"}},
		{in: `2[1e400]`, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "Infinity"}},
		{in: `2[-0]`, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "0"}},
		{in: `2[1e21]`, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "1e+21"}},
		{in: `2["conn\u0065ct"]`, err: `reserved event name "connect"`},
		{in: `2["\ud83d\ude00"]`, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "😀"}},
		{in: `2/é,["a"]`, want: &P{Type: Event, Namespace: "/é", ID: NoID, Event: "a"}},
		{in: `2["a",{"a":1,"a":2}]`, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "a", Args: raws(`{"a":1,"a":2}`)}},
		{in: `30[]`, want: &P{Type: Ack, Namespace: "/", ID: 0}},
		{in: `3/admin,13["bar"]`, want: &P{Type: Ack, Namespace: "/admin", ID: 13, Args: raws(`"bar"`)}},
		{in: `4"x"`, want: &P{Type: ConnectError, Namespace: "/", ID: NoID, Data: Raw(`"x"`)}},
		{in: `4`, want: &P{Type: ConnectError, Namespace: "/", ID: NoID}},
		{in: `4{"message":"Not authorized"}`, want: &P{Type: ConnectError, Namespace: "/", ID: NoID, Data: Raw(`{"message":"Not authorized"}`)}},
		{in: `51-["baz",{"_placeholder":true,"num":0}]`, bins: [][]byte{{1, 2, 3, 4}},
			want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "baz", Args: raws(`{"_placeholder":true,"num":0}`), Attachments: [][]byte{{1, 2, 3, 4}}}},
		{in: `61-15["bar",{"_placeholder":true,"num":0}]`, bins: [][]byte{{1}},
			want: &P{Type: Ack, Namespace: "/", ID: 15, Args: raws(`"bar"`, `{"_placeholder":true,"num":0}`), Attachments: [][]byte{{1}}}},
		{in: `51.0-["a"]`, bins: [][]byte{{1}}, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "a", Attachments: [][]byte{{1}}}},
		{in: `50x1-["a"]`, bins: [][]byte{{1}}, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "a", Attachments: [][]byte{{1}}}},
		{in: `5 1 -["a"]`, bins: [][]byte{{1}}, want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "a", Attachments: [][]byte{{1}}}},
		{in: `51-`, bins: [][]byte{{1}}, want: &P{Type: Event, Namespace: "/", ID: NoID, Attachments: [][]byte{{1}}}},
		{in: `50-["a"]`, err: "invalid attachment count"},
		{in: `5-["a"]`, err: "invalid attachment count"},
		{in: `51["a"]`, err: "not followed by '-'"},
		{in: `511-["a"]`, err: "exceed the limit of 10"},
		{in: `51-["a",{"_placeholder":true,"num":1}]`, err: "placeholder num"},
		{in: `51-["a",{"_placeholder":true,"num":0.5}]`, err: "placeholder num"},
		{in: `51-["a",{"_placeholder":true,"num":"0"}]`, err: "placeholder num"},
		{in: `51-["a",{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}]`, bins: [][]byte{{1}},
			want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "a", Args: raws(`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}`), Attachments: [][]byte{{1}}}},
		{in: `51-["a",{"_placeholder":false,"num":9}]`, bins: [][]byte{{1}},
			want: &P{Type: Event, Namespace: "/", ID: NoID, Event: "a", Args: raws(`{"_placeholder":false,"num":9}`), Attachments: [][]byte{{1}}}},
		{in: `2-["a"]`, err: "invalid JSON"},
		{in: `2/a,b,["x"]`, err: "invalid JSON"},
		{in: `2[]`, err: "empty array"},
		{in: `2["connect"]`, err: "reserved event name"},
		{in: `2[null]`, err: "first element must be a string or number"},
		{in: `2{}`, err: "must be an array"},
		{in: `3{}`, err: "must be an array"},
		{in: `0null`, err: "must be an object"},
		{in: `0[]`, err: "must be an object"},
		{in: `4null`, err: "string or an object"},
		{in: `1{}`, err: "unexpected payload"},
		{in: `9`, err: "unknown packet type"},
		{in: ``, err: "empty message"},
		{in: `2abc`, err: "invalid JSON"},
		{in: `2["a"]x`, err: "data after the value"},
		{in: "2[\"\xff\"]", err: "invalid UTF-8"},
		{in: `2[` + strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth) + `]`, err: "nesting deeper"},
	}
	for _, tt := range tests {
		msgs := []engineio.Packet{text(tt.in)}
		for _, b := range tt.bins {
			msgs = append(msgs, bin(b...))
		}
		got, err := decodeAll(t, DecoderOptions{}, msgs...)
		name := tt.in
		if len(name) > 60 {
			name = name[:60] + "..."
		}
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: got %v, %v; want error containing %q", name, got, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != 1 {
			t.Errorf("%q: got %v, %v", name, got, err)
			continue
		}
		if !reflect.DeepEqual(got[0], tt.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", name, *got[0], *tt.want)
		}
	}
}

func TestJSONDecodeSequence(t *testing.T) {
	_, err := decodeAll(t, DecoderOptions{}, bin(1))
	if err == nil || !strings.Contains(err.Error(), "no binary packet is pending") {
		t.Errorf("binary first: %v", err)
	}
	_, err = decodeAll(t, DecoderOptions{}, text(`52-["a",{"_placeholder":true,"num":0}]`), bin(1), text(`2["b"]`))
	if err == nil || !strings.Contains(err.Error(), "1 binary attachments are pending") {
		t.Errorf("text while pending: %v", err)
	}
	_, err = decodeAll(t, DecoderOptions{}, engineio.Packet{Type: engineio.Ping})
	if err == nil {
		t.Error("ping accepted")
	}
	// The decoder stays broken after an error.
	d := JSON.NewDecoder(DecoderOptions{})
	if _, err := d.Decode(text(`2[]`)); err == nil {
		t.Fatal("no error")
	}
	if _, err := d.Decode(text(`2["a"]`)); err == nil {
		t.Fatal("decoder usable after an error")
	}
	// MaxAttachments.
	if _, err := decodeAll(t, DecoderOptions{MaxAttachments: 2}, text(`53-["a"]`)); err == nil {
		t.Error("limit 2 let 3 attachments through")
	}
	got, err := decodeAll(t, DecoderOptions{MaxAttachments: 2}, text(`52-["a"]`), bin(1), bin(2), text(`2["b"]`))
	if err != nil || len(got) != 2 || len(got[0].Attachments) != 2 || got[1].Event != "b" {
		t.Errorf("limit 2: %v %v", got, err)
	}
}

func TestJSONEncode(t *testing.T) {
	tests := []struct {
		p    Packet
		want []string // text, then binary attachments as %x
		err  string
	}{
		{p: Packet{Type: Connect, Namespace: "/", ID: NoID}, want: []string{`0`}},
		{p: Packet{Type: Connect, ID: NoID}, want: []string{`0`}},
		{p: Packet{Type: Connect, Namespace: "/admin", ID: NoID, Data: Raw(`{"token":"123"}`)}, want: []string{`0/admin,{"token":"123"}`}},
		{p: Packet{Type: Disconnect, Namespace: "/admin", ID: NoID}, want: []string{`1/admin,`}},
		{p: Packet{Type: Event, Namespace: "/", ID: NoID, Event: "foo"}, want: []string{`2["foo"]`}},
		{p: Packet{Type: Event, Namespace: "/", ID: 12, Event: "foo"}, want: []string{`212["foo"]`}},
		{p: Packet{Type: Event, Namespace: "/admin", ID: NoID, Event: "bar", Args: raws(`1`, `"2"`)}, want: []string{`2/admin,["bar",1,"2"]`}},
		{p: Packet{Type: Ack, Namespace: "/admin", ID: 13, Args: raws(`"bar"`)}, want: []string{`3/admin,13["bar"]`}},
		{p: Packet{Type: Ack, Namespace: "/", ID: 0}, want: []string{`30[]`}},
		{p: Packet{Type: ConnectError, Namespace: "/", ID: NoID, Data: Raw(`{"message":"Not authorized"}`)}, want: []string{`4{"message":"Not authorized"}`}},
		{p: Packet{Type: Event, Namespace: "/", ID: NoID, Event: "baz", Args: raws(`{"_placeholder":true,"num":0}`), Attachments: [][]byte{{1, 2, 3, 4}}},
			want: []string{`51-["baz",{"_placeholder":true,"num":0}]`, "01020304"}},
		{p: Packet{Type: BinaryAck, Namespace: "/", ID: 15, Args: raws(`"bar"`, `{"_placeholder":true,"num":0}`), Attachments: [][]byte{{1, 2, 3, 4}}},
			want: []string{`61-15["bar",{"_placeholder":true,"num":0}]`, "01020304"}},
		{p: Packet{Type: BinaryEvent, Namespace: "/", ID: NoID, Event: "x"}, want: []string{`2["x"]`}},
		{p: Packet{Type: Event, Namespace: "/", ID: NoID, Event: "a\"\\\n\x01\u2028<>&é😀"}, want: []string{`2["a\"\\\n\u0001` + "\u2028<>&é😀" + `"]`}},
		{p: Packet{Type: Event, Namespace: "/", ID: NoID, Event: "connect"}, err: "reserved event name"},
		{p: Packet{Type: Event, Namespace: "/", ID: NoID, Event: "\xff"}, err: "not valid UTF-8"},
		{p: Packet{Type: Event, Namespace: "nsp", ID: NoID, Event: "a"}, err: "invalid namespace"},
		{p: Packet{Type: Event, Namespace: "/a,b", ID: NoID, Event: "a"}, err: "invalid namespace"},
		{p: Packet{Type: Event, Namespace: "/", ID: -2, Event: "a"}, err: "invalid ack id"},
		{p: Packet{Type: Event, Namespace: "/", ID: NoID, Event: "a", Args: []Raw{{}}}, err: "argument 0 is empty"},
		{p: Packet{Type: Disconnect, Namespace: "/", ID: NoID, Data: Raw(`{}`)}, err: "no payload"},
		{p: Packet{Type: Connect, Namespace: "/", ID: NoID, Data: Raw(`[]`)}, err: "must be a JSON object"},
		{p: Packet{Type: Connect, Namespace: "/", ID: NoID, Attachments: [][]byte{{1}}}, err: "only event and ack"},
		{p: Packet{Type: 7, Namespace: "/", ID: NoID}, err: "unknown packet type"},
	}
	for _, tt := range tests {
		got, err := JSON.Encode(&tt.p)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%+v: got %v; want error containing %q", tt.p, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tt.p, err)
			continue
		}
		var strs []string
		for i, m := range got {
			if m.Type != engineio.Message || m.Binary != (i > 0) {
				t.Errorf("%+v: message %d is %+v", tt.p, i, m)
			}
			if i == 0 {
				strs = append(strs, string(m.Data))
			} else {
				strs = append(strs, fmt.Sprintf("%x", m.Data))
			}
		}
		if !reflect.DeepEqual(strs, tt.want) {
			t.Errorf("%+v:\n got %q\nwant %q", tt.p, strs, tt.want)
		}
	}
}

// TestJSONEncodeNoAlias checks that the encoded messages share no memory
// with the packet.
func TestJSONEncodeNoAlias(t *testing.T) {
	p := &Packet{Type: Event, Namespace: "/n", ID: NoID, Event: "e", Args: raws(`"abc"`), Attachments: [][]byte{{1, 2}, {3}}}
	p.Args[0] = Raw(`{"_placeholder":true,"num":0}`)
	out, err := JSON.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprint(out)
	p.Args[0][2] = 'X'
	p.Attachments[0][0] = 9
	p.Attachments[1][0] = 9
	if after := fmt.Sprint(out); after != before {
		t.Fatalf("output changed with the input: %s -> %s", before, after)
	}
	// Appending to one message must not clobber the next.
	_ = append(out[0].Data, 'Z')
	_ = append(out[1].Data, 'Z')
	if fmt.Sprint(out) != before {
		t.Fatal("messages overlap")
	}
}

type chatMessage struct {
	Room string `json:"room"`
	User string `json:"user"`
	Text string `json:"text"`
	TS   int64  `json:"ts"`
}

type upload struct {
	Name  string
	Parts [][]byte
	Meta  map[string]any
}

func TestJSONAppendArg(t *testing.T) {
	tests := []struct {
		v    any
		want string
		att  int
	}{
		{v: chatMessage{"general", "alice", "hello world", 1700000000000}, want: `{"room":"general","user":"alice","text":"hello world","ts":1700000000000}`},
		{v: map[string]any{"b": 1, "a": []any{true, nil, "x"}}, want: `{"a":[true,null,"x"],"b":1}`},
		{v: []byte{1, 2}, want: `{"_placeholder":true,"num":0}`, att: 1},
		{v: []byte(nil), want: `{"_placeholder":true,"num":0}`, att: 1},
		{v: upload{Name: "f", Parts: [][]byte{{1}, {2}}, Meta: map[string]any{"thumb": []byte{3}}},
			want: `{"Name":"f","Parts":[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}],"Meta":{"thumb":{"_placeholder":true,"num":2}}}`, att: 3},
		{v: Raw(`{"z":1,"a":2}`), want: `{"z":1,"a":2}`},
		{v: []any{Raw(` [1, 2] `), math.Copysign(0, -1), math.NaN(), math.Inf(1), float32(0.1), 1e21, 1e-7, 0.000001, 123e-20}, want: `[[1,2],0,null,null,0.1,1e+21,1e-7,0.000001,1.23e-18]`},
		{v: "\u2028\u2029\x7f\x00\x1f\b\f\n\r\t\"\\/<>&😀", want: `"` + "\u2028\u2029\x7f" + `\u0000\u001f\b\f\n\r\t\"\\/<>&😀"`},
		{v: nil, want: `null`},
	}
	for _, tt := range tests {
		var p Packet
		if err := JSON.AppendArg(&p, tt.v); err != nil {
			t.Errorf("%#v: %v", tt.v, err)
			continue
		}
		if len(p.Args) != 1 || string(p.Args[0]) != tt.want || len(p.Attachments) != tt.att {
			t.Errorf("%#v:\n got %s (%d attachments)\nwant %s (%d)", tt.v, p.Args, len(p.Attachments), tt.want, tt.att)
		}
	}
	// Numbering continues across arguments; a failed argument leaves no
	// attachments behind.
	var p Packet
	_ = JSON.AppendArg(&p, []byte{1})
	if err := JSON.AppendArg(&p, []any{[]byte{2}, make(chan int)}); err == nil {
		t.Fatal("chan marshaled")
	}
	_ = JSON.AppendArg(&p, [][]byte{{3}})
	if got := fmt.Sprintf("%s", p.Args); got != `[{"_placeholder":true,"num":0} [{"_placeholder":true,"num":1}]]` || len(p.Attachments) != 2 || p.Attachments[1][0] != 3 {
		t.Errorf("got %s %v", got, p.Attachments)
	}
	if err := JSON.AppendArg(&p, Raw(`{`)); err == nil {
		t.Error("invalid Raw accepted")
	}
}

func TestJSONSetData(t *testing.T) {
	p := Packet{Type: Connect}
	if err := JSON.SetData(&p, map[string]string{"token": "123"}); err != nil || string(p.Data) != `{"token":"123"}` {
		t.Errorf("got %s %v", p.Data, err)
	}
	if err := JSON.SetData(&p, "x"); err == nil {
		t.Error("connect data string accepted")
	}
	if err := JSON.SetData(&p, map[string]any{"b": []byte{1}}); err == nil {
		t.Error("binary connect data accepted")
	}
	if err := JSON.SetData(&p, nil); err != nil || p.Data != nil {
		t.Errorf("nil: %s %v", p.Data, err)
	}
	p.Type = ConnectError
	if err := JSON.SetData(&p, "nope"); err != nil || string(p.Data) != `"nope"` {
		t.Errorf("got %s %v", p.Data, err)
	}
}

func TestJSONUnmarshal(t *testing.T) {
	p := &Packet{Attachments: [][]byte{{1, 2}, {3}}}
	var b []byte
	if err := JSON.Unmarshal(p, Raw(`{"num":1,"_placeholder":true}`), &b); err != nil || !bytes.Equal(b, []byte{3}) {
		t.Errorf("placeholder: %v %v", b, err)
	}
	if err := JSON.Unmarshal(p, Raw(`"AQID"`), &b); err != nil || !bytes.Equal(b, []byte{1, 2, 3}) {
		t.Errorf("base64: %v %v", b, err)
	}
	var u upload
	if err := JSON.Unmarshal(p, Raw(`{"Name":"f","Parts":[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}],"Meta":{"x":{"_placeholder":true,"num":0},"n":1}}`), &u); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(u, upload{Name: "f", Parts: [][]byte{{3}, {1, 2}}, Meta: map[string]any{"x": []byte{1, 2}, "n": 1.0}}) {
		t.Errorf("struct: %#v", u)
	}
	var x any
	if err := JSON.Unmarshal(p, Raw(`[{"_placeholder":true,"num":1},{"a":{"_placeholder":true,"num":0}},{"_placeholder":false,"num":0}]`), &x); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(x, []any{[]byte{3}, map[string]any{"a": []byte{1, 2}}, map[string]any{"_placeholder": false, "num": 0.0}}) {
		t.Errorf("any: %#v", x)
	}
	var r Raw
	if err := JSON.Unmarshal(p, Raw(` {"a": 1} `), &r); err != nil || string(r) != `{"a": 1}` {
		t.Errorf("raw: %s %v", r, err)
	}
	var dup map[string]int
	if err := JSON.Unmarshal(p, Raw(`{"a":1,"a":2}`), &dup); err != nil || dup["a"] != 2 {
		t.Errorf("duplicate names: %v %v", dup, err)
	}
	// Errors.
	var se *json.SemanticError
	for _, c := range []struct {
		raw    string
		target any
		is     error
	}{
		{`{"_placeholder":true,"num":2}`, &b, ErrBadPlaceholder},
		{`{"_placeholder":true,"num":0.5}`, &b, ErrBadPlaceholder},
		{`{"_placeholder":true}`, &b, ErrBadPlaceholder},
		{`{"a":1}`, &b, ErrNotPlaceholder},
		{`[{"_placeholder":true,"num":-1}]`, &x, ErrBadPlaceholder},
		{`"x"`, new(int), nil},
		{`{"Name":5}`, &u, nil},
	} {
		err := JSON.Unmarshal(p, Raw(c.raw), c.target)
		if err == nil || !errors.As(err, &se) || (c.is != nil && !errors.Is(err, c.is)) {
			t.Errorf("%s into %T: %v (%T)", c.raw, c.target, err, err)
		}
	}
	// Without attachments placeholders are plain objects for an any target.
	var y any
	if err := JSON.Unmarshal(&Packet{}, Raw(`{"_placeholder":true,"num":0}`), &y); err != nil || !reflect.DeepEqual(y, map[string]any{"_placeholder": true, "num": 0.0}) {
		t.Errorf("no attachments: %#v %v", y, err)
	}
	if err := JSON.Unmarshal(&Packet{}, Raw(`{"_placeholder":true,"num":0}`), &b); !errors.Is(err, ErrBadPlaceholder) {
		t.Errorf("no attachments, []byte: %v", err)
	}
	if err := JSON.Unmarshal(&Packet{}, Raw(`{`), &x); err == nil {
		t.Error("syntax error accepted")
	}
}

func TestJSNumber(t *testing.T) {
	for in, want := range map[string]float64{
		"": 0, " ": 0, "12": 12, " 12 ": 12, "\u00a012\ufeff": 12, "0x1F": 31, "0X1f": 31, "0b11": 3, "0o7": 7,
		".5": 0.5, "5.": 5, "+.5e1": 5, "1e+2": 100, "00012": 12, "Infinity": math.Inf(1), "-Infinity": math.Inf(-1),
	} {
		if got := jsNumber([]byte(in)); got != want {
			t.Errorf("Number(%q) = %v, want %v", in, got, want)
		}
	}
	for _, in := range []string{"1_0", "infinity", "1e", "-0x1", "+0x1", ".", "0x", "1 2", "abc", "0x1g", "e5"} {
		if got := jsNumber([]byte(in)); !math.IsNaN(got) {
			t.Errorf("Number(%q) = %v, want NaN", in, got)
		}
	}
	for f, want := range map[float64]string{
		1e21: "1e+21", 1e-7: "1e-7", 1e-6: "0.000001", 123e-20: "1.23e-18", math.Copysign(0, -1): "0", 0.30000000000000004: "0.30000000000000004",
		5e-324: "5e-324", math.MaxFloat64: "1.7976931348623157e+308", 123456789012345680000: "123456789012345680000",
		1<<53 + 2: "9007199254740994", -1.5: "-1.5", 1e20: "100000000000000000000", 12.5e-7: "0.00000125", math.NaN(): "NaN",
	} {
		if got := string(appendJSNumber(nil, f)); got != want {
			t.Errorf("String(%v) = %s, want %s", f, got, want)
		}
	}
}

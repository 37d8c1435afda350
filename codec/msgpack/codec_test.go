package msgpack

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	vmsgpack "github.com/vmihailenco/msgpack/v5"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

func raws(hexes ...string) []socketio.Raw {
	out := make([]socketio.Raw, len(hexes))
	for i, h := range hexes {
		out[i] = hexb(h)
	}
	return out
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want socketio.Packet // ID 0 here means NoID unless wantID
		id   int64
		err  string
	}{
		{name: "readme", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a5 'hello' a3 'you'",
			want: socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "hello", Args: raws("a3 'you'")}, id: -1},
		{name: "server order with id", in: "84 a4 'type' 02 a4 'data' 92 a3 'ask' 05 a2 'id' 00 a3 'nsp' a1 2f",
			want: socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "ask", Args: raws("05")}, id: 0},
		{name: "client event with options", in: "85 a4 'type' 02 a4 'data' 92 a1 'q' a1 'x' a7 'options' 81 a8 'compress' c3 a2 'id' 07 a3 'nsp' a6 '/admin'",
			want: socketio.Packet{Type: socketio.Event, Namespace: "/admin", Event: "q", Args: raws("a1 'x'")}, id: 7},
		{name: "ack", in: "84 a2 'id' cd 01 00 a4 'type' 03 a4 'data' 92 a4 'pong' 02 a3 'nsp' a1 2f",
			want: socketio.Packet{Type: socketio.Ack, Namespace: "/", Args: raws("a4 'pong'", "02")}, id: 256},
		{name: "empty ack", in: "84 a4 'type' 03 a2 'id' 01 a4 'data' 90 a3 'nsp' a1 2f",
			want: socketio.Packet{Type: socketio.Ack, Namespace: "/", Args: raws()}, id: 1},
		{name: "connect undefined data", in: "83 a4 'type' 00 a4 'data' d4 00 00 a3 'nsp' a1 2f",
			want: socketio.Packet{Type: socketio.Connect, Namespace: "/"}, id: -1},
		{name: "connect reply pid undefined", in: "83 a4 'type' 00 a4 'data' 82 a3 'sid' a3 'abc' a3 'pid' d4 00 00 a3 'nsp' a1 2f",
			want: socketio.Packet{Type: socketio.Connect, Namespace: "/", Data: hexb("82 a3 'sid' a3 'abc' a3 'pid' c0")}, id: -1},
		{name: "connect error string", in: "83 a4 'type' 04 a4 'data' a4 'nope' a3 'nsp' a1 2f",
			want: socketio.Packet{Type: socketio.ConnectError, Namespace: "/", Data: hexb("a4 'nope'")}, id: -1},
		{name: "disconnect", in: "82 a4 'type' 01 a3 'nsp' a2 '/x'",
			want: socketio.Packet{Type: socketio.Disconnect, Namespace: "/x"}, id: -1},
		{name: "arraybuffer becomes bin", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a1 'f' c7 03 00 01 02 03",
			want: socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "f", Args: raws("c4 03 01 02 03")}, id: -1},
		{name: "nested arraybuffer and undefined", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a1 'f' 82 a1 'b' c7 01 00 09 a1 'u' d4 00 00",
			want: socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "f", Args: raws("82 a1 'b' c4 01 09 a1 'u' c0")}, id: -1},
		{name: "date becomes timestamp", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a1 'd' d7 00 00 00 01 8b cf e5 68 00",
			want: socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "d", Args: raws("d6 ff 65 53 f1 00")}, id: -1},
		{name: "other ext becomes [type, bin]", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a1 'e' d5 f6 01 02",
			want: socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "e", Args: raws("92 f6 c4 02 01 02")}, id: -1},
		{name: "numeric event name", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 cb 3f f8 00 00 00 00 00 00 c3",
			want: socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "1.5", Args: raws("c3")}, id: -1},
		{name: "float type and id", in: "84 a4 'type' ca 40 40 00 00 a2 'id' cb 40 14 00 00 00 00 00 00 a3 'nsp' a1 2f a4 'data' 90",
			want: socketio.Packet{Type: socketio.Ack, Namespace: "/", Args: raws()}, id: 5},

		{name: "text-like garbage", in: "'2[\"x\"]'", err: "packet must be a map"},
		{name: "no type", in: "81 a3 'nsp' a1 2f", err: "invalid packet type (missing)"},
		{name: "type 5", in: "82 a4 'type' 05 a3 'nsp' a1 2f", err: "invalid packet type (got 5)"},
		{name: "type string", in: "82 a4 'type' a1 '2' a3 'nsp' a1 2f", err: "invalid packet type (got \"2\")"},
		{name: "nsp nil", in: "82 a4 'type' 01 a3 'nsp' c0", err: "invalid namespace (got nil)"},
		{name: "connect nil data", in: "83 a4 'type' 00 a4 'data' c0 a3 'nsp' a1 2f", err: "CONNECT packet: invalid payload: data must be a map or absent, found nil"},
		{name: "event map data", in: "83 a4 'type' 02 a4 'data' 80 a3 'nsp' a1 2f", err: "EVENT packet: invalid payload: data must be an array, found a map"},
		{name: "event empty", in: "83 a4 'type' 02 a4 'data' 90 a3 'nsp' a1 2f", err: "at least the event name"},
		{name: "event name map", in: "83 a4 'type' 02 a4 'data' 91 80 a3 'nsp' a1 2f", err: "first element must be a string or number, found a map"},
		{name: "reserved", in: "83 a4 'type' 02 a4 'data' 91 aa 'disconnect' a3 'nsp' a1 2f", err: `"disconnect" is a reserved event name`},
		{name: "id string", in: "84 a4 'type' 02 a4 'data' 91 a1 'x' a2 'id' a1 '1' a3 'nsp' a1 2f", err: "invalid packet id"},
		{name: "id negative", in: "84 a4 'type' 02 a4 'data' 91 a1 'x' a2 'id' ff a3 'nsp' a1 2f", err: "out of range"},
		{name: "truncated", in: "83 a4 'type' 02 a4 'data' 91 a5 'x'", err: "runs past the end"},
		{name: "trailing", in: "82 a4 'type' 01 a3 'nsp' a1 2f 00", err: "1 trailing bytes"},
		{name: "huge array", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' dd ff ff ff ff", err: "cannot fit"},
		{name: "c1", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a1 'x' c1", err: "invalid type byte 0xc1"},
		{name: "deep", in: "83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a1 'x'" + strings.Repeat(" 91", 200) + " c0", err: "nesting deeper than 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := Codec{}.NewDecoder(socketio.DecoderOptions{})
			p, err := dec.Decode(engineio.BinaryPacket(hexb(tt.in)))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "codec: msgpack: ") {
					t.Errorf("error %q lacks the codec prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.ID = tt.id
			if !packetsEqual(p, &want) {
				t.Fatalf("got  %+v\nwant %+v", p, want)
			}
		})
	}
}

func packetsEqual(a, b *socketio.Packet) bool {
	if a.Type != b.Type || a.Namespace != b.Namespace || a.ID != b.ID || a.Event != b.Event ||
		!bytes.Equal(a.Data, b.Data) || (a.Data == nil) != (b.Data == nil) || len(a.Args) != len(b.Args) || len(a.Attachments) != 0 {
		return false
	}
	for i := range a.Args {
		if !bytes.Equal(a.Args[i], b.Args[i]) {
			return false
		}
	}
	return true
}

func TestDecodeTextMessage(t *testing.T) {
	dec := Codec{}.NewDecoder(socketio.DecoderOptions{})
	if _, err := dec.Decode(engineio.TextPacket(engineio.Message, `2["x"]`)); !errors.Is(err, ErrTextMessage) {
		t.Fatalf("err = %v, want ErrTextMessage", err)
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		p    socketio.Packet
		want string
	}{
		{"event", socketio.Packet{Type: socketio.Event, Namespace: "/", ID: -1, Event: "hello", Args: raws("a3 'you'")},
			"83 a4 'type' 02 a4 'data' 92 a5 'hello' a3 'you' a3 'nsp' a1 2f"},
		{"event with id", socketio.Packet{Type: socketio.Event, Namespace: "/chat", ID: 300, Event: "ask", Args: raws("05")},
			"84 a4 'type' 02 a4 'data' 92 a3 'ask' 05 a2 'id' cd 01 2c a3 'nsp' a5 '/chat'"},
		{"ack", socketio.Packet{Type: socketio.Ack, Namespace: "/", ID: 0, Args: raws("a2 'ok'")},
			"84 a2 'id' 00 a4 'type' 03 a4 'data' 91 a2 'ok' a3 'nsp' a1 2f"},
		{"connect", socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: -1, Data: hexb("81 a3 'sid' a1 'x'")},
			"83 a4 'type' 00 a4 'data' 81 a3 'sid' a1 'x' a3 'nsp' a1 2f"},
		{"connect bare", socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: -1},
			"82 a4 'type' 00 a3 'nsp' a1 2f"},
		{"connect error", socketio.Packet{Type: socketio.ConnectError, Namespace: "/", ID: -1, Data: hexb("a1 'x'")},
			"83 a4 'type' 04 a4 'data' a1 'x' a3 'nsp' a1 2f"},
		{"disconnect", socketio.Packet{Type: socketio.Disconnect, Namespace: "/a", ID: -1},
			"82 a4 'type' 01 a3 'nsp' a2 '/a'"},
		{"timestamp arg becomes notepack date", socketio.Packet{Type: socketio.Event, Namespace: "/", ID: -1, Event: "d", Args: raws("d6 ff 65 53 f1 00")},
			"83 a4 'type' 02 a4 'data' 92 a1 'd' d7 00 00 00 01 8b cf e5 68 00 a3 'nsp' a1 2f"},
		{"16 args", socketio.Packet{Type: socketio.Ack, Namespace: "/", ID: 1, Args: raws(strings.Split(strings.Repeat("01 ", 16), " ")[:16]...)},
			"84 a2 'id' 01 a4 'type' 03 a4 'data' dc 00 10" + strings.Repeat(" 01", 16) + " a3 'nsp' a1 2f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := goEncode(&tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if want := hexb(tt.want); !bytes.Equal(got, want) {
				t.Fatalf("got  % x\nwant % x", got, want)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		p    socketio.Packet
		err  string
	}{
		{"binary event", socketio.Packet{Type: socketio.BinaryEvent, Namespace: "/", Event: "x"}, "no binary packet types"},
		{"binary ack", socketio.Packet{Type: socketio.BinaryAck, Namespace: "/"}, "no binary packet types"},
		{"no namespace", socketio.Packet{Type: socketio.Event, Event: "x"}, "empty namespace"},
		{"attachments", socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "x", Attachments: [][]byte{{1}}}, "attachments"},
		{"reserved", socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "connect"}, "reserved"},
		{"connect array", socketio.Packet{Type: socketio.Connect, Namespace: "/", Data: hexb("90")}, "data must be a map"},
		{"connect error none", socketio.Packet{Type: socketio.ConnectError, Namespace: "/"}, "found none"},
		{"disconnect data", socketio.Packet{Type: socketio.Disconnect, Namespace: "/", Data: hexb("80")}, "must be absent"},
		{"event data", socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "x", Data: hexb("80")}, "has Data"},
		{"connect args", socketio.Packet{Type: socketio.Connect, Namespace: "/", Args: raws("01")}, "arguments"},
		{"bad arg", socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "x", Args: raws("01", "a5 'x'")}, "arg 1: msgpack value at byte 0: str of 5 bytes runs past the end"},
		{"empty arg", socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "x", Args: []socketio.Raw{{}}}, "arg 0: empty"},
		{"two values", socketio.Packet{Type: socketio.Ack, Namespace: "/", Args: raws("01 02")}, "trailing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Codec{}.Encode(&tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.err)
			}
		})
	}
}

func TestEncodeSharesNoMemory(t *testing.T) {
	p := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "e", Args: raws("a3 'abc'", "c4 02 01 02")}
	m, err := Codec{}.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(m[0].Data)
	for _, a := range p.Args {
		for i := range a {
			a[i] = 0xff
		}
	}
	if !bytes.Equal(m[0].Data, before) {
		t.Fatal("encoded bytes changed with the packet's args")
	}
}

func TestDecodeThenEncodeIsStable(t *testing.T) {
	// Normalization is idempotent: decode → encode → decode gives the same
	// packet, and the second encoding equals the first.
	in := hexb("84 a4 'type' 02 a4 'data' 94 a1 'x' c7 02 00 01 02 d7 00 00 00 01 8b cf e5 68 7b 81 a1 'u' d4 00 00 a2 'id' 03 a3 'nsp' a1 2f")
	dec := Codec{}.NewDecoder(socketio.DecoderOptions{})
	p1, err := goDecode(dec, in)
	if err != nil {
		t.Fatal(err)
	}
	b1, err := goEncode(p1)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := goDecode(dec, b1)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := goEncode(p2)
	if !packetsEqual(p1, p2) || !bytes.Equal(b1, b2) {
		t.Fatalf("unstable:\n% x\n% x", b1, b2)
	}
}

func TestAppendArgEncoding(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{1.0, "01"},
		{-0.0, "00"},
		{1.5, "cb 3f f8 00 00 00 00 00 00"},
		{int64(-33), "d0 df"},
		{uint64(300), "cd 01 2c"},
		{int64(1) << 40, "cf 00 00 01 00 00 00 00 00"},
		{[]byte{1, 2}, "c4 02 01 02"},
		{"hi", "a2 'hi'"},
		{nil, "c0"},
		{map[string]any{"b": 2, "a": 1}, "82 a1 'a' 01 a1 'b' 02"},
		{struct {
			A int `json:"a"`
			B int `msgpack:"bee" json:"b"`
			C int `json:"-"`
			D int `json:"d,omitempty"`
		}{1, 2, 3, 0}, "82 a1 'a' 01 a3 'bee' 02"},
		{time.UnixMilli(1700000000000), "d6 ff 65 53 f1 00"},
		{socketio.Raw(hexb("c7 01 00 09")), "c4 01 09"},
		{vmsgpack.RawMessage(hexb("92 01 02")), "92 01 02"},
	}
	for _, tt := range tests {
		var p socketio.Packet
		if err := (Codec{}).AppendArg(&p, tt.v); err != nil {
			t.Fatalf("%#v: %v", tt.v, err)
		}
		if want := hexb(tt.want); !bytes.Equal(p.Args[0], want) {
			t.Errorf("%#v: got % x, want % x", tt.v, []byte(p.Args[0]), want)
		}
	}
	var p socketio.Packet
	if err := (Codec{}).AppendArg(&p, make(chan int)); err == nil || !strings.Contains(err.Error(), "codec: msgpack: arg 0") {
		t.Errorf("chan: err = %v", err)
	}
	if err := (Codec{}).AppendArg(&p, socketio.Raw{0xa5}); err == nil {
		t.Error("invalid Raw accepted")
	}
	if err := (Codec{}).SetData(&p, nil); err != nil || p.Data != nil {
		t.Errorf("SetData(nil): %v, %v", err, p.Data)
	}
	raw := socketio.Raw{0x93, 1, 2, 3}
	if err := (Codec{}).AppendArg(&p, raw); err != nil {
		t.Fatal(err)
	}
	raw[0] = 0
	if p.Args[len(p.Args)-1][0] != 0x93 {
		t.Error("AppendArg kept a reference to the caller's Raw")
	}
}

type user struct {
	Name  string    `json:"name"`
	Age   int       `json:"age"`
	Tags  []string  `json:"tags"`
	Photo []byte    `json:"photo"`
	Seen  time.Time `json:"seen"`
	Score float64   `json:"score"`
}

func TestUnmarshal(t *testing.T) {
	c := Codec{}
	in := user{Name: "ann", Age: 30, Tags: []string{"a"}, Photo: []byte{1, 2}, Seen: time.Unix(1700000000, 5).UTC(), Score: 2}
	var p socketio.Packet
	if err := c.AppendArg(&p, in); err != nil {
		t.Fatal(err)
	}
	var out user
	if err := c.Unmarshal(&p, p.Args[0], &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != in.Name || out.Age != in.Age || !bytes.Equal(out.Photo, in.Photo) || !out.Seen.Equal(in.Seen) || out.Score != 2 || len(out.Tags) != 1 {
		t.Fatalf("got %+v, want %+v", out, in)
	}

	// notepack forms straight off the wire.
	dec := c.NewDecoder(socketio.DecoderOptions{})
	pk, err := dec.Decode(engineio.BinaryPacket(hexb(
		"83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 95 a1 'e' c7 02 00 07 08 d4 00 00 d7 00 00 00 01 8b cf e5 68 7b 84 a4 'name' a1 'x' a5 'photo' c7 01 00 01 a4 'seen' d7 00 ff ff ff ff ff ff ff ff a5 'score' 02")))
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	var s *string
	var tm time.Time
	var u user
	for i, target := range []any{&b, &s, &tm, &u} {
		if err := c.Unmarshal(pk, pk.Args[i], target); err != nil {
			t.Fatalf("arg %d: %v", i, err)
		}
	}
	if !bytes.Equal(b, []byte{7, 8}) || s != nil || tm.UnixMilli() != 1700000000123 || u.Name != "x" || !bytes.Equal(u.Photo, []byte{1}) || u.Seen.UnixMilli() != -1 || u.Score != 2 {
		t.Fatalf("got %v %v %v %+v", b, s, tm, u)
	}

	var anyV any
	if err := c.Unmarshal(pk, pk.Args[3], &anyV); err != nil {
		t.Fatal(err)
	}
	if m, ok := anyV.(map[string]any); !ok || m["name"] != "x" {
		t.Fatalf("any: %#v", anyV)
	}

	var r socketio.Raw
	if err := c.Unmarshal(pk, pk.Args[0], &r); err != nil || !bytes.Equal(r, hexb("c4 02 07 08")) {
		t.Fatalf("Raw: % x, %v", []byte(r), err)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	c := Codec{}
	tests := []struct {
		name   string
		raw    string
		target any
		err    string
	}{
		{"string into int", "a1 'x'", new(int), "unmarshal into *int"},
		{"map into slice", "81 a1 'a' 01", new([]int), "unmarshal into *[]int"},
		{"array into struct", "92 01 02", new(user), "unmarshal into *msgpack.user"},
		{"non-pointer", "01", 5, "unmarshal into int"},
		{"nil", "01", nil, "unmarshal into <nil>"},
		{"nil raw pointer", "01", (*socketio.Raw)(nil), "nil pointer"},
		{"truncated", "a5 'x'", new(string), "runs past the end"},
		{"empty", "", new(string), "empty msgpack value"},
		{"two values", "01 02", new(int), "trailing"},
		{"too deep", strings.Repeat("91 ", 101) + "01", new(any), "nesting deeper"},
		{"huge map", "df 7f ff ff ff", new(map[string]any), "runs past the end"},
		{"huge fixmap", "8f 01", new(map[string]any), "cannot fit"},
		// vmihailenco reads a map header inside an ext: a timestamp whose
		// seconds start with 0xdf must not become a 2^31-entry map.
		{"timestamp read as map32", "d6 ff df 7f ff ff", new(map[string]any), "unmarshal into *map[string]interface {}"},
		{"timestamp64 read as map32", "d7 ff df 7f ff ff 00 00 00 00", new(map[string]string), "unmarshal into *map[string]string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Unmarshal(nil, hexb(tt.raw), tt.target)
			var ue *UnmarshalError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v (%T), want *UnmarshalError", err, err)
			}
			if !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.err)
			}
		})
	}
}

func TestJSNumberString(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {-5, "-5"}, {1.5, "1.5"}, {0.1, "0.1"},
		{1e21, "1e+21"}, {1e20, "100000000000000000000"}, {123456789012345680000, "123456789012345680000"},
		{1e-6, "0.000001"}, {1e-7, "1e-7"}, {1.5e-7, "1.5e-7"}, {-2.5e300, "-2.5e+300"},
		{1 << 60, "1152921504606847000"}, {math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
		{5e-324, "5e-324"}, {math.MaxFloat64, "1.7976931348623157e+308"}, {123.456, "123.456"},
	}
	for _, tt := range tests {
		if got := jsNumberString(tt.f); got != tt.want {
			t.Errorf("jsNumberString(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestTimestampFromMillis(t *testing.T) {
	for _, ms := range []int64{0, 1, -1, 999, -999, 1000, -1000, 1700000000123, 1 << 34 * 1000, -62135596800000, math.MaxInt64, math.MinInt64,
		0xdf000000 * 1000, 0xde000000*1000 + 5, 1<<33*1000 + 935} {
		b := timestampFromMillis(ms)
		if b[0] != 0xc7 && (b[2] == 0xde || b[2] == 0xdf) {
			t.Errorf("%d: % x: data starts with a map header", ms, b)
		}
		var tm time.Time
		if err := vmsgpack.Unmarshal(b, &tm); err != nil {
			t.Fatalf("%d: % x: %v", ms, b, err)
		}
		sec, rem := ms/1000, ms%1000
		if rem < 0 {
			sec, rem = sec-1, rem+1000
		}
		if tm.Unix() != sec || tm.Nanosecond() != int(rem)*1e6 {
			t.Errorf("%d: got %v (% x)", ms, tm, b)
		}
	}
}

package redisadapter

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The example of the protocol notes: uid AbCdEf, io.to("room1").emit("hello").
const helloRoom1 = "93 a6 416243644566 83 a4 74797065 02 a4 64617461 91 a5 68656c6c6f a3 6e7370 a1 2f " +
	"83 a5 726f6f6d73 91 a5 726f6f6d31 a6 657863657074 90 a5 666c616773 80"

func TestEncodeBroadcastBytes(t *testing.T) {
	for _, c := range []socketio.Codec{socketio.JSON, msgpack.Codec{}} {
		p := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "hello"}
		packet, err := wirePacket(c, p, "/")
		if err != nil {
			t.Fatal(err)
		}
		got := encodeBroadcast("AbCdEf", packet, adapter.BroadcastOptions{Rooms: []string{"room1"}})
		if want := unhex(t, helloRoom1); !bytes.Equal(got, want) {
			t.Errorf("%s codec:\n got % x\nwant % x", c.Name(), got, want)
		}
	}
}

func TestBroadcastRoundTrip(t *testing.T) {
	opts := adapter.BroadcastOptions{
		Rooms: []string{"a", "b"}, Except: []string{"c"},
		Flags: adapter.BroadcastFlags{Volatile: true, NoCompress: true, Local: true, Timeout: 1500 * time.Millisecond},
	}
	p := &socketio.Packet{Type: socketio.Event, Namespace: "/chat", ID: socketio.NoID, Event: "ev"}
	for _, v := range []any{1, "x", []byte{1, 2}, map[string]any{"k": []any{true, nil}}} {
		if err := socketio.JSON.AppendArg(p, v); err != nil {
			t.Fatal(err)
		}
	}
	packet, err := wirePacket(socketio.JSON, p, "/chat")
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeBroadcast(encodeBroadcast("uid123", packet, opts))
	if err != nil {
		t.Fatal(err)
	}
	if m.uid != "uid123" || strings.Join(m.opts.Rooms, ",") != "a,b" || strings.Join(m.opts.Except, ",") != "c" || m.opts.Flags != opts.Flags {
		t.Fatalf("decoded %+v", m)
	}
	for _, c := range []socketio.Codec{socketio.JSON, msgpack.Codec{}} {
		q, err := packetFromWire(c, m.packet)
		if err != nil {
			t.Fatal(err)
		}
		if q.Namespace != "/chat" || q.Event != "ev" || len(q.Args) != 4 || q.HasID() {
			t.Fatalf("%s: packet %+v", c.Name(), q)
		}
		var b []byte
		if err := c.Unmarshal(q, q.Args[2], &b); err != nil || !bytes.Equal(b, []byte{1, 2}) {
			t.Fatalf("%s: binary arg %v %v", c.Name(), b, err)
		}
	}
}

// Node's forms: notepack writes a Buffer as bin, undefined as d4 00 00, a
// Date as a timestamp, numeric rooms as numbers.
func TestDecodeNotepackForms(t *testing.T) {
	// ["xyz", {type:2, data:["e", undefined, Buffer[7], Date(0)], nsp:"/"}, {rooms:[1], except:[], flags:{volatile:true, timeout:2000}}]
	b := unhex(t, "93 a3 78797a 83 a4 74797065 02 a4 64617461 94 a1 65 d4 00 00 c4 01 07 d6 ff 00000000 a3 6e7370 a1 2f"+
		" 83 a5 726f6f6d73 91 01 a6 657863657074 90 a5 666c616773 82 a8 766f6c6174696c65 c3 a7 74696d656f7574 cd 07d0")
	m, err := decodeBroadcast(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.opts.Rooms) != 1 || m.opts.Rooms[0] != "1" || !m.opts.Flags.Volatile || m.opts.Flags.Timeout != 2*time.Second {
		t.Fatalf("opts %+v", m.opts)
	}
	p, err := packetFromWire(socketio.JSON, m.packet)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{string(p.Args[0]), string(p.Args[2])}
	if got[0] != "null" || got[1] != `"1970-01-01T00:00:00.000Z"` || len(p.Attachments) != 1 || p.Attachments[0][0] != 7 {
		t.Fatalf("args %q, attachments %v", got, p.Attachments)
	}
}

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
		check    func(m *message) bool
	}{
		{"fetch", `{"uid":"u","requestId":"r","type":5,"opts":{"rooms":["a"],"except":[]}}`, true,
			func(m *message) bool { return m.Type == reqRemoteFetch && m.HasOpts && m.Opts.Rooms[0] == "a" }},
		{"join", `{"uid":"u","type":2,"opts":{"rooms":[],"except":["x"]},"rooms":["r1",2]}`, true,
			func(m *message) bool { return m.Rooms[1] == "2" && m.Opts.Except[0] == "x" }},
		{"emitter join without uid", `{"type":3,"opts":{"rooms":[],"except":[]},"rooms":["r"]}`, true,
			func(m *message) bool { return m.UID == "" && m.Type == reqRemoteLeave }},
		{"server-side emit", `{"uid":"u","type":6,"data":["ev",1,{"a":null}],"requestId":"q"}`, true,
			func(m *message) bool { return len(m.Data) == 3 && m.RequestID == "q" }},
		{"server-side answer", `{"type":6,"requestId":"q","data":{"x":1}}`, true,
			func(m *message) bool { return string(m.AckData) == `{"x":1}` }},
		{"client count", `{"type":8,"requestId":"q","clientCount":3}`, true,
			func(m *message) bool { return m.ClientCount == 3 }},
		{"type as string", `{"type":"5"}`, false, nil},
		{"rooms not an array", `{"type":2,"rooms":"r"}`, false, nil},
		{"negative count", `{"type":8,"clientCount":-1}`, false, nil},
		{"truncated", `{"type":`, false, nil},
		{"msgpack ack", "\x83\xa4type\x09\xa9requestId\xa1q\xa6packet\xc4\x01\x01", true,
			func(m *message) bool { return m.Type == reqBroadcastAck && m.HasPacket && len(m.Packet) == 3 }},
		{"msgpack ack without value", "\x82\xa4type\x09\xa9requestId\xa1q", true,
			func(m *message) bool { return !m.HasPacket }},
		{"msgpack bad key", "\x81\x01\x02", false, nil},
		{"msgpack trailing", "\x80\x00", false, nil},
		{"msgpack huge map", "\xdf\xff\xff\xff\xff", false, nil},
		{"empty", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := decodeMessage([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && !tt.check(m) {
				t.Fatalf("decoded %+v", m)
			}
		})
	}
}

func TestDecodeBroadcastErrors(t *testing.T) {
	for _, in := range []string{
		"", "\x90", "\x92\xa1u\x80", "\x93\x01\x80\x80", "\x93\xa1u\x80\x81\xa5rooms\xa1x",
		"\x93\xa1u\x80\x81\xa5flags\x81\xa8volatile\x01", "\x93\xa1u\x80\x80\x00", "\xdd\xff\xff\xff\xff",
		"\x93\xa1u" + strings.Repeat("\x91", 200) + "\x80",
	} {
		if _, err := decodeBroadcast([]byte(in)); err == nil {
			t.Errorf("% x: no error", in)
		}
	}
}

func TestPacketFromWireErrors(t *testing.T) {
	for _, in := range []string{
		"\x80",                         // no type
		"\x82\xa4type\x00\xa3nsp\xa1/", // CONNECT
		"\x83\xa4type\x02\xa4data\x90\xa3nsp\xa1/",          // no event name
		"\x83\xa4type\x02\xa4data\x91\xc0\xa3nsp\xa1/",      // event name nil
		"\x83\xa4type\x02\xa4data\x91\xa1e\xa3nsp\xa0",      // empty nsp
		"\x83\xa4type\x02\xa4data\x92\xa1e\xc1\xa3nsp\xa1/", // invalid byte
	} {
		for _, c := range []socketio.Codec{socketio.JSON, msgpack.Codec{}} {
			if _, err := packetFromWire(c, []byte(in)); err == nil {
				t.Errorf("%s % x: no error", c.Name(), in)
			}
		}
	}
}

// FuzzDecode feeds arbitrary bytes to every decoder of Redis input: none may
// panic, and what decodes must also convert without panicking.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		helloRoom1,
	} {
		f.Add(unhex(f, s))
	}
	for _, s := range []string{
		`{"uid":"u","requestId":"r","type":5,"opts":{"rooms":["a"],"except":[]}}`,
		`{"uid":"u","type":6,"data":["ev",1,{"a":null}],"requestId":"q"}`,
		`{"requestId":"r","sockets":[{"id":"x","handshake":{"time":"Tue Mar 05 2024 10:00:00 GMT+0000 (UTC)","issued":1,"headers":{"a":["b"]},"query":{"q":"1"}},"rooms":["x"],"data":{"k":1}}]}`,
		"\x85\xa3uid\xa1u\xa9requestId\xa1q\xa4type\x07\xa6packet\x83\xa4type\x02\xa4data\x91\xa1e\xa3nsp\xa1/\xa4opts\x80",
		"\x83\xa4type\x09\xa9requestId\xa1q\xa6packet\xd4\x00\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := decodeBroadcast(b); err == nil {
			for _, c := range []socketio.Codec{socketio.JSON, msgpack.Codec{}} {
				if p, err := packetFromWire(c, m.packet); err == nil {
					if _, err := wirePacket(c, p, "/"); err != nil {
						t.Fatalf("%s: re-encode %+v: %v", c.Name(), p, err)
					}
				}
			}
		}
		m, err := decodeMessage(b)
		if err != nil {
			return
		}
		if m.HasPacket {
			if v, err := normalize(m.Packet); err == nil {
				_ = appendFromWire(socketio.JSON, &socketio.Packet{}, v)
			}
			_, _ = packetFromWire(socketio.JSON, m.Packet)
		}
		for _, raw := range m.Data {
			_ = appendFromJSON(msgpack.Codec{}, &socketio.Packet{}, raw)
		}
		if m.Sockets != nil {
			var ws []wireSocket
			if json.Unmarshal(m.Sockets, &ws) == nil {
				for _, s := range ws {
					_, _ = fromWireSocket(s)
				}
			}
		}
	})
}

// BenchmarkWirePacket measures what a broadcast costs the adapter besides
// the local delivery: the JSON-codec packet converted to the Redis msgpack
// form and enveloped (sender), then decoded back for a JSON namespace
// (each receiver).
func BenchmarkWirePacket(b *testing.B) {
	p := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "message"}
	for _, v := range []any{"general", map[string]any{"from": "alice", "text": "hello, world", "at": 1700000000000}} {
		if err := socketio.JSON.AppendArg(p, v); err != nil {
			b.Fatal(err)
		}
	}
	opts := adapter.BroadcastOptions{Rooms: []string{"general"}}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			packet, err := wirePacket(socketio.JSON, p, "/")
			if err != nil {
				b.Fatal(err)
			}
			_ = encodeBroadcast("AbCdEf", packet, opts)
		}
	})
	packet, _ := wirePacket(socketio.JSON, p, "/")
	msg := encodeBroadcast("AbCdEf", packet, opts)
	for _, c := range []socketio.Codec{socketio.JSON, msgpack.Codec{}} {
		b.Run("decode-"+c.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m, err := decodeBroadcast(msg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := packetFromWire(c, m.packet); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package engineio

import (
	"bytes"
	"strings"
	"testing"
)

func TestAppendText(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"open", TextPacket(Open, `{"sid":"x"}`), `0{"sid":"x"}`},
		{"close", Packet{Type: Close}, "1"},
		{"ping", Packet{Type: Ping}, "2"},
		{"probe", TextPacket(Ping, "probe"), "2probe"},
		{"pong probe", TextPacket(Pong, "probe"), "3probe"},
		{"message", TextPacket(Message, "hello"), "4hello"},
		{"unicode message", TextPacket(Message, "héllo €😀"), "4héllo €😀"},
		{"empty message", Packet{Type: Message}, "4"},
		{"upgrade", Packet{Type: Upgrade}, "5"},
		{"noop", Packet{Type: Noop}, "6"},
		{"binary", BinaryPacket([]byte{1, 2, 3, 4}), "bAQIDBA=="},
		{"empty binary", BinaryPacket(nil), "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendText(nil, tt.p)
			if string(got) != tt.want {
				t.Fatalf("AppendText = %q, want %q", got, tt.want)
			}
			if n := TextLen(tt.p); n != len(got) {
				t.Fatalf("TextLen = %d, encoded %d bytes", n, len(got))
			}
			back, err := DecodeText(got)
			if err != nil {
				t.Fatalf("DecodeText(%q): %v", got, err)
			}
			if back.Type != tt.p.Type || back.Binary != tt.p.Binary || !bytes.Equal(back.Data, tt.p.Data) {
				t.Fatalf("round trip = %+v, want %+v", back, tt.p)
			}
		})
	}
}

func TestDecodeTextErrors(t *testing.T) {
	for _, in := range []string{"", "7", "9hello", "a", "abc", "x", "b!!!", "bAQIDBA=x", " 4hello"} {
		if p, err := DecodeText([]byte(in)); err == nil {
			t.Errorf("DecodeText(%q) = %+v, want error", in, p)
		}
	}
}

func TestDecodeTextUnpaddedBase64(t *testing.T) {
	p, err := DecodeText([]byte("bAQIDBA"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Binary || !bytes.Equal(p.Data, []byte{1, 2, 3, 4}) {
		t.Fatalf("got %+v", p)
	}
}

func TestDecodeTextAliasesInput(t *testing.T) {
	in := []byte("4hello")
	p, _ := DecodeText(in)
	in[1] = 'j'
	if string(p.Data) != "jello" {
		t.Fatalf("text data should alias the input, got %q", p.Data)
	}
}

func TestDecodeBinary(t *testing.T) {
	p := DecodeBinary([]byte{0xff, 0})
	if !p.Binary || p.Type != Message || len(p.Data) != 2 {
		t.Fatalf("got %+v", p)
	}
}

func TestPacketTypeString(t *testing.T) {
	if Message.String() != "message" || Noop.String() != "noop" || PacketType(9).String() != "PacketType(9)" {
		t.Fatal("unexpected names")
	}
	if !Noop.Valid() || PacketType(7).Valid() {
		t.Fatal("Valid is wrong")
	}
}

func TestPayload(t *testing.T) {
	tests := []struct {
		name    string
		packets []Packet
		wire    string
	}{
		{"one", []Packet{TextPacket(Message, "hello")}, "4hello"},
		{"three", []Packet{TextPacket(Message, "test1"), TextPacket(Message, "test2"), TextPacket(Message, "test3")}, "4test1\x1e4test2\x1e4test3"},
		{"text and binary", []Packet{TextPacket(Message, "hello"), BinaryPacket([]byte{1, 2, 3, 4})}, "4hello\x1ebAQIDBA=="},
		{"ping noop close", []Packet{{Type: Ping}, {Type: Noop}, {Type: Close}}, "2\x1e6\x1e1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendPayload(nil, tt.packets...)
			if string(got) != tt.wire {
				t.Fatalf("AppendPayload = %q, want %q", got, tt.wire)
			}
			if PayloadLen(tt.packets...) != len(got) {
				t.Fatalf("PayloadLen = %d, want %d", PayloadLen(tt.packets...), len(got))
			}
			back, err := DecodePayload(got)
			if err != nil {
				t.Fatal(err)
			}
			if len(back) != len(tt.packets) {
				t.Fatalf("decoded %d packets, want %d", len(back), len(tt.packets))
			}
			for i := range back {
				if back[i].Type != tt.packets[i].Type || back[i].Binary != tt.packets[i].Binary || !bytes.Equal(back[i].Data, tt.packets[i].Data) {
					t.Fatalf("packet %d = %+v, want %+v", i, back[i], tt.packets[i])
				}
			}
		})
	}
}

func TestPayloadStopsAtFirstError(t *testing.T) {
	got, err := DecodePayload([]byte("4a\x1e4b\x1eabc\x1e4c"))
	if err == nil || !strings.Contains(err.Error(), "packet 2") {
		t.Fatalf("err = %v, want an error naming packet 2", err)
	}
	if len(got) != 2 {
		t.Fatalf("decoded %d packets before the error, want 2", len(got))
	}
	for _, bad := range []string{"", "\x1e", "4a\x1e", "\x1e4a"} {
		if _, err := DecodePayload([]byte(bad)); err == nil {
			t.Errorf("DecodePayload(%q) should fail: an empty packet is invalid", bad)
		}
	}
}

func TestPayloadIteratorEarlyStop(t *testing.T) {
	n := 0
	for range Payload([]byte("4a\x1e4b\x1e4c")) {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("iterated %d", n)
	}
}

func TestHandshakeJSON(t *testing.T) {
	h := Handshake{SID: "lv_VI97HAXpY6yYWAAAC", Upgrades: []string{"websocket"}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}
	want := `{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
	if got := string(h.AppendJSON(nil)); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	h.Upgrades = nil
	if got := string(h.AppendJSON(nil)); !strings.Contains(got, `"upgrades":[]`) {
		t.Fatalf("nil upgrades must be [], got %s", got)
	}
	back, err := ParseHandshake([]byte(want))
	if err != nil || back.SID != "lv_VI97HAXpY6yYWAAAC" || back.PingInterval != 25000 || len(back.Upgrades) != 1 {
		t.Fatalf("ParseHandshake = %+v, %v", back, err)
	}
	for _, bad := range []string{``, `{}`, `[]`, `{"sid":1}`, `{"sid":"a"`} {
		if _, err := ParseHandshake([]byte(bad)); err == nil {
			t.Errorf("ParseHandshake(%q) should fail", bad)
		}
	}
}

func TestEncodeAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	text := TextPacket(Message, `2["message","hello"]`)
	bin := BinaryPacket([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendText(buf[:0], text)
		buf = AppendText(buf[:0], bin)
		buf = AppendPayload(buf[:0], text, bin, text)
	})
	if allocs != 0 {
		t.Fatalf("encoding allocates %.1f times per run, want 0", allocs)
	}
}

package engineio

import (
	"encoding/base64"
	"errors"
	"fmt"
)

// PacketType is the kind of an Engine.IO packet, sent as one ASCII digit.
type PacketType byte

// The Engine.IO v4 packet types.
const (
	Open    PacketType = 0 // server → client: the handshake JSON
	Close   PacketType = 1 // either side: close the session (polling only on the wire)
	Ping    PacketType = 2 // server → client heartbeat; "2probe" from a client starts an upgrade
	Pong    PacketType = 3 // client → server heartbeat answer; "3probe" answers the probe
	Message PacketType = 4 // application data, text or binary
	Upgrade PacketType = 5 // client → server: switch the session to the probed transport
	Noop    PacketType = 6 // server → client: releases a pending polling request
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the protocol's name for t ("open", "message", ...).
func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// Valid reports whether t is one of the seven Engine.IO v4 packet types.
func (t PacketType) Valid() bool { return t <= Noop }

// Packet is one Engine.IO packet.
//
// A binary packet (Binary true) is always of type Message; its Data holds the
// raw bytes. A text packet's Data holds the UTF-8 text after the type digit.
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

// TextPacket returns a text packet of type t carrying s.
func TextPacket(t PacketType, s string) Packet { return Packet{Type: t, Data: []byte(s)} }

// BinaryPacket returns a binary message packet carrying b.
func BinaryPacket(b []byte) Packet { return Packet{Type: Message, Data: b, Binary: true} }

// ErrEmptyPacket is returned when a packet has no bytes at all.
var ErrEmptyPacket = errors.New("engineio: empty packet")

// AppendText appends the text encoding of p to dst and returns the extended
// buffer: the type digit and the data for a text packet, "b" and the padded
// base64 of the data for a binary one. This is the form of a WebSocket text
// frame and of one packet in a polling payload. It does not allocate when dst
// has room.
func AppendText(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// TextLen returns the number of bytes AppendText adds for p.
func TextLen(p Packet) int {
	if p.Binary {
		return 1 + base64.StdEncoding.EncodedLen(len(p.Data))
	}
	return 1 + len(p.Data)
}

// DecodeText decodes one text-encoded packet: a WebSocket text frame or one
// segment of a polling payload. A leading "b" marks a base64 binary message,
// which is decoded into a new buffer; otherwise Data aliases b.
func DecodeText(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, ErrEmptyPacket
	}
	c := b[0]
	if c == 'b' {
		data, err := decodeBase64(b[1:])
		if err != nil {
			return Packet{}, fmt.Errorf("engineio: binary packet: %w", err)
		}
		return Packet{Type: Message, Data: data, Binary: true}, nil
	}
	if c < '0' || c > '6' {
		return Packet{}, fmt.Errorf("engineio: unknown packet type %q", c)
	}
	p := Packet{Type: PacketType(c - '0')}
	if len(b) > 1 {
		p.Data = b[1:]
	}
	return p, nil
}

// DecodeBinary decodes a WebSocket binary frame: always a binary message whose
// Data aliases b.
func DecodeBinary(b []byte) Packet {
	return Packet{Type: Message, Data: b, Binary: true}
}

// decodeBase64 accepts padded and unpadded standard base64, as Node's
// Buffer.from(s, "base64") does for well-formed input.
func decodeBase64(s []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, s)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// Package socketio defines the Socket.IO protocol v5 packet model, the Codec
// interface that turns packets into Engine.IO messages and back, and the
// default (JSON) codec that matches the npm socket.io-parser.
//
// Event arguments stay raw: a decoded packet holds each argument as bytes in
// the codec's own format (JSON text or msgpack), so a typed layer can decode
// each one straight into its Go type with Codec.Unmarshal.
package socketio

import "fmt"

// PacketType is the kind of a Socket.IO packet.
type PacketType byte

// The Socket.IO v5 packet types.
const (
	Connect      PacketType = 0
	Disconnect   PacketType = 1
	Event        PacketType = 2
	Ack          PacketType = 3
	ConnectError PacketType = 4
	BinaryEvent  PacketType = 5 // an Event with binary attachments (JSON codec wire form only)
	BinaryAck    PacketType = 6 // an Ack with binary attachments (JSON codec wire form only)
)

var packetTypeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String returns the protocol's name for t ("EVENT", "CONNECT_ERROR", ...).
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// NoID is the ID of a packet that carries no ack id.
const NoID int64 = -1

// Raw is one value in a codec's wire format: JSON text for the default codec,
// msgpack bytes for the msgpack codec. A Raw passed as an argument to
// Codec.AppendArg is copied to the wire as it is, so it must be in that
// codec's format and must not refer to binary attachments.
type Raw []byte

// Packet is one Socket.IO packet, independent of the wire format.
//
// Decoders report BinaryEvent and BinaryAck packets as Event and Ack with
// their Attachments set; encoders choose the binary wire type themselves.
type Packet struct {
	Type      PacketType
	Namespace string // "/" for the main namespace; never empty
	ID        int64  // ack id, or NoID

	// Event is the event name of an Event packet. A numeric name received
	// from a peer is held in its decimal form.
	Event string

	// Args holds the arguments of an Event packet (after the name) or all
	// the elements of an Ack packet, each raw in the codec's format.
	Args []Raw

	// Data is the payload of a Connect packet (the auth object, or the
	// server's {"sid":...} reply) or of a ConnectError packet (an object or
	// a string), raw in the codec's format; nil when absent.
	Data Raw

	// Attachments are the binary buffers that placeholders in Args or Data
	// refer to, in order (JSON codec). The msgpack codec carries binary
	// inline and leaves this empty.
	Attachments [][]byte
}

// HasID reports whether p carries an ack id.
func (p *Packet) HasID() bool { return p.ID >= 0 }

// ReservedEvents are the event names a peer may not send: the official
// parser rejects EVENT packets whose name is one of these.
var ReservedEvents = map[string]bool{
	"connect":        true,
	"connect_error":  true,
	"disconnect":     true,
	"disconnecting":  true,
	"newListener":    true,
	"removeListener": true,
}

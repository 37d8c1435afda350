package socketio

import "github.com/siogen/sio/codec/engineio"

// Codec is a Socket.IO wire format. The runtime holds one per server or
// client and uses it for every packet of a connection; it must be safe for
// concurrent use. Decoding state (pending binary attachments) lives in the
// Decoder, one per connection.
type Codec interface {
	// Name identifies the format: "json" or "msgpack".
	Name() string

	// Encode returns the Engine.IO messages that carry p, in the order they
	// must be sent: the packet itself, then (JSON codec) one binary message
	// per attachment. The result shares no memory with p, so it can be sent
	// to many sessions.
	Encode(p *Packet) ([]engineio.Packet, error)

	// NewDecoder returns a decoder for one connection's incoming messages.
	NewDecoder(opts DecoderOptions) Decoder

	// AppendArg encodes v in this format and appends it to p.Args. A []byte
	// anywhere inside v travels as binary: the JSON codec replaces it with a
	// placeholder and appends it to p.Attachments, msgpack writes bin. A Raw
	// is copied as it is.
	AppendArg(p *Packet, v any) error

	// SetData encodes v in this format as p.Data (Connect and ConnectError
	// payloads). A nil v leaves Data absent.
	SetData(p *Packet, v any) error

	// Unmarshal decodes raw, one of p.Args or p.Data, into v (a pointer),
	// resolving binary placeholders from p.Attachments so that a []byte
	// target receives the attachment's bytes.
	Unmarshal(p *Packet, raw Raw, v any) error
}

// Decoder turns one connection's Engine.IO messages into packets.
type Decoder interface {
	// Decode takes the next Engine.IO message of the connection and returns
	// the packet it completes, or nil while binary attachments are still
	// due. The decoder takes ownership of m.Data. An error means the
	// connection must be closed; the decoder is then unusable.
	Decode(m engineio.Packet) (*Packet, error)
}

// DecoderOptions bound what a Decoder accepts from a peer.
type DecoderOptions struct {
	// MaxAttachments is the most binary attachments one packet may announce.
	// Zero means DefaultMaxAttachments.
	MaxAttachments int
}

// DefaultMaxAttachments is the reference parser's default limit.
const DefaultMaxAttachments = 10

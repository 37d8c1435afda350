package socketio

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/siogen/sio/codec/engineio"
)

// errBadAckID reports an ack id that is not an integer in [0, 2^53-1].
var errBadAckID = errors.New("invalid ack id")

// jsonDecoder is the JSON codec's per-connection Decoder. It follows
// socket.io-parser 4.2.x Decoder.add: text messages are parsed as
// <type>[<n>-][<nsp>,][<id>][<json>]; a BINARY_EVENT/BINARY_ACK header then
// waits for exactly n binary messages.
type jsonDecoder struct {
	maxAttachments int
	pending        *Packet // binary packet waiting for attachments
	want           int     // attachments pending needs in total
	err            error   // sticky: the decoder is unusable after an error
}

// Decode implements Decoder.
func (d *jsonDecoder) Decode(m engineio.Packet) (*Packet, error) {
	if d.err != nil {
		return nil, d.err
	}
	p, err := d.decode(m)
	if err != nil {
		d.err = err
		d.pending = nil
		return nil, err
	}
	return p, nil
}

func (d *jsonDecoder) decode(m engineio.Packet) (*Packet, error) {
	if m.Type != engineio.Message {
		return nil, fmt.Errorf("codec: engine.io %s packet is not a message", m.Type)
	}
	if m.Binary {
		if d.pending == nil {
			return nil, errors.New("codec: binary message while no binary packet is pending")
		}
		p := d.pending
		p.Attachments = append(p.Attachments, m.Data)
		if len(p.Attachments) < d.want {
			return nil, nil
		}
		d.pending = nil
		return p, nil
	}
	if d.pending != nil {
		return nil, fmt.Errorf("codec: text message while %d binary attachments are pending", d.want-len(d.pending.Attachments))
	}
	p, n, err := decodeHeaderAndPayload(m.Data, d.maxAttachments)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		p.Attachments = make([][]byte, 0, n)
		d.pending, d.want = p, n
		return nil, nil
	}
	return p, nil
}

// decodeHeaderAndPayload parses one text message. n is the number of binary
// attachments the packet announces (0 for a plain packet).
func decodeHeaderAndPayload(s []byte, maxAttachments int) (p *Packet, n int, err error) {
	if len(s) == 0 {
		// socket.io-parser sees `undefined` for an empty engine.io message
		// and throws.
		return nil, 0, errors.New("codec: empty message")
	}
	// Type: Number(str.charAt(0)), so a lone white space character reads
	// as 0 (CONNECT).
	var typ PacketType
	pos := 1
	switch c := s[0]; {
	case c >= '0' && c <= '6':
		typ = PacketType(c - '0')
	default:
		r, w := decodeRune(s)
		if !isJSSpace(r) {
			return nil, 0, fmt.Errorf("codec: unknown packet type %q", r)
		}
		typ, pos = Connect, w
	}
	switch typ {
	case Event, Ack, BinaryEvent, BinaryAck:
		// One allocation for the packet and room for its first arguments.
		pb := new(packetWithArgs)
		p = &pb.p
		p.Args = pb.args[:0]
	default:
		p = new(Packet)
	}
	p.Type, p.Namespace, p.ID = typ, "/", NoID

	// Attachment count, up to a mandatory '-', read with Number().
	if typ == BinaryEvent || typ == BinaryAck {
		j := pos
		for j < len(s) && s[j] != '-' {
			j++
		}
		if j == len(s) {
			return nil, 0, fmt.Errorf("codec: %s packet: attachment count not followed by '-'", typ.lower())
		}
		f := jsNumber(s[pos:j])
		if !(f >= 1) || f != math.Trunc(f) {
			return nil, 0, fmt.Errorf("codec: %s packet: invalid attachment count %q", typ.lower(), s[pos:j])
		}
		if f > float64(maxAttachments) {
			return nil, 0, fmt.Errorf("codec: %s packet: %v attachments exceed the limit of %d", typ.lower(), f, maxAttachments)
		}
		n = int(f)
		pos = j + 1
	}

	// Namespace: from '/' up to the first ',' or the end.
	if pos < len(s) && s[pos] == '/' {
		j := pos
		for j < len(s) && s[j] != ',' {
			j++
		}
		nsp := s[pos:j]
		if !utf8.Valid(nsp) {
			return nil, 0, fmt.Errorf("codec: %s packet: namespace is not valid UTF-8", typ)
		}
		if len(nsp) > 1 {
			p.Namespace = string(nsp)
		}
		pos = j + 1 // past the comma, or past the end
	}

	// Ack id: the run of characters c with Number(c) == c, that is digits
	// and white space, read with Number().
	if pos < len(s) && isIDChar(s[pos:]) {
		start := pos
		for pos < len(s) {
			r, w := decodeRune(s[pos:])
			if !(r >= '0' && r <= '9') && !isJSSpace(r) {
				break
			}
			pos += w
		}
		f := jsNumber(s[start:pos])
		if !(f >= 0 && f <= maxSafeInteger) || f != math.Trunc(f) {
			return nil, 0, fmt.Errorf("codec: %s packet: %w %q", typ.lower(), errBadAckID, s[start:pos])
		}
		p.ID = int64(f)
	}

	if pos < len(s) {
		if err := decodePayload(p, s[pos:], n); err != nil {
			return nil, 0, err
		}
	}
	if len(p.Args) == 0 {
		p.Args = nil
	}
	switch typ {
	case BinaryEvent:
		p.Type = Event
	case BinaryAck:
		p.Type = Ack
	}
	return p, n, nil
}

// packetWithArgs lets the decoder allocate an event or ack packet and the
// backing array of its first arguments at once.
type packetWithArgs struct {
	p    Packet
	args [4]Raw
}

// isIDChar reports whether the character at the start of b may start an
// ack id.
func isIDChar(b []byte) bool {
	if isDigit(b[0]) {
		return true
	}
	r, _ := decodeRune(b)
	return isJSSpace(r)
}

var typeNamesLower = [...]string{"connect", "disconnect", "event", "ack", "connect_error", "binary event", "binary ack"}

func (t PacketType) lower() string {
	if int(t) < len(typeNamesLower) {
		return typeNamesLower[t]
	}
	return t.String()
}

// decodePayload validates the JSON payload of p (isPayloadValid) and fills
// Data or Event/Args.
func decodePayload(p *Packet, payload []byte, attachments int) error {
	typ := p.Type
	sc := scanner{data: payload, attachments: attachments}
	sc.skipWS()
	if sc.pos >= len(payload) {
		return fmt.Errorf("codec: %s packet: invalid JSON: no value", typ.lower())
	}
	start := sc.pos
	first := payload[start]
	var bad bool
	var err error
	if (typ == Event || typ == BinaryEvent || typ == Ack || typ == BinaryAck) && first == '[' {
		bad, err = sc.array(&p.Args)
	} else {
		bad, err = sc.value()
	}
	if err == nil {
		sc.skipWS()
		if sc.pos < len(payload) {
			err = sc.syntaxErr("data after the value")
		}
	}
	if err != nil {
		p.Args = nil
		return fmt.Errorf("codec: %s packet: %w", typ.lower(), err)
	}
	value := payload[start:sc.pos:sc.pos]

	switch typ {
	case Connect:
		if first != '{' {
			return errors.New("codec: connect packet: payload must be an object")
		}
		p.Data = Raw(value)
	case Disconnect:
		return errors.New("codec: disconnect packet: unexpected payload")
	case ConnectError:
		if first != '{' && first != '"' {
			return errors.New("codec: connect_error packet: payload must be a string or an object")
		}
		p.Data = Raw(value)
	case Event, BinaryEvent:
		if first != '[' {
			return fmt.Errorf("codec: %s packet: payload must be an array", typ.lower())
		}
		if len(p.Args) == 0 {
			return fmt.Errorf("codec: %s packet: payload must not be an empty array", typ.lower())
		}
		name := p.Args[0]
		switch c := name[0]; {
		case c == '"':
			p.Event = unquote(name[1 : len(name)-1])
			if ReservedEvents[p.Event] {
				return fmt.Errorf("codec: %s packet: reserved event name %q", typ.lower(), p.Event)
			}
		case c == '-' || isDigit(c):
			f, err := strconv.ParseFloat(string(name), 64)
			if err != nil && !isRangeErr(err) {
				return fmt.Errorf("codec: %s packet: invalid numeric event name", typ.lower())
			}
			p.Event = string(appendJSNumber(nil, f))
		default:
			return fmt.Errorf("codec: %s packet: first element must be a string or number", typ.lower())
		}
		p.Args = p.Args[1:]
		if len(p.Args) == 0 {
			p.Args = nil
		}
	case Ack, BinaryAck:
		if first != '[' {
			return fmt.Errorf("codec: %s packet: payload must be an array", typ.lower())
		}
		if len(p.Args) == 0 {
			p.Args = nil
		}
	}
	if bad {
		return fmt.Errorf("codec: %s packet: %w", typ.lower(), errBadPlaceholder)
	}
	return nil
}

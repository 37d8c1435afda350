package msgpack

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// ErrTextMessage is returned for a text Engine.IO message: the msgpack
// format sends every packet as one binary message.
var ErrTextMessage = errors.New("codec: msgpack: text message: msgpack packets travel as binary messages")

// decoder decodes one connection's messages. It only remembers the last
// namespace, to reuse its string.
type decoder struct {
	lastNsp string
}

// Decode turns one binary message into one packet.
func (d *decoder) Decode(m engineio.Packet) (*socketio.Packet, error) {
	if !m.Binary {
		return nil, ErrTextMessage
	}
	if m.Type != engineio.Message {
		return nil, fmt.Errorf("codec: msgpack: engine.io %s packet is not a message", m.Type)
	}
	p, err := d.decode(m.Data)
	if err != nil {
		return nil, fmt.Errorf("codec: msgpack: %w", err)
	}
	return p, nil
}

// valueKind is what a top-level field held.
type valueKind uint8

const (
	kindAbsent    valueKind = iota // key missing, or notepack undefined
	kindOther                      // present but not what the field needs
	kindNumber                     // int, uint or float
	kindString                     // str
	kindArray                      // array (after normalization)
	kindMap                        // map
	kindNormalize                  // data whose normalized form must be inspected
)

// kindOf classifies the value starting with byte c.
func kindOf(c byte) valueKind {
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xca || c == 0xcb || (c >= 0xcc && c <= 0xd3):
		return kindNumber
	case c <= 0x8f || c == 0xde || c == 0xdf:
		return kindMap
	case c <= 0x9f || c == 0xdc || c == 0xdd:
		return kindArray
	case c <= 0xbf || (c >= 0xd9 && c <= 0xdb):
		return kindString
	}
	return kindOther
}

// describe names the msgpack kind of the value starting with byte c, for
// error messages.
func describe(c byte) string {
	switch kindOf(c) {
	case kindNumber:
		return "a number"
	case kindMap:
		return "a map"
	case kindArray:
		return "an array"
	case kindString:
		return "a string"
	}
	switch {
	case c == 0xc0:
		return "nil"
	case c == 0xc2 || c == 0xc3:
		return "a boolean"
	case c >= 0xc4 && c <= 0xc6:
		return "binary"
	case c == 0xd4:
		return "an ext value"
	}
	return fmt.Sprintf("an ext value (0x%02x)", c)
}

// field is one of the four keys a packet map may carry.
type field struct {
	kind valueKind
	pos  int    // where the value starts
	code byte   // its first byte
	num  number // kindNumber
}

// decode parses one msgpack-encoded packet and applies the npm parser's
// checkPacket rules plus the documented stricter ones.
func (d *decoder) decode(b []byte) (*socketio.Packet, error) {
	if len(b) == 0 {
		return nil, errors.New("empty message")
	}
	var n, pos int
	switch c := b[0]; {
	case c >= 0x80 && c <= 0x8f:
		n, pos = int(c&0x0f), 1
	case c == 0xde && len(b) >= 3:
		n, pos = int(b[1])<<8|int(b[2]), 3
	case c == 0xdf && len(b) >= 5:
		n, pos = int(b[1])<<24|int(b[2])<<16|int(b[3])<<8|int(b[4]), 5
	default:
		if _, err := skipAt(b, 0); err != nil {
			return nil, fmt.Errorf("packet: %w", err)
		}
		return nil, fmt.Errorf("packet must be a map, found %s", describe(c))
	}
	if n > (len(b)-pos)/2 {
		return nil, fmt.Errorf("packet map of %d entries cannot fit in %d bytes", n, len(b))
	}
	var typ, nsp, data, id field
	pa := new(packetWithArgs) // the packet and room for its first arguments, in one allocation
	var elems []socketio.Raw  // data as array elements, normalized
	var dataRaw []byte        // data as one normalized value (map, string)
	for i := 0; i < n; i++ {
		key, next, err := readKey(b, pos)
		if err != nil {
			return nil, err
		}
		pos = next
		var f *field
		switch key {
		case "type":
			f = &typ
		case "nsp":
			f = &nsp
		case "id":
			f = &id
		case "data":
			elems, dataRaw = nil, nil
			pos, err = readData(b, pos, &data, &elems, &dataRaw, pa.args[:0])
			if err != nil {
				return nil, fmt.Errorf("packet data: %w", err)
			}
			continue
		}
		end, err := skipAt(b, pos)
		if err != nil {
			return nil, fmt.Errorf("packet key %q: %w", key, err)
		}
		if f != nil {
			*f = field{pos: pos, code: b[pos]}
			switch {
			case isUndefined(b, pos):
				f.kind = kindAbsent
			default:
				f.kind = kindOf(b[pos])
				if f.kind == kindNumber {
					f.num = readNumber(b, pos)
				}
			}
		}
		pos = end
	}
	if pos != len(b) {
		return nil, fmt.Errorf("%d trailing bytes after the packet map", len(b)-pos)
	}

	// The checks in checkPacket's order: type, namespace, payload, id.
	p := &pa.p
	p.ID = socketio.NoID
	if typ.kind != kindNumber || !typ.num.integral || typ.num.neg || typ.num.u > uint64(socketio.ConnectError) {
		return nil, fmt.Errorf("invalid packet type (%s)", fieldString(b, typ))
	}
	p.Type = socketio.PacketType(typ.num.u)

	if nsp.kind != kindString {
		return nil, fmt.Errorf("invalid namespace (%s)", fieldString(b, nsp))
	}
	ns, err := strAt(b, nsp.pos)
	if err != nil {
		return nil, err
	}
	switch {
	case len(ns) == 0:
		return nil, errors.New("invalid namespace: empty")
	case string(ns) == d.lastNsp:
		p.Namespace = d.lastNsp
	case !utf8.Valid(ns):
		return nil, errors.New("invalid namespace: not valid UTF-8")
	default:
		d.lastNsp = string(ns)
		p.Namespace = d.lastNsp
	}

	if err := checkPayload(p, b, data, elems, dataRaw); err != nil {
		return nil, fmt.Errorf("%s packet: %w", p.Type, err)
	}

	switch {
	case id.kind == kindAbsent:
	case id.kind != kindNumber || !id.num.integral:
		return nil, fmt.Errorf("invalid packet id (%s)", fieldString(b, id))
	case id.num.neg || id.num.u > math.MaxInt64:
		return nil, fmt.Errorf("invalid packet id: %s is out of range 0..2^63-1", jsNumberString(id.num.f))
	default:
		p.ID = int64(id.num.u)
	}
	return p, nil
}

// packetWithArgs lets the decoder allocate a packet and the backing array
// of its first arguments at once.
type packetWithArgs struct {
	p    socketio.Packet
	args [4]socketio.Raw
}

// readKey reads a top-level map key, which must be a string.
func readKey(b []byte, pos int) (string, int, error) {
	if pos >= len(b) {
		return "", 0, errors.New("packet map ends early")
	}
	if kindOf(b[pos]) != kindString {
		if _, err := skipAt(b, pos); err != nil {
			return "", 0, fmt.Errorf("packet map key: %w", err)
		}
		return "", 0, fmt.Errorf("packet map key at byte %d must be a string, found %s", pos, describe(b[pos]))
	}
	var s []byte
	var end int
	if c := b[pos]; c >= 0xa0 && c <= 0xbf && pos+1+int(c&0x1f) <= len(b) {
		end = pos + 1 + int(c&0x1f) // fixstr: every key this codec knows
		s = b[pos+1 : end]
	} else {
		var err error
		if end, err = skipAt(b, pos); err != nil {
			return "", 0, fmt.Errorf("packet map key: %w", err)
		}
		s, _ = strAt(b, pos)
	}
	switch string(s) { // no allocation for the known keys
	case "type":
		return "type", end, nil
	case "nsp":
		return "nsp", end, nil
	case "data":
		return "data", end, nil
	case "id":
		return "id", end, nil
	}
	return "", end, nil
}

// strAt returns the bytes of the str at b[pos:], which has been walked.
func strAt(b []byte, pos int) ([]byte, error) {
	c := b[pos]
	var n, h int
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n, h = int(c&0x1f), 1
	case c == 0xd9:
		n, h = int(b[pos+1]), 2
	case c == 0xda:
		n, h = int(b[pos+1])<<8|int(b[pos+2]), 3
	case c == 0xdb:
		n, h = int(b[pos+1])<<24|int(b[pos+2])<<16|int(b[pos+3])<<8|int(b[pos+4]), 5
	default:
		return nil, fmt.Errorf("value at byte %d is not a string", pos)
	}
	return b[pos+h : pos+h+n], nil
}

// readData reads the value of the "data" key: an array element by element,
// anything else as one normalized value.
func readData(b []byte, pos int, f *field, elems *[]socketio.Raw, raw *[]byte, room []socketio.Raw) (int, error) {
	if pos >= len(b) {
		return 0, errors.New("missing value")
	}
	*f = field{pos: pos, code: b[pos]}
	if isUndefined(b, pos) {
		f.kind = kindAbsent
		return pos + 3, nil
	}
	c := b[pos]
	var n, h int
	switch {
	case c >= 0x90 && c <= 0x9f:
		n, h = int(c&0x0f), 1
	case c == 0xdc && len(b)-pos >= 3:
		n, h = int(b[pos+1])<<8|int(b[pos+2]), 3
	case c == 0xdd && len(b)-pos >= 5:
		n, h = int(b[pos+1])<<24|int(b[pos+2])<<16|int(b[pos+3])<<8|int(b[pos+4]), 5
	default:
		v, end, err := normalizeAt(b, pos)
		if err != nil {
			return 0, err
		}
		f.kind = kindNormalize
		*raw = v
		return end, nil
	}
	pos += h
	if n > len(b)-pos {
		return 0, fmt.Errorf("array of %d elements cannot fit in the %d bytes left", n, len(b)-pos)
	}
	f.kind = kindArray
	var out []socketio.Raw
	if n <= cap(room) {
		out = room[:n]
	} else {
		out = make([]socketio.Raw, n)
	}
	for i := range out {
		v, end, err := normalizeAt(b, pos)
		if err != nil {
			return 0, fmt.Errorf("element %d: %w", i, err)
		}
		out[i] = v
		pos = end
	}
	*elems = out
	return pos, nil
}

// splitArray splits a normalized array value into its elements.
func splitArray(v []byte) ([]socketio.Raw, error) {
	c := v[0]
	var n, pos int
	switch {
	case c >= 0x90 && c <= 0x9f:
		n, pos = int(c&0x0f), 1
	case c == 0xdc:
		n, pos = int(v[1])<<8|int(v[2]), 3
	default:
		n, pos = int(v[1])<<24|int(v[2])<<16|int(v[3])<<8|int(v[4]), 5
	}
	out := make([]socketio.Raw, n)
	for i := range out {
		end, err := skipAt(v, pos)
		if err != nil {
			return nil, err
		}
		out[i] = v[pos:end:end]
		pos = end
	}
	return out, nil
}

// checkPayload applies the payload rules of the packet's type and fills in
// Event, Args and Data.
func checkPayload(p *socketio.Packet, b []byte, data field, elems []socketio.Raw, raw []byte) error {
	kind := data.kind
	if kind == kindNormalize {
		// Data that was not an array on the wire: judge it by what notepack
		// decodes it to (an ext may become an array, binary, a Date, ...).
		kind = kindOf(raw[0])
		if kind == kindArray {
			var err error
			if elems, err = splitArray(raw); err != nil {
				return fmt.Errorf("data: %w", err)
			}
		}
	}
	what := func() string {
		if data.kind == kindAbsent {
			return "missing"
		}
		if data.kind == kindNormalize {
			return describe(raw[0])
		}
		return describe(data.code)
	}
	switch p.Type {
	case socketio.Connect:
		switch kind {
		case kindAbsent:
		case kindMap:
			p.Data = raw
		default:
			return fmt.Errorf("invalid payload: data must be a map or absent, found %s", what())
		}
	case socketio.Disconnect:
		if kind != kindAbsent {
			return fmt.Errorf("invalid payload: data must be absent, found %s", what())
		}
	case socketio.ConnectError:
		if kind != kindMap && kind != kindString {
			return fmt.Errorf("invalid payload: data must be a string or a map, found %s", what())
		}
		p.Data = raw
	case socketio.Ack:
		if kind != kindArray {
			return fmt.Errorf("invalid payload: data must be an array, found %s", what())
		}
		p.Args = elems
	case socketio.Event:
		if kind != kindArray {
			return fmt.Errorf("invalid payload: data must be an array, found %s", what())
		}
		if len(elems) == 0 {
			return errors.New("invalid payload: data must hold at least the event name")
		}
		name, err := eventName(elems[0])
		if err != nil {
			return err
		}
		p.Event = name
		p.Args = elems[1:len(elems):len(elems)]
	}
	return nil
}

// eventName reads an event name: a string that is not reserved, or a number
// held in JavaScript's decimal form.
func eventName(v []byte) (string, error) {
	switch kindOf(v[0]) {
	case kindString:
		s, err := strAt(v, 0)
		if err != nil {
			return "", err
		}
		if !utf8.Valid(s) {
			return "", errors.New("event name is not valid UTF-8")
		}
		name := string(s)
		if socketio.ReservedEvents[name] {
			return "", fmt.Errorf("%q is a reserved event name", name)
		}
		return name, nil
	case kindNumber:
		return jsNumberString(readNumber(v, 0).f), nil
	}
	return "", fmt.Errorf("first element must be a string or number, found %s", describe(v[0]))
}

// fieldString describes a top-level field's value for an error message.
func fieldString(b []byte, f field) string {
	switch {
	case f.kind == kindAbsent:
		return "missing"
	case f.kind == kindNumber:
		return "got " + jsNumberString(f.num.f)
	case f.kind == kindString:
		s, err := strAt(b, f.pos)
		if err == nil && len(s) <= 32 && utf8.Valid(s) {
			return fmt.Sprintf("got %q", s)
		}
	}
	return "got " + describe(f.code)
}

package socketio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/siogen/sio/codec/engineio"
)

// JSON is the default Socket.IO codec, wire-compatible with the npm
// socket.io-parser 4.2.x: each packet is one Engine.IO text message
// <type>[<n>-][<nsp>,][<id>][<json>], and binary values travel as
// {"_placeholder":true,"num":N} placeholders followed by n binary messages.
//
// Event arguments stay raw JSON text; AppendArg, SetData and Unmarshal
// convert Go values with github.com/go-json-experiment/json, writing what
// JSON.stringify writes for the same value.
var JSON Codec = jsonCodec{}

type jsonCodec struct{}

// Name implements Codec.
func (jsonCodec) Name() string { return "json" }

// NewDecoder implements Codec.
func (jsonCodec) NewDecoder(opts DecoderOptions) Decoder {
	max := opts.MaxAttachments
	if max <= 0 {
		max = DefaultMaxAttachments
	}
	return &jsonDecoder{maxAttachments: max}
}

// Encode implements Codec. It writes the same text as socket.io-parser's
// Encoder.encode for the same packet: an Event or Ack with attachments goes
// out as BINARY_EVENT / BINARY_ACK followed by one binary message per
// attachment. All returned messages share one freshly allocated buffer and
// none refers to p's memory.
func (jsonCodec) Encode(p *Packet) ([]engineio.Packet, error) {
	typ := p.Type
	switch typ {
	case BinaryEvent:
		typ = Event
	case BinaryAck:
		typ = Ack
	}
	if typ > BinaryAck {
		return nil, fmt.Errorf("codec: unknown packet type %d", byte(p.Type))
	}
	nsp := p.Namespace
	if nsp == "/" {
		nsp = ""
	}
	if nsp != "" && (nsp[0] != '/' || strings.IndexByte(nsp, ',') >= 0) {
		return nil, fmt.Errorf("codec: %s packet: invalid namespace %q", typ.lower(), nsp)
	}
	if p.ID < NoID {
		return nil, fmt.Errorf("codec: %s packet: invalid ack id %d", typ.lower(), p.ID)
	}
	nAttach := len(p.Attachments)
	if nAttach > 0 {
		switch typ {
		case Event:
			typ = BinaryEvent
		case Ack:
			typ = BinaryAck
		default:
			return nil, fmt.Errorf("codec: %s packet: only event and ack packets carry binary attachments", typ.lower())
		}
	}

	// Size everything first, so one buffer holds the text and the attachments.
	size := 1
	if nAttach > 0 {
		size += decimalLen(int64(nAttach)) + 1
	}
	if nsp != "" {
		size += len(nsp) + 1
	}
	if p.ID >= 0 {
		size += decimalLen(p.ID)
	}
	switch typ {
	case Connect, ConnectError:
		if p.Args != nil {
			return nil, fmt.Errorf("codec: %s packet: Args must be empty", typ.lower())
		}
		if err := checkData(typ, p.Data); err != nil {
			return nil, err
		}
		size += len(p.Data)
	case Disconnect:
		if p.Data != nil || p.Args != nil {
			return nil, errors.New("codec: disconnect packet: no payload allowed")
		}
	case Event, BinaryEvent:
		if p.Data != nil {
			return nil, fmt.Errorf("codec: %s packet: Data must be nil (use Args)", typ.lower())
		}
		if ReservedEvents[p.Event] {
			return nil, fmt.Errorf("codec: %s packet: reserved event name %q", typ.lower(), p.Event)
		}
		n, ok := jsonStringLen(p.Event)
		if !ok {
			return nil, fmt.Errorf("codec: %s packet: event name is not valid UTF-8", typ.lower())
		}
		size += 2 + n
		for i, a := range p.Args {
			if len(a) == 0 {
				return nil, fmt.Errorf("codec: %s packet: argument %d is empty", typ.lower(), i)
			}
			size += 1 + len(a)
		}
	case Ack, BinaryAck:
		if p.Data != nil {
			return nil, fmt.Errorf("codec: %s packet: Data must be nil (use Args)", typ.lower())
		}
		size += 2
		for i, a := range p.Args {
			if len(a) == 0 {
				return nil, fmt.Errorf("codec: %s packet: argument %d is empty", typ.lower(), i)
			}
			size += len(a)
			if i > 0 {
				size++
			}
		}
	}
	textLen := size
	for _, a := range p.Attachments {
		size += len(a)
	}

	buf := make([]byte, 0, size)
	buf = append(buf, '0'+byte(typ))
	if nAttach > 0 {
		buf = strconv.AppendInt(buf, int64(nAttach), 10)
		buf = append(buf, '-')
	}
	if nsp != "" {
		buf = append(buf, nsp...)
		buf = append(buf, ',')
	}
	if p.ID >= 0 {
		buf = strconv.AppendInt(buf, p.ID, 10)
	}
	switch typ {
	case Connect, ConnectError:
		buf = append(buf, p.Data...)
	case Event, BinaryEvent:
		buf = append(buf, '[')
		buf = appendJSONString(buf, p.Event)
		for _, a := range p.Args {
			buf = append(buf, ',')
			buf = append(buf, a...)
		}
		buf = append(buf, ']')
	case Ack, BinaryAck:
		buf = append(buf, '[')
		for i, a := range p.Args {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, a...)
		}
		buf = append(buf, ']')
	}
	if len(buf) != textLen {
		return nil, fmt.Errorf("codec: %s packet: internal error: size %d != %d", typ.lower(), len(buf), textLen)
	}

	out := make([]engineio.Packet, 1+nAttach)
	out[0] = engineio.Packet{Type: engineio.Message, Data: buf[:textLen:textLen]}
	for i, a := range p.Attachments {
		start := len(buf)
		buf = append(buf, a...)
		out[1+i] = engineio.Packet{Type: engineio.Message, Data: buf[start:len(buf):len(buf)], Binary: true}
	}
	return out, nil
}

// checkData checks the first byte of a Connect or ConnectError payload: the
// reference decoder rejects anything but an object (and, for ConnectError,
// a string).
func checkData(typ PacketType, d Raw) error {
	if d == nil {
		return nil
	}
	if len(d) == 0 {
		return fmt.Errorf("codec: %s packet: Data is empty", typ.lower())
	}
	if d[0] == '{' || (typ == ConnectError && d[0] == '"') {
		return nil
	}
	if typ == Connect {
		return errors.New("codec: connect packet: Data must be a JSON object")
	}
	return errors.New("codec: connect_error packet: Data must be a JSON object or string")
}

func decimalLen(v int64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

const hexDigits = "0123456789abcdef"

// jsonEscape holds, for each ASCII byte, 0 if JSON.stringify writes it as
// is, the letter of its short escape, or 'u' for \u00XX.
var jsonEscape = func() (t [utf8.RuneSelf]byte) {
	for c := range 0x20 {
		t[c] = 'u'
	}
	t['\b'], t['\f'], t['\n'], t['\r'], t['\t'] = 'b', 'f', 'n', 'r', 't'
	t['"'], t['\\'] = '"', '\\'
	return t
}()

// jsonStringLen returns the length of s quoted as JSON.stringify quotes it,
// and false if s is not valid UTF-8.
func jsonStringLen(s string) (int, bool) {
	n := 2 + len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			continue
		}
		switch jsonEscape[c] {
		case 0:
		case 'u':
			n += 5
		default:
			n++
		}
	}
	return n, utf8.ValidString(s)
}

// appendJSONString appends s as JSON.stringify quotes a string: only '"',
// '\\' and control characters are escaped (\b \f \n \r \t, else \u00xx);
// U+2028, U+2029, '<', '>' and '&' are written as they are.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || jsonEscape[c] == 0 {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch e := jsonEscape[c]; e {
		case 'u':
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		default:
			dst = append(dst, '\\', e)
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

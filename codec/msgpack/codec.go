package msgpack

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"

	vmsgpack "github.com/vmihailenco/msgpack/v5"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// Codec is the msgpack Socket.IO format of the npm socket.io-msgpack-parser
// 3.0.x. The zero value is ready to use and safe for concurrent use.
type Codec struct{}

var _ socketio.Codec = Codec{}

// Name returns "msgpack".
func (Codec) Name() string { return "msgpack" }

// NewDecoder returns a decoder for one connection. The msgpack format has no
// attachments, so opts.MaxAttachments does not apply.
func (Codec) NewDecoder(socketio.DecoderOptions) socketio.Decoder { return &decoder{} }

// Map keys with their msgpack str headers.
var (
	keyType = []byte("\xa4type")
	keyData = []byte("\xa4data")
	keyNsp  = []byte("\xa3nsp")
	keyID   = []byte("\xa2id")
)

// Encode writes p as one msgpack map in one binary Engine.IO message.
//
// The keys come in the order the Node server's own packet objects have them,
// so a Go server's bytes equal a Node server's for the same packet:
// CONNECT, CONNECT_ERROR and EVENT type,data,[id],nsp; ACK id,type,data,nsp;
// DISCONNECT type,nsp. Arguments are copied in, with msgpack timestamps
// rewritten to notepack's Date form (see the package doc).
func (Codec) Encode(p *socketio.Packet) ([]engineio.Packet, error) {
	b, err := appendPacket(nil, p)
	if err != nil {
		return nil, err
	}
	return []engineio.Packet{engineio.BinaryPacket(b)}, nil
}

// appendPacket appends the msgpack encoding of p to dst.
func appendPacket(dst []byte, p *socketio.Packet) ([]byte, error) {
	if p.Type > socketio.ConnectError {
		return nil, fmt.Errorf("codec: msgpack: cannot encode a %s packet: the msgpack format has no binary packet types", p.Type)
	}
	if p.Namespace == "" {
		return nil, fmt.Errorf("codec: msgpack: %s packet: empty namespace", p.Type)
	}
	if len(p.Attachments) > 0 {
		return nil, fmt.Errorf("codec: msgpack: %s packet: has %d attachments; msgpack carries binary inline (was it built with another codec?)", p.Type, len(p.Attachments))
	}
	size := 24 + len(p.Namespace) + len(p.Data) + len(p.Event)
	for _, a := range p.Args {
		size += len(a)
	}
	if dst == nil {
		dst = make([]byte, 0, size)
	}

	hasData := true
	switch p.Type {
	case socketio.Connect, socketio.Disconnect, socketio.ConnectError:
		if len(p.Args) > 0 || p.Event != "" {
			return nil, fmt.Errorf("codec: msgpack: %s packet: has an event name or arguments", p.Type)
		}
		hasData = p.Data != nil
		if err := checkData(p); err != nil {
			return nil, fmt.Errorf("codec: msgpack: %s packet: %w", p.Type, err)
		}
	case socketio.Event:
		if socketio.ReservedEvents[p.Event] {
			return nil, fmt.Errorf("codec: msgpack: EVENT packet: %q is a reserved event name", p.Event)
		}
		fallthrough
	default:
		if p.Data != nil {
			return nil, fmt.Errorf("codec: msgpack: %s packet: has Data; arguments go in Args", p.Type)
		}
	}

	n := 2 // type, nsp
	if hasData {
		n++
	}
	if p.HasID() {
		n++
	}
	dst = append(dst, 0x80|byte(n))
	if p.Type == socketio.Ack && p.HasID() {
		dst = appendUint(append(dst, keyID...), uint64(p.ID))
	}
	dst = append(append(dst, keyType...), byte(p.Type))
	if hasData {
		dst = append(dst, keyData...)
		var err error
		switch p.Type {
		case socketio.Event:
			dst = appendArrayHeader(dst, 1+len(p.Args))
			dst = appendStr(dst, p.Event)
			dst, err = appendArgs(dst, p.Args)
		case socketio.Ack:
			dst = appendArrayHeader(dst, len(p.Args))
			dst, err = appendArgs(dst, p.Args)
		default:
			dst, err = appendWire(dst, p.Data)
			if err != nil {
				err = fmt.Errorf("data: %w", err)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("codec: msgpack: %s packet: %w", p.Type, err)
		}
	}
	if p.Type != socketio.Ack && p.HasID() {
		dst = appendUint(append(dst, keyID...), uint64(p.ID))
	}
	dst = appendStr(append(dst, keyNsp...), p.Namespace)
	return dst, nil
}

// checkData checks the Data of a CONNECT, DISCONNECT or CONNECT_ERROR packet
// against what the npm parser accepts.
func checkData(p *socketio.Packet) error {
	if p.Data == nil {
		if p.Type == socketio.ConnectError {
			return errors.New("data must be a string or a map, found none")
		}
		return nil
	}
	if len(p.Data) == 0 {
		return errors.New("data is empty (not a msgpack value)")
	}
	k := kindOf(p.Data[0])
	switch {
	case p.Type == socketio.Disconnect:
		return errors.New("data must be absent")
	case p.Type == socketio.Connect && k != kindMap:
		return fmt.Errorf("data must be a map, found %s", describe(p.Data[0]))
	case p.Type == socketio.ConnectError && k != kindMap && k != kindString:
		return fmt.Errorf("data must be a string or a map, found %s", describe(p.Data[0]))
	}
	return nil
}

// appendArgs appends each argument in wire form.
func appendArgs(dst []byte, args []socketio.Raw) ([]byte, error) {
	for i, a := range args {
		var err error
		if dst, err = appendWire(dst, a); err != nil {
			return nil, fmt.Errorf("arg %d: %w", i, err)
		}
	}
	return dst, nil
}

// encState is a pooled vmihailenco encoder writing to its own buffer.
type encState struct {
	buf bytes.Buffer
	enc *vmsgpack.Encoder
}

var encPool = sync.Pool{New: func() any {
	s := new(encState)
	s.enc = vmsgpack.NewEncoder(&s.buf)
	s.enc.SetCustomStructTag("json")
	s.enc.UseCompactInts(true)
	s.enc.UseCompactFloats(true)
	s.enc.SetSortMapKeys(true)
	return s
}}

// marshal encodes v as one normalized msgpack value in a new buffer.
func marshal(v any) (socketio.Raw, error) {
	switch r := v.(type) {
	case socketio.Raw:
		return copyRaw(r)
	case vmsgpack.RawMessage:
		return copyRaw(r)
	}
	s := encPool.Get().(*encState)
	defer encPool.Put(s)
	s.buf.Reset()
	if err := s.enc.Encode(v); err != nil {
		return nil, err
	}
	return socketio.Raw(bytes.Clone(s.buf.Bytes())), nil
}

// copyRaw validates r and returns a normalized copy.
func copyRaw(r []byte) (socketio.Raw, error) {
	n, err := normalize(r)
	if err != nil {
		return nil, fmt.Errorf("raw value: %w", err)
	}
	if len(r) > 0 && len(n) > 0 && &n[0] == &r[0] {
		n = bytes.Clone(n)
	}
	return n, nil
}

// AppendArg encodes v with vmihailenco/msgpack and appends it to p.Args.
// []byte becomes bin, time.Time a msgpack timestamp (sent to JavaScript as a
// Date), structs use `msgpack` tags and fall back to `json` tags; a
// socketio.Raw or msgpack.RawMessage is validated and copied as it is.
func (Codec) AppendArg(p *socketio.Packet, v any) error {
	raw, err := marshal(v)
	if err != nil {
		return fmt.Errorf("codec: msgpack: arg %d: %w", len(p.Args), err)
	}
	p.Args = append(p.Args, raw)
	return nil
}

// SetData encodes v as p.Data the way AppendArg encodes an argument. A nil v
// leaves Data absent.
func (Codec) SetData(p *socketio.Packet, v any) error {
	if v == nil {
		p.Data = nil
		return nil
	}
	raw, err := marshal(v)
	if err != nil {
		return fmt.Errorf("codec: msgpack: %s data: %w", p.Type, err)
	}
	p.Data = raw
	return nil
}

// UnmarshalError is returned by Unmarshal when raw is not valid msgpack or
// does not fit the target.
type UnmarshalError struct {
	Type reflect.Type // the target's type (nil for a nil target)
	Err  error        // what went wrong
}

// Error describes the failure with the target type.
func (e *UnmarshalError) Error() string {
	return fmt.Sprintf("codec: msgpack: unmarshal into %v: %v", e.Type, e.Err)
}

// Unwrap returns the underlying error.
func (e *UnmarshalError) Unwrap() error { return e.Err }

// decState is a pooled vmihailenco decoder reading from a bytes.Reader.
type decState struct {
	r   bytes.Reader
	dec *vmsgpack.Decoder
}

var decPool = sync.Pool{New: func() any {
	s := new(decState)
	s.dec = vmsgpack.NewDecoder(&s.r)
	s.dec.SetCustomStructTag("json")
	return s
}}

// Unmarshal decodes raw into v (a pointer) with vmihailenco/msgpack, using
// `msgpack` struct tags with `json` tags as the fallback. raw is validated
// (lengths, MaxDepth) and normalized first, so notepack's forms decode too:
// undefined as nil, ArrayBuffer as []byte, Date as time.Time. A
// *socketio.Raw or *msgpack.RawMessage target receives a copy of raw.
// Into an `any`, integers come back as the Go type of their wire width
// (int8, uint16, ..., int64, uint64), floats as float32 or float64, binary as
// []byte, maps as map[string]any.
func (Codec) Unmarshal(_ *socketio.Packet, raw socketio.Raw, v any) (err error) {
	switch t := v.(type) {
	case *socketio.Raw:
		if t == nil {
			return &UnmarshalError{Type: reflect.TypeOf(v), Err: errors.New("nil pointer")}
		}
		r, err := copyRaw(raw)
		if err != nil {
			return &UnmarshalError{Type: reflect.TypeOf(v), Err: err}
		}
		*t = r
		return nil
	case *vmsgpack.RawMessage:
		if t == nil {
			return &UnmarshalError{Type: reflect.TypeOf(v), Err: errors.New("nil pointer")}
		}
		r, err := copyRaw(raw)
		if err != nil {
			return &UnmarshalError{Type: reflect.TypeOf(v), Err: err}
		}
		*t = vmsgpack.RawMessage(r)
		return nil
	}
	norm, err := normalize(raw)
	if err != nil {
		return &UnmarshalError{Type: reflect.TypeOf(v), Err: err}
	}
	s := decPool.Get().(*decState)
	defer func() {
		// vmihailenco/msgpack is third-party reflection code: a panic there
		// must not take the connection's goroutine down with it.
		if r := recover(); r != nil {
			err = &UnmarshalError{Type: reflect.TypeOf(v), Err: fmt.Errorf("decoder panic: %v", r)}
			return
		}
		s.r.Reset(nil)
		decPool.Put(s)
	}()
	s.r.Reset(norm)
	s.dec.ResetReader(&s.r)
	if err := s.dec.Decode(v); err != nil {
		return &UnmarshalError{Type: reflect.TypeOf(v), Err: err}
	}
	if s.r.Len() != 0 {
		return &UnmarshalError{Type: reflect.TypeOf(v), Err: fmt.Errorf("%d bytes left after the value", s.r.Len())}
	}
	return nil
}

package socketio

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// argMarshaler holds the marshal options of one AppendArg/SetData call. The
// options' hooks refer to p, so each pooled value carries its own set and
// building them is paid once per pooled value, not per call.
type argMarshaler struct {
	p    *Packet
	opts json.Options
}

var marshalerPool = sync.Pool{New: func() any { return newArgMarshaler() }}

func newArgMarshaler() *argMarshaler {
	m := &argMarshaler{}
	m.opts = json.JoinOptions(
		json.Deterministic(true),           // map keys sorted
		jsontext.AllowDuplicateNames(true), // Raw values may hold them, as JSON.parse allows
		jsontext.EscapeForHTML(false),
		jsontext.EscapeForJS(false),
		json.WithMarshalers(json.JoinMarshalers(
			json.MarshalToFunc(m.marshalBytes),
			json.MarshalToFunc(marshalRaw),
			json.MarshalToFunc(marshalFloat64),
			json.MarshalToFunc(marshalFloat32),
		)),
	)
	return m
}

// marshalBytes writes a []byte as the next placeholder and records the
// bytes as an attachment of the packet.
func (m *argMarshaler) marshalBytes(enc *jsontext.Encoder, b []byte) error {
	n := len(m.p.Attachments)
	if b == nil {
		b = []byte{}
	}
	m.p.Attachments = append(m.p.Attachments, b)
	return writePlaceholder(enc, n)
}

func writePlaceholder(enc *jsontext.Encoder, n int) error {
	for _, t := range [...]jsontext.Token{
		jsontext.BeginObject, jsontext.String("_placeholder"), jsontext.True,
		jsontext.String("num"), jsontext.Int(int64(n)), jsontext.EndObject,
	} {
		if err := enc.WriteToken(t); err != nil {
			return err
		}
	}
	return nil
}

// marshalRaw copies a Raw value through (compacted); a nil Raw is null.
func marshalRaw(enc *jsontext.Encoder, r Raw) error {
	if r == nil {
		return enc.WriteToken(jsontext.Null)
	}
	return enc.WriteValue(jsontext.Value(r))
}

// marshalFloat64 writes what JSON.stringify writes where it differs from the
// default: 0 for negative zero and null for NaN and the infinities.
func marshalFloat64(enc *jsontext.Encoder, f float64) error {
	switch {
	case f == 0:
		return enc.WriteToken(jsontext.Int(0))
	case math.IsNaN(f) || math.IsInf(f, 0):
		return enc.WriteToken(jsontext.Null)
	}
	return errors.ErrUnsupported // the default formatting matches Number::toString
}

func marshalFloat32(enc *jsontext.Encoder, f float32) error {
	return marshalFloat64(enc, float64(f))
}

// marshal encodes v for p, appending any []byte inside it to p.Attachments.
// On error the attachments are left as they were.
func marshal(p *Packet, v any) (Raw, error) {
	if r, ok := v.(Raw); ok {
		if err := validRaw(r); err != nil {
			return nil, err
		}
		return r, nil
	}
	m := marshalerPool.Get().(*argMarshaler)
	m.p = p
	n0 := len(p.Attachments)
	b, err := json.Marshal(v, m.opts)
	m.p = nil
	marshalerPool.Put(m)
	if err != nil {
		clear(p.Attachments[n0:])
		p.Attachments = p.Attachments[:n0]
		return nil, err
	}
	return Raw(b), nil
}

// validRaw checks that r is exactly one JSON value as the decoder accepts it.
func validRaw(r Raw) error {
	sc := scanner{data: r}
	sc.skipWS()
	_, err := sc.value()
	if err == nil {
		sc.skipWS()
		if sc.pos < len(r) {
			err = sc.syntaxErr("data after the value")
		}
	}
	if err != nil {
		return fmt.Errorf("socketio.Raw: %w", err)
	}
	return nil
}

// AppendArg implements Codec. v is marshaled with
// github.com/go-json-experiment/json (field names as that package maps them,
// map keys sorted, no HTML escaping); a []byte anywhere inside v becomes
// {"_placeholder":true,"num":N}, N counted from len(p.Attachments), and is
// appended to p.Attachments (referenced, not copied, until Encode). A Raw is
// checked and appended as it is.
func (jsonCodec) AppendArg(p *Packet, v any) error {
	r, err := marshal(p, v)
	if err != nil {
		return fmt.Errorf("codec: marshal argument %d: %w", len(p.Args), err)
	}
	p.Args = append(p.Args, r)
	return nil
}

// SetData implements Codec. Connect and ConnectError payloads cannot carry
// binary: a []byte inside v is an error, and so is a value the reference
// decoder would refuse (a Connect payload must be an object, a ConnectError
// payload an object or a string).
func (jsonCodec) SetData(p *Packet, v any) error {
	if v == nil {
		p.Data = nil
		return nil
	}
	var tmp Packet
	r, err := marshal(&tmp, v)
	if err != nil {
		return fmt.Errorf("codec: marshal %s data: %w", p.Type.lower(), err)
	}
	if len(tmp.Attachments) > 0 {
		return fmt.Errorf("codec: %s data cannot carry binary", p.Type.lower())
	}
	if p.Type == Connect || p.Type == ConnectError {
		if err := checkData(p.Type, r); err != nil {
			return err
		}
	}
	p.Data = r
	return nil
}

// argUnmarshaler holds the unmarshal options of one Unmarshal call.
type argUnmarshaler struct {
	attachments [][]byte
	opts        json.Options // with the hooks
	plain       json.Options // without the any hook, for its own use
}

var unmarshalerPool = sync.Pool{New: func() any { return newArgUnmarshaler() }}

// noAttachments serves packets without attachments; it is never modified.
var noAttachments = newArgUnmarshaler()

func newArgUnmarshaler() *argUnmarshaler {
	u := &argUnmarshaler{}
	base := json.JoinOptions(jsontext.AllowDuplicateNames(true))
	bytesHook := json.UnmarshalFromFunc(u.unmarshalBytes)
	rawHook := json.UnmarshalFromFunc(unmarshalRaw)
	u.plain = json.JoinOptions(base, json.WithUnmarshalers(json.JoinUnmarshalers(bytesHook, rawHook)))
	u.opts = json.JoinOptions(base, json.WithUnmarshalers(json.JoinUnmarshalers(
		bytesHook, rawHook, json.UnmarshalFromFunc(u.unmarshalAny))))
	return u
}

// ErrNotPlaceholder is the error Unmarshal reports (inside a
// *json.SemanticError) when a []byte target meets a JSON object that is not
// a binary placeholder.
var ErrNotPlaceholder = errors.New("object is not a binary placeholder")

// ErrBadPlaceholder is the error Unmarshal reports (inside a
// *json.SemanticError) when a placeholder's num names no attachment.
var ErrBadPlaceholder = errBadPlaceholder

// unmarshalBytes resolves a placeholder object into its attachment; strings
// (base64) and null take the default path.
func (u *argUnmarshaler) unmarshalBytes(dec *jsontext.Decoder, b *[]byte) error {
	if dec.PeekKind() != '{' {
		return errors.ErrUnsupported
	}
	val, err := dec.ReadValue()
	if err != nil {
		return err
	}
	isPH, num := scanPlaceholder(val)
	if !isPH {
		return ErrNotPlaceholder
	}
	i, ok := placeholderIndex(num, len(u.attachments))
	if !ok {
		return ErrBadPlaceholder
	}
	*b = u.attachments[i]
	return nil
}

// unmarshalAny decodes into an interface value and turns placeholder
// objects into []byte, as the reference reconstructor does for binary
// packets. Packets without attachments take the default path, so their
// placeholder-shaped objects stay maps, as they stay objects in JS.
func (u *argUnmarshaler) unmarshalAny(dec *jsontext.Decoder, v *any) error {
	if len(u.attachments) == 0 {
		return errors.ErrUnsupported
	}
	val, err := dec.ReadValue()
	if err != nil {
		return err
	}
	var x any
	if err := json.Unmarshal(val, &x, u.plain); err != nil {
		return err
	}
	if bytes.Contains(val, []byte("placeholder")) || bytes.IndexByte(val, '\\') >= 0 {
		if x, err = u.resolve(x); err != nil {
			return err
		}
	}
	*v = x
	return nil
}

func (u *argUnmarshaler) resolve(x any) (any, error) {
	switch x := x.(type) {
	case map[string]any:
		if ph, _ := x["_placeholder"].(bool); ph {
			num, ok := x["num"].(float64)
			if !ok || !(num >= 0 && num < float64(len(u.attachments))) || num != math.Trunc(num) {
				return nil, ErrBadPlaceholder
			}
			return u.attachments[int(num)], nil
		}
		for k, e := range x {
			r, err := u.resolve(e)
			if err != nil {
				return nil, err
			}
			x[k] = r
		}
	case []any:
		for i, e := range x {
			r, err := u.resolve(e)
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
	}
	return x, nil
}

// unmarshalRaw copies the JSON value as it is.
func unmarshalRaw(dec *jsontext.Decoder, r *Raw) error {
	val, err := dec.ReadValue()
	if err != nil {
		return err
	}
	*r = Raw(bytes.Clone(val))
	return nil
}

// scanPlaceholder reports whether obj (a valid JSON object) is a binary
// placeholder, that is its last "_placeholder" member is true, and returns
// the raw value of its last "num" member.
func scanPlaceholder(obj []byte) (isPH bool, num []byte) {
	sc := scanner{data: obj}
	sc.skipWS()
	if sc.pos >= len(obj) || obj[sc.pos] != '{' {
		return false, nil
	}
	sc.pos++
	for {
		sc.skipWS()
		if sc.pos >= len(obj) || obj[sc.pos] != '"' {
			return isPH, num // '}' or malformed
		}
		kstart := sc.pos
		escaped, err := sc.str()
		if err != nil {
			return false, nil
		}
		key := obj[kstart+1 : sc.pos-1]
		sc.skipWS()
		sc.pos++ // ':'
		sc.skipWS()
		vstart := sc.pos
		if _, err := sc.value(); err != nil {
			return false, nil
		}
		switch {
		case keyIs(key, escaped, "_placeholder"):
			isPH = string(obj[vstart:sc.pos]) == "true"
		case keyIs(key, escaped, "num"):
			num = obj[vstart:sc.pos]
		}
		sc.skipWS()
		if sc.pos < len(obj) && obj[sc.pos] == ',' {
			sc.pos++
		}
	}
}

// Unmarshal implements Codec. It decodes raw into v (a pointer) with
// github.com/go-json-experiment/json, allowing duplicate object names as
// JSON.parse does. A []byte target accepts a placeholder object, resolved
// from p.Attachments (the slice is shared, not copied), or a base64 string;
// an interface target receives []byte for each placeholder when p has
// attachments; a Raw target receives the value's JSON text. Type mismatches
// are reported as *json.SemanticError.
func (jsonCodec) Unmarshal(p *Packet, raw Raw, v any) error {
	var err error
	if len(p.Attachments) == 0 {
		err = json.Unmarshal(raw, v, noAttachments.opts)
	} else {
		u := unmarshalerPool.Get().(*argUnmarshaler)
		u.attachments = p.Attachments
		err = json.Unmarshal(raw, v, u.opts)
		u.attachments = nil
		unmarshalerPool.Put(u)
	}
	if err != nil {
		return fmt.Errorf("codec: unmarshal: %w", err)
	}
	return nil
}

package redisadapter

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
)

// Event arguments cross Redis as msgpack (broadcasts, acks of broadcasts)
// or JSON (server-side emits and their answers, socket data), while a
// namespace holds them raw in its own codec. These functions convert: raw
// when the formats match, otherwise through an ordered value tree
// (ordered.go) that keeps the order of object keys at every depth, as the
// Node adapter does (JavaScript objects keep insertion order). Numbers are
// float64 on the way, as in JavaScript.

var mp msgpack.Codec

// isMsgpack reports whether the namespace codec already is msgpack.
func isMsgpack(c socketio.Codec) bool { return c.Name() == "msgpack" }

// toWireArg converts raw (one of p's arguments, in codec c) to a msgpack
// value. With the JSON codec, placeholders become bin from p.Attachments and
// object keys keep their order.
func toWireArg(c socketio.Codec, p *socketio.Packet, raw socketio.Raw) (socketio.Raw, error) {
	if isMsgpack(c) {
		return raw, nil
	}
	var v any
	var err error
	if c.Name() == socketio.JSON.Name() {
		v, err = fromJSON(raw, attachmentsOf(p))
	} else { // another codec: its generic values (map keys sorted)
		err = c.Unmarshal(p, raw, &v)
	}
	if err != nil {
		return nil, err
	}
	var tmp socketio.Packet
	if err := mp.AppendArg(&tmp, v); err != nil {
		return nil, err
	}
	return tmp.Args[0], nil
}

// toWireArgs converts every argument of p to msgpack.
func toWireArgs(c socketio.Codec, p *socketio.Packet) ([]socketio.Raw, error) {
	if isMsgpack(c) {
		return p.Args, nil
	}
	out := make([]socketio.Raw, len(p.Args))
	for i, raw := range p.Args {
		w, err := toWireArg(c, p, raw)
		if err != nil {
			return nil, fmt.Errorf("arg %d: %w", i, err)
		}
		out[i] = w
	}
	return out, nil
}

// appendFromWire appends a normalized msgpack value to p's arguments in
// codec c. With the JSON codec, map keys keep their wire order, bin becomes
// an attachment, a timestamp its ISO string and numbers print as
// JSON.stringify prints them.
func appendFromWire(c socketio.Codec, p *socketio.Packet, raw socketio.Raw) error {
	if isMsgpack(c) {
		p.Args = append(p.Args, raw)
		return nil
	}
	if c.Name() != socketio.JSON.Name() { // another codec: generic values
		var v any
		if err := mp.Unmarshal(nil, raw, &v); err != nil {
			return err
		}
		return c.AppendArg(p, jsTree(v, false))
	}
	v, err := fromMsgpack(raw)
	if err != nil {
		return err
	}
	return c.AppendArg(p, jsTree(v, false))
}

// attachmentsOf returns p's attachments for fromJSON: nil when p has none,
// so that placeholder-shaped objects stay objects (as the JSON codec's
// Unmarshal leaves them in a packet without attachments).
func attachmentsOf(p *socketio.Packet) [][]byte {
	if len(p.Attachments) == 0 {
		return nil
	}
	return p.Attachments
}

// normalize validates a msgpack value written by notepack (or anyone) and
// returns it in the form the msgpack codec holds arguments (undefined as
// nil, Date as timestamp...).
func normalize(raw []byte) (socketio.Raw, error) {
	var out socketio.Raw
	if err := mp.Unmarshal(nil, raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// wirePacket encodes the Socket.IO packet object that travels in
// broadcasts: {type: 2, data: [event, ...args], nsp} in msgpack, without id.
func wirePacket(c socketio.Codec, p *socketio.Packet, nsp string) ([]byte, error) {
	args, err := toWireArgs(c, p)
	if err != nil {
		return nil, err
	}
	q := &socketio.Packet{Type: socketio.Event, Namespace: nsp, ID: socketio.NoID, Event: p.Event, Args: args}
	pkts, err := mp.Encode(q)
	if err != nil {
		return nil, err
	}
	return pkts[0].Data, nil
}

// packetFromWire decodes the packet object of a broadcast into an Event for
// namespace codec c. It must be an EVENT; an id is dropped.
func packetFromWire(c socketio.Codec, b []byte) (*socketio.Packet, error) {
	q, err := mp.NewDecoder(socketio.DecoderOptions{}).Decode(engineio.BinaryPacket(b))
	if err != nil {
		return nil, err
	}
	if q.Type != socketio.Event {
		return nil, fmt.Errorf("packet type %s, want EVENT", q.Type)
	}
	p := &socketio.Packet{Type: socketio.Event, Namespace: q.Namespace, ID: socketio.NoID, Event: q.Event}
	if isMsgpack(c) {
		p.Args = q.Args
		return p, nil
	}
	p.Args = make([]socketio.Raw, 0, len(q.Args))
	for i, raw := range q.Args {
		if err := appendFromWire(c, p, raw); err != nil {
			return nil, fmt.Errorf("arg %d: %w", i, err)
		}
	}
	return p, nil
}

// toJSON converts raw (one of p's arguments in codec c) to the JSON the Node
// adapter would produce with JSON.stringify: a Buffer becomes
// {"type":"Buffer","data":[...]}, a Date its ISO string; object keys keep
// their order.
func toJSON(c socketio.Codec, p *socketio.Packet, raw socketio.Raw) (json.RawMessage, error) {
	var v any
	var err error
	switch {
	case c.Name() == socketio.JSON.Name() && len(p.Attachments) == 0:
		return json.RawMessage(raw), nil
	case c.Name() == socketio.JSON.Name():
		v, err = fromJSON(raw, p.Attachments)
	case isMsgpack(c):
		v, err = fromMsgpack(raw)
	default: // another codec: its generic values (map keys sorted)
		err = c.Unmarshal(p, raw, &v)
	}
	if err != nil {
		return nil, err
	}
	b, err := jsonv2.Marshal(jsTree(v, true), stringifyOptions)
	return json.RawMessage(b), err
}

// appendFromJSON appends a JSON value to p's arguments in codec c.
func appendFromJSON(c socketio.Codec, p *socketio.Packet, raw json.RawMessage) error {
	if c.Name() == socketio.JSON.Name() {
		return c.AppendArg(p, socketio.Raw(raw))
	}
	v, err := fromJSON(raw, nil)
	if err != nil {
		return err
	}
	return c.AppendArg(p, v)
}

// stringifyOptions write JSON as JSON.stringify does: no HTML escaping, 0
// for negative zero, null for NaN and the infinities (and Go maps, from
// codecs other than JSON and msgpack, with sorted keys).
var stringifyOptions = jsonv2.JoinOptions(
	jsonv2.Deterministic(true),
	jsontext.EscapeForHTML(false),
	jsontext.EscapeForJS(false),
	jsonv2.WithMarshalers(jsonv2.MarshalToFunc(func(enc *jsontext.Encoder, f float64) error {
		switch {
		case f == 0:
			return enc.WriteToken(jsontext.Int(0))
		case math.IsNaN(f) || math.IsInf(f, 0):
			return enc.WriteToken(jsontext.Null)
		}
		return errors.ErrUnsupported
	})),
)

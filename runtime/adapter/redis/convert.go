package redisadapter

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
)

// Event arguments cross Redis as msgpack (broadcasts, acks of broadcasts)
// or JSON (server-side emits and their answers, socket data), while a
// namespace holds them raw in its own codec. These functions convert: raw
// when the formats match, through generic Go values otherwise (which keeps
// values but not the order of object keys, written sorted).

var mp msgpack.Codec

// isMsgpack reports whether the namespace codec already is msgpack.
func isMsgpack(c socketio.Codec) bool { return c.Name() == "msgpack" }

// toWireArg converts raw (one of p's arguments, in codec c) to a msgpack
// value.
func toWireArg(c socketio.Codec, p *socketio.Packet, raw socketio.Raw) (socketio.Raw, error) {
	if isMsgpack(c) {
		return raw, nil
	}
	var v any
	if err := c.Unmarshal(p, raw, &v); err != nil {
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
// codec c.
func appendFromWire(c socketio.Codec, p *socketio.Packet, raw socketio.Raw) error {
	if isMsgpack(c) {
		p.Args = append(p.Args, raw)
		return nil
	}
	var v any
	if err := mp.Unmarshal(nil, raw, &v); err != nil {
		return err
	}
	return c.AppendArg(p, jsValues(v, false))
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
// {"type":"Buffer","data":[...]}, a Date its ISO string.
func toJSON(c socketio.Codec, p *socketio.Packet, raw socketio.Raw) (json.RawMessage, error) {
	if c.Name() == socketio.JSON.Name() && len(p.Attachments) == 0 {
		return json.RawMessage(raw), nil
	}
	var v any
	if err := c.Unmarshal(p, raw, &v); err != nil {
		return nil, err
	}
	return json.Marshal(jsValues(v, true))
}

// appendFromJSON appends a JSON value to p's arguments in codec c.
func appendFromJSON(c socketio.Codec, p *socketio.Packet, raw json.RawMessage) error {
	if c.Name() == socketio.JSON.Name() {
		return c.AppendArg(p, socketio.Raw(raw))
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	return c.AppendArg(p, v)
}

// jsValues rewrites what JSON cannot carry the way JavaScript would:
// time.Time becomes its ISO string and, when buffers is set, []byte a
// Buffer's toJSON form.
func jsValues(v any, buffers bool) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z")
	case []byte:
		if !buffers {
			return x
		}
		data := make([]int, len(x))
		for i, b := range x {
			data[i] = int(b)
		}
		return map[string]any{"type": "Buffer", "data": data}
	case []any:
		for i, e := range x {
			x[i] = jsValues(e, buffers)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = jsValues(e, buffers)
		}
	}
	return v
}

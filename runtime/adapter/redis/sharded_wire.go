package redisadapter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
)

// clusterType is the "type" of a message of the sharded adapter
// (MessageType of socket.io-adapter's ClusterAdapter).
type clusterType int

const (
	ctInitialHeartbeat     clusterType = 1 // heartbeat adapters only: ignored
	ctHeartbeat            clusterType = 2 // heartbeat adapters only: ignored
	ctBroadcast            clusterType = 3 // with data.requestId: a broadcast with acks
	ctSocketsJoin          clusterType = 4
	ctSocketsLeave         clusterType = 5
	ctDisconnectSockets    clusterType = 6
	ctFetchSockets         clusterType = 7
	ctFetchSocketsResponse clusterType = 8
	ctServerSideEmit       clusterType = 9
	ctServerSideEmitResp   clusterType = 10
	ctBroadcastClientCount clusterType = 11
	ctBroadcastAck         clusterType = 12
	ctAdapterClose         clusterType = 13 // heartbeat adapters only: ignored
)

// isResponse reports whether t answers a request.
func (t clusterType) isResponse() bool {
	switch t {
	case ctFetchSocketsResponse, ctServerSideEmitResp, ctBroadcastClientCount, ctBroadcastAck:
		return true
	}
	return false
}

// clusterMsg is a decoded message of the sharded adapter,
// {uid, nsp, type, data}, data's members flattened. Packet and Sockets are
// raw values in the message's format: JSON when JSON is set, msgpack
// otherwise.
type clusterMsg struct {
	UID     string
	Nsp     string
	HasNsp  bool
	Type    clusterType
	HasType bool
	JSON    bool

	RequestID    string
	HasRequestID bool
	// Packet is the Socket.IO packet object of a BROADCAST, the
	// [event, ...args] array of a SERVER_SIDE_EMIT, or the ack value of
	// a BROADCAST_ACK or SERVER_SIDE_EMIT_RESPONSE.
	Packet      []byte
	HasPacket   bool
	Opts        adapter.BroadcastOptions
	HasOpts     bool
	Rooms       []string
	Close       bool
	ClientCount int64
	Sockets     []byte
}

// jsonClusterMsg is the JSON form of clusterMsg; pointers tell absent
// members.
type jsonClusterMsg struct {
	UID  *string `json:"uid"`
	Nsp  *string `json:"nsp"`
	Type *int    `json:"type"`
	Data *struct {
		RequestID   *string         `json:"requestId"`
		Packet      json.RawMessage `json:"packet"`
		Opts        *jsonShardOpts  `json:"opts"`
		Rooms       []room          `json:"rooms"`
		Close       *bool           `json:"close"`
		ClientCount *float64        `json:"clientCount"`
		Sockets     json.RawMessage `json:"sockets"`
	} `json:"data"`
}

// jsonShardOpts is BroadcastOptions in a JSON message: {rooms, except,
// flags}, flags as the Node server's flags object (only the members set).
type jsonShardOpts struct {
	Rooms  []room         `json:"rooms"`
	Except []room         `json:"except"`
	Flags  *jsonShardFlag `json:"flags,omitempty"`
}

type jsonShardFlag struct {
	Volatile *bool    `json:"volatile,omitempty"`
	Compress *bool    `json:"compress,omitempty"`
	Local    *bool    `json:"local,omitempty"`
	Timeout  *float64 `json:"timeout,omitempty"`
}

func newJSONShardOpts(o adapter.BroadcastOptions) jsonShardOpts {
	j := jsonShardOpts{Rooms: make([]room, len(o.Rooms)), Except: make([]room, len(o.Except)), Flags: &jsonShardFlag{}}
	for i, r := range o.Rooms {
		j.Rooms[i] = room(r)
	}
	for i, r := range o.Except {
		j.Except[i] = room(r)
	}
	t, f := true, false
	if o.Flags.Volatile {
		j.Flags.Volatile = &t
	}
	if o.Flags.NoCompress {
		j.Flags.Compress = &f
	}
	if o.Flags.Local {
		j.Flags.Local = &t
	}
	if o.Flags.Timeout > 0 {
		ms := float64(o.Flags.Timeout.Milliseconds())
		j.Flags.Timeout = &ms
	}
	return j
}

func (j *jsonShardOpts) options() adapter.BroadcastOptions {
	o := adapter.BroadcastOptions{Rooms: roomStrings(j.Rooms), Except: roomStrings(j.Except)}
	if f := j.Flags; f != nil {
		o.Flags.Volatile = f.Volatile != nil && *f.Volatile
		o.Flags.NoCompress = f.Compress != nil && !*f.Compress
		o.Flags.Local = f.Local != nil && *f.Local
		if f.Timeout != nil && *f.Timeout > 0 && *f.Timeout < 1<<40 {
			o.Flags.Timeout = time.Duration(*f.Timeout) * time.Millisecond
		}
	}
	return o
}

// decodeClusterMsg decodes a message of the sharded adapter: JSON when it
// starts with "{", msgpack (notepack) otherwise, as the reference decides.
func decodeClusterMsg(b []byte) (*clusterMsg, error) {
	if len(b) > 0 && b[0] == '{' {
		return decodeClusterJSON(b)
	}
	return decodeClusterMsgpack(b)
}

func decodeClusterJSON(b []byte) (*clusterMsg, error) {
	var j jsonClusterMsg
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("json message: %w", err)
	}
	m := &clusterMsg{JSON: true}
	if j.UID != nil {
		m.UID = *j.UID
	}
	if j.Nsp != nil {
		m.Nsp, m.HasNsp = *j.Nsp, true
	}
	if j.Type != nil {
		m.Type, m.HasType = clusterType(*j.Type), true
	}
	d := j.Data
	if d == nil {
		return m, nil
	}
	if d.RequestID != nil {
		m.RequestID, m.HasRequestID = *d.RequestID, true
	}
	if d.Packet != nil {
		m.Packet, m.HasPacket = d.Packet, true
	}
	if d.Opts != nil {
		m.Opts, m.HasOpts = d.Opts.options(), true
	}
	m.Rooms = roomStrings(d.Rooms)
	if d.Close != nil {
		m.Close = *d.Close
	}
	if d.ClientCount != nil {
		c := *d.ClientCount
		if c < 0 || c > 1<<31 || c != float64(int64(c)) {
			return nil, fmt.Errorf("json message: invalid clientCount %v", c)
		}
		m.ClientCount = int64(c)
	}
	if d.Sockets != nil {
		m.Sockets = d.Sockets
	}
	return m, nil
}

func decodeClusterMsgpack(b []byte) (*clusterMsg, error) {
	r := &mpReader{b: b}
	n, err := r.mapLen()
	if err != nil {
		return nil, fmt.Errorf("msgpack message: %w", err)
	}
	m := new(clusterMsg)
	for range n {
		key, err := r.str()
		if err != nil {
			return nil, fmt.Errorf("msgpack message key: %w", err)
		}
		if r.isNil() {
			if err := r.skip(0); err != nil {
				return nil, err
			}
			continue
		}
		switch key {
		case "uid":
			m.UID, err = r.str()
		case "nsp":
			m.Nsp, err = r.str()
			m.HasNsp = true
		case "type":
			var t int64
			t, err = r.int()
			m.Type, m.HasType = clusterType(t), true
		case "data":
			err = decodeClusterData(r, m)
		default:
			err = r.skip(0)
		}
		if err != nil {
			return nil, fmt.Errorf("msgpack message %s: %w", key, err)
		}
	}
	if r.pos != len(b) {
		return nil, fmt.Errorf("msgpack message: %d trailing bytes", len(b)-r.pos)
	}
	return m, nil
}

// decodeClusterData reads the data map of a msgpack message into m.
func decodeClusterData(r *mpReader, m *clusterMsg) error {
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	for range n {
		key, err := r.str()
		if err != nil {
			return fmt.Errorf("key: %w", err)
		}
		if r.isNil() && key != "packet" {
			if err := r.skip(0); err != nil {
				return err
			}
			continue
		}
		switch key {
		case "requestId":
			m.RequestID, err = r.str()
			m.HasRequestID = true
		case "packet":
			m.Packet, err = r.raw()
			m.HasPacket = true
		case "opts":
			m.Opts, err = readOpts(r)
			m.HasOpts = true
		case "rooms":
			m.Rooms, err = readRooms(r)
		case "close":
			m.Close, err = r.bool()
		case "clientCount":
			m.ClientCount, err = r.int()
			if err == nil && (m.ClientCount < 0 || m.ClientCount > 1<<31) {
				err = errors.New("out of range")
			}
		case "sockets":
			m.Sockets, err = r.raw()
		default:
			err = r.skip(0)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// field is one member of a message's data, its value already encoded in
// the message's format.
type field struct {
	key string
	val []byte
}

// encodeClusterJSON writes {uid, nsp, type, data} as JSON, data holding
// fields in order (their values JSON).
func encodeClusterJSON(uid, nsp string, t clusterType, fields ...field) []byte {
	b := make([]byte, 0, 128)
	b = append(b, `{"uid":`...)
	b = strconv.AppendQuote(b, uid) // uids are ASCII alphanumerics
	b = append(b, `,"nsp":`...)
	q, _ := json.Marshal(nsp)
	b = append(b, q...)
	b = append(b, `,"type":`...)
	b = strconv.AppendInt(b, int64(t), 10)
	b = append(b, `,"data":{`...)
	for i, m := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, m.key) // our own ASCII keys
		b = append(b, ':')
		b = append(b, m.val...)
	}
	return append(b, "}}"...)
}

// encodeClusterMsgpack writes {uid, nsp, type, data} as msgpack, data
// holding members in order (their values msgpack).
func encodeClusterMsgpack(uid, nsp string, t clusterType, fields ...field) []byte {
	size := 64
	for _, m := range fields {
		size += len(m.key) + len(m.val) + 2
	}
	b := make([]byte, 0, size)
	b = appendMapHeader(b, 4)
	b = appendStr(appendStr(b, "uid"), uid)
	b = appendStr(appendStr(b, "nsp"), nsp)
	b = appendInt(appendStr(b, "type"), int64(t))
	b = appendMapHeader(appendStr(b, "data"), len(fields))
	for _, m := range fields {
		b = append(appendStr(b, m.key), m.val...)
	}
	return b
}

// jsonValue marshals v (of our own types: it cannot fail).
func jsonValue(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("redisadapter: marshal %T: %v", v, err))
	}
	return b
}

// plainJSON reports whether p's arguments can travel as JSON as they are:
// the namespace codec is JSON and p has no binary attachment. Otherwise a
// message carrying them is msgpack, as the reference sends a message with
// binary.
func plainJSON(c socketio.Codec, p *socketio.Packet) bool {
	return c.Name() == socketio.JSON.Name() && len(p.Attachments) == 0
}

// jsonEventPacket writes the JSON packet object {type: 2, data: [event,
// ...args], nsp} of a broadcast; p's arguments must be plain JSON.
func jsonEventPacket(p *socketio.Packet, nsp string) []byte {
	b := append([]byte(nil), `{"type":2,"data":`...)
	b = jsonEventArray(b, p)
	b = append(b, `,"nsp":`...)
	b = append(b, jsonValue(nsp)...)
	return append(b, '}')
}

// jsonEventArray appends [event, ...args] (args raw JSON).
func jsonEventArray(b []byte, p *socketio.Packet) []byte {
	b = append(b, '[')
	b = append(b, jsonValue(p.Event)...)
	for _, a := range p.Args {
		b = append(b, ',')
		b = append(b, a...)
	}
	return append(b, ']')
}

// mpEventArray writes [event, ...args] in msgpack, converting the
// arguments from codec c.
func mpEventArray(c socketio.Codec, p *socketio.Packet) ([]byte, error) {
	args, err := toWireArgs(c, p)
	if err != nil {
		return nil, err
	}
	b := appendArrayHeader(nil, 1+len(args))
	b = appendStr(b, p.Event)
	for _, a := range args {
		b = append(b, a...)
	}
	return b, nil
}

// packetFromJSON decodes the JSON packet object of a broadcast into an
// Event for codec c. It must be an EVENT whose first datum (the event
// name) is a string or a number; an id is dropped. The Node server
// publishes the packet before its in-memory adapter sets nsp: without
// one, the packet is of namespace nsp (the message's).
func packetFromJSON(c socketio.Codec, nsp string, raw []byte) (*socketio.Packet, error) {
	var q struct {
		Type *int              `json:"type"`
		Data []json.RawMessage `json:"data"`
		Nsp  *string           `json:"nsp"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, fmt.Errorf("packet: %w", err)
	}
	if q.Type == nil || *q.Type != int(socketio.Event) {
		return nil, errors.New("packet: not an EVENT")
	}
	if q.Nsp != nil {
		nsp = *q.Nsp
	}
	return eventFromJSON(c, nsp, q.Data)
}

// packetFromMsgpack is packetFromJSON for a msgpack packet object.
func packetFromMsgpack(c socketio.Codec, nsp string, b []byte) (*socketio.Packet, error) {
	r := &mpReader{b: b}
	n, err := r.mapLen()
	if err != nil {
		return nil, fmt.Errorf("packet: %w", err)
	}
	var data []byte
	isEvent := false
	for range n {
		key, err := r.str()
		if err != nil {
			return nil, fmt.Errorf("packet key: %w", err)
		}
		if r.isNil() {
			if err := r.skip(0); err != nil {
				return nil, err
			}
			continue
		}
		switch key {
		case "type":
			var t int64
			t, err = r.int()
			isEvent = t == int64(socketio.Event)
		case "data":
			data, err = r.raw()
		case "nsp":
			nsp, err = r.str()
		default:
			err = r.skip(0)
		}
		if err != nil {
			return nil, fmt.Errorf("packet %s: %w", key, err)
		}
	}
	if r.pos != len(b) {
		return nil, errors.New("packet: trailing bytes")
	}
	if !isEvent {
		return nil, errors.New("packet: not an EVENT")
	}
	if data == nil {
		return nil, errors.New("packet: no data")
	}
	return eventFromMsgpack(c, nsp, data)
}

// eventFromJSON builds an Event of namespace nsp from [event, ...args].
func eventFromJSON(c socketio.Codec, nsp string, data []json.RawMessage) (*socketio.Packet, error) {
	if len(data) == 0 {
		return nil, errors.New("event without name")
	}
	var ev room
	if err := ev.UnmarshalJSON(data[0]); err != nil {
		return nil, fmt.Errorf("event name: %w", err)
	}
	p := &socketio.Packet{Type: socketio.Event, Namespace: nsp, ID: socketio.NoID, Event: string(ev)}
	p.Args = make([]socketio.Raw, 0, len(data)-1)
	for i, raw := range data[1:] {
		if err := appendFromJSON(c, p, raw); err != nil {
			return nil, fmt.Errorf("arg %d: %w", i, err)
		}
	}
	return p, nil
}

// eventFromMsgpack builds an Event of namespace nsp from the msgpack array
// [event, ...args].
func eventFromMsgpack(c socketio.Codec, nsp string, b []byte) (*socketio.Packet, error) {
	r := &mpReader{b: b}
	n, err := r.arrayLen()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("event without name")
	}
	ev, err := r.str()
	if err != nil {
		return nil, fmt.Errorf("event name: %w", err)
	}
	p := &socketio.Packet{Type: socketio.Event, Namespace: nsp, ID: socketio.NoID, Event: ev}
	for i := range n - 1 {
		raw, err := r.raw()
		if err != nil {
			return nil, fmt.Errorf("arg %d: %w", i, err)
		}
		if err := appendValue(c, p, raw, false); err != nil {
			return nil, fmt.Errorf("arg %d: %w", i, err)
		}
	}
	if r.pos != len(b) {
		return nil, errors.New("trailing bytes after the event")
	}
	return p, nil
}

// appendValue appends one value of a message (JSON or msgpack) to p's
// arguments in codec c.
func appendValue(c socketio.Codec, p *socketio.Packet, raw []byte, isJSON bool) error {
	if isJSON {
		return appendFromJSON(c, p, raw)
	}
	v, err := normalize(raw)
	if err != nil {
		return err
	}
	return appendFromWire(c, p, v)
}

// socketsFromWire decodes the sockets of a FETCH_SOCKETS_RESPONSE, JSON or
// msgpack (binary socket data arrives as {"type":"Buffer","data":[...]}).
func socketsFromWire(raw []byte, isJSON bool) ([]adapter.SocketDetails, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if !isJSON {
		v, err := fromMsgpack(raw)
		if err != nil {
			return nil, err
		}
		if raw, err = jsonv2.Marshal(jsTree(v, true), stringifyOptions); err != nil {
			return nil, err
		}
	}
	var sockets []wireSocket
	if err := json.Unmarshal(raw, &sockets); err != nil {
		return nil, err
	}
	out := make([]adapter.SocketDetails, 0, len(sockets))
	for _, ws := range sockets {
		d, err := fromWireSocket(ws)
		if err != nil {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

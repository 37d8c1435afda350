package redisadapter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/siogen/sio/runtime/adapter"
)

// requestType is the "type" of a request or response between servers
// (RequestType in @socket.io/redis-adapter's lib/index.ts).
type requestType int

const (
	reqSockets          requestType = 0 // legacy: only answered
	reqAllRooms         requestType = 1 // only answered
	reqRemoteJoin       requestType = 2
	reqRemoteLeave      requestType = 3
	reqRemoteDisconnect requestType = 4
	reqRemoteFetch      requestType = 5
	reqServerSideEmit   requestType = 6
	reqBroadcast        requestType = 7 // broadcast with acks (msgpack)
	reqBroadcastCount   requestType = 8 // response: one server's client count
	reqBroadcastAck     requestType = 9 // response: one client's ack (msgpack)
)

// room is a room name as it may appear on the wire: a string, or a number
// (JavaScript rooms may be numbers), held in its decimal form.
type room string

// UnmarshalJSON accepts a string or a number.
func (r *room) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = room(s)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("room: want a string or a number, found %.20s", b)
	}
	*r = room(strconv.FormatFloat(f, 'f', -1, 64))
	return nil
}

func roomStrings(rs []room) []string {
	if rs == nil {
		return nil
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// wireOpts is BroadcastOptions on the wire: {rooms, except, flags}.
type wireOpts struct {
	Rooms  []room         `json:"rooms"`
	Except []room         `json:"except"`
	Flags  map[string]any `json:"flags,omitempty"`
}

func (o *wireOpts) options() adapter.BroadcastOptions {
	if o == nil {
		return adapter.BroadcastOptions{}
	}
	return adapter.BroadcastOptions{Rooms: roomStrings(o.Rooms), Except: roomStrings(o.Except)}
}

// jsonOpts is the opts member of the JSON requests (rooms and except only,
// as the reference sends them).
type jsonOpts struct {
	Rooms  []string `json:"rooms"`
	Except []string `json:"except"`
}

func newJSONOpts(o adapter.BroadcastOptions) jsonOpts {
	return jsonOpts{Rooms: nonNil(o.Rooms), Except: nonNil(o.Except)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// appendOpts writes opts as the msgpack map {rooms, except, flags}, the
// flags holding only what is set (volatile, compress:false, local, timeout
// in milliseconds), as the Node server's flags object does.
func appendOpts(dst []byte, o adapter.BroadcastOptions) []byte {
	dst = appendMapHeader(dst, 3)
	dst = appendStr(dst, "rooms")
	dst = appendStrArray(dst, o.Rooms)
	dst = appendStr(dst, "except")
	dst = appendStrArray(dst, o.Except)
	dst = appendStr(dst, "flags")
	f := o.Flags
	n := 0
	for _, set := range []bool{f.Volatile, f.NoCompress, f.Local, f.Timeout > 0} {
		if set {
			n++
		}
	}
	dst = appendMapHeader(dst, n)
	if f.Volatile {
		dst = appendBool(appendStr(dst, "volatile"), true)
	}
	if f.NoCompress {
		dst = appendBool(appendStr(dst, "compress"), false)
	}
	if f.Local {
		dst = appendBool(appendStr(dst, "local"), true)
	}
	if f.Timeout > 0 {
		dst = appendInt(appendStr(dst, "timeout"), f.Timeout.Milliseconds())
	}
	return dst
}

// readOpts reads the msgpack map {rooms, except, flags}. Unknown keys and
// unknown flags are skipped; volatile and compress are honoured.
func readOpts(r *mpReader) (adapter.BroadcastOptions, error) {
	var o adapter.BroadcastOptions
	n, err := r.mapLen()
	if err != nil {
		return o, fmt.Errorf("opts: %w", err)
	}
	for range n {
		key, err := r.str()
		if err != nil {
			return o, fmt.Errorf("opts key: %w", err)
		}
		switch key {
		case "rooms":
			o.Rooms, err = readRooms(r)
		case "except":
			o.Except, err = readRooms(r)
		case "flags":
			o.Flags, err = readFlags(r)
		default:
			err = r.skip(0)
		}
		if err != nil {
			return o, fmt.Errorf("opts %s: %w", key, err)
		}
	}
	return o, nil
}

// readRooms reads an array of rooms (strings or numbers), or nil/undefined.
func readRooms(r *mpReader) ([]string, error) {
	if r.isNil() {
		return nil, r.skip(0)
	}
	n, err := r.arrayLen()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for range n {
		c, err := r.peek()
		if err != nil {
			return nil, err
		}
		if c >= 0xa0 && c <= 0xbf || c >= 0xd9 && c <= 0xdb {
			s, err := r.str()
			if err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		f, _, err := r.number()
		if err != nil {
			return nil, fmt.Errorf("room: %w", err)
		}
		out = append(out, strconv.FormatFloat(f, 'f', -1, 64))
	}
	return out, nil
}

func readFlags(r *mpReader) (adapter.BroadcastFlags, error) {
	var f adapter.BroadcastFlags
	if r.isNil() {
		return f, r.skip(0)
	}
	n, err := r.mapLen()
	if err != nil {
		return f, err
	}
	for range n {
		key, err := r.str()
		if err != nil {
			return f, err
		}
		if r.isNil() {
			if err := r.skip(0); err != nil {
				return f, err
			}
			continue
		}
		switch key {
		case "volatile":
			f.Volatile, err = r.bool()
		case "compress":
			var c bool
			c, err = r.bool()
			f.NoCompress = !c
		case "local":
			f.Local, err = r.bool()
		case "timeout":
			var ms int64
			if ms, err = r.int(); err == nil && ms > 0 {
				f.Timeout = time.Duration(ms) * time.Millisecond
			}
		default:
			err = r.skip(0)
		}
		if err != nil {
			return f, fmt.Errorf("flag %s: %w", key, err)
		}
	}
	return f, nil
}

// encodeBroadcast builds the message published on the broadcast channel:
// msgpack [uid, packet, opts], packet being the msgpack map of the
// Socket.IO packet object.
func encodeBroadcast(uid string, packet []byte, opts adapter.BroadcastOptions) []byte {
	b := make([]byte, 0, len(packet)+len(uid)+64)
	b = appendArrayHeader(b, 3)
	b = appendStr(b, uid)
	b = append(b, packet...)
	return appendOpts(b, opts)
}

// broadcastMsg is a decoded broadcast message.
type broadcastMsg struct {
	uid    string
	packet []byte // the packet object, raw msgpack (aliases the message)
	opts   adapter.BroadcastOptions
}

// decodeBroadcast decodes [uid, packet, opts]. Extra elements are ignored,
// as destructuring in JavaScript ignores them.
func decodeBroadcast(b []byte) (broadcastMsg, error) {
	var m broadcastMsg
	r := &mpReader{b: b}
	n, err := r.arrayLen()
	if err != nil {
		return m, fmt.Errorf("broadcast: %w", err)
	}
	if n < 3 {
		return m, fmt.Errorf("broadcast: %d elements, want 3", n)
	}
	if m.uid, err = r.str(); err != nil {
		return m, fmt.Errorf("broadcast uid: %w", err)
	}
	if m.packet, err = r.raw(); err != nil {
		return m, fmt.Errorf("broadcast packet: %w", err)
	}
	if m.opts, err = readOpts(r); err != nil {
		return m, fmt.Errorf("broadcast: %w", err)
	}
	if err := r.skipN(n-3, 1); err != nil {
		return m, fmt.Errorf("broadcast: %w", err)
	}
	if r.pos != len(b) {
		return m, fmt.Errorf("broadcast: %d trailing bytes", len(b)-r.pos)
	}
	return m, nil
}

// message is a decoded request or response, JSON or msgpack: the union of
// the members the reference adapter sends.
type message struct {
	UID       string
	RequestID string
	Type      requestType
	HasType   bool

	Rooms   []string // SOCKETS, REMOTE_JOIN/LEAVE, ALL_ROOMS response
	Opts    adapter.BroadcastOptions
	HasOpts bool
	Close   bool

	SID  string // legacy per-socket requests
	Room string

	Data    []json.RawMessage // SERVER_SIDE_EMIT request: [event, ...args]
	AckData json.RawMessage   // SERVER_SIDE_EMIT response: the first ack argument
	Sockets json.RawMessage   // SOCKETS / REMOTE_FETCH response

	ClientCount int64

	Packet    []byte // msgpack: BROADCAST request packet, BROADCAST_ACK value
	HasPacket bool
}

// jsonMessage is the JSON form of message; pointers tell absent members.
type jsonMessage struct {
	UID         *string         `json:"uid"`
	RequestID   *string         `json:"requestId"`
	Type        *int            `json:"type"`
	Rooms       []room          `json:"rooms"`
	Opts        *wireOpts       `json:"opts"`
	Close       *bool           `json:"close"`
	SID         *string         `json:"sid"`
	Room        *room           `json:"room"`
	Data        json.RawMessage `json:"data"`
	Sockets     json.RawMessage `json:"sockets"`
	ClientCount *float64        `json:"clientCount"`
}

// decodeMessage decodes a request or a response: JSON when it starts with
// "{", msgpack otherwise (as the reference decides).
func decodeMessage(b []byte) (*message, error) {
	if len(b) > 0 && b[0] == '{' {
		return decodeJSONMessage(b)
	}
	return decodeMsgpackMessage(b)
}

func decodeJSONMessage(b []byte) (*message, error) {
	var j jsonMessage
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("json message: %w", err)
	}
	m := &message{Rooms: roomStrings(j.Rooms), Sockets: j.Sockets}
	if j.Opts != nil {
		m.Opts, m.HasOpts = j.Opts.options(), true
	}
	if j.UID != nil {
		m.UID = *j.UID
	}
	if j.RequestID != nil {
		m.RequestID = *j.RequestID
	}
	if j.Type != nil {
		m.Type, m.HasType = requestType(*j.Type), true
	}
	if j.Close != nil {
		m.Close = *j.Close
	}
	if j.SID != nil {
		m.SID = *j.SID
	}
	if j.Room != nil {
		m.Room = string(*j.Room)
	}
	if j.ClientCount != nil {
		c := *j.ClientCount
		if c < 0 || c > 1<<31 || c != float64(int64(c)) {
			return nil, fmt.Errorf("json message: invalid clientCount %v", c)
		}
		m.ClientCount = int64(c)
	}
	if len(j.Data) > 0 {
		if j.Data[0] == '[' {
			if err := json.Unmarshal(j.Data, &m.Data); err != nil {
				return nil, fmt.Errorf("json message data: %w", err)
			}
		}
		m.AckData = j.Data
	}
	return m, nil
}

func decodeMsgpackMessage(b []byte) (*message, error) {
	r := &mpReader{b: b}
	n, err := r.mapLen()
	if err != nil {
		return nil, fmt.Errorf("msgpack message: %w", err)
	}
	m := new(message)
	for range n {
		key, err := r.str()
		if err != nil {
			return nil, fmt.Errorf("msgpack message key: %w", err)
		}
		if r.isNil() && key != "packet" {
			if err := r.skip(0); err != nil {
				return nil, err
			}
			continue
		}
		switch key {
		case "uid":
			m.UID, err = r.str()
		case "requestId":
			m.RequestID, err = r.str()
		case "type":
			var t int64
			t, err = r.int()
			m.Type, m.HasType = requestType(t), true
		case "packet":
			m.HasPacket = !r.isNil()
			m.Packet, err = r.raw()
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

// encodeBroadcastRequest builds the msgpack BROADCAST request (broadcast
// with acks): {uid, requestId, type: 7, packet, opts}.
func encodeBroadcastRequest(uid, requestID string, packet []byte, opts adapter.BroadcastOptions) []byte {
	b := make([]byte, 0, len(packet)+64)
	b = appendMapHeader(b, 5)
	b = appendStr(appendStr(b, "uid"), uid)
	b = appendStr(appendStr(b, "requestId"), requestID)
	b = appendInt(appendStr(b, "type"), int64(reqBroadcast))
	b = append(appendStr(b, "packet"), packet...)
	b = appendOpts(appendStr(b, "opts"), opts)
	return b
}

// encodeBroadcastAck builds the msgpack BROADCAST_ACK response
// {type: 9, requestId, packet}; a nil value (an ack without arguments)
// leaves packet out, as notepack leaves out an undefined member.
func encodeBroadcastAck(requestID string, value []byte) []byte {
	b := make([]byte, 0, len(value)+32)
	n := 2
	if value != nil {
		n = 3
	}
	b = appendMapHeader(b, n)
	b = appendInt(appendStr(b, "type"), int64(reqBroadcastAck))
	b = appendStr(appendStr(b, "requestId"), requestID)
	if value != nil {
		b = append(appendStr(b, "packet"), value...)
	}
	return b
}

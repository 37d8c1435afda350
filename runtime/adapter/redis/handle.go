package redisadapter

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/goid"
	"github.com/siogen/sio/runtime/adapter"
)

// onBroadcast handles a message on the broadcast channels: it delivers the
// packet to the local sockets the options select.
func (a *Adapter) onBroadcast(channel string, payload []byte) {
	if !strings.HasPrefix(channel, a.channel) {
		a.log.Debug("redis adapter: ignore broadcast on another channel", "channel", channel)
		return
	}
	m, err := decodeBroadcast(payload)
	if err != nil {
		a.log.Debug("redis adapter: ignore malformed broadcast", "channel", channel, "err", err)
		return
	}
	if m.uid == a.uid {
		return
	}
	p, err := packetFromWire(a.codec, m.packet)
	if err != nil {
		a.log.Debug("redis adapter: ignore broadcast with a bad packet", "from", m.uid, "err", err)
		return
	}
	if p.Namespace != a.nsp.Name() {
		a.log.Debug("redis adapter: ignore broadcast for another namespace", "packetNsp", p.Namespace)
		return
	}
	opts := m.opts
	opts.Flags.Local = true
	if err := a.mem.Broadcast(p, opts); err != nil {
		a.log.Debug("redis adapter: deliver broadcast", "from", m.uid, "err", err)
	}
}

// mine reports whether m is a request of this adapter (which also receives
// its own requests).
func (a *Adapter) mine(m *message) bool {
	if m.UID == a.uid {
		return true
	}
	if m.RequestID == "" {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests[m.RequestID] != nil || a.acks[m.RequestID] != nil
}

// onRequest handles a request of another server.
func (a *Adapter) onRequest(payload []byte) {
	m, err := decodeMessage(payload)
	if err != nil {
		a.log.Debug("redis adapter: ignore malformed request", "err", err)
		return
	}
	if !m.HasType {
		a.log.Debug("redis adapter: ignore request without type")
		return
	}
	if a.mine(m) {
		return
	}
	ctx := context.Background()
	switch m.Type {
	case reqSockets:
		ids, _ := a.mem.Sockets(ctx, m.Rooms)
		a.respondJSON(m, map[string]any{"requestId": m.RequestID, "sockets": nonNil(ids)})
	case reqAllRooms:
		a.respondJSON(m, map[string]any{"requestId": m.RequestID, "rooms": nonNil(a.mem.Rooms())})
	case reqRemoteJoin, reqRemoteLeave, reqRemoteDisconnect:
		a.onRemoteSockets(m)
	case reqRemoteFetch:
		if !m.HasOpts {
			a.log.Debug("redis adapter: ignore fetch request without opts", "from", m.UID)
			return
		}
		ds, _ := a.mem.FetchSockets(ctx, m.Opts)
		sockets := make([]wireSocket, len(ds))
		for i, d := range ds {
			sockets[i] = toWireSocket(d)
		}
		a.respondJSON(m, map[string]any{"requestId": m.RequestID, "sockets": sockets})
	case reqServerSideEmit:
		a.onServerSideEmit(m)
	case reqBroadcast:
		a.onBroadcastWithAck(m)
	default:
		a.log.Debug("redis adapter: ignore request of unknown type", "type", m.Type, "from", m.UID)
	}
}

// respondJSON publishes a JSON answer to m.
func (a *Adapter) respondJSON(m *message, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		a.log.Debug("redis adapter: encode response", "err", err)
		return
	}
	a.publishResponse(m.UID, b)
}

// onRemoteSockets handles REMOTE_JOIN, REMOTE_LEAVE and REMOTE_DISCONNECT,
// in their current form (opts: no answer) and their legacy per-socket form
// (sid: answered with the request id).
func (a *Adapter) onRemoteSockets(m *message) {
	if m.HasOpts {
		switch m.Type {
		case reqRemoteJoin:
			_ = a.mem.AddSockets(m.Opts, m.Rooms)
		case reqRemoteLeave:
			_ = a.mem.DelSockets(m.Opts, m.Rooms)
		default:
			_ = a.mem.DisconnectSockets(m.Opts, m.Close)
		}
		return
	}
	s := a.nsp.Socket(m.SID)
	if s == nil {
		return
	}
	switch m.Type {
	case reqRemoteJoin:
		s.Join(m.Room)
	case reqRemoteLeave:
		s.Leave(m.Room)
	default:
		s.Disconnect(m.Close)
	}
	a.respondJSON(m, map[string]any{"requestId": m.RequestID})
}

// onServerSideEmit hands another server's event to the namespace, on the
// adapter's event goroutine (in order, without holding up the Redis
// messages, since a handler may itself wait for other servers).
func (a *Adapter) onServerSideEmit(m *message) {
	if len(m.Data) == 0 {
		a.log.Debug("redis adapter: ignore server-side emit without data", "from", m.UID)
		return
	}
	var ev string
	if err := json.Unmarshal(m.Data[0], &ev); err != nil {
		a.log.Debug("redis adapter: ignore server-side emit without event name", "from", m.UID)
		return
	}
	p := &socketio.Packet{Type: socketio.Event, Namespace: a.nsp.Name(), ID: socketio.NoID, Event: ev}
	for i, raw := range m.Data[1:] {
		if err := appendFromJSON(a.codec, p, raw); err != nil {
			a.log.Debug("redis adapter: ignore server-side emit with a bad argument", "from", m.UID, "arg", i, "err", err)
			return
		}
	}
	var reply func(args ...any) error
	if m.RequestID != "" {
		id := m.RequestID
		var once sync.Once
		reply = func(args ...any) error {
			err := errReplied
			once.Do(func() { err = a.replyServerSide(id, args) })
			return err
		}
	}
	a.events.push(func() { a.nsp.ServerSideEvent(p, reply) })
}

var errReplied = errors.New("redisadapter: server-side emit already answered")

// replyServerSide answers a server-side emit with its first argument, on the
// shared response channel (as the reference does, whatever its
// publishOnSpecificResponseChannel).
func (a *Adapter) replyServerSide(id string, args []any) error {
	msg := map[string]any{"type": reqServerSideEmit, "requestId": id}
	if len(args) > 0 {
		tmp := &socketio.Packet{Type: socketio.Ack, Namespace: a.nsp.Name()}
		if err := a.codec.AppendArg(tmp, args[0]); err != nil {
			return err
		}
		j, err := toJSON(a.codec, tmp, tmp.Args[0])
		if err != nil {
			return err
		}
		msg["data"] = j
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	return a.publish(a.responseChannel, b)
}

// onBroadcastWithAck delivers another server's broadcast with acks and
// reports the client count and each ack back to it.
func (a *Adapter) onBroadcastWithAck(m *message) {
	if m.RequestID == "" || len(m.Packet) == 0 {
		a.log.Debug("redis adapter: ignore broadcast request without requestId or packet", "from", m.UID)
		return
	}
	p, err := packetFromWire(a.codec, m.Packet)
	if err != nil {
		a.log.Debug("redis adapter: ignore broadcast request with a bad packet", "from", m.UID, "err", err)
		return
	}
	if p.Namespace != a.nsp.Name() {
		a.log.Debug("redis adapter: ignore broadcast request for another namespace", "packetNsp", p.Namespace)
		return
	}
	requester, id := m.UID, m.RequestID
	opts := m.Opts
	opts.Flags = adapter.BroadcastFlags{Local: true}
	onCount := func(n int) {
		b, _ := json.Marshal(map[string]any{"type": reqBroadcastCount, "requestId": id, "clientCount": n})
		a.publishResponse(requester, b)
	}
	onAck := func(ap *socketio.Packet, err error) {
		if err != nil {
			return // the client went away: the reference sends nothing either
		}
		var val []byte
		if len(ap.Args) > 0 {
			w, err := toWireArg(a.codec, ap, ap.Args[0])
			if err != nil {
				a.log.Debug("redis adapter: encode ack", "err", err)
				return
			}
			val = w
		}
		a.publishResponse(requester, encodeBroadcastAck(id, val))
	}
	if err := a.mem.BroadcastWithAck(p, opts, onCount, onAck); err != nil {
		a.log.Debug("redis adapter: deliver broadcast with acks", "from", requester, "err", err)
	}
}

// onResponse handles an answer to one of this adapter's requests.
func (a *Adapter) onResponse(payload []byte) {
	m, err := decodeMessage(payload)
	if err != nil {
		a.log.Debug("redis adapter: ignore malformed response", "err", err)
		return
	}
	if m.RequestID == "" {
		return
	}
	a.mu.Lock()
	if ack := a.acks[m.RequestID]; ack != nil {
		a.mu.Unlock()
		a.onBroadcastResponse(ack, m)
		return
	}
	r := a.requests[m.RequestID]
	a.mu.Unlock()
	if r == nil {
		return // not ours, or too late
	}
	switch r.typ {
	case reqRemoteFetch:
		var sockets []wireSocket
		if m.Sockets != nil {
			if err := json.Unmarshal(m.Sockets, &sockets); err != nil {
				a.log.Debug("redis adapter: malformed fetch response", "err", err)
				sockets = nil
			}
		}
		ds := make([]adapter.SocketDetails, 0, len(sockets))
		for _, ws := range sockets {
			d, err := fromWireSocket(ws)
			if err != nil {
				a.log.Debug("redis adapter: skip socket in fetch response", "err", err)
				continue
			}
			ds = append(ds, d)
		}
		a.answerFetch(m.RequestID, r, ds)
	case reqServerSideEmit:
		if m.HasType && m.Type != reqServerSideEmit {
			return
		}
		p := &socketio.Packet{Type: socketio.Ack, Namespace: a.nsp.Name(), ID: socketio.NoID}
		if len(m.AckData) > 0 {
			if err := appendFromJSON(a.codec, p, m.AckData); err != nil {
				a.log.Debug("redis adapter: malformed server-side emit answer", "err", err)
				p.Args = nil
			}
		}
		a.answerServerSideEmit(m.RequestID, r, p)
	}
}

// onBroadcastResponse handles a client count or an ack for a broadcast with
// acks of this server.
func (a *Adapter) onBroadcastResponse(ack *pendingAck, m *message) {
	switch m.Type {
	case reqBroadcastCount:
		ack.onClientCount(int(m.ClientCount))
	case reqBroadcastAck:
		p := &socketio.Packet{Type: socketio.Ack, Namespace: a.nsp.Name(), ID: socketio.NoID}
		if m.HasPacket {
			v, err := normalize(m.Packet)
			if err == nil {
				err = appendFromWire(a.codec, p, v)
			}
			if err != nil {
				a.log.Debug("redis adapter: ignore malformed broadcast ack", "err", err)
				return
			}
		}
		ack.onAck(p, nil)
	default:
		a.log.Debug("redis adapter: ignore broadcast response of unknown type", "type", m.Type)
	}
}

// eventQueue runs functions one at a time, in order, on a goroutine that
// exists only while there is work.
type eventQueue struct {
	mu      sync.Mutex
	queue   []func()
	running bool
	wg      *sync.WaitGroup
	gid     atomic.Uint64 // id of the goroutine running the queue, 0 when none
}

func (q *eventQueue) push(f func()) {
	q.mu.Lock()
	q.queue = append(q.queue, f)
	if q.running {
		q.mu.Unlock()
		return
	}
	q.running = true
	q.wg.Add(1)
	q.mu.Unlock()
	go q.run()
}

func (q *eventQueue) run() {
	defer q.wg.Done()
	q.gid.Store(goid.ID())
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running = false
			q.gid.Store(0)
			q.mu.Unlock()
			return
		}
		f := q.queue[0]
		q.queue[0] = nil
		q.queue = q.queue[1:]
		q.mu.Unlock()
		f()
	}
}

package server

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
	"github.com/siogen/sio/runtime/engine"
)

// Handshake describes the request that opened a socket's connection and
// the auth payload the client sent with its CONNECT.
type Handshake = adapter.Handshake

// Socket is one client's membership of one namespace. Its id is new for
// each connection (unless recovered) and distinct from the Engine.IO
// session id.
type Socket struct {
	id        string
	pid       string
	nsp       *Namespace
	conn      *conn
	handshake *Handshake       // see Handshake (guarded by mu)
	connPkt   *socketio.Packet // the CONNECT packet (auth payload)
	recovered bool
	restored  *adapter.RestoredSession // until activated

	exec serial

	mu        sync.Mutex
	ctx       context.Context // see Context
	cancel    context.CancelFunc
	ended     bool // the context is over (or will be when created)
	connected bool
	closing   bool
	live      bool // reachable through the adapter (rooms joined)
	holding   bool // connecting: writes wait in held
	heldZip   bool // some held packet allows compression
	held      []engineio.Packet
	data      any
	acks      map[int64]adapter.AckFunc
	events    map[string]EventHandler
	hooks     *socketHooks // made on first use
}

// socketHooks holds what many sockets never use, so that an idle socket
// does not carry five empty slices. Guarded by the socket's mu.
type socketHooks struct {
	preRooms        []string // joined before connecting (in a middleware)
	mws             []EventMiddleware
	onDisconnecting []func(reason string)
	onDisconnect    []func(reason string)
	onError         []func(err error)
}

// hooksLocked returns the socket's hooks, making them on first use.
func (s *Socket) hooksLocked() *socketHooks {
	if s.hooks == nil {
		s.hooks = new(socketHooks)
	}
	return s.hooks
}

// noHooks stands for the hooks of a socket that has none. Read only.
var noHooks socketHooks

// hooksOrZero returns the socket's hooks, or empty ones to read (never to
// modify); the caller holds mu.
func (s *Socket) hooksOrZero() *socketHooks {
	if s.hooks == nil {
		return &noHooks
	}
	return s.hooks
}

// ID returns the socket id (20 URL-safe base64 characters); it is also the
// name of the socket's own room.
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns the connection's handshake details. The first call
// builds them (headers, query, auth) from what the connection keeps in a
// compact form, and the socket keeps the result: an idle socket whose
// Handshake was never asked for costs less memory.
func (s *Socket) Handshake() *Handshake {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handshake == nil {
		// Made on first use: an idle socket keeps only its connection's
		// request and its CONNECT packet.
		hs := s.conn.hs
		ehs := s.conn.es.Handshake()
		hs.Headers = ehs.Header()
		if host := ehs.Host; host != "" && hs.Headers.Get("Host") == "" {
			// net/http moves Host out of the header map; the reference's
			// socket.handshake.headers has it.
			hs.Headers.Set("Host", host)
		}
		hs.Auth = s.authMap()
		hs.Query = ehs.Query()
		s.handshake = &hs
	}
	return s.handshake
}

// authMap decodes the CONNECT payload into generic values: an empty map
// when there is none or it is not an object.
func (s *Socket) authMap() map[string]any {
	var auth map[string]any
	if p := s.connPkt; p.Data != nil {
		if err := s.nsp.codec.Unmarshal(p, p.Data, &auth); err != nil {
			auth = nil
		}
	}
	if auth == nil {
		auth = map[string]any{}
	}
	return auth
}

// Transport returns the connection's current transport, "polling" or
// "websocket".
func (s *Socket) Transport() string { return s.conn.es.Transport() }

// Conn returns the Engine.IO session that carries the socket (shared by
// the connection's sockets of other namespaces). Closing it closes every
// one of them with the reason given.
func (s *Socket) Conn() *engine.Session { return s.conn.es }

// Recovered reports whether the socket's state (id, rooms, data, missed
// packets) was recovered from a previous connection.
func (s *Socket) Recovered() bool { return s.recovered }

// Context returns a context that ends when the socket disconnects.
func (s *Socket) Context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.contextLocked()
}

// contextLocked is Context with s.mu held.
func (s *Socket) contextLocked() context.Context {
	if s.ctx == nil {
		// Created on first use: most idle sockets never need one.
		s.ctx, s.cancel = context.WithCancel(s.conn.context())
		if s.ended {
			s.cancel()
		}
	}
	return s.ctx
}

// endContext ends the socket's context, now or when it is created.
func (s *Socket) endContext() {
	s.mu.Lock()
	s.ended = true
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// Connected reports whether the socket is connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected && !s.closing
}

// Auth returns the CONNECT payload the client sent, raw in the connection's
// codec (an empty object when there was none).
func (s *Socket) Auth() socketio.Raw {
	if s.connPkt.Data == nil {
		return s.nsp.srv.emptyObject
	}
	return s.connPkt.Data
}

// DecodeAuth decodes the CONNECT payload into v (a pointer).
func (s *Socket) DecodeAuth(v any) error {
	if err := s.nsp.codec.Unmarshal(s.connPkt, s.Auth(), v); err != nil {
		return fmt.Errorf("server: decode auth: %w", err)
	}
	return nil
}

// Data returns the value stored with SetData (recovered with the socket).
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// SetData stores an application value with the socket.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
}

// On sets this socket's handler of an event, taking precedence over the
// namespace's.
func (s *Socket) On(event string, fn EventHandler) {
	s.mu.Lock()
	if s.events == nil {
		s.events = make(map[string]EventHandler)
	}
	s.events[event] = fn
	s.mu.Unlock()
}

// Use adds an event middleware for this socket, run after the namespace's.
func (s *Socket) Use(mw EventMiddleware) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.mws = append(h.mws, mw)
	s.mu.Unlock()
}

// OnDisconnecting adds a handler called when the socket is disconnecting,
// while it is still in its rooms.
func (s *Socket) OnDisconnecting(fn func(reason string)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.onDisconnecting = append(h.onDisconnecting, fn)
	s.mu.Unlock()
}

// OnDisconnect adds a handler called once the socket has disconnected.
func (s *Socket) OnDisconnect(fn func(reason string)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.onDisconnect = append(h.onDisconnect, fn)
	s.mu.Unlock()
}

// OnError adds a handler for errors returned by event middlewares.
func (s *Socket) OnError(fn func(err error)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.onError = append(h.onError, fn)
	s.mu.Unlock()
}

// Join adds the socket to rooms. Called from a middleware, it takes
// effect when the socket connects. It does nothing once disconnected.
func (s *Socket) Join(rooms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.connected && !s.closing:
		s.nsp.adapter.AddAll(s.id, rooms...)
	case !s.connected && !s.closing && !s.live:
		h := s.hooksLocked()
		for _, r := range rooms {
			if !slices.Contains(h.preRooms, r) {
				h.preRooms = append(h.preRooms, r)
			}
		}
	}
}

// Leave removes the socket from room.
func (s *Socket) Leave(room string) {
	s.mu.Lock()
	if h := s.hooks; h != nil {
		h.preRooms = slices.DeleteFunc(h.preRooms, func(r string) bool { return r == room })
	}
	s.mu.Unlock()
	s.nsp.adapter.Del(s.id, room)
}

// Rooms returns the rooms the socket is in, its own room included (before
// it connects: the rooms it will join).
func (s *Socket) Rooms() []string {
	s.mu.Lock()
	if !s.live {
		defer s.mu.Unlock()
		return append([]string{s.id}, s.hooksOrZero().preRooms...)
	}
	s.mu.Unlock()
	return s.nsp.adapter.SocketRooms(s.id)
}

// Emit sends an event to the client. Arguments are encoded with the
// connection's codec: []byte values travel as binary, a socketio.Raw is
// sent as it is, an *Args forwards received arguments.
func (s *Socket) Emit(event string, args ...any) error { return s.emitter().Emit(event, args...) }

// EmitWithAck sends an event and waits for the client's acknowledgement,
// until ctx ends (its deadline is the ack timeout) or the socket
// disconnects.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	return s.emitter().EmitWithAck(ctx, event, args...)
}

// Volatile returns an emitter whose packets may be dropped when the
// client cannot take them right now.
func (s *Socket) Volatile() Emitter { return s.emitter().Volatile() }

// Compress returns an emitter with the compress flag set.
func (s *Socket) Compress(compress bool) Emitter { return s.emitter().Compress(compress) }

func (s *Socket) emitter() Emitter { return Emitter{s: s} }

// To selects the sockets in rooms, leaving out this socket.
func (s *Socket) To(rooms ...string) BroadcastOperator { return s.Broadcast().To(rooms...) }

// In is To.
func (s *Socket) In(rooms ...string) BroadcastOperator { return s.Broadcast().To(rooms...) }

// Except selects all sockets of the namespace but those in rooms and this one.
func (s *Socket) Except(rooms ...string) BroadcastOperator { return s.Broadcast().Except(rooms...) }

// Broadcast selects every socket of the namespace but this one.
func (s *Socket) Broadcast() BroadcastOperator {
	return BroadcastOperator{nsp: s.nsp, except: []string{s.id}}
}

// Local is Broadcast restricted to this server.
func (s *Socket) Local() BroadcastOperator { return s.Broadcast().Local() }

// Disconnect disconnects the socket from its namespace: the client gets a
// DISCONNECT packet and the reason is "server namespace disconnect". With
// close, every socket of the connection is disconnected and the connection
// is closed.
func (s *Socket) Disconnect(close bool) {
	if close {
		s.conn.disconnectAll()
		return
	}
	// Disconnect first, then tell the client: its reaction (closing the
	// transport when this was its last namespace) must not overtake the
	// reason.
	if s.onClose(ReasonServerNamespaceDisconnect) {
		s.conn.write(&socketio.Packet{Type: socketio.Disconnect, Namespace: s.nsp.name, ID: socketio.NoID})
	}
}

// Emitter sends events to one socket with flags.
type Emitter struct {
	s     *Socket
	flags adapter.BroadcastFlags
}

// Volatile lets the packet be dropped when the client cannot take it now.
func (e Emitter) Volatile() Emitter { e.flags.Volatile = true; return e }

// Compress(false) asks that the packet not be compressed: see
// BroadcastOperator.Compress.
func (e Emitter) Compress(compress bool) Emitter { e.flags.NoCompress = !compress; return e }

// Emit sends an event to the socket's client.
func (e Emitter) Emit(event string, args ...any) error {
	p, err := e.s.nsp.newEvent(event, args)
	if err != nil {
		return err
	}
	return e.s.deliver(p, e.flags)
}

// EmitWithAck sends an event and waits for the acknowledgement until ctx
// ends or the socket disconnects.
func (e Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	p, err := e.s.nsp.newEvent(event, args)
	if err != nil {
		return nil, err
	}
	p.ID = e.s.nsp.NextAckID()
	type result struct {
		p   *socketio.Packet
		err error
	}
	ch := make(chan result, 1)
	e.s.ExpectAck(p.ID, func(ap *socketio.Packet, err error) { ch <- result{ap, err} })
	if err := e.s.deliver(p, e.flags); err != nil {
		e.s.CancelAck(p.ID)
		return nil, err
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("server: ack of %q: %w", event, r.err)
		}
		return &Args{codec: e.s.nsp.codec, p: r.p}, nil
	case <-ctx.Done():
		e.s.CancelAck(p.ID)
		return nil, fmt.Errorf("server: ack of %q: %w", event, ctx.Err())
	}
}

// deliver sends an event packet to the socket: through the adapter when
// connection state recovery is on (so that it gets an offset and is kept
// for replay), straight to the connection otherwise.
func (s *Socket) deliver(p *socketio.Packet, flags adapter.BroadcastFlags) error {
	if s.nsp.srv.opts.ConnectionStateRecovery != nil {
		if !s.Connected() {
			return ErrDisconnected
		}
		return s.nsp.adapter.Broadcast(p, adapter.BroadcastOptions{Rooms: []string{s.id}, Flags: flags})
	}
	return s.send(p, sendOptions(flags))
}

// send encodes p and queues it on the connection if the socket is connected.
func (s *Socket) send(p *socketio.Packet, o engine.SendOptions) error {
	if !s.Connected() {
		return ErrDisconnected
	}
	pkts, err := s.nsp.codec.Encode(p)
	if err != nil {
		return fmt.Errorf("server: encode %s: %w", p.Type, err)
	}
	return s.write(pkts, o)
}

// WriteEncoded queues packets encoded once for many sockets. It implements
// adapter.Socket.
func (s *Socket) WriteEncoded(pkts []engineio.Packet, flags adapter.BroadcastFlags) {
	_ = s.write(pkts, sendOptions(flags))
}

// write queues packets on the connection, or holds them while the socket
// is being connected (it is reachable before its CONNECT reply and missed
// packets are out, which must go first).
func (s *Socket) write(pkts []engineio.Packet, o engine.SendOptions) error {
	s.mu.Lock()
	if s.holding {
		if !o.Volatile {
			s.held = append(s.held, pkts...)
			s.heldZip = s.heldZip || !o.NoCompress
		}
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	return s.conn.send(pkts, o)
}

// sendOptions maps an emit's flags to the Engine.IO session's.
func sendOptions(f adapter.BroadcastFlags) engine.SendOptions {
	return engine.SendOptions{Volatile: f.Volatile, NoCompress: f.NoCompress}
}

// release sends what write held, in order, and stops holding.
func (s *Socket) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.held) > 0 {
		// Plain only if every held packet asked to be (the engine's rule
		// for a batch).
		_ = s.conn.send(s.held, engine.SendOptions{NoCompress: !s.heldZip})
	}
	s.held, s.holding, s.heldZip = nil, false, false
}

// ExpectAck registers fn for the client's ACK with that id. It implements
// adapter.Socket.
func (s *Socket) ExpectAck(id int64, fn adapter.AckFunc) {
	s.mu.Lock()
	if !s.connected || s.closing {
		s.mu.Unlock()
		fn(nil, ErrDisconnected)
		return
	}
	if s.acks == nil {
		s.acks = make(map[int64]adapter.AckFunc)
	}
	s.acks[id] = fn
	s.mu.Unlock()
}

// CancelAck forgets a pending ack. It implements adapter.Socket.
func (s *Socket) CancelAck(id int64) {
	s.mu.Lock()
	delete(s.acks, id)
	s.mu.Unlock()
}

// Details describes the socket. It implements adapter.Socket.
func (s *Socket) Details() adapter.SocketDetails {
	return adapter.SocketDetails{ID: s.id, Handshake: s.Handshake(), Rooms: s.Rooms(), Data: s.Data(), Local: s}
}

// onEvent queues an incoming event for the socket's handlers.
func (s *Socket) onEvent(p *socketio.Packet) bool {
	// The event and its arguments in one allocation.
	b := &struct {
		ev   Event
		args Args
	}{args: Args{codec: s.nsp.codec, p: p}}
	b.ev = Event{Args: &b.args, Name: p.Event, s: s, id: p.ID}
	return s.exec.pushEvent(&b.ev, s.nsp.srv.opts.MaxPendingEvents)
}

// dispatch runs the event middlewares and the event's handler.
func (s *Socket) dispatch(ev *Event) {
	s.mu.Lock()
	if !s.connected || s.closing {
		s.mu.Unlock()
		return // received after disconnection
	}
	h := s.events[ev.Name]
	mws := s.hooksOrZero().mws
	ctx := s.contextLocked()
	s.mu.Unlock()
	pmw, nmw := s.nsp.eventMiddlewares()
	for _, list := range [][]EventMiddleware{pmw, nmw, mws} {
		for _, mw := range list {
			if err := mw(ctx, s, ev); err != nil {
				s.emitError(err)
				return
			}
		}
	}
	if h == nil {
		h = s.nsp.handlerFor(ev.Name)
	}
	if h != nil {
		h(ctx, s, ev)
	}
}

func (s *Socket) emitError(err error) {
	s.mu.Lock()
	fns := slices.Clone(s.hooksOrZero().onError)
	s.mu.Unlock()
	for _, fn := range fns {
		fn(err)
	}
}

// onAck delivers an ACK packet to whoever waits for it.
func (s *Socket) onAck(p *socketio.Packet) {
	s.mu.Lock()
	fn := s.acks[p.ID]
	delete(s.acks, p.ID)
	s.mu.Unlock()
	if fn != nil {
		fn(p, nil)
	}
}

// onClose disconnects the socket with reason, once: it stops taking
// events, persists the session for recovery when the reason allows, fails
// pending acks, and queues the disconnecting and disconnect handlers (after
// the event being handled, if any), which leave the rooms in between. It
// reports whether this call disconnected the socket.
func (s *Socket) onClose(reason string) bool {
	s.mu.Lock()
	if !s.connected || s.closing {
		s.mu.Unlock()
		return false
	}
	s.closing = true
	acks := s.acks
	s.acks = nil
	data := s.data
	s.mu.Unlock()

	s.endContext()
	srv := s.nsp.srv
	if srv.opts.ConnectionStateRecovery != nil && recoverable[reason] && s.pid != "" {
		s.nsp.adapter.PersistSession(&adapter.Session{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: data})
	}
	s.nsp.remove(s)
	s.conn.remove(s)
	for _, fn := range acks {
		fn(nil, ErrDisconnected)
	}
	s.exec.push(func() { s.finishClose(reason) }, 0)
	return true
}

// finishClose runs on the socket's sequence after onClose.
func (s *Socket) finishClose(reason string) {
	s.mu.Lock()
	disconnecting := slices.Clone(s.hooksOrZero().onDisconnecting)
	s.mu.Unlock()
	for _, fn := range disconnecting {
		s.nsp.srv.safely(func() { fn(reason) })
	}
	s.nsp.adapter.DelAll(s.id)
	s.mu.Lock()
	s.connected = false
	disconnect := slices.Clone(s.hooksOrZero().onDisconnect)
	s.mu.Unlock()
	for _, fn := range disconnect {
		s.nsp.srv.safely(func() { fn(reason) })
	}
	pfns, nfns := s.nsp.disconnectHandlers()
	for _, list := range [][]func(*Socket, string){pfns, nfns} {
		for _, fn := range list {
			s.nsp.srv.safely(func() { fn(s, reason) })
		}
	}
}

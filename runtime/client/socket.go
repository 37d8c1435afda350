package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// Socket is the client side of one namespace, multiplexed with the other
// namespaces of its Manager over one Engine.IO connection.
//
// Emits made while the socket is not connected are buffered and sent, in
// order and before anything emitted later, as soon as the namespace is
// connected (again); volatile emits are dropped instead. Received events are
// passed to the handlers one at a time, in order, on a callback goroutine of
// the socket; the connect, connect error and disconnect callbacks run there
// too, in order with the events.
//
// All methods are safe for concurrent use.
type Socket struct {
	m    *Manager
	nsp  string
	opts SocketOptions
	run  *runner

	active bool // guarded by m.mu: the socket wants to be connected

	hmu      sync.RWMutex
	handlers map[string][]EventHandler
	anyH     []EventHandler

	mu         sync.Mutex
	fins       []func() // run by unlock, after the lock is released
	state      chan struct{}
	connected  bool
	connects   uint64 // times the namespace connected
	id         string
	pid        string
	lastOffset string
	recovered  bool
	sentGen    uint64 // connection generation the CONNECT was sent on
	connCtx    context.Context
	connCancel context.CancelFunc
	lastErr    error
	refused    *ConnectError
	closed     bool
	ids        int64
	acks       map[int64]*ackEntry
	sendBuf    []buffered
	queue      []*queued
}

// ackEntry is an emit waiting for its ack: a plain acked emit (call) or one
// attempt of a queued emit (q).
type ackEntry struct {
	event string
	call  *Call
	q     *queued
	timer *time.Timer
}

// buffered is an emit made while disconnected, already encoded.
type buffered struct {
	msgs []engineio.Packet
	id   int64 // ack id, or NoID
}

// queued is an emit in the retry queue (SocketOptions.Retries).
type queued struct {
	p       *socketio.Packet
	tries   int
	pending bool
	attempt int64 // ack id of the attempt on the wire, or NoID
	call    *Call // nil for Emit
}

func newSocket(m *Manager, nsp string, opts SocketOptions) *Socket {
	return &Socket{
		m:        m,
		nsp:      nsp,
		opts:     opts,
		run:      newRunner(),
		handlers: make(map[string][]EventHandler),
		state:    make(chan struct{}),
		acks:     make(map[int64]*ackEntry),
	}
}

// unlock releases s.mu, then runs the work deferred with later (resolving
// calls), so that no user-visible effect happens under the lock.
func (s *Socket) unlock() {
	fins := s.fins
	s.fins = nil
	s.mu.Unlock()
	for _, f := range fins {
		f()
	}
}

func (s *Socket) later(f func()) { s.fins = append(s.fins, f) }

// notifyLocked wakes Connect waiters.
func (s *Socket) notifyLocked() {
	close(s.state)
	s.state = make(chan struct{})
}

// Namespace returns the socket's namespace ("/" for the main one).
func (s *Socket) Namespace() string { return s.nsp }

// Manager returns the Manager the socket belongs to.
func (s *Socket) Manager() *Manager { return s.m }

// ID returns the socket id the server assigned to this connection of the
// namespace, or "" while disconnected.
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Connected reports whether the namespace is connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Recovered reports whether the last connection of the namespace restored
// the previous session (connection state recovery): the server sent back
// the same private session id, kept the socket id and rooms, and re-sent
// the events missed while disconnected.
func (s *Socket) Recovered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

// On adds h as a handler of event. Handlers of one socket run one at a
// time, in the order events arrive.
func (s *Socket) On(event string, h EventHandler) {
	s.hmu.Lock()
	s.handlers[event] = append(s.handlers[event], h)
	s.hmu.Unlock()
}

// OnAny adds h as a handler of every event, called before the event's own
// handlers.
func (s *Socket) OnAny(h EventHandler) {
	s.hmu.Lock()
	s.anyH = append(s.anyH, h)
	s.hmu.Unlock()
}

// Off removes every handler of event.
func (s *Socket) Off(event string) {
	s.hmu.Lock()
	delete(s.handlers, event)
	s.hmu.Unlock()
}

// Open starts connecting the namespace, opening the Manager's connection
// if needed, and returns without waiting. The outcome is reported to
// OnConnect / OnConnectError; Connect waits for it.
func (s *Socket) Open() error {
	return s.m.activate(s)
}

// Connect opens the namespace (see Open) and waits until it is connected.
// It returns the *ConnectError of a server refusal, ErrReconnectFailed when
// the Manager gave up, the transport error when reconnection is off, or the
// context's error (with the last transport error). ctx bounds only the
// wait: when it ends, the socket keeps trying in the background; call
// Disconnect to stop it.
func (s *Socket) Connect(ctx context.Context) error {
	s.mu.Lock()
	since := s.connects
	if s.connected {
		since--
	}
	s.mu.Unlock()
	if err := s.Open(); err != nil {
		return err
	}
	return s.waitConnect(ctx, since)
}

// waitConnect waits until the socket has connected more than since times.
// A connection that came and went before the wait saw it counts (its loss
// was reported to OnDisconnect), so a fast failure right after the connect
// does not turn the connect itself into an error.
func (s *Socket) waitConnect(ctx context.Context, since uint64) error {
	for {
		s.mu.Lock()
		connected, closed, refused, lastErr, ch := s.connects > since, s.closed, s.refused, s.lastErr, s.state
		s.mu.Unlock()
		switch {
		case connected:
			return nil
		case closed:
			return fmt.Errorf("client: connect %s: %w", s.nsp, ErrClosed)
		case refused != nil:
			return refused
		}
		if active, running := s.m.status(s); !active || !running {
			if lastErr == nil {
				lastErr = errors.New("stopped connecting")
			}
			return fmt.Errorf("client: connect %s: %w", s.nsp, lastErr)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if lastErr != nil {
				return fmt.Errorf("client: connect %s: %w (last error: %v)", s.nsp, ctx.Err(), lastErr)
			}
			return fmt.Errorf("client: connect %s: %w", s.nsp, ctx.Err())
		}
	}
}

// Disconnect leaves the namespace: a DISCONNECT packet is sent if it is
// connected, OnDisconnect is called with ReasonClientDisconnect, pending
// acks fail with ErrDisconnected (emits still in the send buffer stay
// there for a later Open), and the Manager's connection is closed when no
// other namespace uses it. Open reconnects the socket.
func (s *Socket) Disconnect() error {
	s.mu.Lock()
	was := s.connected
	var err error
	if was {
		err = s.sendLocked(&socketio.Packet{Type: socketio.Disconnect, Namespace: s.nsp, ID: socketio.NoID})
		s.closeLocked(ReasonClientDisconnect)
	}
	s.sentGen = 0
	s.notifyLocked()
	s.unlock()
	s.m.deactivate(s)
	if err != nil {
		return fmt.Errorf("client: disconnect %s: %w", s.nsp, err)
	}
	return nil
}

// sendLocked encodes p and hands it to the current connection.
func (s *Socket) sendLocked(p *socketio.Packet) error {
	msgs, err := s.m.codec.Encode(p)
	if err != nil {
		return err
	}
	return s.m.send(msgs)
}

// closeLocked marks the socket disconnected and fails the acks of emits
// that were handed to the transport (those still buffered keep waiting).
func (s *Socket) closeLocked(reason string) {
	if !s.connected {
		return
	}
	s.connected = false
	s.id = ""
	if s.connCancel != nil {
		s.connCancel()
	}
	s.failAcksLocked(ErrDisconnected, true)
	if f := s.opts.OnDisconnect; f != nil {
		s.run.do(func() { f(reason) })
	}
}

// failAcksLocked fails the pending acks with cause; when keepBuffered is set
// the acks of emits still in the send buffer are kept.
func (s *Socket) failAcksLocked(cause error, keepBuffered bool) {
	var inBuf map[int64]bool
	if keepBuffered && len(s.sendBuf) > 0 {
		inBuf = make(map[int64]bool, len(s.sendBuf))
		for _, b := range s.sendBuf {
			if b.id != socketio.NoID {
				inBuf[b.id] = true
			}
		}
	}
	for id, e := range s.acks {
		if inBuf[id] {
			continue
		}
		delete(s.acks, id)
		if e.timer != nil {
			e.timer.Stop()
		}
		err := fmt.Errorf("client: emit %q: %w", e.event, cause)
		if e.q != nil {
			s.queueResultLocked(e.q, id, nil, err)
		} else {
			s.resolveLater(e.call, nil, err)
		}
	}
}

func (s *Socket) resolveLater(c *Call, a *Ack, err error) {
	if c == nil {
		return
	}
	s.later(func() {
		if c.resolve(a, err) && c.stop != nil {
			c.stop()
		}
	})
}

// Volatile is the volatile form of a socket's Emit: see Socket.Volatile.
type Volatile struct{ s *Socket }

// Volatile returns an emitter whose events are dropped instead of buffered
// when the namespace is not connected or the transport cannot take them
// right now: a write is on the network or packets wait to be written
// (socket.io-client's check of transport.writable). They suit state that is soon stale: typing
// indicators, positions. Volatile emits bypass the retry queue.
func (s *Socket) Volatile() Volatile { return Volatile{s} }

// Emit sends event with args if the socket is connected and its transport
// writable now, and drops it otherwise (never an error for that).
func (v Volatile) Emit(event string, args ...any) error { return v.s.emit(event, args, true) }

// Emit sends event with args (each encoded by the codec; a []byte travels
// as binary) without asking for an ack. It does not wait for the network.
// While disconnected the event is buffered (see Socket). With Retries set
// it goes through the retry queue and asks for an ack.
func (s *Socket) Emit(event string, args ...any) error { return s.emit(event, args, false) }

func (s *Socket) emit(event string, args []any, volatile bool) error {
	p, err := s.newEvent(event, args)
	if err != nil {
		return err
	}
	if s.opts.Retries > 0 && !volatile {
		return s.enqueue(&queued{p: p, attempt: socketio.NoID})
	}
	msgs, err := s.m.codec.Encode(p)
	if err != nil {
		return fmt.Errorf("client: emit %q: %w", event, err)
	}
	s.mu.Lock()
	defer s.unlock()
	if s.closed {
		return fmt.Errorf("client: emit %q: %w", event, ErrClosed)
	}
	if volatile {
		// Dropped unless connected and the transport is writable now, as
		// socket.io-client discards a volatile packet when
		// !engine.transport.writable.
		if s.connected {
			s.m.sendVolatile(msgs)
		}
		return nil
	}
	if s.connected && s.m.send(msgs) == nil {
		return nil
	}
	s.sendBuf = append(s.sendBuf, buffered{msgs: msgs, id: socketio.NoID})
	return nil
}

// EmitWithAck sends event with args and waits for the server's ack. ctx's
// deadline is the ack timeout: when it passes, the ack is forgotten (a late
// one is ignored), an emit still in the send buffer is dropped, and the
// error wraps ErrAckTimeout and context.DeadlineExceeded. The error wraps
// ErrDisconnected when the connection was lost after the emit was handed to
// the transport (the server may have received it), unless Retries is set,
// in which case the emit is tried again.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (*Ack, error) {
	return s.EmitAsync(ctx, event, args...).Wait()
}

// EmitAsync is EmitWithAck without the wait: it queues the emit (or sends
// it) and returns a Call that resolves with the ack. Successive EmitAsync
// calls from one goroutine are sent in order, so many acked emits can be in
// flight (one at a time with Retries).
func (s *Socket) EmitAsync(ctx context.Context, event string, args ...any) *Call {
	c := newCall()
	p, err := s.newEvent(event, args)
	if err != nil {
		c.resolve(nil, err)
		return c
	}
	if err := ctx.Err(); err != nil {
		c.resolve(nil, ctxError(event, err))
		return c
	}
	c.stop = context.AfterFunc(ctx, func() { s.expire(c, event, ctx.Err()) })
	if s.opts.Retries > 0 {
		if err := s.enqueue(&queued{p: p, attempt: socketio.NoID, call: c}); err != nil {
			if c.resolve(nil, err) {
				c.stop()
			}
		}
		return c
	}
	s.mu.Lock()
	defer s.unlock()
	if s.closed {
		s.resolveLater(c, nil, fmt.Errorf("client: emit %q: %w", event, ErrClosed))
		return c
	}
	if c.expired {
		return c
	}
	id := s.ids
	s.ids++
	p.ID = id
	msgs, err := s.m.codec.Encode(p)
	if err != nil {
		s.resolveLater(c, nil, fmt.Errorf("client: emit %q: %w", event, err))
		return c
	}
	c.id = id
	s.acks[id] = &ackEntry{event: event, call: c}
	if s.connected && s.m.send(msgs) == nil {
		return c
	}
	s.sendBuf = append(s.sendBuf, buffered{msgs: msgs, id: id})
	return c
}

func ctxError(event string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("client: emit %q: %w: %w", event, ErrAckTimeout, err)
	}
	return fmt.Errorf("client: emit %q: %w", event, err)
}

// expire ends call c when its context is done: its ack entry, its buffered
// packet or its queue entry is removed.
func (s *Socket) expire(c *Call, event string, cause error) {
	s.mu.Lock()
	c.expired = true
	if q := c.q; q != nil {
		if i := slices.Index(s.queue, q); i >= 0 {
			s.queue = slices.Delete(s.queue, i, i+1)
			if q.pending {
				if e := s.acks[q.attempt]; e != nil {
					delete(s.acks, q.attempt)
					if e.timer != nil {
						e.timer.Stop()
					}
				}
			}
			if i == 0 {
				s.drainLocked(false)
			}
		}
	} else if c.id != socketio.NoID {
		delete(s.acks, c.id)
		s.sendBuf = slices.DeleteFunc(s.sendBuf, func(b buffered) bool { return b.id == c.id })
	}
	s.later(func() { c.resolve(nil, ctxError(event, cause)) })
	s.unlock()
}

// newEvent builds an EVENT packet with the encoded args.
func (s *Socket) newEvent(event string, args []any) (*socketio.Packet, error) {
	if socketio.ReservedEvents[event] {
		return nil, fmt.Errorf("client: emit %q: %w", event, ErrReservedEvent)
	}
	p := &socketio.Packet{Type: socketio.Event, Namespace: s.nsp, ID: socketio.NoID, Event: event}
	for i, a := range args {
		if err := s.m.codec.AppendArg(p, a); err != nil {
			return nil, fmt.Errorf("client: emit %q: argument %d: %w", event, i, err)
		}
	}
	return p, nil
}

// enqueue adds q to the retry queue and sends it if it is first.
func (s *Socket) enqueue(q *queued) error {
	s.mu.Lock()
	defer s.unlock()
	if s.closed {
		return fmt.Errorf("client: emit %q: %w", q.p.Event, ErrClosed)
	}
	if q.call != nil {
		if q.call.expired {
			return nil
		}
		q.call.q = q
	}
	s.queue = append(s.queue, q)
	s.drainLocked(false)
	return nil
}

// drainLocked sends the head of the retry queue when the socket is
// connected and it is not already on the wire (or force: on (re)connect the
// head is sent again even if an attempt was pending), as socket.io-client's
// _drainQueue. Each attempt has its own ack id.
func (s *Socket) drainLocked(force bool) {
	if !s.connected || len(s.queue) == 0 {
		return
	}
	h := s.queue[0]
	if h.pending && !force {
		return
	}
	if h.pending {
		if e := s.acks[h.attempt]; e != nil {
			delete(s.acks, h.attempt)
			if e.timer != nil {
				e.timer.Stop()
			}
		}
	}
	h.pending = true
	h.tries++
	id := s.ids
	s.ids++
	h.attempt = id
	h.p.ID = id
	msgs, err := s.m.codec.Encode(h.p)
	if err != nil {
		s.queue = s.queue[1:]
		h.pending = false
		s.resolveLater(h.call, nil, fmt.Errorf("client: emit %q: %w", h.p.Event, err))
		s.drainLocked(false)
		return
	}
	e := &ackEntry{event: h.p.Event, q: h}
	s.acks[id] = e
	if d := s.opts.AckTimeout; d > 0 {
		e.timer = time.AfterFunc(d, func() { s.onAckTimeout(id) })
	}
	if err := s.m.send(msgs); err != nil {
		// The transport is gone and the disconnect is on its way: this try
		// never left, the next connect sends the head again.
		delete(s.acks, id)
		if e.timer != nil {
			e.timer.Stop()
		}
		h.pending = false
		h.tries--
		h.attempt = socketio.NoID
	}
}

func (s *Socket) onAckTimeout(id int64) {
	s.mu.Lock()
	if e := s.acks[id]; e != nil {
		delete(s.acks, id)
		s.queueResultLocked(e.q, id, nil, fmt.Errorf("client: emit %q: %w", e.event, ErrAckTimeout))
	}
	s.unlock()
}

// queueResultLocked handles the outcome of attempt id of q: success and
// the last failure leave the queue (resolving the call); earlier failures
// stay for another try. Then the next attempt is sent.
func (s *Socket) queueResultLocked(q *queued, id int64, a *Ack, err error) {
	if q == nil || q.attempt != id || !q.pending {
		return
	}
	i := slices.Index(s.queue, q)
	if i < 0 {
		return
	}
	q.pending = false
	q.attempt = socketio.NoID
	switch {
	case err == nil:
		s.queue = slices.Delete(s.queue, i, i+1)
		s.resolveLater(q.call, a, nil)
	case q.tries > s.opts.Retries:
		s.queue = slices.Delete(s.queue, i, i+1)
		s.resolveLater(q.call, nil, err)
	}
	s.drainLocked(false)
}

// sendAck answers the server's ack request id.
func (s *Socket) sendAck(id int64, args []any) error {
	p := &socketio.Packet{Type: socketio.Ack, Namespace: s.nsp, ID: id}
	for i, a := range args {
		if err := s.m.codec.AppendArg(p, a); err != nil {
			return fmt.Errorf("client: ack %d: argument %d: %w", id, i, err)
		}
	}
	msgs, err := s.m.codec.Encode(p)
	if err != nil {
		return fmt.Errorf("client: ack %d: %w", id, err)
	}
	if err := s.m.send(msgs); err != nil {
		return fmt.Errorf("client: ack %d: %w", id, err)
	}
	return nil
}

// sendConnect sends the CONNECT packet of connection gen, with the auth
// payload and, after a session with connection state recovery, the pid and
// offset. It runs on the socket's runner (AuthFunc may block).
func (s *Socket) sendConnect(gen uint64) {
	if !s.m.current(s, gen) {
		return
	}
	auth := s.opts.Auth
	if s.opts.AuthFunc != nil {
		a, err := s.opts.AuthFunc(s.m.ctx)
		if err != nil {
			s.connectFailed(fmt.Errorf("client: connect %s: auth: %w", s.nsp, err))
			return
		}
		auth = a
	}
	s.mu.Lock()
	defer s.unlock()
	if s.closed || s.connected || s.sentGen == gen || !s.m.current(s, gen) {
		return
	}
	p := &socketio.Packet{Type: socketio.Connect, Namespace: s.nsp, ID: socketio.NoID}
	var data map[string]any
	if s.pid != "" || auth != nil || s.opts.AuthFunc != nil {
		data = make(map[string]any, len(auth)+2)
		if s.pid != "" {
			data["pid"] = s.pid
			if s.lastOffset != "" {
				data["offset"] = s.lastOffset
			}
		}
		for k, v := range auth {
			data[k] = v
		}
	}
	if data != nil {
		if err := s.m.codec.SetData(p, data); err != nil {
			s.lastErr = fmt.Errorf("client: connect %s: auth: %w", s.nsp, err)
			s.notifyLocked()
			return
		}
	}
	if err := s.sendLocked(p); err != nil {
		return // the connection is gone; the next one sends CONNECT again
	}
	s.sentGen = gen
}

// connectFailed reports an error that stops the socket from connecting.
func (s *Socket) connectFailed(err error) {
	s.mu.Lock()
	s.lastErr = err
	s.sentGen = 0
	s.notifyLocked()
	s.unlock()
	s.m.deactivate(s)
	if f := s.opts.OnConnectError; f != nil {
		s.run.do(func() { f(err) })
	}
}

// onPacket handles a packet of the socket's namespace (network goroutine).
func (s *Socket) onPacket(p *socketio.Packet) {
	switch p.Type {
	case socketio.Connect:
		s.onConnect(p)
	case socketio.Event, socketio.BinaryEvent:
		s.onEvent(p)
	case socketio.Ack, socketio.BinaryAck:
		s.onAck(p)
	case socketio.Disconnect:
		s.mu.Lock()
		s.closeLocked(ReasonServerDisconnect)
		s.sentGen = 0
		s.notifyLocked()
		s.unlock()
		s.m.deactivate(s)
	case socketio.ConnectError:
		s.onConnectError(p)
	}
}

func (s *Socket) onConnect(p *socketio.Packet) {
	var data map[string]any
	if p.Data != nil {
		_ = s.m.codec.Unmarshal(p, p.Data, &data)
	}
	sid, _ := data["sid"].(string)
	pid, _ := data["pid"].(string)
	if sid == "" {
		err := fmt.Errorf("client: connect %s: reply without sid: the server is not a Socket.IO v3+/v5 protocol server", s.nsp)
		s.mu.Lock()
		s.lastErr = err
		s.notifyLocked()
		s.unlock()
		if f := s.opts.OnConnectError; f != nil {
			s.run.do(func() { f(err) })
		}
		return
	}
	s.mu.Lock()
	if s.closed || s.connected {
		s.unlock()
		return
	}
	s.id = sid
	s.recovered = pid != "" && pid == s.pid
	s.pid = pid
	s.connected = true
	s.connects++
	s.lastErr, s.refused = nil, nil
	s.connCtx, s.connCancel = context.WithCancel(s.m.ctx)
	n := 0
	for _, b := range s.sendBuf {
		if s.m.send(b.msgs) != nil {
			break
		}
		n++
	}
	s.sendBuf = slices.Delete(s.sendBuf, 0, n)
	if len(s.sendBuf) == 0 {
		s.sendBuf = nil
	}
	s.drainLocked(true)
	s.notifyLocked()
	if f := s.opts.OnConnect; f != nil {
		s.run.do(f)
	}
	s.unlock()
}

func (s *Socket) onConnectError(p *socketio.Packet) {
	ce := &ConnectError{Namespace: s.nsp, codec: s.m.codec, p: p}
	if p.Data != nil {
		var msg string
		if err := s.m.codec.Unmarshal(p, p.Data, &msg); err == nil {
			ce.Message = msg
		} else {
			var obj map[string]any
			if err := s.m.codec.Unmarshal(p, p.Data, &obj); err == nil {
				ce.Message, _ = obj["message"].(string)
				ce.Data = obj["data"]
			}
		}
	}
	s.mu.Lock()
	s.refused = ce
	s.lastErr = ce
	s.sentGen = 0
	s.notifyLocked()
	s.unlock()
	s.m.deactivate(s)
	if f := s.opts.OnConnectError; f != nil {
		s.run.do(func() { f(ce) })
	}
}

func (s *Socket) onEvent(p *socketio.Packet) {
	s.mu.Lock()
	if s.pid != "" && !p.HasID() && len(p.Args) > 0 {
		if off, ok := s.stringArg(p, p.Args[len(p.Args)-1]); ok {
			s.lastOffset = off
		}
	}
	ctx := s.connCtx
	if ctx == nil {
		ctx = s.m.ctx
	}
	s.mu.Unlock()
	ev := &Event{Name: p.Event, s: s, p: p}
	s.run.do(func() { s.dispatch(ctx, ev) })
}

// stringArg returns raw as a string if it is one (socket.io-client's
// typeof arg === "string" test for the recovery offset).
func (s *Socket) stringArg(p *socketio.Packet, raw socketio.Raw) (string, bool) {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "", false
	}
	switch s.m.codec.Name() {
	case "json":
		if raw[0] != '"' {
			return "", false
		}
	case "msgpack":
		if b := raw[0]; !(b >= 0xa0 && b <= 0xbf || b == 0xd9 || b == 0xda || b == 0xdb) {
			return "", false
		}
	}
	var str string
	if err := s.m.codec.Unmarshal(p, raw, &str); err != nil {
		return "", false
	}
	return str, true
}

func (s *Socket) dispatch(ctx context.Context, ev *Event) {
	s.hmu.RLock()
	hs := append(slices.Clip(s.anyH), s.handlers[ev.Name]...)
	s.hmu.RUnlock()
	for _, h := range hs {
		h(ctx, ev)
	}
}

func (s *Socket) onAck(p *socketio.Packet) {
	s.mu.Lock()
	e := s.acks[p.ID]
	if e == nil {
		s.unlock() // unknown or expired ack id: ignored, as socket.io-client does
		return
	}
	delete(s.acks, p.ID)
	if e.timer != nil {
		e.timer.Stop()
	}
	a := &Ack{codec: s.m.codec, p: p}
	if e.q != nil {
		s.queueResultLocked(e.q, p.ID, a, nil)
	} else {
		s.resolveLater(e.call, a, nil)
	}
	s.unlock()
}

// onEngineClose handles the loss of the Manager's connection.
func (s *Socket) onEngineClose(reason string) {
	s.mu.Lock()
	s.closeLocked(reason)
	s.sentGen = 0
	s.notifyLocked()
	s.unlock()
}

// onDialError reports a failed connection attempt to a socket waiting to
// connect.
func (s *Socket) onDialError(err error) {
	s.mu.Lock()
	if s.connected {
		s.unlock()
		return
	}
	s.lastErr = err
	s.notifyLocked()
	s.unlock()
	if f := s.opts.OnConnectError; f != nil {
		s.run.do(func() { f(err) })
	}
}

// onStopped tells Connect waiters that the Manager stopped connecting.
func (s *Socket) onStopped(err error) {
	s.mu.Lock()
	if err != nil && !s.connected {
		s.lastErr = err
	}
	s.notifyLocked()
	s.unlock()
}

// shutdown is the socket's part of Manager.Close: leave the namespace, fail
// everything pending with ErrClosed.
func (s *Socket) shutdown() {
	s.mu.Lock()
	s.closed = true
	s.sendBuf = nil
	for _, q := range s.queue {
		s.resolveLater(q.call, nil, fmt.Errorf("client: emit %q: %w", q.p.Event, ErrClosed))
	}
	s.queue = nil
	s.failAcksLocked(ErrClosed, false)
	if s.connected {
		_ = s.sendLocked(&socketio.Packet{Type: socketio.Disconnect, Namespace: s.nsp, ID: socketio.NoID})
		s.closeLocked(ReasonClientDisconnect)
	}
	s.notifyLocked()
	s.unlock()
}

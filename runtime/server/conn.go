package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
	"github.com/siogen/sio/runtime/engine"
)

// conn is the Socket.IO side of one Engine.IO session (the reference's
// Client): it decodes packets, routes them to the socket of their
// namespace, and runs the namespace handshakes. It implements
// engine.Handler; the engine calls it for one session at a time.
type conn struct {
	srv *Server
	es  *engine.Session
	dec socketio.Decoder
	hs  Handshake // shared part of the sockets' handshakes

	failed bool // decode error seen (touched by OnPacket only)

	mu         sync.Mutex
	ctx        context.Context // ends when the session closes; see context
	cancel     context.CancelFunc
	sockets    []*Socket // one per namespace joined; a client joins few
	connecting []string  // namespaces whose handshake runs
	closed     bool
	timer      *time.Timer
}

// onSession sets up a new Engine.IO session.
func (srv *Server) onSession(es *engine.Session) {
	c := &conn{
		srv: srv,
		es:  es,
		dec: srv.codec.NewDecoder(socketio.DecoderOptions{MaxAttachments: srv.opts.MaxAttachments}),
	}
	ehs := es.Handshake()
	addr := ehs.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	c.hs = Handshake{
		Time:    ehs.Time,
		Address: addr,
		XDomain: ehs.HeaderValue("Origin") != "",
		Secure:  ehs.Secure,
		Issued:  ehs.Time.UnixMilli(),
		URL:     ehs.URL,
		// Headers and Query are built on first use (Socket.Handshake):
		// an idle connection keeps only the engine's packed copy.
	}
	c.mu.Lock()
	c.timer = time.AfterFunc(srv.opts.ConnectTimeout, c.onConnectTimeout)
	c.mu.Unlock()
	es.SetHandler(c)
}

// OnPacket implements engine.Handler.
func (c *conn) OnPacket(m engineio.Packet) {
	if c.failed {
		return
	}
	p, err := c.dec.Decode(m)
	if err != nil {
		c.failed = true
		c.srv.logger.Debug("socket.io: closing connection on invalid packet", "sid", c.es.ID(), "err", err)
		c.es.Close(ReasonForcedClose)
		return
	}
	if p == nil {
		return // waiting for attachments
	}
	c.route(p)
}

// context returns the connection's context, which ends when the session
// closes. It is made on first use (a middleware, a dynamic namespace, a
// socket's Context): an idle connection without them needs none.
func (c *conn) context() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		c.ctx, c.cancel = context.WithCancel(context.Background())
		if c.closed {
			c.cancel()
		}
	}
	return c.ctx
}

// socketLocked returns the socket of namespace name, or nil.
func (c *conn) socketLocked(name string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == name {
			return s
		}
	}
	return nil
}

// route hands a decoded packet to its namespace's socket.
func (c *conn) route(p *socketio.Packet) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	s := c.socketLocked(p.Namespace)
	connecting := slices.Contains(c.connecting, p.Namespace)
	if p.Type == socketio.Connect && s == nil && !connecting {
		c.connecting = append(c.connecting, p.Namespace)
		c.mu.Unlock()
		c.srv.tasks.Add(1)
		go func() {
			defer c.srv.tasks.Done()
			c.connect(p)
		}()
		return
	}
	c.mu.Unlock()
	if s == nil || p.Type == socketio.Connect || p.Type == socketio.ConnectError {
		c.invalidState(p)
		return
	}
	switch p.Type {
	case socketio.Event, socketio.BinaryEvent:
		if !s.onEvent(p) {
			c.srv.logger.Debug("socket.io: closing connection: too many pending events", "sid", c.es.ID(), "nsp", p.Namespace)
			c.es.Close(ReasonForcedServerClose)
		}
	case socketio.Ack, socketio.BinaryAck:
		s.onAck(p)
	case socketio.Disconnect:
		s.onClose(ReasonClientNamespaceDisconnect)
	default:
		c.invalidState(p)
	}
}

// invalidState closes the connection on a packet that makes no sense in
// the connection's state (the reference server does the same).
func (c *conn) invalidState(p *socketio.Packet) {
	c.srv.logger.Debug("socket.io: closing connection: invalid state", "sid", c.es.ID(), "type", p.Type, "nsp", p.Namespace)
	c.es.Close(ReasonForcedServerClose)
}

// OnClose implements engine.Handler: every socket of the connection
// disconnects with the session's close reason.
func (c *conn) OnClose(reason string, err error) {
	c.mu.Lock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	socks := slices.Clone(c.sockets)
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	for _, s := range socks {
		s.onClose(reason)
	}
}

func (c *conn) onConnectTimeout() {
	c.mu.Lock()
	idle := !c.closed && len(c.sockets) == 0
	c.mu.Unlock()
	if idle {
		c.srv.logger.Debug("socket.io: closing connection: no namespace joined in time", "sid", c.es.ID())
		c.es.Close(ReasonForcedServerClose)
	}
}

// remove forgets a disconnected socket.
func (c *conn) remove(s *Socket) {
	c.mu.Lock()
	if i := slices.Index(c.sockets, s); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
	}
	c.mu.Unlock()
}

// disconnectAll disconnects every socket (each client gets DISCONNECT) and
// closes the connection.
func (c *conn) disconnectAll() {
	c.mu.Lock()
	socks := slices.Clone(c.sockets)
	c.mu.Unlock()
	for _, s := range socks {
		s.Disconnect(false)
	}
	c.es.Close(ReasonForcedServerClose)
}

// write encodes and queues a packet of the connection itself (CONNECT
// replies, CONNECT_ERROR, DISCONNECT).
func (c *conn) write(p *socketio.Packet) {
	pkts, err := c.srv.codec.Encode(p)
	if err != nil {
		c.srv.logger.Error("socket.io: encode", "type", p.Type, "nsp", p.Namespace, "err", err)
		return
	}
	_ = c.es.Send(pkts...)
}

// send queues encoded packets with the emit's transport options: volatile
// packets are dropped when the transport cannot take them now.
func (c *conn) send(pkts []engineio.Packet, o engine.SendOptions) error {
	if _, err := c.es.SendWith(o, pkts...); err != nil {
		return fmt.Errorf("server: send to %s: %w", c.es.ID(), err)
	}
	return nil
}

// connectReply is the CONNECT payload the server answers with.
type connectReply struct {
	SID string `json:"sid" msgpack:"sid"`
	PID string `json:"pid,omitempty" msgpack:"pid,omitempty"`
}

// connect runs the namespace handshake for a CONNECT packet on its own
// goroutine, since dynamic namespace matchers and middlewares may block.
func (c *conn) connect(p *socketio.Packet) {
	name := p.Namespace
	auth := &Args{codec: c.srv.codec, p: &socketio.Packet{Type: socketio.Event, Namespace: name, ID: socketio.NoID}}
	if p.Data != nil {
		auth.p.Args = []socketio.Raw{p.Data}
		auth.p.Attachments = p.Attachments
	}
	var nsp *Namespace
	for range 3 {
		nsp = c.srv.lookup(c, name, auth)
		if nsp == nil || nsp.reserve() {
			break
		}
		nsp = nil // removed meanwhile: look again
	}
	if nsp == nil {
		c.endConnecting(name)
		c.writeConnectError(name, &ConnectError{Message: "Invalid namespace"})
		return
	}
	s := c.newSocket(nsp, p)
	var err error
	rec := c.srv.opts.ConnectionStateRecovery
	if !s.recovered || rec == nil || rec.RunMiddlewares {
		err = c.srv.call(func() error { return nsp.runMiddlewares(c, s) })
	}
	if err != nil {
		s.endContext()
		nsp.unreserve()
		c.endConnecting(name)
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if !closed {
			c.writeConnectError(name, err)
		}
		return
	}
	c.activate(nsp, s)
}

func (c *conn) endConnecting(name string) {
	c.mu.Lock()
	c.connecting = slices.DeleteFunc(c.connecting, func(n string) bool { return n == name })
	c.mu.Unlock()
}

func (c *conn) writeConnectError(name string, err error) {
	payload := connectErrorPayload{Message: err.Error()}
	var ce *ConnectError
	if errors.As(err, &ce) {
		payload = connectErrorPayload{Message: ce.Message, Data: ce.Data}
	}
	p := &socketio.Packet{Type: socketio.ConnectError, Namespace: name, ID: socketio.NoID}
	if err := c.srv.codec.SetData(p, payload); err != nil {
		c.srv.logger.Error("socket.io: encode connect error", "nsp", name, "err", err)
		p.Data = nil
		if err := c.srv.codec.SetData(p, connectErrorPayload{Message: payload.Message}); err != nil {
			return
		}
	}
	c.write(p)
}

// noAuthConnect stands for every CONNECT packet without a payload. It is
// never modified.
var noAuthConnect = &socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: socketio.NoID}

// newSocket creates the socket for a CONNECT, recovering the previous
// session when the client presents a valid pid and offset.
func (c *conn) newSocket(nsp *Namespace, p *socketio.Packet) *Socket {
	if p.Data == nil && len(p.Attachments) == 0 {
		p = noAuthConnect // an idle socket need not keep its CONNECT packet
	}
	s := &Socket{nsp: nsp, conn: c, connPkt: p}
	s.exec = serial{srv: c.srv, paused: true}
	if c.srv.opts.ConnectionStateRecovery != nil {
		auth := s.authMap()
		pid, _ := auth["pid"].(string)
		offset, _ := auth["offset"].(string)
		if pid != "" && offset != "" {
			sess, err := nsp.adapter.RestoreSession(pid, offset)
			if err != nil {
				c.srv.logger.Debug("socket.io: restore session", "nsp", nsp.name, "err", err)
			}
			if sess != nil {
				s.id, s.pid, s.data, s.recovered = sess.SID, sess.PID, sess.Data, true
				s.restored = sess
			}
		}
		if !s.recovered {
			s.pid = newID()
		}
	}
	if s.id == "" {
		s.id = newID()
	}
	return s
}

// activate connects a socket that passed the middlewares: it registers the
// socket with the connection, answers CONNECT, replays missed packets,
// makes the socket reachable by broadcasts, then lets its connection
// handlers and events run, in that order.
func (c *conn) activate(nsp *Namespace, s *Socket) {
	s.mu.Lock()
	s.connected = true
	s.mu.Unlock()
	s.exec.push(func() {
		pfns, nfns := nsp.connectionHandlers()
		for _, list := range [][]func(*Socket){pfns, nfns} {
			for _, fn := range list {
				fn(s)
			}
		}
	}, 0)

	c.mu.Lock()
	c.connecting = slices.DeleteFunc(c.connecting, func(n string) bool { return n == nsp.name })
	if c.closed {
		c.mu.Unlock()
		s.mu.Lock()
		s.connected = false
		s.mu.Unlock()
		s.endContext()
		nsp.unreserve()
		return
	}
	c.sockets = append(c.sockets, s)
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()

	// Reachable first (broadcasts from now on are held), then the CONNECT
	// reply and the missed packets, then what was held: a client never
	// misses a broadcast sent after it was told it is connected.
	var rooms []string
	if s.restored != nil {
		rooms = s.restored.Rooms
	}
	s.mu.Lock()
	live := s.connected && !s.closing
	if live {
		s.holding = true
		nsp.add(s)
		all := append([]string{s.id}, rooms...)
		if h := s.hooks; h != nil {
			all = append(all, h.preRooms...)
			h.preRooms = nil
		}
		nsp.adapter.AddAll(s.id, all...)
		s.live = true
	}
	s.mu.Unlock()
	if !live {
		nsp.unreserve()
	}

	reply := &socketio.Packet{Type: socketio.Connect, Namespace: nsp.name, ID: socketio.NoID}
	if err := c.srv.codec.SetData(reply, connectReply{SID: s.id, PID: s.pid}); err != nil {
		c.srv.logger.Error("socket.io: encode connect reply", "nsp", nsp.name, "err", err)
	}
	c.write(reply)
	if s.restored != nil {
		for _, mp := range s.restored.MissedPackets {
			cp := *mp
			cp.Namespace = nsp.name
			cp.ID = socketio.NoID
			if pkts, err := c.srv.codec.Encode(&cp); err == nil {
				_ = c.send(pkts, engine.SendOptions{})
			}
		}
		s.restored = nil
	}
	s.release()
	s.exec.resume()
}

var _ adapter.Socket = (*Socket)(nil)
var _ adapter.Namespace = (*Namespace)(nil)

package client

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/engineclient"
)

// Manager is the client of one Socket.IO server URL: it owns the Engine.IO
// connection, multiplexes the namespace sockets over it, and reconnects
// with backoff when the connection is lost, as socket.io-client's Manager.
//
// The connection is opened when the first socket opens and closed when the
// last one disconnects. One goroutine runs the connection loop while the
// Manager is connecting or connected; callbacks run on goroutines that exist
// only while callbacks are due. Close ends them all.
type Manager struct {
	url   string
	opts  Options
	codec socketio.Codec
	run   *runner

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{} // capacity 1: re-check whether the connection is wanted

	mu      sync.Mutex
	nsps    map[string]*Socket
	conn    *engineclient.Conn
	gen     uint64 // generation of conn, incremented per opened connection
	running bool   // the connection loop runs
	closed  bool
}

// NewManager returns a Manager for the server at rawURL (http, https, ws or
// wss; the path is ignored: the Engine.IO path is Options.Engine.Path and
// namespaces are chosen with Socket). It opens nothing yet.
func NewManager(rawURL string, opts Options) (*Manager, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: url %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return nil, fmt.Errorf("client: url %q: scheme must be http, https, ws or wss", rawURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: url %q: missing host", rawURL)
	}
	opts = opts.withDefaults()
	m := &Manager{
		url:   rawURL,
		opts:  opts,
		codec: opts.Codec,
		run:   newRunner(),
		kick:  make(chan struct{}, 1),
		nsps:  make(map[string]*Socket),
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// Dial connects to the namespace named by rawURL's path ("/" when empty)
// on a new Manager, and returns the connected socket. On failure the
// Manager is closed. Close the socket's Manager when done. Events the
// server sends as soon as the socket connects can arrive before handlers
// registered after Dial returns; see Manager.Socket for the order that
// receives them.
func Dial(ctx context.Context, rawURL string, opts Options, sopts SocketOptions) (*Socket, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: url %q: %w", rawURL, err)
	}
	m, err := NewManager(rawURL, opts)
	if err != nil {
		return nil, err
	}
	s, err := m.Socket(u.Path, sopts)
	if err == nil && opts.NoAutoConnect {
		err = s.Open()
	}
	if err == nil {
		// Wait for the first connect since the socket was created, not
		// for one after now: the connection may already have come and
		// gone (Connect would open it again).
		err = s.waitConnect(ctx, 0)
	}
	if err != nil {
		m.Close()
		return nil, err
	}
	return s, nil
}

// Socket creates the socket of namespace nsp ("" or "/" for the main one).
// Unless Options.NoAutoConnect is set, it starts connecting at once (see
// Socket.Open). Each namespace has at most one socket per Manager.
//
// Events that arrive before a handler for them is registered are dropped,
// as in socket.io-client. Unlike JavaScript, where handlers added right
// after io() always come first, a Go server can greet a socket before the
// caller's On runs: to receive events sent on connection, set
// NoAutoConnect, register the handlers, then call Connect or Open.
func (m *Manager) Socket(nsp string, opts SocketOptions) (*Socket, error) {
	if nsp == "" {
		nsp = "/"
	}
	if nsp[0] != '/' || strings.IndexByte(nsp, ',') >= 0 {
		return nil, fmt.Errorf("client: invalid namespace %q", nsp)
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, fmt.Errorf("client: socket %s: %w", nsp, ErrClosed)
	}
	if _, ok := m.nsps[nsp]; ok {
		m.mu.Unlock()
		return nil, fmt.Errorf("client: namespace %s already has a socket on this manager", nsp)
	}
	s := newSocket(m, nsp, opts)
	m.nsps[nsp] = s
	m.mu.Unlock()
	if !m.opts.NoAutoConnect {
		if err := s.Open(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Transport returns the name of the transport of the current connection
// ("polling" or "websocket"), or "" when not connected.
func (m *Manager) Transport() string {
	m.mu.Lock()
	conn := m.conn
	m.mu.Unlock()
	if conn == nil {
		return ""
	}
	return conn.Transport()
}

// EngineID returns the Engine.IO session id of the current connection, or
// "".
func (m *Manager) EngineID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn == nil {
		return ""
	}
	return m.conn.ID()
}

// Close disconnects every socket (sending DISCONNECT for the connected
// namespaces), closes the connection cleanly, fails whatever is pending
// with ErrClosed, and returns when every goroutine of the Manager has
// exited, except when called from a callback, where the callback goroutines
// finish by themselves once it returns. Calling Close again only waits.
func (m *Manager) Close() error {
	m.mu.Lock()
	first := !m.closed
	m.closed = true
	socks := make([]*Socket, 0, len(m.nsps))
	for _, s := range m.nsps {
		socks = append(socks, s)
		s.active = false
	}
	m.mu.Unlock()
	if first {
		for _, s := range socks {
			s.shutdown()
		}
		m.cancel()
	}
	m.wg.Wait()
	for _, s := range socks {
		s.run.close()
	}
	m.run.close()
	return nil
}

// activate marks s as wanting a connection, starting the loop or sending
// its CONNECT on the open connection.
func (m *Manager) activate(s *Socket) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("client: open %s: %w", s.nsp, ErrClosed)
	}
	s.active = true
	if !m.running {
		m.running = true
		m.wg.Add(1)
		go m.loop()
		return nil
	}
	if m.conn != nil {
		gen := m.gen
		s.run.do(func() { s.sendConnect(gen) })
	}
	return nil
}

// deactivate marks s as not wanting the connection any more; the loop
// closes the connection when no socket wants it.
func (m *Manager) deactivate(s *Socket) {
	m.mu.Lock()
	s.active = false
	m.mu.Unlock()
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// status reports whether s is active and the loop runs.
func (m *Manager) status(s *Socket) (active, running bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return s.active, m.running
}

// current reports whether gen is the open connection and s is active.
func (m *Manager) current(s *Socket, gen uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.conn != nil && m.gen == gen && s.active
}

// wantedLocked reports whether some socket wants the connection.
func (m *Manager) wantedLocked() bool {
	for _, s := range m.nsps {
		if s.active {
			return true
		}
	}
	return false
}

// send hands encoded messages to the current connection.
func (m *Manager) send(msgs []engineio.Packet) error {
	m.mu.Lock()
	conn := m.conn
	m.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("client: not connected")
	}
	return conn.Send(msgs...)
}

// sendVolatile hands msgs to the Engine.IO connection only if its
// transport can take them right now (see engineclient.Conn.SendVolatile).
func (m *Manager) sendVolatile(msgs []engineio.Packet) bool {
	m.mu.Lock()
	conn := m.conn
	m.mu.Unlock()
	return conn != nil && conn.SendVolatile(msgs...)
}

func (m *Manager) event(f func()) { m.run.do(f) }

func (m *Manager) sockets(activeOnly bool) []*Socket {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Socket, 0, len(m.nsps))
	for _, s := range m.nsps {
		if s.active || !activeOnly {
			out = append(out, s)
		}
	}
	return out
}

// stop ends the loop: the Manager is idle until a socket opens again.
func (m *Manager) stop(err error) {
	m.mu.Lock()
	m.running = false
	m.mu.Unlock()
	for _, s := range m.sockets(true) {
		s.onStopped(err)
	}
}

// stopIfUnwanted ends the loop when no socket wants a connection.
func (m *Manager) stopIfUnwanted() bool {
	m.mu.Lock()
	if m.closed || !m.wantedLocked() {
		m.running = false
		m.mu.Unlock()
		return true
	}
	m.mu.Unlock()
	return false
}

// loop opens the connection, waits for its end and reconnects with backoff,
// as long as a socket wants it.
func (m *Manager) loop() {
	defer m.wg.Done()
	bo := newBackoff(m.opts)
	reconnecting := false
	for {
		if reconnecting {
			if n := m.opts.ReconnectionAttempts; n > 0 && bo.attempts >= n {
				bo.reset()
				if f := m.opts.OnReconnectFailed; f != nil {
					m.event(f)
				}
				m.stop(fmt.Errorf("client: %s: %w", m.url, ErrReconnectFailed))
				return
			}
			if !m.sleep(bo.duration()) {
				m.stop(ErrClosed)
				return
			}
			if m.stopIfUnwanted() {
				return
			}
			if f, n := m.opts.OnReconnectAttempt, bo.attempts; f != nil {
				m.event(func() { f(n) })
			}
		} else if m.stopIfUnwanted() {
			return
		}

		gen := m.gen + 1 // only this goroutine writes m.gen
		h := &engineHandler{m: m, gen: gen, dec: m.codec.NewDecoder(m.opts.DecoderOptions)}
		eo := m.opts.Engine
		eo.Handler = h
		ctx, cancel := context.WithTimeout(m.ctx, m.opts.Timeout)
		conn, err := engineclient.Dial(ctx, m.url, eo)
		cancel()
		if err != nil {
			if m.ctx.Err() != nil {
				m.stop(ErrClosed)
				return
			}
			err = fmt.Errorf("client: open %s: %w", m.url, err)
			for _, s := range m.sockets(true) {
				s.onDialError(err)
			}
			if f := m.opts.OnReconnectError; f != nil && reconnecting {
				m.event(func() { f(err) })
			}
			if m.opts.NoReconnection {
				m.stop(err)
				return
			}
			reconnecting = true
			continue
		}
		h.conn.Store(conn)
		m.mu.Lock()
		m.conn = conn
		m.gen = gen
		var socks []*Socket
		for _, s := range m.nsps {
			if s.active {
				socks = append(socks, s)
			}
		}
		m.mu.Unlock()
		if h.broken.Load() {
			conn.Close()
		}
		if f := m.opts.OnOpen; f != nil {
			m.event(f)
		}
		for _, s := range socks {
			s.run.do(func() { s.sendConnect(gen) })
		}
		if reconnecting {
			if f, n := m.opts.OnReconnect, bo.attempts; f != nil {
				m.event(func() { f(n) })
			}
			reconnecting = false
		}
		bo.reset()

		unwanted := m.wait(conn)
		m.mu.Lock()
		m.conn = nil
		m.mu.Unlock()
		if m.ctx.Err() != nil {
			m.stop(ErrClosed)
			return
		}
		if unwanted {
			continue // the top of the loop stops unless a socket opened meanwhile
		}
		if m.opts.NoReconnection {
			reason, err := h.closeReason(conn)
			m.stop(fmt.Errorf("client: connection lost (%s): %v", reason, err))
			return
		}
		reconnecting = true
	}
}

// sleep waits d, or returns false when the Manager is closed.
func (m *Manager) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-m.ctx.Done():
		return false
	}
}

// wait returns when conn has ended. It closes conn when the Manager is
// closed or no socket wants it any more (then it reports true).
func (m *Manager) wait(conn *engineclient.Conn) (unwanted bool) {
	for {
		select {
		case <-conn.Done():
			return false
		case <-m.ctx.Done():
			conn.Close()
			return false
		case <-m.kick:
			m.mu.Lock()
			wanted := m.wantedLocked()
			m.mu.Unlock()
			if !wanted {
				conn.Close()
				return true
			}
		}
	}
}

// route passes a decoded packet to its namespace's socket. Packets of a
// namespace without an active socket are ignored, as socket.io-client does.
func (m *Manager) route(p *socketio.Packet) {
	m.mu.Lock()
	s := m.nsps[p.Namespace]
	ok := s != nil && s.active
	m.mu.Unlock()
	if ok {
		s.onPacket(p)
	}
}

// engineHandler receives one connection's messages on its dispatcher
// goroutine and decodes them with the connection's decoder.
type engineHandler struct {
	m      *Manager
	gen    uint64
	dec    socketio.Decoder
	conn   atomic.Pointer[engineclient.Conn]
	broken atomic.Bool
	perr   error
}

// OnPacket implements engineclient.Handler.
func (h *engineHandler) OnPacket(p engineio.Packet) {
	if h.broken.Load() {
		return
	}
	pkt, err := h.dec.Decode(p)
	if err != nil {
		h.perr = err
		h.broken.Store(true)
		if c := h.conn.Load(); c != nil {
			c.Close() // returns at once from a handler
		}
		return
	}
	if pkt != nil {
		h.m.route(pkt)
	}
}

// OnUpgrade implements engineclient.UpgradeHandler.
func (h *engineHandler) OnUpgrade(transport string) {
	if f := h.m.opts.OnUpgrade; f != nil {
		h.m.event(func() { f(transport) })
	}
}

// OnUpgradeError implements engineclient.UpgradeHandler.
func (h *engineHandler) OnUpgradeError(err error) {
	if f := h.m.opts.OnUpgradeError; f != nil {
		h.m.event(func() { f(err) })
	}
}

// closeReason is why conn, which has ended, closed: a packet the codec
// could not decode counts as ReasonParseError, as OnClose reports it.
func (h *engineHandler) closeReason(conn *engineclient.Conn) (string, error) {
	if h.broken.Load() {
		return ReasonParseError, h.perr
	}
	return conn.CloseReason()
}

// OnClose implements engineclient.Handler.
func (h *engineHandler) OnClose(reason string, err error) {
	if h.broken.Load() {
		reason, err = ReasonParseError, h.perr
	}
	// From now on sends fail fast and a socket opening now waits for the
	// next connection instead of sending CONNECT on this dead one.
	h.m.mu.Lock()
	if h.m.gen == h.gen {
		h.m.conn = nil
	}
	h.m.mu.Unlock()
	for _, s := range h.m.sockets(false) {
		s.onEngineClose(reason)
	}
	if f := h.m.opts.OnClose; f != nil {
		h.m.event(func() { f(reason, err) })
	}
}

package engine

import (
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/siogen/sio/codec/engineio"
)

// Reasons passed to Handler.OnClose, the strings of the reference server.
const (
	// ReasonTransportClose: the client closed the session (polling POST of
	// a close packet, WebSocket closed by the peer or the connection ended).
	ReasonTransportClose = "transport close"
	// ReasonTransportError: the transport failed or the client broke a
	// protocol rule (duplicate or cancelled poll, overlapping POST, binary
	// POST, ping sent by the client, oversized or invalid WebSocket message,
	// write error, full send queue). The error says which.
	ReasonTransportError = "transport error"
	// ReasonPingTimeout: no pong arrived within PingTimeout of a ping.
	ReasonPingTimeout = "ping timeout"
	// ReasonParseError: the client sent a packet that does not decode.
	ReasonParseError = "parse error"
	// ReasonForcedClose: the conventional reason for Session.Close called by
	// the application.
	ReasonForcedClose = "forced close"
	// ReasonServerShutdown: Server.Close closed the session.
	ReasonServerShutdown = "server shutting down"
)

// Errors reported by Send and passed to Handler.OnClose.
var (
	// ErrClosed is returned by Send once the session is closed.
	ErrClosed = errors.New("engine: session closed")
	// ErrQueueFull closes a session whose queue exceeded MaxQueuedBytes.
	ErrQueueFull = errors.New("engine: send queue full (client too slow)")
)

// Handler receives a session's events. The server calls its methods from
// its own goroutines, never two at a time for one session.
type Handler interface {
	// OnPacket is called for every message packet (text or binary) the
	// client sends, in arrival order. The handler owns p.Data: the server
	// never reuses that memory. Heartbeat and upgrade packets are handled by
	// the server and not passed on.
	OnPacket(p engineio.Packet)
	// OnClose is called once when the session ends, after its last OnPacket.
	// err gives details for error reasons and may be nil.
	OnClose(reason string, err error)
}

// HandlerFuncs adapts two functions to a Handler; nil fields are ignored.
type HandlerFuncs struct {
	Packet func(p engineio.Packet)
	Close  func(reason string, err error)
}

// OnPacket calls f.Packet.
func (f HandlerFuncs) OnPacket(p engineio.Packet) {
	if f.Packet != nil {
		f.Packet(p)
	}
}

// OnClose calls f.Close.
func (f HandlerFuncs) OnClose(reason string, err error) {
	if f.Close != nil {
		f.Close(reason, err)
	}
}

// Handshake describes the request that opened a session. It never changes.
type Handshake struct {
	// Time is when the session was opened.
	Time time.Time
	// RemoteAddr is the client's network address (host:port) as net/http
	// reports it.
	RemoteAddr string
	// Host is the Host header of the request.
	Host string
	// URL is the request URI (path and query) of the first request.
	URL string
	// Secure reports whether the first request came over TLS.
	Secure bool
	// Transport is the transport the session started on.
	Transport string

	header    string      // the first request's headers, packed (see Header)
	headerMap http.Header // instead, when they cannot be packed (see header.go)
}

// Query parses the query string of the first request.
func (h *Handshake) Query() url.Values {
	u, err := url.ParseRequestURI(h.URL)
	if err != nil {
		return url.Values{}
	}
	return u.Query()
}

type sessionState uint8

const (
	stateOpen     sessionState = iota
	stateDraining              // closed for the application; a polling client still gets its last packets
	stateClosed
)

type heartbeatPhase uint8

const (
	hbInterval heartbeatPhase = iota // waiting to send the next ping
	hbPong                           // ping sent, waiting for the pong
	hbDrain                          // closed, waiting for the last poll
)

// clientCloseLinger is how long a polling session closed by its client
// (POST "1") still answers a poll that raced the POST with a noop.
const clientCloseLinger = 200 * time.Millisecond

// packetOverhead is what each queued packet counts toward MaxQueuedBytes
// beyond its data, so floods of empty packets are bounded too.
const packetOverhead = 16

// Session is one Engine.IO connection: a client identified by its sid, on
// the polling or the WebSocket transport. All methods are safe for
// concurrent use.
type Session struct {
	srv *Server
	id  string
	hs  Handshake

	// dispatchMu serializes the calls into the Handler.
	dispatchMu sync.Mutex

	mu          sync.Mutex
	handler     Handler
	state       sessionState
	closeReason string
	closeErr    error
	closeCalled bool // OnClose has been handed to a goroutine
	usesWS      bool // current transport is WebSocket

	queue  []engineio.Packet
	spare  []engineio.Packet // an emptied queue array a busy writer hands back
	queued int               // bytes counted toward MaxQueuedBytes

	timer *time.Timer // heartbeat (or drain) timer
	due   time.Time
	phase heartbeatPhase
	// pingQueued: a ping is in the queue, not yet taken by a writer
	pingQueued bool

	// polling
	pollWaiting bool          // a GET is pending
	pollWake    chan struct{} // wakes the pending GET (capacity 1)
	pollNoop    bool          // the pending GET must return now, with a noop if nothing else
	pollFinal   engineio.PacketType
	posting     bool // a POST is being processed
	// plainQueued counts the queued packets sent with NoCompress: a poll
	// response is compressed unless every packet in it asks not to be.
	plainQueued int32

	// upgrade
	probe    *wsConn // the WebSocket being probed, nil when none
	probed   bool    // "2probe" answered on probe
	upgraded bool

	// websocket
	ws      *wsConn
	writing bool // a writer goroutine is draining the queue
}

// ID returns the session id (sid), 20 URL-safe base64 characters.
func (s *Session) ID() string { return s.id }

// Handshake returns what the session's first request looked like.
func (s *Session) Handshake() *Handshake { return &s.hs }

// Transport returns the current transport, Polling or WebSocket.
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usesWS {
		return WebSocket
	}
	return Polling
}

// SetHandler sets the receiver of the session's packets and close event.
// Message packets arriving while no handler is set are dropped, so set it
// in Options.OnSession. If the session is already closed, h.OnClose is
// called (once) on another goroutine.
func (s *Session) SetHandler(h Handler) {
	s.mu.Lock()
	s.handler = h
	late := s.state != stateOpen && !s.closeCalled
	if late {
		s.closeCalled = true
	}
	s.mu.Unlock()
	if late {
		s.srv.goTracked(s.notifyClose)
	}
}

// Send queues packets for the client and returns at once: it never waits for
// the network. The packets' Data may be shared with other sessions (a
// broadcast encoded once) and is not modified; the caller must not modify it
// either until it has been written. Send fails with ErrClosed once the
// session is closed, and with ErrQueueFull (closing the session) when the
// client does not keep up.
func (s *Session) Send(ps ...engineio.Packet) error {
	_, err := s.SendWith(SendOptions{}, ps...)
	return err
}

// SendOptions are the per-emit transport flags of the reference's
// socket.volatile and socket.compress(false).
type SendOptions struct {
	// Volatile drops the packets unless the transport can take them now;
	// see SendVolatile.
	Volatile bool
	// NoCompress asks that the packets not be compressed. Long-polling
	// compresses a response (see Options.HTTPCompressionThreshold) unless
	// every packet in it was sent with NoCompress, as the reference does.
	// WebSocket frames are never compressed.
	NoCompress bool
}

// SendWith queues packets with per-send options and reports whether they
// were queued: a volatile send that the transport cannot take now returns
// false and no error; otherwise it behaves as Send.
func (s *Session) SendWith(o SendOptions, ps ...engineio.Packet) (bool, error) {
	if o.Volatile {
		return s.sendVolatile(o, ps), nil
	}
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return false, ErrClosed
	}
	if max := s.srv.opts.MaxQueuedBytes; max > 0 {
		n := s.queued
		for _, p := range ps {
			n += len(p.Data) + packetOverhead
		}
		if n > max {
			s.mu.Unlock()
			s.terminate(ReasonTransportError, ErrQueueFull, closeNow)
			return false, ErrQueueFull
		}
	}
	s.pushLocked(ps...)
	if o.NoCompress {
		s.plainQueued += int32(len(ps))
	}
	startWriter := s.kickLocked()
	s.mu.Unlock()
	if startWriter != nil {
		s.srv.goTracked(startWriter)
	}
	return true, nil
}

// volatileBacklog is how many bytes may already wait in a session's queue
// for SendVolatile to still count the transport as writable: a WebSocket
// writer that keeps up takes the queue as fast as it fills, one that is
// stuck on a slow client lets it grow past this.
const volatileBacklog = 16 << 10

// SendVolatile queues packets only if the transport can take them right
// now, and reports whether it did; otherwise it drops them. It never closes
// the session and never returns an error. This is the reference server's
// volatile emit, which discards a packet when
// !socket.conn.transport.writable:
//
//   - WebSocket: the packets are queued when the writer keeps up, that is
//     when less than 16 KiB already waits in the queue (the writer
//     takes everything queued at once, so a backlog means it is stuck on a
//     slow client).
//   - Long-polling: the packets are queued only while a GET is pending (it
//     takes them at once), again with less than 16 KiB already waiting;
//     between two polls they are dropped, as the reference drops them
//     until the client's next GET arrives.
//
// Either way the packets are dropped if they would exceed MaxQueuedBytes,
// or once the session is closed. Volatile packets that are queued are
// delivered like any other, in order with them.
func (s *Session) SendVolatile(ps ...engineio.Packet) bool {
	return s.sendVolatile(SendOptions{Volatile: true}, ps)
}

func (s *Session) sendVolatile(o SendOptions, ps []engineio.Packet) bool {
	n := 0
	for _, p := range ps {
		n += len(p.Data) + packetOverhead
	}
	s.mu.Lock()
	if s.state != stateOpen || !s.writableLocked() {
		s.mu.Unlock()
		return false
	}
	if max := s.srv.opts.MaxQueuedBytes; max > 0 && s.queued+n > max {
		s.mu.Unlock()
		return false
	}
	s.pushLocked(ps...)
	if o.NoCompress {
		s.plainQueued += int32(len(ps))
	}
	startWriter := s.kickLocked()
	s.mu.Unlock()
	if startWriter != nil {
		s.srv.goTracked(startWriter)
	}
	return true
}

// writableLocked reports whether the transport takes packets right now
// (see SendVolatile).
func (s *Session) writableLocked() bool {
	if s.queued >= volatileBacklog {
		return false
	}
	if s.usesWS {
		return s.ws != nil
	}
	return s.pollWaiting
}

// Close closes the session with the given reason (ReasonForcedClose unless
// you have a better one); Handler.OnClose receives it. Packets already
// queued are still delivered before the transport closes: a WebSocket
// client gets them followed by a close frame; a polling client gets them
// in one poll and the close packet in the next one, as the reference server
// does (a client handles a close packet at once, but hands the messages
// before it to the layer above asynchronously: in the same response, the
// close would overtake them). A session closed while its client upgrades
// to WebSocket lets the upgrade finish (bounded by UpgradeTimeout) when the
// client has paused polling for it, and tells it there, as the reference
// does: the packets polling did not take, then a close frame. Close does
// not wait.
func (s *Session) Close(reason string) {
	s.terminate(reason, nil, closeDrain)
}

// pushLocked appends packets to the queue.
func (s *Session) pushLocked(ps ...engineio.Packet) {
	for _, p := range ps {
		s.queued += len(p.Data) + packetOverhead
	}
	if s.queue == nil {
		s.queue, s.spare = s.spare, nil
	}
	s.queue = append(s.queue, ps...)
}

// kickLocked makes sure something will drain the queue: it wakes the
// pending GET, or returns the WebSocket writer to start (outside the lock).
func (s *Session) kickLocked() func() {
	if !s.usesWS {
		if s.pollWaiting {
			select {
			case s.pollWake <- struct{}{}:
			default:
			}
		}
		return nil
	}
	if s.writing || s.ws == nil {
		return nil
	}
	s.writing = true
	c := s.ws
	return func() { s.writeLoop(c) }
}

// takeQueueLocked removes and returns everything queued, for writing. When
// that includes a ping, the client gets a full pingTimeout from now to
// answer it, as it would from the reference server (which starts the
// timeout when it sends the ping).
func (s *Session) takeQueueLocked() []engineio.Packet {
	if s.pingQueued {
		s.pingQueued = false
		if s.state == stateOpen && s.phase == hbPong {
			if d := time.Now().Add(s.srv.opts.PingTimeout); d.After(s.due) {
				s.due = d
				s.timer.Reset(s.srv.opts.PingTimeout)
			}
		}
	}
	q := s.queue
	s.queue = nil
	s.queued, s.plainQueued = 0, 0
	return q
}

type closeMode uint8

const (
	closeNow     closeMode = iota // drop the queue; end the transport at once
	closeClient                   // the client asked (polling "1"): release the GET with a noop
	closeDrain                    // deliver the queue first (application Close)
	closeDiscard                  // server shutdown: deliver to a pending GET only, never wait for one
)

// terminate closes the session once; later calls do nothing. OnClose is
// delivered on a new goroutine.
func (s *Session) terminate(reason string, err error, mode closeMode) {
	s.end(reason, err, mode, false)
}

// terminateInline is terminate for the server's own goroutines (timers,
// transport readers and writers, HTTP handlers), which hold no
// application lock: OnClose runs right there when no OnPacket is running,
// saving a goroutine hop on the dead-client path.
func (s *Session) terminateInline(reason string, err error, mode closeMode) {
	s.end(reason, err, mode, true)
}

func (s *Session) end(reason string, err error, mode closeMode, inline bool) {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return
	}
	s.closeReason, s.closeErr = reason, err
	s.state = stateClosed
	s.timer.Stop()
	if mode == closeNow || mode == closeClient {
		clear(s.queue) // drop references to shared broadcast data
		s.queue, s.queued, s.plainQueued = nil, 0, 0
	}
	// An upgrade in progress is let finish when the application closes:
	// a client that has had its probe answered pauses polling and waits
	// for nothing but the probe, so only the WebSocket can tell it about
	// the close (probeLoop then delivers the queue and a close frame, as
	// the reference does). Otherwise the probe is ended now.
	keepProbe := s.probe != nil && mode == closeDrain && !s.usesWS
	if s.probe != nil && !keepProbe {
		s.killProbeLocked()
	}
	keep := false
	var startWriter func()
	if !s.usesWS {
		s.pollFinal = engineio.Close
		if mode == closeClient {
			s.pollFinal = engineio.Noop
		}
		if (mode == closeDrain || mode == closeClient) && (!s.pollWaiting || len(s.queue) > 0 || keepProbe) {
			// Wait for the polls that hand over the queue and then, in a
			// response of its own, "1" (see servePoll). A client that
			// closed may have a poll on its way, racing its POST: that
			// poll gets the noop it would have got had it arrived first,
			// for a short while.
			wait := s.srv.opts.PingTimeout
			if mode == closeClient {
				wait = clientCloseLinger
			}
			keep = true
			s.state = stateDraining
			s.phase = hbDrain
			s.due = time.Now().Add(wait)
			s.timer.Reset(wait)
		}
		if s.pollWaiting {
			select {
			case s.pollWake <- struct{}{}:
			default:
			}
		}
	} else if s.ws != nil {
		if mode != closeDrain && mode != closeDiscard {
			s.ws.conn.SetWriteDeadline(time.Now().Add(closeGrace))
		}
		s.ws.closing = true
		startWriter = s.kickLocked()
	}
	notify := s.handler != nil
	if notify {
		s.closeCalled = true
	}
	s.mu.Unlock()

	if !keep {
		s.srv.forget(s)
	}
	if startWriter != nil {
		s.srv.goTracked(startWriter)
	}
	if notify {
		if inline && s.dispatchMu.TryLock() {
			s.deliverClose()
			s.dispatchMu.Unlock()
		} else {
			s.srv.goTracked(s.notifyClose)
		}
	}
}

// killProbeLocked ends the probe WebSocket, if any: its reader fails and
// closes it.
func (s *Session) killProbeLocked() {
	if p := s.probe; p != nil {
		p.conn.SetReadDeadline(aLongTimeAgo)
	}
}

// finishDrainLocked ends the draining state: the session is closed for
// good (the caller then forgets it) and a probe still running is ended.
func (s *Session) finishDrainLocked() {
	s.state = stateClosed
	s.timer.Stop()
	s.killProbeLocked()
}

// endDrain stops waiting for a last poll: the session is gone.
func (s *Session) endDrain() {
	s.mu.Lock()
	draining := s.state == stateDraining
	if draining {
		s.finishDrainLocked()
		if s.pollWaiting {
			select {
			case s.pollWake <- struct{}{}:
			default:
			}
		}
	}
	s.mu.Unlock()
	if draining {
		s.srv.forget(s)
	}
}

// notifyClose delivers OnClose after any OnPacket in progress.
func (s *Session) notifyClose() {
	s.dispatchMu.Lock()
	defer s.dispatchMu.Unlock()
	s.deliverClose()
}

// deliverClose calls OnClose; the caller holds dispatchMu.
func (s *Session) deliverClose() {
	s.mu.Lock()
	h, reason, err := s.handler, s.closeReason, s.closeErr
	s.mu.Unlock()
	if h != nil {
		h.OnClose(reason, err)
	}
}

// startHeartbeat arms the ping timer; called once at creation.
func (s *Session) startHeartbeat() {
	d := s.srv.opts.PingInterval
	s.due = time.Now().Add(d)
	s.phase = hbInterval
	s.timer = time.AfterFunc(d, s.onTimer)
}

// onTimer sends a ping, or closes the session when the pong is late.
func (s *Session) onTimer() {
	s.mu.Lock()
	if time.Now().Before(s.due) { // a stale firing raced with a reset
		s.mu.Unlock()
		return
	}
	switch {
	case s.state == stateDraining && s.phase == hbDrain:
		s.finishDrainLocked()
		s.mu.Unlock()
		s.srv.forget(s)
		return
	case s.state != stateOpen:
		s.mu.Unlock()
		return
	case s.phase == hbInterval:
		s.pushLocked(engineio.Packet{Type: engineio.Ping})
		s.pingQueued = true
		s.phase = hbPong
		// A client that never takes the ping is dead pingTimeout after the
		// ping was due, however late this callback runs (the compliance
		// suite checks the session is gone at pingInterval + pingTimeout).
		// One that takes it gets pingTimeout from then (takeQueueLocked).
		s.due = s.due.Add(s.srv.opts.PingTimeout)
		s.timer.Reset(time.Until(s.due))
		startWriter := s.kickLocked()
		s.mu.Unlock()
		if startWriter != nil {
			s.srv.goTracked(startWriter)
		}
		return
	}
	s.mu.Unlock()
	s.terminateInline(ReasonPingTimeout, nil, closeNow)
}

// expiredLocked reports whether the pong is overdue even if the timer has
// not run yet (it may be late under load); requests check it so that a
// session is dead exactly at its deadline.
func (s *Session) expiredLocked() bool {
	if s.state != stateOpen {
		return false
	}
	now := time.Now()
	switch s.phase {
	case hbPong:
		return !now.Before(s.due)
	case hbInterval: // even the ping timer is late
		return !now.Before(s.due.Add(s.srv.opts.PingTimeout))
	}
	return false
}

// onPong restarts the ping interval, as the reference does for any pong.
func (s *Session) onPong() {
	s.mu.Lock()
	if s.state == stateOpen {
		d := s.srv.opts.PingInterval
		s.phase = hbInterval
		s.due = time.Now().Add(d)
		s.timer.Reset(d)
	}
	s.mu.Unlock()
}

// receive handles one packet that arrived on the session's current
// transport. The caller holds dispatchMu. It reports false when the session
// is closed and the caller should stop reading.
func (s *Session) receive(p engineio.Packet) bool {
	switch p.Type {
	case engineio.Message:
		s.mu.Lock()
		h, open := s.handler, s.state == stateOpen
		s.mu.Unlock()
		if !open {
			return false
		}
		if h != nil {
			p.Data = p.Data[:len(p.Data):len(p.Data)] // appends must not reach the next packet
			h.OnPacket(p)
		}
	case engineio.Pong:
		s.onPong()
	case engineio.Ping:
		s.terminate(ReasonTransportError, errors.New("engine: invalid heartbeat direction (ping from client)"), closeNow)
		return false
	case engineio.Close:
		s.mu.Lock()
		draining := s.state == stateDraining
		s.mu.Unlock()
		if draining { // closed by the server, still delivering: the client is gone
			s.endDrain()
		} else {
			s.terminate(ReasonTransportClose, nil, closeClient)
		}
		return false
	default:
		// open, upgrade and noop from a client are ignored, as the reference does
	}
	return true
}

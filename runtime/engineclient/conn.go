package engineclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/internal/goid"
)

// ErrClosed is returned by Send once the connection is closed or closing.
var ErrClosed = errors.New("engineclient: connection closed")

// ErrNotMessage is returned by Send for a packet that is not a message:
// heartbeats, upgrades and closes are the Conn's business.
var ErrNotMessage = errors.New("engineclient: only message packets can be sent")

// transport is the part of a transport the writer goroutine drives. Reading
// is done by a goroutine of its own (pollLoop or wsReadLoop).
type transport interface {
	name() string
	// write sends ps; only the writer goroutine calls it.
	write(deadline time.Time, ps []engineio.Packet) error
	// writeClose sends ps, then ends the session cleanly.
	writeClose(deadline time.Time, ps []engineio.Packet) error
	// abort stops the transport's I/O at once (no close handshake).
	abort()
}

type eventKind uint8

const (
	evPacket eventKind = iota
	evUpgrade
	evUpgradeError
)

// event is one item for the dispatcher: a packet or an upgrade outcome.
type event struct {
	kind      eventKind
	p         engineio.Packet
	transport string
	err       error
}

// Conn is an open Engine.IO client connection.
//
// Goroutines: one writer (drains the send queue, batches, performs the
// upgrade switch), one reader (the polling GET loop or the WebSocket read
// loop), a short-lived prober during an upgrade, and one dispatcher that
// calls the Handler. No lock is held while doing network I/O.
type Conn struct {
	cfg *config
	h   Handler
	hs  engineio.Handshake

	ctx    context.Context // cancelled when the connection is torn down
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine but the dispatcher
	inbox  inbox
	done   chan struct{} // closed when the dispatcher returns (after OnClose)
	wake   chan struct{} // writer signal, capacity 1

	upgradeCh chan *wsTransport // prober → writer: a probed websocket
	pollDone  chan struct{}     // closed when the polling loop returned

	dispatcher atomic.Uint64 // goroutine id of the dispatcher
	userClosed atomic.Bool   // Close was called

	mu           sync.Mutex
	tr           transport
	probe        *wsTransport // websocket being probed, aborted on teardown
	queue        []engineio.Packet
	ctrl         [][]byte // WebSocket pong payloads owed to the server
	closing      bool     // Close was called: flush, then end the session
	closed       bool     // torn down
	pausePoll    bool     // upgrade: the polling loop stops after its GET
	writing      bool     // the writer has a batch on the network
	reason       string
	err          error
	pingTimer    *time.Timer
	pingDeadline time.Time
	lastPing     time.Time
	closedAt     time.Time // when fail ran (tests measure detection)
	closeTimer   *time.Timer
}

// Dial opens an Engine.IO v4 connection to the server at rawURL (http, https,
// ws or wss; the path is replaced by opts.Path) and returns it once the
// server's open packet has been received.
//
// Transports are tried in the order of opts.Transports (websocket first when
// opts.RememberUpgrade says it worked last time); unless opts.NoFallback is
// set, a transport that cannot be opened is followed by the next one. A
// connection opened on polling probes websocket once, right after the
// handshake, if the server offers it and opts allow it (see the package
// documentation for the exact policy).
//
// ctx bounds the dial only; the connection lives until Close or until the
// server or the network ends it.
func Dial(ctx context.Context, rawURL string, opts Options) (*Conn, error) {
	cfg, err := newConfig(rawURL, opts)
	if err != nil {
		return nil, err
	}
	c := &Conn{
		cfg:       cfg,
		h:         opts.Handler,
		done:      make(chan struct{}),
		wake:      make(chan struct{}, 1),
		upgradeCh: make(chan *wsTransport),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.inbox.init()

	var (
		errs    []error
		initial []engineio.Packet
		pt      *pollingTransport
		wt      *wsTransport
		hs      engineio.Handshake
	)
	for _, name := range cfg.order() {
		switch name {
		case Polling:
			pt = &pollingTransport{c: c}
			hs, initial, err = pt.open(ctx)
			if err != nil {
				pt = nil
			}
		case WebSocket:
			wt, hs, err = c.openWebSocket(ctx)
		}
		if err == nil {
			break
		}
		errs = append(errs, err)
		cfg.RememberUpgrade.set(false)
		if ctx.Err() != nil || cfg.NoFallback {
			break
		}
	}
	if pt == nil && wt == nil {
		c.cancel()
		if cfg.owned != nil {
			cfg.owned.CloseIdleConnections()
		}
		return nil, fmt.Errorf("engineclient: dial %s: %w", rawURL, errors.Join(errs...))
	}
	c.hs = hs

	c.mu.Lock()
	c.resetPingLocked()
	c.mu.Unlock()
	c.wg.Add(2)
	go c.writeLoop()
	if pt != nil {
		pt.setSID(hs.SID)
		c.tr = pt
		c.pollDone = make(chan struct{})
		go c.pollLoop(pt, initial)
		if !cfg.NoUpgrade && slices.Contains(cfg.Transports, WebSocket) && slices.Contains(hs.Upgrades, WebSocket) {
			c.wg.Add(1)
			go c.probeWebSocket()
		}
	} else {
		c.tr = wt
		cfg.RememberUpgrade.set(true)
		go c.wsReadLoop(wt, false)
	}
	go c.dispatch()
	return c, nil
}

// ID returns the session id the server assigned (the handshake's sid).
func (c *Conn) ID() string { return c.hs.SID }

// Handshake returns the server's open packet.
func (c *Conn) Handshake() engineio.Handshake {
	hs := c.hs
	hs.Upgrades = slices.Clone(hs.Upgrades)
	return hs
}

// Transport returns the name of the transport in use: Polling or WebSocket.
// It changes once, when an upgrade completes.
func (c *Conn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tr.name()
}

// Done is closed when the connection has ended, all its goroutines have
// exited and OnClose has returned.
func (c *Conn) Done() <-chan struct{} { return c.done }

// CloseReason returns the reason and cause the connection ended with, or ""
// while it is open.
func (c *Conn) CloseReason() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason, c.err
}

// Send queues message packets for the server and returns without waiting
// for the network. Packets are written in order, batched (one POST of
// 0x1E-joined packets on polling; frames coalesced into one write on
// websocket); while an upgrade pauses the transport they wait in the queue.
// Send takes ownership of the packets' Data: do not modify it afterwards.
//
// Send fails with ErrNotMessage for non-message packets and with ErrClosed
// once the connection is closing or closed, including when the heartbeat
// deadline has already passed (a throttled timer, as engine.io-client checks).
func (c *Conn) Send(ps ...engineio.Packet) error {
	for _, p := range ps {
		if p.Type != engineio.Message {
			return fmt.Errorf("engineclient: send %s packet: %w", p.Type, ErrNotMessage)
		}
	}
	c.mu.Lock()
	if c.closed || c.closing {
		reason := c.reason
		c.mu.Unlock()
		if reason == "" {
			reason = "closing"
		}
		return fmt.Errorf("%w (%s)", ErrClosed, reason)
	}
	if !c.pingDeadline.IsZero() && time.Now().After(c.pingDeadline) {
		c.mu.Unlock()
		c.fail(ReasonPingTimeout, nil)
		return fmt.Errorf("%w (%s)", ErrClosed, ReasonPingTimeout)
	}
	c.queue = append(c.queue, ps...)
	c.mu.Unlock()
	c.signal()
	return nil
}

// SendVolatile queues message packets only if the transport can take them
// right now, and reports whether it did; otherwise it drops them. The
// transport can take them when nothing waits in the queue and no write is
// on the network (a POST in flight on polling, a frame being written on
// websocket): engine.io-client's transport.writable, which socket.io-client
// checks for volatile emits. As there, an upgrade in progress does not make
// the transport unwritable: packets queued meanwhile go out over the
// websocket once it takes over.
func (c *Conn) SendVolatile(ps ...engineio.Packet) bool {
	for _, p := range ps {
		if p.Type != engineio.Message {
			return false
		}
	}
	c.mu.Lock()
	writable := !c.closed && !c.closing && !c.writing && len(c.queue) == 0 &&
		(c.pingDeadline.IsZero() || !time.Now().After(c.pingDeadline))
	if writable {
		c.queue = append(c.queue, ps...)
	}
	c.mu.Unlock()
	if writable {
		c.signal()
	}
	return writable
}

// Close ends the connection cleanly: queued packets are flushed, then a
// polling connection POSTs a close packet and a websocket one sends a close
// frame (bounded by Options.RequestTimeout). OnClose is called with
// ReasonForcedClose, and no OnPacket call starts after Close was called.
//
// Close blocks until every goroutine of the connection has exited and
// OnClose has returned, except when called from a Handler callback, where it
// returns at once (the rest happens when the callback returns). Calling it
// again, or after the connection ended, only waits.
func (c *Conn) Close() error {
	c.mu.Lock()
	if !c.closed && !c.closing {
		c.closing = true
		c.userClosed.Store(true)
		c.closeTimer = time.AfterFunc(c.cfg.RequestTimeout+time.Second, func() {
			c.fail(ReasonForcedClose, nil)
		})
	}
	c.mu.Unlock()
	c.signal()
	if goid.ID() == c.dispatcher.Load() {
		return nil
	}
	<-c.done
	return nil
}

// signal wakes the writer.
func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// fail tears the connection down with reason (the first reason wins; after
// Close it is always ReasonForcedClose). It never waits and never calls the
// handler: the dispatcher reports the close once every goroutine is gone.
func (c *Conn) fail(reason string, err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.closedAt = time.Now()
	if c.userClosed.Load() {
		reason, err = ReasonForcedClose, nil
	}
	c.reason, c.err = reason, err
	tr, probe := c.tr, c.probe
	c.probe = nil
	c.queue, c.ctrl = nil, nil
	if c.pingTimer != nil {
		c.pingTimer.Stop()
	}
	c.mu.Unlock()
	if reason == ReasonTransportError {
		c.cfg.RememberUpgrade.set(false)
	}
	c.cancel()
	c.inbox.close()
	if tr != nil {
		tr.abort()
	}
	if probe != nil {
		probe.abort()
	}
}

// resetPingLocked (re)arms the heartbeat deadline: pingInterval +
// pingTimeout from now. Called at the handshake and on every ping.
func (c *Conn) resetPingLocked() {
	d := time.Duration(c.hs.PingInterval+c.hs.PingTimeout) * time.Millisecond
	if d <= 0 {
		return // the server announced no heartbeat
	}
	now := time.Now()
	c.lastPing = now
	c.pingDeadline = now.Add(d)
	if c.pingTimer == nil {
		c.pingTimer = time.AfterFunc(d, c.onPingTimer)
	} else {
		c.pingTimer.Reset(d)
	}
}

func (c *Conn) onPingTimer() {
	c.mu.Lock()
	expired := !time.Now().Before(c.pingDeadline)
	c.mu.Unlock()
	if expired {
		c.fail(ReasonPingTimeout, nil)
	}
}

// receive handles one packet read from the current transport. It reports
// false when reading must stop.
func (c *Conn) receive(p engineio.Packet) bool {
	switch p.Type {
	case engineio.Message:
		return c.push(event{kind: evPacket, p: p})
	case engineio.Ping:
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return false
		}
		c.queue = append(c.queue, engineio.Packet{Type: engineio.Pong})
		c.resetPingLocked()
		c.mu.Unlock()
		c.signal()
	case engineio.Close:
		c.fail(ReasonTransportClose, nil)
		return false
	default:
		// noop releases a poll; open, pong and upgrade are not sent by a
		// v4 server on an open session: ignore them as engine.io-client does.
	}
	return true
}

// push hands an event to the dispatcher, in order. It reports false when
// the connection is gone.
func (c *Conn) push(ev event) bool { return c.inbox.push(ev) }

// dispatch calls the handler, one event at a time, then OnClose.
func (c *Conn) dispatch() {
	defer close(c.done)
	c.dispatcher.Store(goid.ID())
	for {
		evs, closed := c.inbox.take(false)
		if closed {
			break
		}
		for _, ev := range evs {
			c.deliver(ev)
		}
		c.inbox.recycle(evs)
	}
	// Torn down: the inbox refuses new events, so what it holds is all that
	// came before the end (a close packet after messages in one payload).
	// Deliver it and report the close at once, then wait for the other
	// goroutines before Done is closed.
	evs, _ := c.inbox.take(true)
	for _, ev := range evs {
		c.deliver(ev)
	}
	c.mu.Lock()
	reason, err := c.reason, c.err
	c.mu.Unlock()
	if c.h != nil {
		c.h.OnClose(reason, err)
	}
	c.wg.Wait()
	if c.cfg.owned != nil {
		c.cfg.owned.CloseIdleConnections()
	}
	c.mu.Lock()
	if c.closeTimer != nil {
		c.closeTimer.Stop()
	}
	c.mu.Unlock()
}

func (c *Conn) deliver(ev event) {
	if c.h == nil || c.userClosed.Load() {
		return
	}
	switch ev.kind {
	case evPacket:
		c.h.OnPacket(ev.p)
	case evUpgrade:
		if uh, ok := c.h.(UpgradeHandler); ok {
			uh.OnUpgrade(ev.transport)
		}
	case evUpgradeError:
		if uh, ok := c.h.(UpgradeHandler); ok {
			uh.OnUpgradeError(ev.err)
		}
	}
}

// writeLoop is the connection's only writer. It drains the queue in
// batches and performs the switch to a probed websocket.
func (c *Conn) writeLoop() {
	defer c.wg.Done()
	var spare []engineio.Packet
	for {
		select {
		case <-c.ctx.Done():
			return
		case w := <-c.upgradeCh:
			if !c.switchTo(w) {
				return
			}
		case <-c.wake:
		}
		var ok bool
		if spare, ok = c.flush(spare); !ok {
			return
		}
	}
}

// flush writes everything queued, in batches. It returns the spare batch
// buffer for reuse and false when the writer must stop.
func (c *Conn) flush(spare []engineio.Packet) ([]engineio.Packet, bool) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return spare, false
		}
		tr := c.tr
		ctrl := c.ctrl
		c.ctrl = nil
		batch := c.queue
		if n := c.batchLen(tr); n < len(batch) {
			c.queue = append(spare[:0], batch[n:]...)
			batch = batch[:n]
		} else {
			c.queue = spare[:0]
		}
		closing := c.closing && len(c.queue) == 0
		c.writing = len(batch) > 0 || closing
		c.mu.Unlock()

		deadline := time.Now().Add(c.cfg.RequestTimeout)
		if len(ctrl) > 0 {
			if w, ok := tr.(*wsTransport); ok {
				if err := w.writePongs(deadline, ctrl); err != nil {
					c.fail(ReasonTransportError, fmt.Errorf("engineclient: websocket %s: %w", c.hs.SID, err))
					return spare, false
				}
			}
		}
		if closing {
			err := tr.writeClose(deadline, batch)
			if err != nil {
				err = fmt.Errorf("engineclient: close %s: %w", c.hs.SID, err)
			}
			c.fail(ReasonForcedClose, err)
			return spare, false
		}
		if len(batch) == 0 {
			return batch, true
		}
		if err := tr.write(deadline, batch); err != nil {
			c.fail(ReasonTransportError, fmt.Errorf("engineclient: %s write %s: %w", tr.name(), c.hs.SID, err))
			return spare, false
		}
		c.mu.Lock()
		c.writing = false
		c.mu.Unlock()
		clear(batch)
		spare = batch[:0]
	}
}

// batchLen returns how many queued packets go into the next write: all of
// them on websocket; on polling as many as fit in the server's maxPayload
// (at least one), as engine.io-client does.
func (c *Conn) batchLen(tr transport) int {
	n := len(c.queue)
	if tr.name() != Polling || c.hs.MaxPayload <= 0 || n < 2 {
		return n
	}
	size := 0
	for i, p := range c.queue {
		add := engineio.TextLen(p)
		if i > 0 {
			add++
			if int64(size+add) > c.hs.MaxPayload {
				return i
			}
		}
		size += add
	}
	return n
}

// switchTo completes an upgrade once the probe succeeded: pause polling
// (wait for the pending GET; no POST is in flight since this goroutine makes
// them), send the upgrade packet on the websocket, and make it the
// transport. Packets sent meanwhile wait in the queue and are flushed over
// the websocket right after.
func (c *Conn) switchTo(w *wsTransport) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		w.abort()
		return false
	}
	c.pausePoll = true
	c.mu.Unlock()
	select {
	case <-c.pollDone:
	case <-c.ctx.Done():
		return false
	}
	if hook := c.cfg.testHookPaused; hook != nil {
		hook()
	}
	if err := w.write(time.Now().Add(c.cfg.RequestTimeout), []engineio.Packet{{Type: engineio.Upgrade}}); err != nil {
		c.fail(ReasonTransportError, fmt.Errorf("engineclient: upgrade %s: %w", c.hs.SID, err))
		return false
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	c.tr = w
	c.probe = nil
	c.wg.Add(1)
	go c.wsReadLoop(w, true)
	c.mu.Unlock()
	c.cfg.RememberUpgrade.set(true)
	if c.cfg.owned != nil {
		c.cfg.owned.CloseIdleConnections()
	}
	return true
}

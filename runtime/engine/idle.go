package engine

import (
	"bufio"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Idle WebSocket readers give their goroutine back.
//
// A WebSocket session's reader blocks in a read most of its life, and a
// blocked goroutine keeps its stack (about 4 KB) and its read buffer
// (1 KB): at 10,000 idle connections that is half of the server's memory
// per connection. So a reader that has waited for data for a while parks:
// it hands its buffer back to a pool, registers the connection with the
// idler's readiness poller (epoll on Linux) and returns. When the peer
// sends something, or the session needs its reader (a close), a fresh
// goroutine takes over with a pooled buffer.
//
// Who decides: the reader marks itself waiting (wsConn.waitEpoch) before
// it peeks for the next byte. The idler ticks every defaultIdleTick; a reader
// still waiting two ticks after it began is kicked with a read deadline in
// the past. The reader that sees that timeout with nothing read parks.
// Active readers never wait long enough to be kicked, so the hot path pays
// only an atomic store and a compare-and-swap per message. Platforms
// without a poller (and TLS connections, whose file descriptor holds
// encrypted bytes) never park.

// defaultIdleTick is how often the idler looks for idle readers: a reader
// parks after waiting between one and two ticks. (A variable so that the
// tests can run every other test with readers parking all the time.)
var defaultIdleTick = time.Second

// kicked is the waitEpoch of a reader whose wait the idler ended.
const kicked = ^uint64(0)

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, wsReadBuffer) }}

// errNoPoller: this platform or connection cannot park.
var errNoPoller = errors.New("engine: no readiness poller")

// readinessPoller reports when parked connections become readable.
type readinessPoller interface {
	// add arms fd for one readiness report.
	add(fd int) error
	// remove disarms fd.
	remove(fd int)
	// wait returns the descriptors that became readable, or none after
	// timeout; ok is false once the poller was closed.
	wait(timeout time.Duration) (fds []int, ok bool)
	// close ends a wait in progress and releases the poller.
	close()
}

// idler parks idle readers and resumes them.
type idler struct {
	srv  *Server
	p    readinessPoller
	tick time.Duration
	done chan struct{} // closed when the idler's goroutine has returned

	epoch atomic.Uint64 // ticks so far, from 1
	parks atomic.Uint64 // readers parked so far

	mu      sync.Mutex
	parked  map[int]*wsConn
	stopped bool
}

// connFD returns the file descriptor a parked conn can be polled on, or -1.
func connFD(conn net.Conn) int {
	sc, ok := conn.(syscall.Conn) // not *tls.Conn: its buffered plaintext is invisible to a poller
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if rc.Control(func(f uintptr) { fd = int(f) }) != nil {
		return -1
	}
	return fd
}

// idlerForReader returns the server's idler, starting it on first use;
// nil when readers cannot park.
func (srv *Server) idlerForReader() *idler {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.startIdlerLocked()
}

// startIdlerLocked starts the server's idler if this platform has a
// poller; the server's lock is held.
func (srv *Server) startIdlerLocked() *idler {
	if srv.idler != nil || srv.closed || srv.idleTick < 0 {
		return srv.idler
	}
	p, err := newPoller()
	if err != nil {
		srv.idleTick = -1 // do not try again
		return nil
	}
	tick := srv.idleTick
	if tick == 0 {
		tick = defaultIdleTick
	}
	d := &idler{srv: srv, p: p, tick: tick, done: make(chan struct{}), parked: make(map[int]*wsConn)}
	d.epoch.Store(1)
	srv.idler = d
	go d.run()
	return d
}

// run is the idler's goroutine: it waits for readiness, resuming the
// connections that became readable, and kicks long-waiting readers once a
// tick.
func (d *idler) run() {
	defer close(d.done)
	next := time.Now().Add(d.tick)
	for {
		fds, ok := d.p.wait(time.Until(next))
		if !ok {
			// Closed by stop, or the poller failed: either way nothing
			// parks any more and the parked readers resume.
			d.resumeAll()
			return
		}
		for _, fd := range fds {
			d.mu.Lock()
			c := d.parked[fd]
			d.mu.Unlock()
			if c != nil {
				c.unpark()
			}
		}
		if now := time.Now(); !now.Before(next) {
			next = now.Add(d.tick)
			d.sweep()
		}
	}
}

// sweep advances the epoch and kicks the readers that have waited since
// two epochs ago or earlier.
func (d *idler) sweep() {
	epoch := d.epoch.Add(1)
	srv := d.srv
	type wait struct {
		c     *wsConn
		epoch uint64
	}
	var idle []wait
	srv.mu.Lock()
	for c := range srv.conns {
		if w := c.waitEpoch.Load(); w != 0 && w != kicked && epoch-w >= 2 {
			idle = append(idle, wait{c, w})
		}
	}
	srv.mu.Unlock()
	for _, w := range idle {
		w.c.kick(w.epoch)
	}
}

// stop ends the idler's goroutine, which resumes every parked reader;
// later readers do not park. It returns once the goroutine has.
func (d *idler) stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	d.p.close()
	<-d.done
}

// resumeAll stops parking and resumes every parked reader.
func (d *idler) resumeAll() {
	d.mu.Lock()
	d.stopped = true
	parked := make([]*wsConn, 0, len(d.parked))
	for _, c := range d.parked {
		parked = append(parked, c)
	}
	d.mu.Unlock()
	for _, c := range parked {
		c.unpark()
	}
}

// register adds c, whose reader is parking, to the poller.
func (d *idler) register(c *wsConn) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return errNoPoller
	}
	d.parked[c.fd] = c
	if err := d.p.add(c.fd); err != nil {
		delete(d.parked, c.fd)
		return err
	}
	return nil
}

// unregister removes c from the poller.
func (d *idler) unregister(c *wsConn) {
	d.mu.Lock()
	if d.parked[c.fd] == c {
		delete(d.parked, c.fd)
		if !d.stopped {
			d.p.remove(c.fd)
		}
	}
	d.mu.Unlock()
}

// kick ends the reader's wait if it is still the one the idler saw (begun
// at epoch w, not a later one): the reader then finds a timeout and parks.
func (c *wsConn) kick(w uint64) {
	c.parkMu.Lock()
	defer c.parkMu.Unlock()
	if c.stopping || !c.waitEpoch.CompareAndSwap(w, kicked) {
		return
	}
	c.conn.SetReadDeadline(aLongTimeAgo)
}

// awaitData waits until c has data to read. It returns parked == true when
// the reader parked instead: its goroutine must return without touching c
// (c.resume runs the reader again). err is a read error to handle as the
// next read's.
func (c *wsConn) awaitData(d *idler) (parked bool, err error) {
	if c.br.Buffered() > 0 {
		return false, nil
	}
	w := d.epoch.Load()
	c.waitEpoch.Store(w)
	_, err = c.br.Peek(1)
	if c.waitEpoch.CompareAndSwap(w, 0) {
		return false, err
	}
	// Kicked: kick set the deadline under parkMu before we could see it.
	c.parkMu.Lock()
	c.waitEpoch.Store(0)
	if c.stopping {
		c.parkMu.Unlock()
		// The session ended meanwhile and set its own deadline (a grace
		// period for the peer's close frame, or one in the past): the
		// kick's timeout is not the session's, so wait again under the
		// session's deadline. No kick comes once stopping is set.
		if errors.Is(err, os.ErrDeadlineExceeded) {
			_, err = c.br.Peek(1)
		}
		return false, err
	}
	defer c.parkMu.Unlock()
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return false, err
	}
	c.conn.SetReadDeadline(time.Time{})
	if err == nil || c.br.Buffered() > 0 || c.br.Size() != wsReadBuffer {
		return false, nil // data came, or a buffer that is not ours to pool
	}
	if d.register(c) != nil {
		return false, nil // not parking: read on
	}
	c.parked = true
	d.parks.Add(1)
	c.br.Reset(nil)
	readerPool.Put(c.br)
	c.br = nil
	return true, nil
}

// unpark resumes a parked reader on a new goroutine; it does nothing when
// the reader is not parked.
func (c *wsConn) unpark() {
	c.parkMu.Lock()
	was := c.parked
	c.parked = false
	c.parkMu.Unlock()
	if !was {
		return
	}
	c.idler.unregister(c)
	c.idler.srv.goTracked(c.resume)
}

// stopReading makes the reader end: it sets the read deadline t (in the
// past to stop now, or a grace period for the peer's close frame) and wakes
// the reader if it is parked. The reader never parks afterwards.
func (c *wsConn) stopReading(t time.Time) {
	c.parkMu.Lock()
	c.stopping = true
	c.conn.SetReadDeadline(t)
	parked := c.parked
	c.parkMu.Unlock()
	if parked {
		c.unpark()
	}
}

package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/siogen/sio/codec/engineio"
)

// wsConn is one hijacked WebSocket connection. Its reader is the goroutine
// that accepted it; its writer is the session's writeLoop (or, before an
// upgrade completes, the reader itself).
type wsConn struct {
	conn net.Conn
	fd   int                    // for the idler's poller; -1: never parks
	br   *bufio.Reader          // nil while parked
	sess *Session               // set when the session's reader starts (reader only)
	rhdr [ws.MaxHeaderSize]byte // read header scratch (reader only)
	skip int64                  // unread payload of a refused frame (reader only)
	whdr [ws.MaxHeaderSize]byte // write header scratch (writer only)
	wdl  time.Time              // write deadline the writer last set (writer only)

	// Guarded by the session's mu.
	pong      []byte        // payload of a ping frame to answer
	closing   bool          // write a close frame after the queue
	closeCode ws.StatusCode // 0: an empty close frame
	closeSent bool          // the writer has taken the close frame
	done      bool          // the close frame is written or abandoned
	closed    chan struct{} // made by a closeWS that waits for done; closed then

	// Parking of an idle reader (see idle.go).
	waitEpoch atomic.Uint64 // idler epoch when the reader began waiting; 0: not waiting
	idler     *idler        // set when the reader first waits (reader only)
	parkMu    sync.Mutex
	parked    bool // guarded by parkMu
	stopping  bool // guarded by parkMu: the session ended, never park again
}

// wsError is a WebSocket protocol violation, closed with Code.
type wsError struct {
	Code ws.StatusCode
	Msg  string
}

func (e *wsError) Error() string {
	return fmt.Sprintf("engine: websocket: %s (close %d)", e.Msg, e.Code)
}

var upgrader = ws.HTTPUpgrader{}

// hijack completes the WebSocket handshake of r and tracks the connection.
func (srv *Server) hijack(w http.ResponseWriter, r *http.Request) (*wsConn, bool) {
	conn, rw, _, err := upgrader.Upgrade(r, w)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, false
	}
	br := rw.Reader
	fd := -1 // keeps net/http's reader, which is not pooled: never parks
	if br.Buffered() == 0 {
		fd = connFD(conn)
		// net/http's 4 KiB reader stays referenced by its connection state;
		// an idle WebSocket keeps only this smaller one.
		br = readerPool.Get().(*bufio.Reader)
		br.Reset(conn)
	}
	c := &wsConn{conn: conn, fd: fd, br: br}
	srv.mu.Lock()
	srv.conns[c] = struct{}{}
	srv.mu.Unlock()
	return c, true
}

// release closes the connection and stops tracking it.
func (srv *Server) release(c *wsConn) {
	c.conn.Close()
	if br := c.br; br != nil && br.Size() == wsReadBuffer {
		c.br = nil
		br.Reset(nil)
		readerPool.Put(br)
	}
	srv.mu.Lock()
	delete(srv.conns, c)
	srv.mu.Unlock()
}

// serveWebSocketHandshake opens a WebSocket-only session and reads it until
// it ends.
func (srv *Server) serveWebSocketHandshake(w http.ResponseWriter, r *http.Request) {
	c, ok := srv.hijack(w, r)
	if !ok {
		return
	}
	s, ok := srv.newSession(r, WebSocket, c)
	if !ok {
		c.closeDirect(ws.StatusGoingAway)
		srv.release(c)
		return
	}
	s.mu.Lock()
	start := s.kickLocked() // writes the open packet
	s.mu.Unlock()
	if start != nil {
		srv.goTracked(start)
	}
	// Read on a fresh goroutine and return, so that net/http's connection
	// state (buffers, response) is freed: an idle session keeps only its
	// connection, a small reader and one small stack.
	srv.goTracked(func() { s.serveReader(c) })
}

// serveReader runs the reader of the session's WebSocket c, then releases
// c, unless the reader parked (c.resume continues it).
func (s *Session) serveReader(c *wsConn) {
	if parked := s.readLoop(c); !parked {
		s.srv.release(c)
	}
}

// resume continues a parked reader with a pooled buffer.
func (c *wsConn) resume() {
	c.br = readerPool.Get().(*bufio.Reader)
	c.br.Reset(c.conn)
	c.sess.serveReader(c)
}

// serveUpgrade handles a WebSocket for an existing session: the probe of a
// polling session's upgrade. A session that is already upgrading, upgraded
// or on WebSocket gets its new WebSocket closed, as the reference does.
func (srv *Server) serveUpgrade(w http.ResponseWriter, r *http.Request, s *Session) {
	c, ok := srv.hijack(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	if s.state != stateOpen || s.usesWS || s.upgraded || s.probe != nil || srv.opts.DisableUpgrades {
		s.mu.Unlock()
		c.closeDirect(0)
		srv.release(c)
		return
	}
	s.probe = c
	s.mu.Unlock()
	srv.goTracked(func() { // see serveWebSocketHandshake
		if code, upgraded := s.probeLoop(c); !upgraded {
			c.closeDirect(code)
			srv.release(c)
			return
		}
		s.serveReader(c)
	})
}

// probeLoop runs the upgrade handshake on c: "2probe" is answered with
// "3probe" (and a pending poll is released with a noop); "5" makes c the
// session's transport. Anything else, an error or UpgradeTimeout ends the
// probe; the session stays on polling.
func (s *Session) probeLoop(c *wsConn) (ws.StatusCode, bool) {
	timer := time.AfterFunc(s.srv.opts.UpgradeTimeout, func() {
		s.mu.Lock()
		if s.probe == c {
			c.conn.SetReadDeadline(aLongTimeAgo) // the loop below ends the probe
		}
		s.mu.Unlock()
	})
	defer timer.Stop()
	fail := func(code ws.StatusCode) (ws.StatusCode, bool) {
		s.mu.Lock()
		if s.probe == c {
			s.probe, s.probed = nil, false
		}
		s.mu.Unlock()
		return code, false
	}
	for {
		op, data, err := c.readMessage(s.srv.opts.MaxHTTPBufferSize)
		if err != nil {
			var we *wsError
			if errors.As(err, &we) {
				return fail(we.Code)
			}
			return fail(0)
		}
		switch op {
		case ws.OpPing:
			if c.writeDirect(ws.OpPong, 0, data) != nil {
				return fail(0)
			}
			continue
		case ws.OpClose:
			return fail(0)
		case ws.OpText:
		default:
			return fail(0)
		}
		p, err := engineio.DecodeText(data)
		if err != nil {
			return fail(0)
		}
		switch {
		case p.Type == engineio.Ping && string(p.Data) == "probe":
			if c.writeDirect(ws.OpText, engineio.Pong, []byte("probe")) != nil {
				return fail(0)
			}
			s.mu.Lock()
			if s.probe != c || s.state == stateClosed {
				s.mu.Unlock()
				return fail(0)
			}
			s.probed = true
			if s.pollWaiting {
				s.pollNoop = true
				select {
				case s.pollWake <- struct{}{}:
				default:
				}
			}
			s.mu.Unlock()
		case p.Type == engineio.Upgrade:
			s.mu.Lock()
			if s.probe != c || s.state == stateClosed {
				s.mu.Unlock()
				return fail(0)
			}
			s.probe, s.probed = nil, false
			s.upgraded, s.usesWS, s.ws = true, true, c
			// Under the lock: a close or an upgrade timeout before this
			// point made us fail above; one after it sets its own deadline.
			c.conn.SetReadDeadline(time.Time{})
			if s.pollWaiting {
				select {
				case s.pollWake <- struct{}{}:
				default:
				}
			}
			// Closed by the application during the upgrade (see end): the
			// WebSocket delivers what polling did not, then a close frame.
			closed := s.state == stateDraining
			if closed {
				s.state = stateClosed
				s.timer.Stop()
				c.closing = true
			}
			start := s.kickLocked() // flush what polling did not take
			s.mu.Unlock()
			if closed {
				s.srv.forget(s)
			}
			if start != nil {
				s.srv.goTracked(start)
			}
			return 0, true
		default:
			return fail(0)
		}
	}
}

// readLoop reads the session's WebSocket until the connection ends,
// dispatching packets in order, or until the reader parks (then it returns
// true and c must be left to c.resume).
func (s *Session) readLoop(c *wsConn) (parked bool) {
	max := s.srv.opts.MaxHTTPBufferSize
	c.sess = s
	if c.idler == nil && c.fd >= 0 {
		c.idler = s.srv.idlerForReader()
	}
	for {
		var (
			op   ws.OpCode
			data []byte
			err  error
		)
		if c.idler != nil {
			parked, err = c.awaitData(c.idler)
			if parked {
				return true
			}
		}
		if err == nil {
			op, data, err = c.readMessage(max)
		}
		if err != nil {
			var we *wsError
			if errors.As(err, &we) {
				s.closeWS(c, we.Code, ReasonTransportError, err)
				// Read what the peer still sends until its close frame, so
				// that closing the socket does not reset the connection
				// under our close frame.
				if _, err := io.CopyN(io.Discard, c.br, c.skip); err == nil {
					c.drainUntilClose()
				}
				return false
			}
			s.terminateInline(ReasonTransportClose, nil, closeNow)
			return false
		}
		var p engineio.Packet
		switch op {
		case ws.OpPing:
			s.mu.Lock()
			c.pong = data
			start := s.kickLocked()
			s.mu.Unlock()
			if start != nil {
				s.srv.goTracked(start)
			}
			continue
		case ws.OpClose:
			code, _ := ws.ParseCloseFrameData(data)
			if code == ws.StatusNoStatusRcvd || !code.IsProtocolDefined() && !code.IsApplicationSpec() && !code.IsPrivateSpec() {
				code = 0
			}
			s.closeWS(c, code, ReasonTransportClose, nil)
			return false
		case ws.OpText:
			if !utf8.Valid(data) {
				s.closeWS(c, ws.StatusInvalidFramePayloadData, ReasonTransportError,
					&wsError{ws.StatusInvalidFramePayloadData, "invalid UTF-8 in text message"})
				c.drainUntilClose()
				return false
			}
			p, err = engineio.DecodeText(data)
			if err != nil {
				s.terminate(ReasonParseError, fmt.Errorf("engine: websocket %s: %w", s.id, err), closeNow)
				continue // read on until the peer answers our close frame
			}
		case ws.OpBinary:
			p = engineio.DecodeBinary(data)
		}
		s.dispatchMu.Lock()
		s.receive(p)
		s.dispatchMu.Unlock()
	}
}

// closeWS closes the session because of its WebSocket, sending a close
// frame with code, and waits (bounded) until that frame is written.
func (s *Session) closeWS(c *wsConn, code ws.StatusCode, reason string, err error) {
	s.mu.Lock()
	if !c.closeSent {
		c.closeCode = code
	}
	s.mu.Unlock()
	s.terminateInline(reason, err, closeNow)
	s.mu.Lock()
	if !c.closing { // closed earlier for another reason without a writer: nothing to wait for
		c.closing = true
		if start := s.kickLocked(); start != nil {
			s.mu.Unlock()
			s.srv.goTracked(start)
			s.mu.Lock()
		}
	}
	if c.done {
		s.mu.Unlock()
		return
	}
	if c.closed == nil {
		c.closed = make(chan struct{})
	}
	closed := c.closed
	s.mu.Unlock()
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-closed:
	case <-t.C:
	}
}

var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// writeLoop drains the session's queue onto c, coalescing everything queued
// into one flush, until the queue is empty. After a close it writes the
// close frame and lets the reader finish.
func (s *Session) writeLoop(c *wsConn) {
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(c.conn)
	defer func() {
		bw.Reset(nil)
		writerPool.Put(bw)
	}()
	var batch []engineio.Packet
	for {
		s.mu.Lock()
		if cap(batch) > 0 && cap(batch) <= 1024 {
			clear(batch)
			s.spare = batch[:0] // the next Send reuses the array while we are busy
		}
		batch = s.takeQueueLocked()
		pong := c.pong
		c.pong = nil
		sendClose := c.closing && !c.closeSent
		if sendClose {
			c.closeSent = true
		}
		if len(batch) == 0 && pong == nil && !sendClose {
			s.writing = false
			s.spare = nil // idle sessions keep no buffers
			s.mu.Unlock()
			return
		}
		code := c.closeCode
		s.mu.Unlock()

		if now := time.Now(); sendClose && len(batch) == 0 {
			c.wdl = now.Add(closeGrace) // only the close frame left
			c.conn.SetWriteDeadline(c.wdl)
		} else if c.wdl.Sub(now) < s.srv.writeTimeout()/2 {
			// Refresh the deadline only once half of it has passed: setting
			// it updates a runtime timer, which costs about as much as the
			// rest of a small write (see BENCHMARKS.md). A write still gets
			// between half and all of writeTimeout.
			c.wdl = now.Add(s.srv.writeTimeout())
			c.conn.SetWriteDeadline(c.wdl)
		}
		err := c.writeFrames(bw, pong, batch, sendClose, code)
		if sendClose || err != nil {
			s.mu.Lock()
			s.writing = false
			c.closeSent = true
			closed := c.closed
			if c.done {
				closed = nil // already closed
			}
			c.done = true
			s.mu.Unlock()
			if err != nil {
				s.terminateInline(ReasonTransportError, fmt.Errorf("engine: websocket %s: write: %w", s.id, err), closeNow)
				c.stopReading(aLongTimeAgo)
			} else {
				c.stopReading(time.Now().Add(closeGrace)) // wait for the peer's close frame
			}
			if closed != nil {
				close(closed)
			}
			return
		}
	}
}

// writeFrames writes one frame per packet (text packets as text frames,
// binary ones as binary frames), then an optional close frame, and flushes.
func (c *wsConn) writeFrames(bw *bufio.Writer, pong []byte, batch []engineio.Packet, sendClose bool, code ws.StatusCode) error {
	if pong != nil {
		if err := ws.WriteHeaderBuffer(bw, ws.Header{Fin: true, OpCode: ws.OpPong, Length: int64(len(pong))}, c.whdr[:]); err != nil {
			return err
		}
		bw.Write(pong)
	}
	for _, p := range batch {
		h := ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(p.Data) + 1)}
		if p.Binary {
			h.OpCode, h.Length = ws.OpBinary, int64(len(p.Data))
		}
		if err := ws.WriteHeaderBuffer(bw, h, c.whdr[:]); err != nil {
			return err
		}
		if !p.Binary {
			bw.WriteByte('0' + byte(p.Type))
		}
		if _, err := bw.Write(p.Data); err != nil {
			return err
		}
	}
	if sendClose {
		var body [2]byte
		n := 0
		if code != 0 {
			binary.BigEndian.PutUint16(body[:], uint16(code))
			n = 2
		}
		if err := ws.WriteHeaderBuffer(bw, ws.Header{Fin: true, OpCode: ws.OpClose, Length: int64(n)}, c.whdr[:]); err != nil {
			return err
		}
		bw.Write(body[:n])
	}
	return bw.Flush()
}

// writeDirect writes one frame on a connection that has no writer
// goroutine (a probe): a text frame holding the packet type digit and data,
// or a control frame with data.
func (c *wsConn) writeDirect(op ws.OpCode, t engineio.PacketType, data []byte) error {
	n := len(data)
	if op == ws.OpText {
		n++
	}
	frame := make([]byte, 0, ws.MaxHeaderSize+n)
	frame = append(frame, 0x80|byte(op))
	switch {
	case n < 126:
		frame = append(frame, byte(n))
	case n <= 0xFFFF:
		frame = append(frame, 126, byte(n>>8), byte(n))
	default:
		frame = append(frame, 127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	if op == ws.OpText {
		frame = append(frame, '0'+byte(t))
	}
	frame = append(frame, data...)
	c.conn.SetWriteDeadline(time.Now().Add(closeGrace))
	_, err := c.conn.Write(frame)
	return err
}

// closeDirect sends a close frame on a connection that has no writer
// goroutine and waits briefly for the peer's close frame.
func (c *wsConn) closeDirect(code ws.StatusCode) {
	var body []byte
	if code != 0 {
		body = binary.BigEndian.AppendUint16(nil, uint16(code))
	}
	if c.writeDirect(ws.OpClose, 0, body) != nil {
		return
	}
	c.drainUntilClose()
}

// drainUntilClose discards frames until the peer's close frame, the end of
// the connection or closeGrace.
func (c *wsConn) drainUntilClose() {
	c.conn.SetReadDeadline(time.Now().Add(closeGrace))
	for {
		h, err := ws.ReadHeaderBuffer(c.br, c.rhdr[:ws.MaxHeaderSize-2])
		if err != nil || h.OpCode == ws.OpClose {
			return
		}
		if _, err := io.CopyN(io.Discard, c.br, h.Length); err != nil {
			return
		}
	}
}

// wsReadBuffer is the size of a WebSocket connection's read buffer. Larger
// messages are read straight into their own buffer, so it only needs to
// hold frame headers and small messages.
const wsReadBuffer = 1024

// readChunk is how much of a message is read at a time: memory grows with
// the bytes that actually arrive, not with the length a peer declares.
const readChunk = 32 << 10

// readMessage reads one complete message: a text or binary message
// (fragments joined, at most max bytes, unmasked) or a ping or close control
// frame. Pong frames are skipped. Protocol violations are *wsError.
func (c *wsConn) readMessage(max int64) (ws.OpCode, []byte, error) {
	var (
		op  ws.OpCode
		msg []byte
		in  bool // inside a fragmented message
	)
	for {
		h, err := ws.ReadHeaderBuffer(c.br, c.rhdr[:ws.MaxHeaderSize-2])
		if err != nil {
			if errors.Is(err, ws.ErrHeaderLengthMSB) || errors.Is(err, ws.ErrHeaderLengthUnexpected) {
				return 0, nil, &wsError{ws.StatusProtocolError, err.Error()}
			}
			return 0, nil, err
		}
		if h.Rsv != 0 {
			return 0, nil, &wsError{ws.StatusProtocolError, "reserved bits set"}
		}
		if !h.Masked {
			return 0, nil, &wsError{ws.StatusProtocolError, "unmasked client frame"}
		}
		if h.OpCode.IsControl() {
			if !h.Fin || h.Length > 125 {
				return 0, nil, &wsError{ws.StatusProtocolError, "invalid control frame"}
			}
			data := make([]byte, h.Length)
			if _, err := io.ReadFull(c.br, data); err != nil {
				return 0, nil, err
			}
			ws.Cipher(data, h.Mask, 0)
			if h.OpCode == ws.OpPong {
				continue
			}
			if h.OpCode != ws.OpPing && h.OpCode != ws.OpClose {
				return 0, nil, &wsError{ws.StatusProtocolError, "reserved opcode"}
			}
			return h.OpCode, data, nil
		}
		switch h.OpCode {
		case ws.OpContinuation:
			if !in {
				return 0, nil, &wsError{ws.StatusProtocolError, "unexpected continuation frame"}
			}
		case ws.OpText, ws.OpBinary:
			if in {
				return 0, nil, &wsError{ws.StatusProtocolError, "data frame inside a fragmented message"}
			}
			op, in = h.OpCode, true
		default:
			return 0, nil, &wsError{ws.StatusProtocolError, "reserved opcode"}
		}
		if int64(len(msg))+h.Length > max {
			c.skip = h.Length
			return 0, nil, &wsError{ws.StatusMessageTooBig, "message larger than maxPayload"}
		}
		start := len(msg)
		if msg == nil {
			msg = make([]byte, 0, min(h.Length, readChunk))
		}
		for remain := h.Length; remain > 0; {
			n := min(remain, readChunk)
			if cap(msg)-len(msg) < int(n) {
				msg = append(msg[:cap(msg)], make([]byte, int(n)-(cap(msg)-len(msg)))...)[:len(msg)]
			}
			got, err := io.ReadFull(c.br, msg[len(msg):len(msg)+int(n)])
			msg = msg[:len(msg)+got]
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return 0, nil, err
			}
			remain -= n
		}
		ws.Cipher(msg[start:], h.Mask, 0)
		if h.Fin {
			return op, msg, nil
		}
	}
}

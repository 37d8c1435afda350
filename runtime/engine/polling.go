package engine

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/siogen/sio/codec/engineio"
)

// upgradeHold is how long a poll that arrives during an upgrade (after the
// probe was answered) is held before it is released with a noop. The
// reference server releases it from a 100 ms interval; holding it also lets
// an upgrade packet that is already on its way win, so that poll then gets
// the 400 of a session that has moved to WebSocket.
var upgradeHold = 100 * time.Millisecond // a variable for the tests

// servePoll answers a GET: it waits until something is queued and writes
// everything queued as one payload.
func (s *Session) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if !s.admitPollingLocked(w) {
		return
	}
	if s.pollWaiting {
		s.mu.Unlock()
		s.terminateInline(ReasonTransportError, errPollOverlap, closeNow)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.pollWaiting = true
	var hold <-chan time.Time
	if s.probed && s.state == stateOpen && len(s.queue) == 0 {
		t := time.NewTimer(upgradeHold)
		defer t.Stop()
		hold = t.C
	}
	done := r.Context().Done()
	for !s.upgraded && len(s.queue) == 0 && s.state == stateOpen && !s.pollNoop {
		s.mu.Unlock()
		select {
		case <-s.pollWake:
			s.mu.Lock()
		case <-hold:
			s.mu.Lock()
			s.pollNoop = true
		case <-done:
			// pollWaiting stays set until the session is closed, so a GET
			// that comes in meanwhile is refused as an overlap rather
			// than admitted to a session about to close under it.
			s.terminateInline(ReasonTransportError, errPollCancelled, closeNow)
			s.mu.Lock()
			s.pollWaiting = false
			s.mu.Unlock()
			return
		}
	}
	s.pollWaiting = false
	if s.upgraded {
		s.mu.Unlock()
		abort(w, false, CodeBadRequest, "")
		return
	}
	// Compressed unless every packet asked not to be.
	plain := len(s.queue) > 0 && int(s.plainQueued) == len(s.queue)
	batch := s.takeQueueLocked()
	final := -1
	draining := s.state == stateDraining
	switch {
	case s.state == stateOpen:
		if len(batch) == 0 {
			final = int(engineio.Noop) // released for an upgrade
		}
	case draining && len(batch) > 0:
		// Closed with packets still queued: they go now, the close packet
		// in the next poll (see Session.Close), which the client sends as
		// soon as it has this response.
		draining = false
		wait := s.srv.opts.PingTimeout
		s.due = time.Now().Add(wait)
		s.timer.Reset(wait)
	default:
		final = int(s.pollFinal)
	}
	s.pollNoop = false
	if draining {
		s.finishDrainLocked()
	}
	s.mu.Unlock()
	if draining {
		s.srv.forget(s)
	}
	enc := ""
	if !plain {
		enc = s.srv.pollEncoding(r)
	}
	s.writePayload(w, enc, batch, final)
}

var (
	payloadPool    = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}
	compressedPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// writePayload writes the packets, then the final packet type if >= 0, as
// one polling response, compressed with enc ("" for none) when it is large
// enough.
func (s *Session) writePayload(w http.ResponseWriter, enc string, batch []engineio.Packet, final int) {
	bp := payloadPool.Get().(*[]byte)
	b := engineio.AppendPayload((*bp)[:0], batch...)
	clear(batch) // drop references to shared data early
	if final >= 0 {
		if len(batch) > 0 {
			b = append(b, engineio.Separator)
		}
		b = append(b, '0'+byte(final))
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	body := b
	if enc != "" && len(b) >= s.srv.opts.HTTPCompressionThreshold {
		zb := compressedPool.Get().(*bytes.Buffer)
		defer func() {
			if zb.Cap() <= 64<<10 {
				zb.Reset()
				compressedPool.Put(zb)
			}
		}()
		if err := compressInto(zb, enc, b); err == nil {
			body = zb.Bytes()
			h.Set("Content-Encoding", enc)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(s.srv.writeTimeout()))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		payloadPool.Put(bp)
	}
	if err != nil {
		s.terminateInline(ReasonTransportError, fmt.Errorf("engine: poll %s: write: %w", s.id, err), closeNow)
	}
}

// serveData answers a POST: it decodes the payload, dispatches its packets
// in order and only then answers "ok", so replies the handler sends are
// queued before the client's next poll.
func (s *Session) serveData(w http.ResponseWriter, r *http.Request) {
	// text/plain (what clients send) needs no parsing.
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "text/plain") {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/octet-stream" {
			s.terminateInline(ReasonTransportError, errBinaryPost, closeNow)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	if !s.admitPollingLocked(w) {
		return
	}
	if s.posting {
		s.mu.Unlock()
		s.terminateInline(ReasonTransportError, errPostOverlap, closeNow)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.posting = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.posting = false
		s.mu.Unlock()
	}()

	body, tooBig, err := readBody(r.Body, r.ContentLength, s.srv.opts.MaxHTTPBufferSize)
	if tooBig {
		// The reference answers 413 and keeps the session.
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		s.terminateInline(ReasonTransportError, fmt.Errorf("%w: %w", errPostCancelled, err), closeNow)
		return
	}
	body = sanitizeUTF8(body)

	parseErr := false
	s.dispatchMu.Lock()
	for p, err := range engineio.Payload(body) {
		if err != nil {
			s.terminateInline(ReasonParseError, fmt.Errorf("engine: POST %s: %w", s.id, err), closeNow)
			parseErr = true
			break
		}
		if !s.receive(p) {
			break
		}
	}
	s.dispatchMu.Unlock()
	if parseErr {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("ok"))
}

// readBody reads at most max bytes of a request body into a new buffer that
// grows as bytes arrive (a declared length is trusted only up to 32 KiB).
func readBody(body io.Reader, declared, max int64) (b []byte, tooBig bool, err error) {
	if declared > max {
		return nil, true, nil
	}
	initial := int64(512)
	if declared > 0 {
		initial = min(declared, 32<<10)
	}
	b = make([]byte, 0, initial)
	lr := io.LimitReader(body, max+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return nil, true, nil
		}
		if err == io.EOF {
			return b, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
}

// writeTimeout bounds one write to a client.
func (srv *Server) writeTimeout() time.Duration {
	return srv.opts.PingInterval + srv.opts.PingTimeout
}

// admitPollingLocked checks, with s.mu held, that a polling request may use
// the session: not after an upgrade (TRANSPORT_MISMATCH), not once expired
// or closed (unknown sid). When it may not, it answers w, releases s.mu and
// returns false; otherwise s.mu stays held.
func (s *Session) admitPollingLocked(w http.ResponseWriter) bool {
	if s.usesWS || s.upgraded {
		s.mu.Unlock()
		abort(w, false, CodeBadRequest, "") // TRANSPORT_MISMATCH
		return false
	}
	if s.expiredLocked() {
		s.mu.Unlock()
		s.terminateInline(ReasonPingTimeout, nil, closeNow)
		abort(w, false, CodeUnknownSID, "")
		return false
	}
	if s.state == stateClosed {
		s.mu.Unlock()
		abort(w, false, CodeUnknownSID, "")
		return false
	}
	return true
}

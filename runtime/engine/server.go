package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/siogen/sio/codec/engineio"
)

// Error codes of the reference server, sent as {"code":N,"message":...}.
const (
	CodeUnknownTransport    = 0
	CodeUnknownSID          = 1
	CodeBadHandshakeMethod  = 2
	CodeBadRequest          = 3
	CodeForbidden           = 4
	CodeUnsupportedProtocol = 5
)

var codeMessages = [...]string{
	CodeUnknownTransport:    "Transport unknown",
	CodeUnknownSID:          "Session ID unknown",
	CodeBadHandshakeMethod:  "Bad handshake method",
	CodeBadRequest:          "Bad request",
	CodeForbidden:           "Forbidden",
	CodeUnsupportedProtocol: "Unsupported protocol version",
}

var (
	aLongTimeAgo = time.Unix(1, 0)
	// closeGrace bounds the wait for a WebSocket peer's closing handshake
	// and the final writes of a closed session.
	closeGrace = time.Second
)

// Server is an Engine.IO v4 server. It is an http.Handler; mount it on the
// path of Options.Path (for example with http.ServeMux.Handle). Create it
// with NewServer.
type Server struct {
	opts     Options
	upgrades []string // advertised to polling sessions
	polling  bool
	ws       bool

	mu       sync.Mutex
	sessions map[string]*Session
	conns    map[*wsConn]struct{} // live WebSocket connections
	closed   bool
	idler    *idler        // parks idle WebSocket readers; started by the first
	idleTick time.Duration // the idler's tick: 0 for defaultIdleTick, < 0 never to park
	active   int           // tracked goroutines and requests in progress
	idle     chan struct{} // closed when active drops to 0 while closing
}

// NewServer returns a server with the given options, defaults filled in. It
// panics on invalid options (an unknown transport name, a negative
// duration): those are programming errors.
func NewServer(opts Options) *Server {
	o, err := opts.withDefaults()
	if err != nil {
		panic(err)
	}
	srv := &Server{
		opts:     o,
		polling:  slices.Contains(o.Transports, Polling),
		ws:       slices.Contains(o.Transports, WebSocket),
		sessions: make(map[string]*Session),
		conns:    make(map[*wsConn]struct{}),
	}
	srv.upgrades = []string{}
	if srv.ws && !o.DisableUpgrades {
		srv.upgrades = []string{WebSocket}
	}
	return srv
}

// Options returns the server's options with defaults filled in.
func (srv *Server) Options() Options { return srv.opts }

// SessionCount returns the number of open sessions.
func (srv *Server) SessionCount() int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.sessions)
}

// Session returns the open session with the given id, or nil.
func (srv *Server) Session(id string) *Session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.sessions[id]
}

// Close shuts the server down: new requests are refused with 503, every
// session is closed with ReasonServerShutdown (a pending poll gets the
// queued packets and a close packet, a WebSocket a close frame), and Close
// waits until all of the server's goroutines, handlers and Handler calls
// have finished, or ctx is done, in which case it cuts the remaining
// connections and returns ctx.Err().
func (srv *Server) Close(ctx context.Context) error {
	srv.mu.Lock()
	srv.closed = true
	all := make([]*Session, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		all = append(all, s)
	}
	srv.mu.Unlock()
	for _, s := range all {
		s.terminate(ReasonServerShutdown, nil, closeDiscard)
		s.endDrain()
	}
	srv.mu.Lock()
	d := srv.idler
	srv.mu.Unlock()
	if d != nil {
		d.stop() // every parked reader resumes: its session has just closed
	}
	for {
		srv.mu.Lock()
		if srv.active == 0 {
			srv.mu.Unlock()
			return nil
		}
		if srv.idle == nil {
			srv.idle = make(chan struct{})
		}
		idle := srv.idle
		srv.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			srv.mu.Lock()
			conns := make([]*wsConn, 0, len(srv.conns))
			for c := range srv.conns {
				conns = append(conns, c)
			}
			srv.mu.Unlock()
			for _, c := range conns { // outside srv.mu: a resumed reader takes it
				c.conn.SetWriteDeadline(aLongTimeAgo)
				c.stopReading(aLongTimeAgo)
			}
			return ctx.Err()
		}
	}
}

// enter counts a request or goroutine in progress; false once closed.
func (srv *Server) enter() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closed {
		return false
	}
	srv.active++
	return true
}

func (srv *Server) leave() {
	srv.mu.Lock()
	srv.active--
	if srv.active == 0 && srv.idle != nil {
		close(srv.idle)
		srv.idle = nil
	}
	srv.mu.Unlock()
}

// goTracked runs f on a new goroutine that Close waits for. It is only
// called while another tracked activity, the idler (which Close stops
// before it waits) or Close itself is running, so it does not check closed.
func (srv *Server) goTracked(f func()) {
	srv.mu.Lock()
	srv.active++
	srv.mu.Unlock()
	go func() {
		defer srv.leave()
		f()
	}()
}

// forget removes a closed session from the table.
func (srv *Server) forget(s *Session) {
	srv.mu.Lock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
	srv.mu.Unlock()
}

func (srv *Server) lookup(id string) *Session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.sessions[id]
}

// newID returns a fresh session id: 15 random bytes as 20 URL-safe base64
// characters, the shape of the reference server's base64id.
func newID() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

// newSession creates, registers and announces a session. The open packet is
// queued first, then OnSession runs.
func (srv *Server) newSession(r *http.Request, transport string, ws *wsConn) (*Session, bool) {
	s := &Session{
		srv:    srv,
		usesWS: ws != nil,
		ws:     ws,
		hs: Handshake{
			Time:       time.Now(),
			RemoteAddr: r.RemoteAddr,
			Host:       r.Host,
			URL:        r.URL.RequestURI(),
			Secure:     r.TLS != nil,
			Transport:  transport,
		},
	}
	s.hs.setHeader(r.Header)
	if ws == nil {
		// Only polling waits on it; the sends are non-blocking selects,
		// which a nil channel (a WebSocket session) skips.
		s.pollWake = make(chan struct{}, 1)
	}
	upgrades := srv.upgrades
	if ws != nil {
		upgrades = []string{}
	}
	s.id = newID()
	hs := engineio.Handshake{
		SID:          s.id,
		Upgrades:     upgrades,
		PingInterval: srv.opts.PingInterval.Milliseconds(),
		PingTimeout:  srv.opts.PingTimeout.Milliseconds(),
		MaxPayload:   srv.opts.MaxHTTPBufferSize,
	}
	s.mu.Lock()
	s.pushLocked(engineio.Packet{Type: engineio.Open, Data: hs.AppendJSON(nil)})
	s.startHeartbeat()
	s.mu.Unlock()

	srv.mu.Lock()
	_, dup := srv.sessions[s.id] // 120 random bits: never, but never hand out a sid twice
	if srv.closed || dup {
		srv.mu.Unlock()
		s.timer.Stop()
		return nil, false
	}
	srv.sessions[s.id] = s
	srv.mu.Unlock()
	if srv.opts.OnSession != nil {
		srv.opts.OnSession(s)
	}
	return s, true
}

// ServeHTTP answers Engine.IO requests: handshakes, polls, POSTs and
// WebSocket upgrades.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !srv.matchPath(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	upgrade := isWebSocketUpgrade(r)
	if !upgrade && srv.opts.CORS != nil && srv.opts.CORS.apply(w, r) {
		return // preflight answered
	}
	if !srv.enter() {
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	defer srv.leave()

	transport := queryValue(r.URL.RawQuery, "transport")
	if !(transport == Polling && srv.polling) && !(transport == WebSocket && srv.ws) {
		abort(w, upgrade, CodeUnknownTransport, "")
		return
	}
	if sid := queryValue(r.URL.RawQuery, "sid"); sid != "" {
		s := srv.lookup(sid)
		if s == nil {
			abort(w, upgrade, CodeUnknownSID, "")
			return
		}
		if upgrade {
			if transport != WebSocket {
				abort(w, upgrade, CodeBadRequest, "")
				return
			}
			srv.serveUpgrade(w, r, s)
			return
		}
		if transport != Polling {
			abort(w, upgrade, CodeBadRequest, "") // TRANSPORT_MISMATCH
			return
		}
		switch r.Method {
		case http.MethodGet:
			s.servePoll(w, r)
		case http.MethodPost:
			s.serveData(w, r)
		default:
			w.WriteHeader(http.StatusInternalServerError) // as the reference polling transport
		}
		return
	}

	// Handshake.
	if r.Method != http.MethodGet {
		abort(w, upgrade, CodeBadHandshakeMethod, "")
		return
	}
	if (transport == WebSocket) != upgrade {
		abort(w, upgrade, CodeBadRequest, "") // TRANSPORT_HANDSHAKE_ERROR
		return
	}
	if srv.opts.AllowRequest != nil {
		if err := srv.opts.AllowRequest(r); err != nil {
			abort(w, upgrade, CodeForbidden, err.Error())
			return
		}
	}
	if queryValue(r.URL.RawQuery, "EIO") != "4" {
		abort(w, upgrade, CodeUnsupportedProtocol, "")
		return
	}
	if upgrade {
		srv.serveWebSocketHandshake(w, r)
		return
	}
	s, ok := srv.newSession(r, Polling, nil)
	if !ok {
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	s.servePoll(w, r)
}

// matchPath accepts the configured path, with or without its trailing
// slash, and anything below it.
func (srv *Server) matchPath(p string) bool {
	return strings.HasPrefix(p, srv.opts.Path) || p == strings.TrimSuffix(srv.opts.Path, "/")
}

// isWebSocketUpgrade reports whether r asks for a WebSocket upgrade.
func isWebSocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// abort refuses a request the way the reference server does: polling
// requests get a JSON body (403 for code 4, else 400); refused WebSocket
// upgrades get a plain 400 and the connection is closed.
func abort(w http.ResponseWriter, upgrade bool, code int, message string) {
	if message == "" {
		message = codeMessages[code]
	}
	if upgrade {
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(message))
		return
	}
	status := http.StatusBadRequest
	if code == CodeForbidden {
		status = http.StatusForbidden
	}
	body, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// errorf-style helper errors, kept as values so tests can match them.
var (
	errPollOverlap   = errors.New("engine: overlapping poll requests from client")
	errPollCancelled = errors.New("engine: poll connection closed prematurely")
	errPostOverlap   = errors.New("engine: overlapping data requests from client")
	errPostCancelled = errors.New("engine: data request connection closed prematurely")
	errBinaryPost    = errors.New("engine: invalid content (application/octet-stream POST)")
)

// Package server is the Socket.IO v5 server runtime: namespaces (static and
// dynamic), connection middlewares, sockets, rooms, broadcasts, acks in both
// directions and connection state recovery, on top of the Engine.IO server
// of runtime/engine. It is what generated typed code calls, so event
// arguments stay raw (socketio.Raw, in the server's codec) until a handler
// decodes them with Event.Decode.
//
//	srv := server.New(server.Options{})
//	srv.Of("/chat").On("say", func(ctx context.Context, s *server.Socket, ev *server.Event) {
//		var text string
//		if err := ev.Decode(0, &text); err != nil {
//			return
//		}
//		_ = s.To("lobby").Emit("said", s.ID(), text)
//		_ = ev.Ack("ok")
//	})
//	http.Handle("/socket.io/", srv)
//
// # Concurrency
//
// Each socket handles its events one at a time, in arrival order, on a
// goroutine that exists only while it has work; different sockets proceed
// in parallel. Acknowledgements from clients are delivered as they arrive,
// so a handler may wait in EmitWithAck for the same client. Namespace
// handshakes (dynamic namespace matching and middlewares) run on their own
// goroutine. Everything else (Emit, broadcasts, Join...) may be called from
// any goroutine.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/gopool"
	"github.com/siogen/sio/runtime/adapter"
	"github.com/siogen/sio/runtime/engine"
)

// Options configure a Server. Zero values mean the reference server's
// defaults.
type Options struct {
	// Path is the URL path of the server, default "/socket.io/". It
	// overrides Engine.Path when set.
	Path string
	// Engine configures the Engine.IO layer (heartbeat, transports,
	// buffer sizes, CORS...). Its OnSession is set by the server.
	Engine engine.Options
	// ConnectTimeout closes connections that have not joined a namespace
	// in time. Default 45s.
	ConnectTimeout time.Duration
	// Codec is the Socket.IO wire format: socketio.JSON (default) or the
	// msgpack codec (socket.io-msgpack-parser).
	Codec socketio.Codec
	// MaxAttachments bounds the binary attachments of one incoming packet
	// (JSON codec). Default socketio.DefaultMaxAttachments.
	MaxAttachments int
	// ConnectionStateRecovery, when set, lets clients that lost their
	// connection recover their socket (id, rooms, data) and the packets
	// they missed.
	ConnectionStateRecovery *RecoveryOptions
	// CleanupEmptyChildNamespaces removes a dynamic namespace's child once
	// its last socket has left.
	CleanupEmptyChildNamespaces bool
	// Adapter creates each namespace's adapter. Default: in-memory.
	Adapter adapter.Factory
	// MaxPendingEvents bounds the events one socket may have waiting for
	// its handler; a client that exceeds it is disconnected. Default 1024;
	// negative means unbounded.
	MaxPendingEvents int
	// Logger receives debug and error messages. Default slog.Default().
	Logger *slog.Logger
}

// RecoveryOptions configure connection state recovery.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a session is kept after its
	// client disconnected. Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the namespace middlewares for recovered sockets
	// too. By default they are skipped (the reference's skipMiddlewares:
	// true).
	RunMiddlewares bool
}

// Defaults of the reference server.
const (
	DefaultConnectTimeout           = 45 * time.Second
	DefaultMaxDisconnectionDuration = 2 * time.Minute
	DefaultMaxPendingEvents         = 1024
	// DefaultAckTimeout bounds EmitWithAck and ServerSideEmitWithAck when
	// neither ctx nor Timeout sets a deadline: a server that never answers
	// (no listener, gone between count and request) must not hold the
	// caller, or a Close waiting for it, forever. It is the reference
	// cluster adapters' requestsTimeout; a reference broadcast with acks
	// and no timeout times out at once.
	DefaultAckTimeout = 5 * time.Second
)

// ackTimeout is DefaultAckTimeout, a variable for the tests.
var ackTimeout = DefaultAckTimeout

// boundAckWait gives ctx the default ack deadline when it has none.
func boundAckWait(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, ackTimeout)
}

// Server is a Socket.IO server. It is an http.Handler: mount it on its
// path. Create it with New.
type Server struct {
	opts           Options
	eng            *engine.Server
	codec          socketio.Codec
	adapterFactory adapter.Factory
	emptyObject    socketio.Raw
	logger         *slog.Logger
	tasks          sync.WaitGroup
	pool           *gopool.Pool // runs the sockets' tasks on reused goroutines

	nsMu    sync.RWMutex
	nsps    map[string]*Namespace
	parents []*ParentNamespace
	main    *Namespace
}

// New returns a server with the main namespace "/" already created. It
// panics on invalid options, which are programming errors.
func New(opts Options) *Server {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.Codec == nil {
		opts.Codec = socketio.JSON
	}
	if opts.MaxPendingEvents == 0 {
		opts.MaxPendingEvents = DefaultMaxPendingEvents
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if r := opts.ConnectionStateRecovery; r != nil {
		cp := *r
		if cp.MaxDisconnectionDuration <= 0 {
			cp.MaxDisconnectionDuration = DefaultMaxDisconnectionDuration
		}
		opts.ConnectionStateRecovery = &cp
	}
	srv := &Server{
		opts:   opts,
		codec:  opts.Codec,
		logger: opts.Logger,
		nsps:   make(map[string]*Namespace),
		pool:   gopool.New(time.Second),
	}
	srv.adapterFactory = opts.Adapter
	if srv.adapterFactory == nil {
		mo := adapter.MemoryOptions{}
		if r := opts.ConnectionStateRecovery; r != nil {
			mo.Recovery = &adapter.RecoveryOptions{MaxDisconnectionDuration: r.MaxDisconnectionDuration}
		}
		srv.adapterFactory = adapter.NewMemoryFactory(mo)
	}
	tmp := &socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: socketio.NoID}
	if err := srv.codec.SetData(tmp, map[string]any{}); err != nil {
		panic(fmt.Sprintf("server: codec %s cannot encode an empty object: %v", srv.codec.Name(), err))
	}
	srv.emptyObject = tmp.Data
	eo := opts.Engine
	if opts.Path != "" {
		eo.Path = opts.Path
	}
	eo.OnSession = srv.onSession
	srv.eng = engine.NewServer(eo)
	srv.main = srv.Of("/")
	return srv
}

// Engine returns the Engine.IO server underneath.
func (srv *Server) Engine() *engine.Server { return srv.eng }

// Codec returns the server's codec.
func (srv *Server) Codec() socketio.Codec { return srv.codec }

// ServeHTTP answers Engine.IO requests on the server's path.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { srv.eng.ServeHTTP(w, r) }

// Of returns the namespace with that name ("/" prefixed if missing),
// creating it if needed. A name matching a ParentNamespace created with
// OfRegexp becomes one of its children.
func (srv *Server) Of(name string) *Namespace {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	srv.nsMu.RLock()
	n := srv.nsps[name]
	var parent *ParentNamespace
	for _, p := range srv.parents {
		if p.re != nil && p.re.MatchString(name) {
			parent = p
			break
		}
	}
	srv.nsMu.RUnlock()
	if n != nil {
		return n
	}
	return srv.create(name, parent)
}

// create makes the namespace name, or returns the one made meanwhile. The
// adapter is created outside the namespaces' lock, since creating one may
// wait (the Redis adapter subscribes); a namespace that lost the race
// closes its adapter.
func (srv *Server) create(name string, parent *ParentNamespace) *Namespace {
	n := newNamespace(srv, name, parent)
	srv.nsMu.Lock()
	if other := srv.nsps[name]; other != nil {
		srv.nsMu.Unlock()
		_ = n.adapter.Close()
		return other
	}
	srv.nsps[name] = n
	if parent != nil {
		parent.mu.Lock()
		parent.children[name] = n
		parent.mu.Unlock()
	}
	srv.nsMu.Unlock()
	return n
}

// OfFunc adds a dynamic namespace: a client asking for a namespace that
// does not exist gets a child of the returned parent when match returns
// true. match runs on the handshake's goroutine and may block (ctx ends if
// the client goes away); auth holds the CONNECT payload as its only
// argument (absent when the client sent none).
func (srv *Server) OfFunc(match func(ctx context.Context, name string, auth *Args) (bool, error)) *ParentNamespace {
	p := &ParentNamespace{srv: srv, match: match, children: make(map[string]*Namespace)}
	srv.nsMu.Lock()
	srv.parents = append(srv.parents, p)
	srv.nsMu.Unlock()
	return p
}

// OfRegexp adds a dynamic namespace for the names re matches.
func (srv *Server) OfRegexp(re *regexp.Regexp) *ParentNamespace {
	p := srv.OfFunc(func(_ context.Context, name string, _ *Args) (bool, error) { return re.MatchString(name), nil })
	p.re = re
	return p
}

// lookup finds or creates (dynamically) the namespace a client asks for.
func (srv *Server) lookup(c *conn, name string, auth *Args) *Namespace {
	srv.nsMu.RLock()
	n := srv.nsps[name]
	parents := srv.parents
	srv.nsMu.RUnlock()
	if n != nil {
		return n
	}
	for _, p := range parents {
		var ok bool
		err := srv.call(func() error {
			var err error
			ok, err = p.match(c.context(), name, auth)
			return err
		})
		if err != nil || !ok {
			continue
		}
		return srv.create(name, p)
	}
	return nil
}

// Namespaces returns the existing namespaces.
func (srv *Server) Namespaces() []*Namespace {
	srv.nsMu.RLock()
	defer srv.nsMu.RUnlock()
	out := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		out = append(out, n)
	}
	return out
}

// Use adds a connection middleware to the main namespace.
func (srv *Server) Use(mw Middleware) { srv.main.Use(mw) }

// On sets an event handler of the main namespace.
func (srv *Server) On(event string, fn EventHandler) { srv.main.On(event, fn) }

// OnConnection adds a connection handler to the main namespace.
func (srv *Server) OnConnection(fn func(s *Socket)) { srv.main.OnConnection(fn) }

// To selects sockets of the main namespace by room.
func (srv *Server) To(rooms ...string) BroadcastOperator { return srv.main.To(rooms...) }

// In is To.
func (srv *Server) In(rooms ...string) BroadcastOperator { return srv.main.To(rooms...) }

// Except selects the sockets of the main namespace not in rooms.
func (srv *Server) Except(rooms ...string) BroadcastOperator { return srv.main.Except(rooms...) }

// Emit sends an event to every socket of the main namespace.
func (srv *Server) Emit(event string, args ...any) error { return srv.main.Emit(event, args...) }

// Close disconnects every socket with "server shutting down", closes the
// adapters and the Engine.IO server, and waits for the handlers still
// running, until ctx ends.
func (srv *Server) Close(ctx context.Context) error {
	for _, n := range srv.Namespaces() {
		for _, s := range n.Sockets() {
			s.onClose(ReasonServerShuttingDown)
		}
	}
	err := srv.eng.Close(ctx)
	done := make(chan struct{})
	go func() {
		srv.tasks.Wait()
		close(done)
	}()
	select {
	case <-done:
		srv.pool.Close()
		srv.pool.Wait()
	case <-ctx.Done():
		srv.pool.Close()
		err = errors.Join(err, fmt.Errorf("server: close: waiting for handlers: %w", ctx.Err()))
	}
	for _, n := range srv.Namespaces() {
		if cerr := n.adapter.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("server: close adapter of %s: %w", n.name, cerr))
		}
	}
	return err
}

// safely runs user code, logging a panic instead of crashing the server.
func (srv *Server) safely(f func()) {
	defer func() {
		if r := recover(); r != nil {
			srv.logger.Error("socket.io: handler panicked", "panic", r)
		}
	}()
	f()
}

// call runs user code that returns an error, turning a panic into one.
func (srv *Server) call(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			srv.logger.Error("socket.io: handler panicked", "panic", r)
			err = fmt.Errorf("server: handler panicked: %v", r)
		}
	}()
	return f()
}

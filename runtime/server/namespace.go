package server

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
)

// Middleware runs when a client asks to join a namespace, before the socket
// is connected. A non-nil error refuses the connection: the client gets
// CONNECT_ERROR with the error's message (and data, for a *ConnectError).
// ctx ends when the client's connection closes.
type Middleware func(ctx context.Context, s *Socket) error

// EventMiddleware runs for every event a socket receives, before its
// handler. A non-nil error drops the event and is passed to the socket's
// error handlers (Socket.OnError). ctx ends when the socket disconnects.
type EventMiddleware func(ctx context.Context, s *Socket, ev *Event) error

// EventHandler handles one event. It runs on the socket's own sequence:
// events of one socket are handled one at a time, in arrival order, while
// other sockets proceed. ctx ends when the socket disconnects.
type EventHandler func(ctx context.Context, s *Socket, ev *Event)

// ServerSideHandler handles an event sent by another server of the cluster
// with ServerSideEmit. reply is nil when no answer is expected.
type ServerSideHandler func(args *Args, reply func(args ...any) error)

// handlerTable is an immutable snapshot of a namespace's handlers, swapped
// atomically on registration so that dispatch takes no lock.
type handlerTable struct {
	middlewares  []Middleware
	eventMW      []EventMiddleware
	events       map[string]EventHandler
	any          EventHandler
	onConnection []func(s *Socket)
	onDisconnect []func(s *Socket, reason string)
	serverSide   map[string]ServerSideHandler
}

var emptyTable = &handlerTable{}

// handlers holds the registration methods shared by Namespace and
// ParentNamespace.
type handlers struct {
	regMu sync.Mutex
	tbl   atomic.Pointer[handlerTable]
}

func (h *handlers) table() *handlerTable {
	if t := h.tbl.Load(); t != nil {
		return t
	}
	return emptyTable
}

func (h *handlers) update(f func(t *handlerTable)) {
	h.regMu.Lock()
	defer h.regMu.Unlock()
	old := h.table()
	t := &handlerTable{
		middlewares:  append([]Middleware(nil), old.middlewares...),
		eventMW:      append([]EventMiddleware(nil), old.eventMW...),
		events:       make(map[string]EventHandler, len(old.events)+1),
		any:          old.any,
		onConnection: slices.Clone(old.onConnection),
		onDisconnect: slices.Clone(old.onDisconnect),
		serverSide:   make(map[string]ServerSideHandler, len(old.serverSide)),
	}
	for k, v := range old.events {
		t.events[k] = v
	}
	for k, v := range old.serverSide {
		t.serverSide[k] = v
	}
	f(t)
	h.tbl.Store(t)
}

// Use adds a connection middleware; middlewares run in the order added.
func (h *handlers) Use(mw Middleware) {
	h.update(func(t *handlerTable) { t.middlewares = append(t.middlewares, mw) })
}

// UseEvents adds an event middleware that runs for every socket of the
// namespace, before the socket's own (Socket.Use).
func (h *handlers) UseEvents(mw EventMiddleware) {
	h.update(func(t *handlerTable) { t.eventMW = append(t.eventMW, mw) })
}

// On sets the handler of an event for every socket of the namespace,
// replacing any previous one. A handler set with Socket.On takes precedence.
func (h *handlers) On(event string, fn EventHandler) {
	h.update(func(t *handlerTable) { t.events[event] = fn })
}

// OnAny sets the handler of events that have no handler of their own.
func (h *handlers) OnAny(fn EventHandler) { h.update(func(t *handlerTable) { t.any = fn }) }

// OnConnection adds a handler called for every socket that joins the
// namespace, after the client has been told it is connected and before the
// socket's first event is handled.
func (h *handlers) OnConnection(fn func(s *Socket)) {
	h.update(func(t *handlerTable) { t.onConnection = append(t.onConnection, fn) })
}

// OnDisconnect adds a handler called when a socket of the namespace
// disconnects, after the socket's own disconnect handlers.
func (h *handlers) OnDisconnect(fn func(s *Socket, reason string)) {
	h.update(func(t *handlerTable) { t.onDisconnect = append(t.onDisconnect, fn) })
}

// OnServerSideEmit sets the handler of an event that other servers send
// with ServerSideEmit.
func (h *handlers) OnServerSideEmit(event string, fn ServerSideHandler) {
	h.update(func(t *handlerTable) { t.serverSide[event] = fn })
}

// Namespace is a Socket.IO namespace ("/", "/chat", ...): its handlers, its
// connected sockets and its adapter (rooms).
type Namespace struct {
	handlers

	srv     *Server
	name    string
	codec   socketio.Codec
	adapter adapter.Adapter
	parent  *ParentNamespace // set for a child of a dynamic namespace
	ids     atomic.Int64

	mu      sync.RWMutex
	sockets map[string]*Socket
	pending int  // sockets between CONNECT and connected (for cleanup)
	removed bool // a removed child namespace takes no new sockets
}

func newNamespace(srv *Server, name string, parent *ParentNamespace) *Namespace {
	n := &Namespace{
		srv:     srv,
		name:    name,
		codec:   srv.codec,
		parent:  parent,
		sockets: make(map[string]*Socket),
	}
	n.adapter = srv.adapterFactory(n)
	return n
}

// Name returns the namespace's name, e.g. "/" or "/chat". It implements
// adapter.Namespace.
func (n *Namespace) Name() string { return n.name }

// Codec returns the server's codec. It implements adapter.Namespace.
func (n *Namespace) Codec() socketio.Codec { return n.codec }

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() adapter.Adapter { return n.adapter }

// Server returns the server the namespace belongs to.
func (n *Namespace) Server() *Server { return n.srv }

// Socket returns the connected socket with that id. It implements
// adapter.Namespace.
func (n *Namespace) Socket(id string) adapter.Socket {
	if s := n.LocalSocket(id); s != nil {
		return s
	}
	return nil
}

// LocalSocket returns the connected socket of this server with that id, or nil.
func (n *Namespace) LocalSocket(id string) *Socket {
	n.mu.RLock()
	s := n.sockets[id]
	n.mu.RUnlock()
	return s
}

// Sockets returns the sockets connected to this namespace on this server.
func (n *Namespace) Sockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

// SocketCount returns the number of sockets connected to this namespace on
// this server.
func (n *Namespace) SocketCount() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.sockets)
}

// NextAckID allocates an ack id. It implements adapter.Namespace.
func (n *Namespace) NextAckID() int64 { return n.ids.Add(1) - 1 }

// ServerSideEvent delivers an event from another server. It implements
// adapter.Namespace.
func (n *Namespace) ServerSideEvent(p *socketio.Packet, reply func(args ...any) error) {
	h := n.table().serverSide[p.Event]
	if h == nil && n.parent != nil {
		h = n.parent.table().serverSide[p.Event]
	}
	if h == nil {
		return
	}
	args := &Args{codec: n.codec, p: p}
	n.srv.safely(func() { h(args, reply) })
}

// operator returns a broadcast operator on the whole namespace.
func (n *Namespace) operator() BroadcastOperator { return BroadcastOperator{nsp: n} }

// To selects the sockets in room (several calls or rooms: union).
func (n *Namespace) To(rooms ...string) BroadcastOperator { return n.operator().To(rooms...) }

// In is To.
func (n *Namespace) In(rooms ...string) BroadcastOperator { return n.operator().To(rooms...) }

// Except leaves out the sockets in rooms.
func (n *Namespace) Except(rooms ...string) BroadcastOperator { return n.operator().Except(rooms...) }

// Local restricts the next operation to this server's sockets.
func (n *Namespace) Local() BroadcastOperator { return n.operator().Local() }

// Volatile lets the next broadcast be dropped for clients that cannot take it now.
func (n *Namespace) Volatile() BroadcastOperator { return n.operator().Volatile() }

// Compress sets the compress flag of the next broadcast.
func (n *Namespace) Compress(compress bool) BroadcastOperator {
	return n.operator().Compress(compress)
}

// Timeout bounds how long the next EmitWithAck waits for acknowledgements.
func (n *Namespace) Timeout(d time.Duration) BroadcastOperator { return n.operator().Timeout(d) }

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error { return n.operator().Emit(event, args...) }

// EmitWithAck sends an event to every socket of the namespace and collects
// one acknowledgement per socket; see BroadcastOperator.EmitWithAck.
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	return n.operator().EmitWithAck(ctx, event, args...)
}

// FetchSockets describes every socket of the namespace (on all servers).
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return n.operator().FetchSockets(ctx)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (n *Namespace) SocketsJoin(rooms ...string) error { return n.operator().SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the namespace leave rooms.
func (n *Namespace) SocketsLeave(rooms ...string) error { return n.operator().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the namespace (and closes
// their connections when close is true).
func (n *Namespace) DisconnectSockets(close bool) error {
	return n.operator().DisconnectSockets(close)
}

// ServerSideEmit sends an event to this namespace on the other servers of
// the cluster (none with the in-memory adapter).
func (n *Namespace) ServerSideEmit(event string, args ...any) error {
	p, err := n.newEvent(event, args)
	if err != nil {
		return err
	}
	return n.adapter.ServerSideEmit(p, nil, nil)
}

// ServerSideEmitWithAck sends an event to the other servers and collects
// one answer per server, until all have answered or ctx ends
// (DefaultAckTimeout when ctx has no deadline).
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	p, err := n.newEvent(event, args)
	if err != nil {
		return nil, err
	}
	ctx, cancel := boundAckWait(ctx)
	defer cancel()
	col := newCollector(n.codec)
	if err := n.adapter.ServerSideEmit(p, col.setClients, col.onAck); err != nil {
		return nil, err
	}
	col.setServers(1, 0) // one report: the adapter's count of answering servers
	return col.wait(ctx, "server-side emit "+event)
}

// newEvent builds an Event packet for the namespace, args encoded.
func (n *Namespace) newEvent(event string, args []any) (*socketio.Packet, error) {
	if socketio.ReservedEvents[event] {
		return nil, fmt.Errorf("server: emit %q: %w", event, ErrReservedEvent)
	}
	p := &socketio.Packet{Type: socketio.Event, Namespace: n.name, ID: socketio.NoID, Event: event}
	if len(args) > 0 {
		p.Args = make([]socketio.Raw, 0, len(args))
	}
	if err := appendArgs(n.codec, p, args); err != nil {
		return nil, fmt.Errorf("server: emit %q: %w", event, err)
	}
	return p, nil
}

// handlerFor returns the namespace-level handler of an event.
func (n *Namespace) handlerFor(event string) EventHandler {
	if h := n.table().events[event]; h != nil {
		return h
	}
	if n.parent != nil {
		if h := n.parent.table().events[event]; h != nil {
			return h
		}
	}
	if h := n.table().any; h != nil {
		return h
	}
	if n.parent != nil {
		return n.parent.table().any
	}
	return nil
}

// runMiddlewares runs the parent's then the namespace's middlewares.
func (n *Namespace) runMiddlewares(c *conn, s *Socket) error {
	var parent []Middleware
	if n.parent != nil {
		parent = n.parent.table().middlewares
	}
	own := n.table().middlewares
	if len(parent)+len(own) == 0 {
		return nil
	}
	ctx := c.context()
	for _, list := range [][]Middleware{parent, own} {
		for _, mw := range list {
			if err := mw(ctx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *Namespace) eventMiddlewares() (parent, own []EventMiddleware) {
	if n.parent != nil {
		parent = n.parent.table().eventMW
	}
	return parent, n.table().eventMW
}

func (n *Namespace) connectionHandlers() (parent, own []func(*Socket)) {
	if n.parent != nil {
		parent = n.parent.table().onConnection
	}
	return parent, n.table().onConnection
}

func (n *Namespace) disconnectHandlers() (parent, own []func(*Socket, string)) {
	if n.parent != nil {
		parent = n.parent.table().onDisconnect
	}
	return parent, n.table().onDisconnect
}

// reserve counts a socket about to connect; false if the namespace was
// removed (an emptied child namespace) and must be looked up again.
func (n *Namespace) reserve() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.removed {
		return false
	}
	n.pending++
	return true
}

// add registers a connected socket reserved with reserve.
func (n *Namespace) add(s *Socket) {
	n.mu.Lock()
	n.pending--
	n.sockets[s.id] = s
	n.mu.Unlock()
}

// unreserve undoes reserve for a socket that did not connect.
func (n *Namespace) unreserve() {
	n.mu.Lock()
	n.pending--
	n.mu.Unlock()
	n.maybeCleanup()
}

// remove forgets a disconnected socket.
func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
	n.maybeCleanup()
}

// maybeCleanup removes an empty child namespace when the server is set to.
func (n *Namespace) maybeCleanup() {
	if n.parent == nil || !n.srv.opts.CleanupEmptyChildNamespaces {
		return
	}
	n.srv.nsMu.Lock()
	n.mu.Lock()
	empty := len(n.sockets) == 0 && n.pending == 0 && !n.removed
	if empty {
		n.removed = true
		if n.srv.nsps[n.name] == n {
			delete(n.srv.nsps, n.name)
		}
	}
	n.mu.Unlock()
	n.srv.nsMu.Unlock()
	if empty {
		n.parent.removeChild(n)
		_ = n.adapter.Close()
	}
}

// ParentNamespace is a dynamic namespace: it matches namespace names that
// clients ask for and creates a child Namespace for each, which inherits
// the parent's middlewares and handlers (the parent's run first).
type ParentNamespace struct {
	handlers

	srv   *Server
	match func(ctx context.Context, name string, auth *Args) (bool, error)
	re    *regexp.Regexp // set by OfRegexp: Of(name) of a matching name creates a child

	mu       sync.Mutex
	children map[string]*Namespace
}

// Children returns the child namespaces created so far.
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Namespace, 0, len(p.children))
	for _, c := range p.children {
		out = append(out, c)
	}
	return out
}

// Emit sends an event to every socket of every child namespace.
func (p *ParentNamespace) Emit(event string, args ...any) error {
	return ParentBroadcast{p: p}.Emit(event, args...)
}

// To selects the sockets in rooms, in every child namespace.
func (p *ParentNamespace) To(rooms ...string) ParentBroadcast {
	return ParentBroadcast{p: p}.To(rooms...)
}

// Except leaves out the sockets in rooms, in every child namespace.
func (p *ParentNamespace) Except(rooms ...string) ParentBroadcast {
	return ParentBroadcast{p: p}.Except(rooms...)
}

// ParentBroadcast is a broadcast to the children of a dynamic namespace
// (the reference's ParentBroadcastAdapter): each child gets the same
// selection. It is an immutable value.
type ParentBroadcast struct {
	p  *ParentNamespace
	op BroadcastOperator // selection and flags; its namespace is unset
}

// To adds rooms to the selection (union).
func (b ParentBroadcast) To(rooms ...string) ParentBroadcast { b.op = b.op.To(rooms...); return b }

// Except leaves out the sockets in rooms.
func (b ParentBroadcast) Except(rooms ...string) ParentBroadcast {
	b.op = b.op.Except(rooms...)
	return b
}

// Volatile lets the packets be dropped for clients that cannot take them now.
func (b ParentBroadcast) Volatile() ParentBroadcast { b.op = b.op.Volatile(); return b }

// Compress sets the compress flag.
func (b ParentBroadcast) Compress(compress bool) ParentBroadcast {
	b.op = b.op.Compress(compress)
	return b
}

// Emit sends an event to the selected sockets of every child namespace,
// encoded once per child.
func (b ParentBroadcast) Emit(event string, args ...any) error {
	var errs []error
	for _, c := range b.p.Children() {
		op := b.op
		op.nsp = c
		if err := op.Emit(event, args...); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (p *ParentNamespace) removeChild(n *Namespace) {
	p.mu.Lock()
	if p.children[n.name] == n {
		delete(p.children, n.name)
	}
	p.mu.Unlock()
}

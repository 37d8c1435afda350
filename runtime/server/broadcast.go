package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
)

// BroadcastOperator selects sockets of a namespace (To/In: union of rooms,
// Except: minus rooms) and sends to them or acts on them. It is an
// immutable value: every method returns a new operator.
type BroadcastOperator struct {
	nsp    *Namespace
	rooms  []string
	except []string
	flags  adapter.BroadcastFlags
}

// To adds rooms to the selection (union).
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	b.rooms = appendUnique(slices.Clip(b.rooms), rooms)
	return b
}

// In is To.
func (b BroadcastOperator) In(rooms ...string) BroadcastOperator { return b.To(rooms...) }

// Except leaves out the sockets in rooms.
func (b BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	b.except = appendUnique(slices.Clip(b.except), rooms)
	return b
}

// Local restricts the operation to this server's sockets.
func (b BroadcastOperator) Local() BroadcastOperator { b.flags.Local = true; return b }

// Volatile lets the packet be dropped for clients that cannot take it now;
// volatile packets are not kept for connection state recovery.
func (b BroadcastOperator) Volatile() BroadcastOperator { b.flags.Volatile = true; return b }

// Compress(false) asks that the packets not be compressed: a polling
// response made only of such packets is sent plain even when it is large
// (engine.SendOptions.NoCompress). Compression is on by default.
func (b BroadcastOperator) Compress(compress bool) BroadcastOperator {
	b.flags.NoCompress = !compress
	return b
}

// Timeout bounds how long EmitWithAck waits for acknowledgements (in
// addition to its context).
func (b BroadcastOperator) Timeout(d time.Duration) BroadcastOperator { b.flags.Timeout = d; return b }

func appendUnique(dst, add []string) []string {
	for _, r := range add {
		if !slices.Contains(dst, r) {
			dst = append(dst, r)
		}
	}
	return dst
}

func (b BroadcastOperator) opts() adapter.BroadcastOptions {
	return adapter.BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: b.flags}
}

// Emit sends an event to the selected sockets. The packet is encoded once
// and the same bytes go to every target.
func (b BroadcastOperator) Emit(event string, args ...any) error {
	p, err := b.nsp.newEvent(event, args)
	if err != nil {
		return err
	}
	if err := b.nsp.adapter.Broadcast(p, b.opts()); err != nil {
		return fmt.Errorf("server: broadcast %q: %w", event, err)
	}
	return nil
}

// EmitWithAck sends an event to the selected sockets and collects one
// acknowledgement per socket, in arrival order. It returns when every
// selected socket has answered or disconnected, or when ctx or the
// operator's Timeout ends (DefaultAckTimeout when neither sets a
// deadline); then the answers received so far are returned with an error
// wrapping context.DeadlineExceeded (or ctx's error).
func (b BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	p, err := b.nsp.newEvent(event, args)
	if err != nil {
		return nil, err
	}
	var cancel context.CancelFunc
	if b.flags.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, b.flags.Timeout)
	} else {
		ctx, cancel = boundAckWait(ctx)
	}
	defer cancel()
	col := newCollector(b.nsp.codec)
	if err := b.nsp.adapter.BroadcastWithAck(p, b.opts(), col.setClients, col.onAck); err != nil {
		return nil, fmt.Errorf("server: broadcast %q: %w", event, err)
	}
	n := 1
	if !b.flags.Local {
		if n, err = b.nsp.adapter.ServerCount(ctx); err != nil {
			return nil, fmt.Errorf("server: broadcast %q: server count: %w", event, err)
		}
	}
	col.setServers(n, 0)
	res, err := col.wait(ctx, fmt.Sprintf("broadcast %q", event))
	if err != nil {
		for _, s := range b.nsp.Sockets() {
			s.CancelAck(p.ID)
		}
	}
	return res, err
}

// FetchSockets describes the selected sockets (of all servers unless Local).
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	ds, err := b.nsp.adapter.FetchSockets(ctx, b.opts())
	if err != nil {
		return nil, fmt.Errorf("server: fetch sockets: %w", err)
	}
	out := make([]*RemoteSocket, len(ds))
	for i, d := range ds {
		rs := &RemoteSocket{ID: d.ID, Handshake: d.Handshake, Rooms: d.Rooms, Data: d.Data, nsp: b.nsp}
		if l, ok := d.Local.(*Socket); ok {
			rs.local = l
		}
		out[i] = rs
	}
	return out, nil
}

// SocketsJoin makes the selected sockets join rooms.
func (b BroadcastOperator) SocketsJoin(rooms ...string) error {
	return b.nsp.adapter.AddSockets(b.opts(), rooms)
}

// SocketsLeave makes the selected sockets leave rooms.
func (b BroadcastOperator) SocketsLeave(rooms ...string) error {
	return b.nsp.adapter.DelSockets(b.opts(), rooms)
}

// DisconnectSockets disconnects the selected sockets, closing their
// connections when close is true.
func (b BroadcastOperator) DisconnectSockets(close bool) error {
	return b.nsp.adapter.DisconnectSockets(b.opts(), close)
}

// RemoteSocket describes a socket found by FetchSockets, on this server or
// another, and acts on it through the adapter.
type RemoteSocket struct {
	ID        string
	Handshake *Handshake
	Rooms     []string
	Data      any

	nsp   *Namespace
	local *Socket
}

// Local returns the socket when it is on this server, else nil.
func (r *RemoteSocket) Local() *Socket { return r.local }

func (r *RemoteSocket) operator() BroadcastOperator {
	return BroadcastOperator{nsp: r.nsp, rooms: []string{r.ID}}
}

// Emit sends an event to the socket.
func (r *RemoteSocket) Emit(event string, args ...any) error {
	return r.operator().Emit(event, args...)
}

// EmitWithAck sends an event to the socket and waits for its answer.
func (r *RemoteSocket) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	res, err := r.operator().EmitWithAck(ctx, event, args...)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("server: ack of %q: %w", event, ErrDisconnected)
	}
	return res[0], nil
}

// Join makes the socket join rooms.
func (r *RemoteSocket) Join(rooms ...string) error { return r.operator().SocketsJoin(rooms...) }

// Leave makes the socket leave room.
func (r *RemoteSocket) Leave(room string) error { return r.operator().SocketsLeave(room) }

// Disconnect disconnects the socket.
func (r *RemoteSocket) Disconnect(close bool) error { return r.operator().DisconnectSockets(close) }

// collector gathers acknowledgements from several clients (and servers).
type collector struct {
	codec socketio.Codec

	mu              sync.Mutex
	expectedServers int // -1 until known
	servers         int // servers that reported their client count
	expectedClients int
	responses       []*Args
	finished        bool
	done            chan struct{}
}

func newCollector(c socketio.Codec) *collector {
	return &collector{codec: c, expectedServers: -1, done: make(chan struct{})}
}

// setClients records one server's client count.
func (c *collector) setClients(n int) {
	c.mu.Lock()
	c.servers++
	c.expectedClients += n
	c.checkLocked()
	c.mu.Unlock()
}

// setServers records how many servers report, offset by those that never
// report a count of their own.
func (c *collector) setServers(n, offset int) {
	c.mu.Lock()
	c.expectedServers = n + offset
	c.checkLocked()
	c.mu.Unlock()
}

func (c *collector) onAck(p *socketio.Packet, err error) {
	c.mu.Lock()
	if err != nil {
		c.expectedClients-- // the client went away
	} else if !c.finished {
		c.responses = append(c.responses, &Args{codec: c.codec, p: p})
	}
	c.checkLocked()
	c.mu.Unlock()
}

func (c *collector) checkLocked() {
	if !c.finished && c.expectedServers >= 0 && c.servers >= c.expectedServers && len(c.responses) >= c.expectedClients {
		c.finished = true
		close(c.done)
	}
}

func (c *collector) wait(ctx context.Context, what string) ([]*Args, error) {
	select {
	case <-c.done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.responses, nil
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		c.finished = true
		return slices.Clone(c.responses), fmt.Errorf("server: %s: %d of %d acks: %w", what, len(c.responses), c.expectedClients, ctx.Err())
	}
}

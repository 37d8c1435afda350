package redisadapter

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/goid"
	"github.com/siogen/sio/runtime/adapter"
)

// DefaultRequestsTimeout is how long a request to the other servers waits
// for their answers by default, as in the reference adapter.
const DefaultRequestsTimeout = 5 * time.Second

// DefaultKey is the default prefix of the channel names.
const DefaultKey = "socket.io"

// Options configure the Redis adapter. Zero values mean the reference
// adapter's defaults; servers of one cluster must agree on Key.
type Options struct {
	// Key prefixes the channel names. Default "socket.io".
	Key string
	// RequestsTimeout bounds the wait for other servers' answers
	// (FetchSockets, ServerSideEmit with acks) and how long the acks of a
	// broadcast without its own Timeout flag are accepted. Default 5s.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel sends answers to the requesting
	// server's own response channel instead of the shared one.
	PublishOnSpecificResponseChannel bool
	// Logger receives debug messages about ignored input and errors while
	// answering other servers. Default slog.Default().
	Logger *slog.Logger
}

// New returns a Factory of Redis adapters that publish with client and
// subscribe on connections of their own (one per namespace, taken from
// client). The caller keeps ownership of client and closes it after the
// server.
func New(client redis.UniversalClient, opts Options) adapter.Factory {
	return func(nsp adapter.Namespace) adapter.Adapter { return NewAdapter(client, nsp, opts) }
}

// Adapter is the Redis adapter of one namespace on one server. Local rooms
// and local delivery are an in-memory adapter's (a broadcast is encoded once
// per server); every operation that is not Local is also published for the
// other servers, and their requests are answered.
type Adapter struct {
	core
	nsp    adapter.Namespace
	codec  socketio.Codec
	client redis.UniversalClient
	opts   Options
	log    *slog.Logger
	uid    string

	channel, requestChannel, responseChannel, specificResponseChannel string
}

// pendingRequest is a request of this server waiting for answers.
type pendingRequest struct {
	typ      requestType
	numSub   int // answers expected, this server's own included (fetch)
	msgCount int
	sockets  []adapter.SocketDetails
	done     chan struct{} // closed when complete (fetch)

	onAck adapter.AckFunc // server-side emit
	timer *time.Timer
}

// pendingAck is a broadcast with acks of this server.
type pendingAck struct {
	onClientCount func(int)
	onAck         adapter.AckFunc
	timer         *time.Timer
}

// NewAdapter returns the Redis adapter of nsp. It subscribes to the
// namespace's channels before returning (bounded by RequestsTimeout), so
// the other servers count it in their ServerCount from then on; if Redis
// cannot be reached the error is logged and go-redis keeps retrying.
func NewAdapter(client redis.UniversalClient, nsp adapter.Namespace, opts Options) *Adapter {
	if opts.Key == "" {
		opts.Key = DefaultKey
	}
	if opts.RequestsTimeout <= 0 {
		opts.RequestsTimeout = DefaultRequestsTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &Adapter{
		core:   newCore(nsp),
		nsp:    nsp,
		codec:  nsp.Codec(),
		client: client,
		opts:   opts,
		uid:    randomID(),
	}
	a.events.wg = &a.wg
	a.log = opts.Logger.With("component", "redisadapter", "nsp", nsp.Name(), "uid", a.uid)
	a.channel = opts.Key + "#" + nsp.Name() + "#"
	a.requestChannel = opts.Key + "-request#" + nsp.Name() + "#"
	a.responseChannel = opts.Key + "-response#" + nsp.Name() + "#"
	a.specificResponseChannel = a.responseChannel + a.uid + "#"
	a.ctx, a.cancel = context.WithCancel(context.Background())

	ctx, cancel := context.WithTimeout(a.ctx, opts.RequestsTimeout)
	defer cancel()
	a.ps = client.PSubscribe(ctx, a.channel+"*")
	var early []*redis.Message
	err := a.ps.Subscribe(ctx, a.requestChannel, a.responseChannel, a.specificResponseChannel)
	// Wait for the four confirmations, keeping any message that comes
	// first.
	// (The first Receive stores its context in the PubSub for good: give
	// it the adapter's, and bound the wait with a read timeout instead.)
	deadline := time.Now().Add(opts.RequestsTimeout)
	for confirmed := 0; err == nil && confirmed < 4; {
		left := time.Until(deadline)
		if left <= 0 {
			err = context.DeadlineExceeded
			break
		}
		var v any
		v, err = a.ps.ReceiveTimeout(a.ctx, left)
		switch v := v.(type) {
		case *redis.Subscription:
			confirmed++
		case *redis.Message:
			early = append(early, v)
		}
	}
	if err != nil {
		a.log.Error("redis adapter: subscribe", "err", err)
	}
	ch := a.ps.Channel(redis.WithChannelSize(1024))
	a.wg.Add(1)
	go a.loop(early, ch)
	return a
}

// UID returns the random id of this adapter on the wire.
func (a *Adapter) UID() string { return a.uid }

func (a *Adapter) loop(early []*redis.Message, ch <-chan *redis.Message) {
	defer a.wg.Done()
	a.loopGID.Store(goid.ID())
	for _, m := range early {
		a.onRedisMessage(m)
	}
	for m := range ch {
		a.onRedisMessage(m)
	}
}

// onRedisMessage dispatches one Pub/Sub message. Nothing in it may panic
// the process: a panic while handling hostile input is logged.
func (a *Adapter) onRedisMessage(m *redis.Message) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("redis adapter: panic while handling a message", "channel", m.Channel, "panic", r)
		}
	}()
	payload := []byte(m.Payload)
	switch {
	case m.Pattern != "":
		a.onBroadcast(m.Channel, payload)
	case m.Channel == a.requestChannel:
		a.onRequest(payload)
	case strings.HasPrefix(m.Channel, a.responseChannel):
		a.onResponse(payload)
	default:
		a.log.Debug("redis adapter: ignore message on unknown channel", "channel", m.Channel)
	}
}

// randomID returns 6 random alphanumeric characters, like uid2(6).
func randomID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// publish sends payload on channel, bounded by RequestsTimeout.
func (a *Adapter) publish(channel string, payload []byte) error {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.client.Publish(ctx, channel, payload).Err(); err != nil {
		return fmt.Errorf("redisadapter: publish on %s: %w", channel, err)
	}
	return nil
}

// publishResponse answers a request of the server with uid requester.
func (a *Adapter) publishResponse(requester string, payload []byte) {
	ch := a.responseChannel
	if a.opts.PublishOnSpecificResponseChannel {
		ch += requester + "#"
	}
	if err := a.publish(ch, payload); err != nil {
		a.log.Debug("redis adapter: publish response", "err", err)
	}
}

// Close unsubscribes (the other servers stop counting this one), ends
// pending requests and waits for the adapter's goroutines.
func (a *Adapter) Close() error { return a.closeCore() }

// ServerCount returns the number of servers subscribed to the namespace's
// request channel (PUBSUB NUMSUB), this one included.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	res, err := a.client.PubSubNumSub(ctx, a.requestChannel).Result()
	if err != nil {
		return 0, fmt.Errorf("redisadapter: server count: %w", err)
	}
	return int(res[a.requestChannel]), nil
}

// AddAll implements adapter.Adapter (local rooms).
func (a *Adapter) AddAll(id adapter.SocketID, rooms ...adapter.Room) { a.mem.AddAll(id, rooms...) }

// Del implements adapter.Adapter (local rooms).
func (a *Adapter) Del(id adapter.SocketID, room adapter.Room) { a.mem.Del(id, room) }

// DelAll implements adapter.Adapter (local rooms).
func (a *Adapter) DelAll(id adapter.SocketID) { a.mem.DelAll(id) }

// SocketRooms implements adapter.Adapter (local sockets).
func (a *Adapter) SocketRooms(id adapter.SocketID) []adapter.Room { return a.mem.SocketRooms(id) }

// Rooms implements adapter.Adapter: the rooms of this server.
func (a *Adapter) Rooms() []adapter.Room { return a.mem.Rooms() }

// Sockets implements adapter.Adapter: the ids of this server's sockets, as
// the reference adapter 8.x (which no longer asks the other servers).
func (a *Adapter) Sockets(ctx context.Context, rooms []adapter.Room) ([]adapter.SocketID, error) {
	return a.mem.Sockets(ctx, rooms)
}

// Broadcast implements adapter.Adapter: it publishes p for the other
// servers (unless Local) and delivers it to the local sockets.
func (a *Adapter) Broadcast(p *socketio.Packet, opts adapter.BroadcastOptions) error {
	if opts.Flags.Local {
		return a.mem.Broadcast(p, opts)
	}
	packet, err := wirePacket(a.codec, p, a.nsp.Name())
	if err != nil {
		return fmt.Errorf("redisadapter: broadcast %q: %w", p.Event, err)
	}
	msg := encodeBroadcast(a.uid, packet, opts)
	ch := a.channel
	if len(opts.Rooms) == 1 {
		ch += opts.Rooms[0] + "#"
	}
	if err := a.mem.Broadcast(p, opts); err != nil {
		return err
	}
	return a.publish(ch, msg)
}

// BroadcastWithAck implements adapter.Adapter: the other servers report
// their client counts and their clients' first ack arguments through
// Redis. Their answers are accepted for opts.Flags.Timeout, or
// RequestsTimeout when it is zero.
func (a *Adapter) BroadcastWithAck(p *socketio.Packet, opts adapter.BroadcastOptions, onClientCount func(n int), onAck adapter.AckFunc) error {
	if opts.Flags.Local {
		return a.mem.BroadcastWithAck(p, opts, onClientCount, onAck)
	}
	packet, err := wirePacket(a.codec, p, a.nsp.Name())
	if err != nil {
		return fmt.Errorf("redisadapter: broadcast %q: %w", p.Event, err)
	}
	id := randomID()
	msg := encodeBroadcastRequest(a.uid, id, packet, opts)
	keep := opts.Flags.Timeout
	if keep <= 0 {
		keep = a.opts.RequestsTimeout
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return a.mem.BroadcastWithAck(p, opts, onClientCount, onAck)
	}
	a.acks[id] = &pendingAck{
		onClientCount: onClientCount,
		onAck:         onAck,
		timer:         time.AfterFunc(keep, func() { a.forgetAck(id) }),
	}
	a.mu.Unlock()
	if err := a.publish(a.requestChannel, msg); err != nil {
		a.forgetAck(id)
		return err
	}
	return a.mem.BroadcastWithAck(p, opts, onClientCount, onAck)
}

// FetchSockets implements adapter.Adapter: this server's sockets, then
// those the other servers report (until all answered, ctx ends or
// RequestsTimeout passes, which is an error).
func (a *Adapter) FetchSockets(ctx context.Context, opts adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
	local, err := a.mem.FetchSockets(ctx, opts)
	if err != nil || opts.Flags.Local {
		return local, err
	}
	numSub, err := a.ServerCount(ctx)
	if err != nil {
		return nil, fmt.Errorf("redisadapter: fetch sockets: %w", err)
	}
	if numSub <= 1 {
		return local, nil
	}
	id := randomID()
	req := &pendingRequest{typ: reqRemoteFetch, numSub: numSub, msgCount: 1, sockets: local, done: make(chan struct{})}
	if !a.addRequest(id, req, 0) {
		return nil, fmt.Errorf("redisadapter: fetch sockets: %w", ErrClosed)
	}
	defer a.removeRequest(id)
	msg, err := json.Marshal(map[string]any{
		"uid": a.uid, "requestId": id, "type": reqRemoteFetch, "opts": newJSONOpts(opts),
	})
	if err != nil {
		return nil, fmt.Errorf("redisadapter: fetch sockets: %w", err)
	}
	if err := a.publish(a.requestChannel, msg); err != nil {
		return nil, err
	}
	timer := time.NewTimer(a.opts.RequestsTimeout)
	defer timer.Stop()
	select {
	case <-req.done:
		a.mu.Lock()
		defer a.mu.Unlock()
		return req.sockets, nil
	case <-timer.C:
		return nil, fmt.Errorf("redisadapter: timeout reached while waiting for fetchSockets response (%d of %d servers answered)", a.answered(req), numSub)
	case <-ctx.Done():
		return nil, fmt.Errorf("redisadapter: fetch sockets: %w", ctx.Err())
	case <-a.ctx.Done():
		return nil, fmt.Errorf("redisadapter: fetch sockets: %w", ErrClosed)
	}
}

// ErrClosed is returned by operations that need the other servers once
// the adapter is closed.
var ErrClosed = errors.New("redisadapter: adapter closed")

func (a *Adapter) answered(r *pendingRequest) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return r.msgCount
}

// AddSockets implements adapter.Adapter.
func (a *Adapter) AddSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	return a.remoteRooms(reqRemoteJoin, opts, rooms)
}

// DelSockets implements adapter.Adapter.
func (a *Adapter) DelSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	return a.remoteRooms(reqRemoteLeave, opts, rooms)
}

func (a *Adapter) remoteRooms(t requestType, opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	var err error
	if t == reqRemoteJoin {
		err = a.mem.AddSockets(opts, rooms)
	} else {
		err = a.mem.DelSockets(opts, rooms)
	}
	if err != nil || opts.Flags.Local {
		return err
	}
	msg, err := json.Marshal(map[string]any{
		"uid": a.uid, "type": t, "opts": newJSONOpts(opts), "rooms": nonNil(rooms),
	})
	if err != nil {
		return fmt.Errorf("redisadapter: sockets join/leave: %w", err)
	}
	return a.publish(a.requestChannel, msg)
}

// DisconnectSockets implements adapter.Adapter.
func (a *Adapter) DisconnectSockets(opts adapter.BroadcastOptions, close bool) error {
	if err := a.mem.DisconnectSockets(opts, close); err != nil || opts.Flags.Local {
		return err
	}
	msg, err := json.Marshal(map[string]any{
		"uid": a.uid, "type": reqRemoteDisconnect, "opts": newJSONOpts(opts), "close": close,
	})
	if err != nil {
		return fmt.Errorf("redisadapter: disconnect sockets: %w", err)
	}
	return a.publish(a.requestChannel, msg)
}

// ServerSideEmit implements adapter.Adapter. The event travels as JSON, as
// in the reference (binary arguments arrive as {"type":"Buffer",...}
// objects). With onAck, onServerCount receives the number of other servers
// (PUBSUB NUMSUB minus one) and each answer is passed to onAck as an ACK
// packet holding the answer's first argument; answers are accepted for
// RequestsTimeout.
func (a *Adapter) ServerSideEmit(p *socketio.Packet, onServerCount func(n int), onAck adapter.AckFunc) error {
	data := make([]json.RawMessage, 0, 1+len(p.Args))
	ev, _ := json.Marshal(p.Event)
	data = append(data, ev)
	for i, raw := range p.Args {
		j, err := toJSON(a.codec, p, raw)
		if err != nil {
			return fmt.Errorf("redisadapter: server-side emit %q: arg %d: %w", p.Event, i, err)
		}
		data = append(data, j)
	}
	req := map[string]any{"uid": a.uid, "type": reqServerSideEmit, "data": data}
	if onAck == nil {
		msg, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("redisadapter: server-side emit %q: %w", p.Event, err)
		}
		return a.publish(a.requestChannel, msg)
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	n, err := a.ServerCount(ctx)
	cancel()
	if err != nil {
		return fmt.Errorf("redisadapter: server-side emit %q: %w", p.Event, err)
	}
	n-- // not this one
	if n <= 0 {
		if onServerCount != nil {
			onServerCount(0)
		}
		return nil
	}
	id := randomID()
	req["requestId"] = id
	msg, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("redisadapter: server-side emit %q: %w", p.Event, err)
	}
	if !a.addRequest(id, &pendingRequest{typ: reqServerSideEmit, numSub: n, onAck: onAck}, a.opts.RequestsTimeout) {
		return fmt.Errorf("redisadapter: server-side emit %q: %w", p.Event, ErrClosed)
	}
	if onServerCount != nil {
		onServerCount(n)
	}
	if err := a.publish(a.requestChannel, msg); err != nil {
		a.removeRequest(id)
		return err
	}
	return nil
}

// PersistSession implements adapter.Adapter: connection state recovery is
// not supported by the Redis adapter (as in the reference), so nothing is
// kept.
func (a *Adapter) PersistSession(*adapter.Session) {}

// RestoreSession implements adapter.Adapter: no session can be restored.
func (a *Adapter) RestoreSession(adapter.PrivateSessionID, string) (*adapter.RestoredSession, error) {
	return nil, nil
}

var _ adapter.Adapter = (*Adapter)(nil)

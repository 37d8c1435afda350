package redisadapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/redis/go-redis/v9"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/goid"
	"github.com/siogen/sio/runtime/adapter"
)

// SubscriptionMode tells which rooms of the sharded adapter get a Redis
// channel of their own (as the subscriptionMode option of the Node
// createShardedAdapter). Servers of one cluster must agree on it.
type SubscriptionMode string

const (
	// SubscriptionDynamic (the default) gives every public room (a room
	// that is not a socket id) a channel, subscribed while the room has
	// local members: a broadcast to one such room reaches only the servers
	// that have it.
	SubscriptionDynamic SubscriptionMode = "dynamic"
	// SubscriptionDynamicPrivate gives every room a channel, socket ids
	// included.
	SubscriptionDynamicPrivate SubscriptionMode = "dynamic-private"
	// SubscriptionStatic uses the namespace's channel alone.
	SubscriptionStatic SubscriptionMode = "static"
)

// DefaultChannelPrefix is the default prefix of the sharded adapter's
// channel names.
const DefaultChannelPrefix = "socket.io"

// ShardedOptions configure the sharded Redis adapter. Zero values mean the
// reference adapter's defaults; servers of one cluster must agree on
// ChannelPrefix and SubscriptionMode.
type ShardedOptions struct {
	// ChannelPrefix prefixes the channel names. Default "socket.io".
	ChannelPrefix string
	// SubscriptionMode chooses the rooms with a channel of their own.
	// Default SubscriptionDynamic.
	SubscriptionMode SubscriptionMode
	// RequestsTimeout bounds the wait for other servers' answers
	// (FetchSockets, ServerSideEmit with acks) and how long the acks of a
	// broadcast without its own Timeout flag are accepted. Default 5s.
	RequestsTimeout time.Duration
	// Logger receives debug messages about ignored input and errors while
	// answering other servers. Default slog.Default().
	Logger *slog.Logger
}

// NewSharded returns a Factory of sharded Redis adapters (Redis 7 sharded
// Pub/Sub: SSUBSCRIBE, SPUBLISH), wire-compatible with createShardedAdapter
// of @socket.io/redis-adapter 8.3. They publish with client and subscribe
// on a connection of their own per namespace. The caller keeps ownership of
// client and closes it after the server.
func NewSharded(client redis.UniversalClient, opts ShardedOptions) adapter.Factory {
	return func(nsp adapter.Namespace) adapter.Adapter { return NewShardedAdapter(client, nsp, opts) }
}

// ShardedAdapter is the sharded Redis adapter of one namespace on one
// server. Local rooms and delivery are an in-memory adapter's; every
// operation that is not Local is also published for the other servers
// (ClusterAdapter messages {uid, nsp, type, data}), and their messages are
// carried out.
type ShardedAdapter struct {
	core
	nsp    adapter.Namespace
	codec  socketio.Codec
	client redis.UniversalClient
	opts   ShardedOptions
	log    *slog.Logger
	uid    string

	channel, responseChannel string

	// roomMu orders room changes with the subscriptions they cause;
	// dynamic holds the rooms whose channel is subscribed.
	roomMu  sync.Mutex
	dynamic map[adapter.Room]struct{}

	// Subscription changes are queued in order and sent by one goroutine
	// (subscriber), so that joins and leaves never wait for Redis.
	subMu   sync.Mutex
	subQ    []subOp
	subWake chan struct{} // capacity 1

}

// NewShardedAdapter returns the sharded Redis adapter of nsp. It subscribes
// to the namespace's channel and its own response channel before returning
// (bounded by RequestsTimeout), so the other servers count it from then on;
// if Redis cannot be reached the error is logged and go-redis keeps
// retrying.
func NewShardedAdapter(client redis.UniversalClient, nsp adapter.Namespace, opts ShardedOptions) *ShardedAdapter {
	if opts.ChannelPrefix == "" {
		opts.ChannelPrefix = DefaultChannelPrefix
	}
	if opts.SubscriptionMode == "" {
		opts.SubscriptionMode = SubscriptionDynamic
	}
	if opts.RequestsTimeout <= 0 {
		opts.RequestsTimeout = DefaultRequestsTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if _, ok := client.(*redis.ClusterClient); ok {
		opts.Logger.Error("redis sharded adapter: Redis Cluster is not supported yet (one subscriber connection per namespace): channels on other shards will not be subscribed", "nsp", nsp.Name())
	}
	a := &ShardedAdapter{
		core:    newCore(nsp),
		nsp:     nsp,
		codec:   nsp.Codec(),
		client:  client,
		opts:    opts,
		uid:     clusterUID(),
		dynamic: make(map[adapter.Room]struct{}),
		subWake: make(chan struct{}, 1),
	}
	a.events.wg = &a.wg
	a.log = opts.Logger.With("component", "redisadapter-sharded", "nsp", nsp.Name(), "uid", a.uid)
	a.channel = opts.ChannelPrefix + "#" + nsp.Name() + "#"
	a.responseChannel = a.channel + a.uid + "#"
	a.ctx, a.cancel = context.WithCancel(context.Background())

	ctx, cancel := context.WithTimeout(a.ctx, opts.RequestsTimeout)
	defer cancel()
	a.ps = client.SSubscribe(ctx, a.channel)
	err := a.ps.SSubscribe(ctx, a.responseChannel)
	var early []*redis.Message
	deadline := time.Now().Add(opts.RequestsTimeout)
	for confirmed := 0; err == nil && confirmed < 2; {
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
		a.log.Error("redis sharded adapter: subscribe", "err", err)
	}
	ch := a.ps.Channel(redis.WithChannelSize(1024))
	a.wg.Add(2)
	go a.loop(early, ch)
	go a.subscriber()
	return a
}

// subOp is a change of room channel subscriptions.
type subOp struct {
	subscribe bool
	chans     []string
}

// queueSub queues a subscription change for the subscriber goroutine; it
// never blocks.
func (a *ShardedAdapter) queueSub(op subOp) {
	a.subMu.Lock()
	a.subQ = append(a.subQ, op)
	a.subMu.Unlock()
	select {
	case a.subWake <- struct{}{}:
	default:
	}
}

// subscriber sends the queued subscription changes to Redis, in order,
// each bounded by RequestsTimeout, until Close. Like the reference, nobody
// waits for the confirmations.
func (a *ShardedAdapter) subscriber() {
	defer a.wg.Done()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-a.subWake:
		}
		for {
			a.subMu.Lock()
			ops := a.subQ
			a.subQ = nil
			a.subMu.Unlock()
			if len(ops) == 0 {
				break
			}
			for _, op := range ops {
				if a.ctx.Err() != nil {
					return
				}
				ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
				var err error
				if op.subscribe {
					err = a.ps.SSubscribe(ctx, op.chans...)
				} else {
					err = a.ps.SUnsubscribe(ctx, op.chans...)
				}
				cancel()
				if err != nil {
					a.log.Debug("redis sharded adapter: subscription change", "subscribe", op.subscribe, "channels", op.chans, "err", err)
				}
			}
		}
	}
}

// clusterUID returns 16 random hexadecimal digits, like the reference's
// randomBytes(8).toString("hex").
func clusterUID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// UID returns the random id of this adapter on the wire.
func (a *ShardedAdapter) UID() string { return a.uid }

func (a *ShardedAdapter) loop(early []*redis.Message, ch <-chan *redis.Message) {
	defer a.wg.Done()
	a.loopGID.Store(goid.ID())
	for _, m := range early {
		a.onRedisMessage(m)
	}
	for m := range ch {
		a.onRedisMessage(m)
	}
}

// onRedisMessage dispatches one message. Nothing in it may panic the
// process: a panic while handling hostile input is logged.
func (a *ShardedAdapter) onRedisMessage(rm *redis.Message) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("redis sharded adapter: panic while handling a message", "channel", rm.Channel, "panic", r)
		}
	}()
	m, err := decodeClusterMsg([]byte(rm.Payload))
	if err != nil {
		a.log.Debug("redis sharded adapter: ignore malformed message", "channel", rm.Channel, "err", err)
		return
	}
	if !m.HasType {
		a.log.Debug("redis sharded adapter: ignore message without type", "channel", rm.Channel)
		return
	}
	if rm.Channel == a.responseChannel {
		a.onResponse(m)
		return
	}
	a.onMessage(m)
}

// publish sends payload on channel with SPUBLISH, bounded by
// RequestsTimeout.
func (a *ShardedAdapter) publish(channel string, payload []byte) error {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.RequestsTimeout)
	defer cancel()
	if err := a.client.SPublish(ctx, channel, payload).Err(); err != nil {
		return fmt.Errorf("redisadapter: spublish on %s: %w", channel, err)
	}
	return nil
}

// publishResponse answers the server with uid requester on its response
// channel.
func (a *ShardedAdapter) publishResponse(requester string, payload []byte) {
	if err := a.publish(a.channel+requester+"#", payload); err != nil {
		a.log.Debug("redis sharded adapter: publish response", "err", err)
	}
}

// dynamicChannel is the channel of room.
func (a *ShardedAdapter) dynamicChannel(room adapter.Room) string { return a.channel + room + "#" }

// looksLikeASocketID tells the rooms a dynamic sender keeps on the main
// channel: 20 UTF-16 code units, the length of a socket id, as the
// reference tests it.
func looksLikeASocketID(room adapter.Room) bool {
	n := 0
	for _, r := range room {
		n += utf16.RuneLen(r)
		if n > 20 {
			return false
		}
	}
	return n == 20
}

// wantsChannel reports whether a local room needs its own subscription.
// In dynamic mode the reference subscribes public rooms and senders use a
// room's channel unless its name looks like a socket id; subscribing to
// either covers both, so that a sender of any kind is heard.
func (a *ShardedAdapter) wantsChannel(room adapter.Room) bool {
	switch a.opts.SubscriptionMode {
	case SubscriptionDynamicPrivate:
		return true
	case SubscriptionDynamic:
		return a.mem.SocketRooms(room) == nil || !looksLikeASocketID(room)
	}
	return false
}

// channelFor is the channel of a broadcast without acks to opts.
func (a *ShardedAdapter) channelFor(opts adapter.BroadcastOptions) string {
	if len(opts.Rooms) == 1 {
		r := opts.Rooms[0]
		switch a.opts.SubscriptionMode {
		case SubscriptionDynamicPrivate:
			return a.dynamicChannel(r)
		case SubscriptionDynamic:
			if !looksLikeASocketID(r) {
				return a.dynamicChannel(r)
			}
		}
	}
	return a.channel
}

// subscribe starts listening to the channels of rooms (roomMu held): the
// change is queued for the subscriber goroutine, not awaited, as the
// reference does not await its SSUBSCRIBE.
func (a *ShardedAdapter) subscribe(rooms []adapter.Room) {
	var chans []string
	for _, r := range rooms {
		if _, ok := a.dynamic[r]; ok || !a.mem.HasRoom(r) || !a.wantsChannel(r) {
			continue
		}
		a.dynamic[r] = struct{}{}
		chans = append(chans, a.dynamicChannel(r))
	}
	if len(chans) > 0 {
		a.queueSub(subOp{subscribe: true, chans: chans})
	}
}

// unsubscribe stops listening to the channels of rooms that emptied
// (roomMu held; queued like subscribe).
func (a *ShardedAdapter) unsubscribe(rooms []adapter.Room) {
	var chans []string
	for _, r := range rooms {
		if _, ok := a.dynamic[r]; !ok || a.mem.HasRoom(r) {
			continue
		}
		delete(a.dynamic, r)
		chans = append(chans, a.dynamicChannel(r))
	}
	if len(chans) > 0 {
		a.queueSub(subOp{subscribe: false, chans: chans})
	}
}

// Close unsubscribes (the other servers stop counting this one), ends
// pending requests and waits for the adapter's goroutines.
func (a *ShardedAdapter) Close() error { return a.closeCore() }

// ServerCount returns the number of servers subscribed to the namespace's
// channel (PUBSUB SHARDNUMSUB), this one included.
func (a *ShardedAdapter) ServerCount(ctx context.Context) (int, error) {
	res, err := a.client.PubSubShardNumSub(ctx, a.channel).Result()
	if err != nil {
		return 0, fmt.Errorf("redisadapter: server count: %w", err)
	}
	return int(res[a.channel]), nil
}

// AddAll implements adapter.Adapter; it subscribes to the channels of the
// rooms it creates.
func (a *ShardedAdapter) AddAll(id adapter.SocketID, rooms ...adapter.Room) {
	if a.opts.SubscriptionMode == SubscriptionStatic {
		a.mem.AddAll(id, rooms...)
		return
	}
	a.roomMu.Lock()
	defer a.roomMu.Unlock()
	a.mem.AddAll(id, rooms...)
	a.subscribe(rooms)
}

// Del implements adapter.Adapter; it unsubscribes from the channel of the
// room if it empties.
func (a *ShardedAdapter) Del(id adapter.SocketID, room adapter.Room) {
	if a.opts.SubscriptionMode == SubscriptionStatic {
		a.mem.Del(id, room)
		return
	}
	a.roomMu.Lock()
	defer a.roomMu.Unlock()
	a.mem.Del(id, room)
	a.unsubscribe([]adapter.Room{room})
}

// DelAll implements adapter.Adapter; it unsubscribes from the channels of
// the rooms that empty.
func (a *ShardedAdapter) DelAll(id adapter.SocketID) {
	if a.opts.SubscriptionMode == SubscriptionStatic {
		a.mem.DelAll(id)
		return
	}
	a.roomMu.Lock()
	defer a.roomMu.Unlock()
	rooms := a.mem.SocketRooms(id)
	a.mem.DelAll(id)
	a.unsubscribe(rooms)
}

// SocketRooms implements adapter.Adapter (local sockets).
func (a *ShardedAdapter) SocketRooms(id adapter.SocketID) []adapter.Room {
	return a.mem.SocketRooms(id)
}

// Rooms implements adapter.Adapter: the rooms of this server.
func (a *ShardedAdapter) Rooms() []adapter.Room { return a.mem.Rooms() }

// Sockets implements adapter.Adapter: the ids of this server's sockets, as
// the reference (which does not ask the other servers).
func (a *ShardedAdapter) Sockets(ctx context.Context, rooms []adapter.Room) ([]adapter.SocketID, error) {
	return a.mem.Sockets(ctx, rooms)
}

// broadcastFields encodes the data of a BROADCAST: JSON fields when p's
// arguments are plain JSON, msgpack ones otherwise (isJSON tells).
func (a *ShardedAdapter) broadcastFields(p *socketio.Packet, requestID string, opts adapter.BroadcastOptions) (fs []field, isJSON bool, err error) {
	if plainJSON(a.codec, p) {
		fs = append(fs, field{"packet", jsonEventPacket(p, a.nsp.Name())})
		if requestID != "" {
			fs = append(fs, field{"requestId", jsonValue(requestID)})
		}
		fs = append(fs, field{"opts", jsonValue(newJSONShardOpts(opts))})
		return fs, true, nil
	}
	packet, err := wirePacket(a.codec, p, a.nsp.Name())
	if err != nil {
		return nil, false, err
	}
	fs = append(fs, field{"packet", packet})
	if requestID != "" {
		fs = append(fs, field{"requestId", appendStr(nil, requestID)})
	}
	fs = append(fs, field{"opts", appendOpts(nil, opts)})
	return fs, false, nil
}

// encode builds a message of this adapter from its data fields.
func (a *ShardedAdapter) encode(t clusterType, isJSON bool, fs ...field) []byte {
	if isJSON {
		return encodeClusterJSON(a.uid, a.nsp.Name(), t, fs...)
	}
	return encodeClusterMsgpack(a.uid, a.nsp.Name(), t, fs...)
}

// Broadcast implements adapter.Adapter: it publishes p for the other
// servers (unless Local; on the room's channel for one room in a dynamic
// mode) and delivers it to the local sockets.
func (a *ShardedAdapter) Broadcast(p *socketio.Packet, opts adapter.BroadcastOptions) error {
	if opts.Flags.Local {
		return a.mem.Broadcast(p, opts)
	}
	fs, isJSON, err := a.broadcastFields(p, "", opts)
	if err != nil {
		return fmt.Errorf("redisadapter: broadcast %q: %w", p.Event, err)
	}
	msg := a.encode(ctBroadcast, isJSON, fs...)
	if err := a.mem.Broadcast(p, opts); err != nil {
		return err
	}
	return a.publish(a.channelFor(opts), msg)
}

// BroadcastWithAck implements adapter.Adapter: it is published on the
// namespace's channel (every server answers with its client count), and
// answers are accepted for opts.Flags.Timeout, or RequestsTimeout when it
// is zero.
func (a *ShardedAdapter) BroadcastWithAck(p *socketio.Packet, opts adapter.BroadcastOptions, onClientCount func(n int), onAck adapter.AckFunc) error {
	if opts.Flags.Local {
		return a.mem.BroadcastWithAck(p, opts, onClientCount, onAck)
	}
	id := clusterUID()
	fs, isJSON, err := a.broadcastFields(p, id, opts)
	if err != nil {
		return fmt.Errorf("redisadapter: broadcast %q: %w", p.Event, err)
	}
	msg := a.encode(ctBroadcast, isJSON, fs...)
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
	if err := a.publish(a.channel, msg); err != nil {
		a.forgetAck(id)
		return err
	}
	return a.mem.BroadcastWithAck(p, opts, onClientCount, onAck)
}

// FetchSockets implements adapter.Adapter: this server's sockets, then
// those the other servers report (until all answered, ctx ends or the
// Timeout flag, or else RequestsTimeout, passes, which is an error).
func (a *ShardedAdapter) FetchSockets(ctx context.Context, opts adapter.BroadcastOptions) ([]adapter.SocketDetails, error) {
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
	id := clusterUID()
	req := &pendingRequest{typ: reqRemoteFetch, numSub: numSub, msgCount: 1, sockets: local, done: make(chan struct{})}
	if !a.addRequest(id, req, 0) {
		return nil, fmt.Errorf("redisadapter: fetch sockets: %w", ErrClosed)
	}
	defer a.removeRequest(id)
	msg := a.encode(ctFetchSockets, true,
		field{"opts", jsonValue(newJSONShardOpts(opts))}, field{"requestId", jsonValue(id)})
	if err := a.publish(a.channel, msg); err != nil {
		return nil, err
	}
	wait := a.opts.RequestsTimeout
	if opts.Flags.Timeout > 0 {
		wait = opts.Flags.Timeout // as the ClusterAdapter: flags.timeout || default
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-req.done:
		a.mu.Lock()
		defer a.mu.Unlock()
		return req.sockets, nil
	case <-timer.C:
		a.mu.Lock()
		n := req.msgCount
		a.mu.Unlock()
		return nil, fmt.Errorf("redisadapter: timeout reached while waiting for fetchSockets response (%d of %d servers answered)", n, numSub)
	case <-ctx.Done():
		return nil, fmt.Errorf("redisadapter: fetch sockets: %w", ctx.Err())
	case <-a.ctx.Done():
		return nil, fmt.Errorf("redisadapter: fetch sockets: %w", ErrClosed)
	}
}

// AddSockets implements adapter.Adapter.
func (a *ShardedAdapter) AddSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	return a.remoteRooms(ctSocketsJoin, opts, rooms)
}

// DelSockets implements adapter.Adapter.
func (a *ShardedAdapter) DelSockets(opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	return a.remoteRooms(ctSocketsLeave, opts, rooms)
}

func (a *ShardedAdapter) remoteRooms(t clusterType, opts adapter.BroadcastOptions, rooms []adapter.Room) error {
	if !opts.Flags.Local {
		msg := a.encode(t, true, field{"opts", jsonValue(newJSONShardOpts(opts))}, field{"rooms", jsonValue(nonNil(rooms))})
		if err := a.publish(a.channel, msg); err != nil {
			return err
		}
	}
	if t == ctSocketsJoin {
		return a.mem.AddSockets(opts, rooms)
	}
	return a.mem.DelSockets(opts, rooms)
}

// DisconnectSockets implements adapter.Adapter.
func (a *ShardedAdapter) DisconnectSockets(opts adapter.BroadcastOptions, close bool) error {
	if !opts.Flags.Local {
		msg := a.encode(ctDisconnectSockets, true, field{"opts", jsonValue(newJSONShardOpts(opts))}, field{"close", jsonValue(close)})
		if err := a.publish(a.channel, msg); err != nil {
			return err
		}
	}
	return a.mem.DisconnectSockets(opts, close)
}

// ServerSideEmit implements adapter.Adapter. The event travels as JSON, or
// msgpack when it carries binary (which then survives, unlike with the
// classic adapter). With onAck, onServerCount receives the number of other
// servers (PUBSUB SHARDNUMSUB minus one) and each answer is passed to onAck
// as an ACK packet holding the answer; answers are accepted for
// RequestsTimeout.
func (a *ShardedAdapter) ServerSideEmit(p *socketio.Packet, onServerCount func(n int), onAck adapter.AckFunc) error {
	isJSON := plainJSON(a.codec, p)
	var packet []byte
	if isJSON {
		packet = jsonEventArray(nil, p)
	} else {
		var err error
		if packet, err = mpEventArray(a.codec, p); err != nil {
			return fmt.Errorf("redisadapter: server-side emit %q: %w", p.Event, err)
		}
	}
	if onAck == nil {
		return a.publish(a.channel, a.encode(ctServerSideEmit, isJSON, field{"packet", packet}))
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
	id := clusterUID()
	idField := field{"requestId", jsonValue(id)}
	if !isJSON {
		idField.val = appendStr(nil, id)
	}
	msg := a.encode(ctServerSideEmit, isJSON, idField, field{"packet", packet})
	if !a.addRequest(id, &pendingRequest{typ: reqServerSideEmit, numSub: n, onAck: onAck}, a.opts.RequestsTimeout) {
		return fmt.Errorf("redisadapter: server-side emit %q: %w", p.Event, ErrClosed)
	}
	if onServerCount != nil {
		onServerCount(n)
	}
	if err := a.publish(a.channel, msg); err != nil {
		a.removeRequest(id)
		return err
	}
	return nil
}

// PersistSession implements adapter.Adapter: connection state recovery is
// not supported, so nothing is kept.
func (a *ShardedAdapter) PersistSession(*adapter.Session) {}

// RestoreSession implements adapter.Adapter: no session can be restored.
func (a *ShardedAdapter) RestoreSession(adapter.PrivateSessionID, string) (*adapter.RestoredSession, error) {
	return nil, nil
}

var _ adapter.Adapter = (*ShardedAdapter)(nil)

// onMessage handles a message on the namespace's channel or a room's.
func (a *ShardedAdapter) onMessage(m *clusterMsg) {
	if m.UID == a.uid {
		return
	}
	if m.Nsp != a.nsp.Name() {
		a.log.Debug("redis sharded adapter: ignore message for another namespace", "msgNsp", m.Nsp)
		return
	}
	if m.Type.isResponse() {
		a.onResponse(m)
		return
	}
	switch m.Type {
	case ctBroadcast:
		a.onBroadcast(m)
	case ctSocketsJoin, ctSocketsLeave, ctDisconnectSockets:
		if !m.HasOpts {
			a.log.Debug("redis sharded adapter: ignore request without opts", "type", m.Type, "from", m.UID)
			return
		}
		opts := m.Opts
		opts.Flags = adapter.BroadcastFlags{Local: true}
		switch m.Type {
		case ctSocketsJoin:
			_ = a.mem.AddSockets(opts, m.Rooms)
		case ctSocketsLeave:
			_ = a.mem.DelSockets(opts, m.Rooms)
		default:
			_ = a.mem.DisconnectSockets(opts, m.Close)
		}
	case ctFetchSockets:
		if !m.HasOpts || !m.HasRequestID {
			a.log.Debug("redis sharded adapter: ignore fetch without opts or requestId", "from", m.UID)
			return
		}
		ds, _ := a.mem.FetchSockets(context.Background(), m.Opts)
		sockets := make([]wireSocket, len(ds))
		for i, d := range ds {
			sockets[i] = toWireSocket(d)
		}
		a.publishResponse(m.UID, a.encode(ctFetchSocketsResponse, true,
			field{"requestId", jsonValue(m.RequestID)}, field{"sockets", jsonValue(sockets)}))
	case ctServerSideEmit:
		a.onServerSideEmit(m)
	default:
		a.log.Debug("redis sharded adapter: ignore message of unknown type", "type", m.Type, "from", m.UID)
	}
}

// onBroadcast delivers another server's broadcast to the local sockets;
// with a requestId, it reports the client count and each ack back.
func (a *ShardedAdapter) onBroadcast(m *clusterMsg) {
	if !m.HasPacket || !m.HasOpts {
		a.log.Debug("redis sharded adapter: ignore broadcast without packet or opts", "from", m.UID)
		return
	}
	var p *socketio.Packet
	var err error
	if m.JSON {
		p, err = packetFromJSON(a.codec, m.Nsp, m.Packet)
	} else {
		p, err = packetFromMsgpack(a.codec, m.Nsp, m.Packet)
	}
	if err != nil {
		a.log.Debug("redis sharded adapter: ignore broadcast with a bad packet", "from", m.UID, "err", err)
		return
	}
	if p.Namespace != a.nsp.Name() {
		a.log.Debug("redis sharded adapter: ignore broadcast packet for another namespace", "packetNsp", p.Namespace)
		return
	}
	opts := m.Opts
	if !m.HasRequestID {
		opts.Flags.Local = true
		if err := a.mem.Broadcast(p, opts); err != nil {
			a.log.Debug("redis sharded adapter: deliver broadcast", "from", m.UID, "err", err)
		}
		return
	}
	requester, id := m.UID, m.RequestID
	opts.Flags.Local = true // keeps volatile and compress, as the reference
	onCount := func(n int) {
		a.publishResponse(requester, a.encode(ctBroadcastClientCount, true,
			field{"requestId", jsonValue(id)}, field{"clientCount", jsonValue(n)}))
	}
	onAck := func(ap *socketio.Packet, err error) {
		if err != nil {
			return // the client went away: the reference sends nothing either
		}
		msg, err := a.ackMessage(ctBroadcastAck, id, ap)
		if err != nil {
			a.log.Debug("redis sharded adapter: encode ack", "err", err)
			return
		}
		a.publishResponse(requester, msg)
	}
	if err := a.mem.BroadcastWithAck(p, opts, onCount, onAck); err != nil {
		a.log.Debug("redis sharded adapter: deliver broadcast with acks", "from", requester, "err", err)
	}
}

// ackMessage encodes a response {requestId, packet: first argument of ap}
// (packet left out when ap has no argument, as JSON.stringify leaves out
// undefined).
func (a *ShardedAdapter) ackMessage(t clusterType, id string, ap *socketio.Packet) ([]byte, error) {
	if plainJSON(a.codec, ap) {
		fs := []field{{"requestId", jsonValue(id)}}
		if len(ap.Args) > 0 {
			fs = append(fs, field{"packet", ap.Args[0]})
		}
		return a.encode(t, true, fs...), nil
	}
	fs := []field{{"requestId", appendStr(nil, id)}}
	if len(ap.Args) > 0 {
		w, err := toWireArg(a.codec, ap, ap.Args[0])
		if err != nil {
			return nil, err
		}
		fs = append(fs, field{"packet", w})
	}
	return a.encode(t, false, fs...), nil
}

// onServerSideEmit hands another server's event to the namespace, on the
// adapter's event goroutine (in order, without holding up the Redis
// messages, since a handler may itself wait for other servers).
func (a *ShardedAdapter) onServerSideEmit(m *clusterMsg) {
	if !m.HasPacket {
		a.log.Debug("redis sharded adapter: ignore server-side emit without packet", "from", m.UID)
		return
	}
	var p *socketio.Packet
	var err error
	if m.JSON {
		var data []json.RawMessage
		if err = json.Unmarshal(m.Packet, &data); err == nil {
			p, err = eventFromJSON(a.codec, a.nsp.Name(), data)
		}
	} else {
		p, err = eventFromMsgpack(a.codec, a.nsp.Name(), m.Packet)
	}
	if err != nil {
		a.log.Debug("redis sharded adapter: ignore malformed server-side emit", "from", m.UID, "err", err)
		return
	}
	var reply func(args ...any) error
	if m.HasRequestID {
		requester, id := m.UID, m.RequestID
		var once sync.Once
		reply = func(args ...any) error {
			err := errReplied
			once.Do(func() {
				ap := &socketio.Packet{Type: socketio.Ack, Namespace: a.nsp.Name()}
				if len(args) > 0 {
					if err = a.codec.AppendArg(ap, args[0]); err != nil {
						return
					}
				}
				var msg []byte
				if msg, err = a.ackMessage(ctServerSideEmitResp, id, ap); err == nil {
					err = a.publish(a.channel+requester+"#", msg)
				}
			})
			return err
		}
	}
	a.events.push(func() { a.nsp.ServerSideEvent(p, reply) })
}

// onResponse handles an answer to one of this adapter's requests.
func (a *ShardedAdapter) onResponse(m *clusterMsg) {
	if !m.HasRequestID {
		return
	}
	a.mu.Lock()
	ack := a.acks[m.RequestID]
	r := a.requests[m.RequestID]
	a.mu.Unlock()
	switch m.Type {
	case ctBroadcastClientCount:
		if ack != nil {
			ack.onClientCount(int(m.ClientCount))
		}
	case ctBroadcastAck:
		if ack == nil {
			return
		}
		p := &socketio.Packet{Type: socketio.Ack, Namespace: a.nsp.Name(), ID: socketio.NoID}
		if m.HasPacket {
			if err := appendValue(a.codec, p, m.Packet, m.JSON); err != nil {
				a.log.Debug("redis sharded adapter: ignore malformed broadcast ack", "err", err)
				return
			}
		}
		ack.onAck(p, nil)
	case ctFetchSocketsResponse:
		if r == nil || r.typ != reqRemoteFetch {
			return
		}
		ds, err := socketsFromWire(m.Sockets, m.JSON)
		if err != nil {
			a.log.Debug("redis sharded adapter: malformed fetch response", "err", err)
		}
		a.answerFetch(m.RequestID, r, ds)
	case ctServerSideEmitResp:
		if r == nil || r.typ != reqServerSideEmit {
			return
		}
		p := &socketio.Packet{Type: socketio.Ack, Namespace: a.nsp.Name(), ID: socketio.NoID}
		if m.HasPacket {
			if err := appendValue(a.codec, p, m.Packet, m.JSON); err != nil {
				a.log.Debug("redis sharded adapter: malformed server-side emit answer", "err", err)
				p.Args = nil
			}
		}
		a.answerServerSideEmit(m.RequestID, r, p)
	}
}

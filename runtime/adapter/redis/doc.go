// Package redisadapter is an adapter.Adapter that joins several Socket.IO
// servers into one cluster through Redis Pub/Sub, speaking the wire format
// of the classic Node adapter @socket.io/redis-adapter 8.3 (createAdapter):
// sio servers and Node socket.io servers using that adapter can share one
// Redis and one set of rooms. (The package is named redisadapter, not
// redis, so that it can be imported next to github.com/redis/go-redis/v9
// without renaming either.)
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	srv := server.New(server.Options{Adapter: redisadapter.New(rdb, redisadapter.Options{})})
//	defer rdb.Close() // after srv.Close, which closes the adapters
//
// # What crosses servers
//
// Broadcasts (to all, to rooms, except rooms; volatile and compress flags),
// broadcasts with acks (each server reports its client count, then each
// client's first ack argument), FetchSockets (id, rooms, handshake, data),
// SocketsJoin/SocketsLeave/DisconnectSockets, ServerSideEmit with or
// without acks, and ServerCount (PUBSUB NUMSUB of the request channel). The
// Local flag keeps an operation on this server. Local rooms and local
// delivery are the in-memory adapter's, so a broadcast is still encoded once
// per server.
//
// # Wire format
//
// Per namespace nsp and key prefix (default "socket.io"), every adapter
// (one per namespace per server, with a random 6-character uid) pattern
// subscribes to "socket.io#<nsp>#*" and subscribes to
// "socket.io-request#<nsp>#", "socket.io-response#<nsp>#" and
// "socket.io-response#<nsp>#<uid>#".
//
//   - A broadcast is published on "socket.io#<nsp>#" ("socket.io#<nsp>#<room>#"
//     for exactly one room) as msgpack [uid, packet, opts], packet being the
//     Socket.IO packet object {type: 2, data: [event, ...args], nsp} and opts
//     {rooms, except, flags}.
//   - Requests go to the request channel as JSON (first byte "{") or, for a
//     broadcast with acks (type 7), msgpack; answers go to the response
//     channel (or the requester's own one with
//     PublishOnSpecificResponseChannel). Request types: 0 sockets, 1 all
//     rooms, 2 join, 3 leave, 4 disconnect, 5 fetch, 6 server-side emit,
//     7 broadcast with acks, 8 its client count, 9 one ack (msgpack).
//
// Messages are msgpack as notepack.io 3 writes them: binary arguments are
// bin (Buffers in Node), Dates timestamps, undefined is read as nil. The
// packet and the event arguments are read by the msgpack codec
// (codec/msgpack), so notepack's forms decode exactly as from a msgpack
// Socket.IO client. Input that does not decode, of the wrong types, for
// another namespace or of an unknown request type is ignored with a debug
// log.
//
// # Limits
//
//   - Connection state recovery is not supported (as with the reference
//     Redis adapter): PersistSession keeps nothing.
//   - With the JSON codec, arguments are converted to msgpack and back
//     through an ordered value tree: values survive (binary included) and
//     object keys keep their order at every depth, as in JavaScript; numbers
//     are float64 on the way (integers beyond 2^53 lose precision, as in a
//     Node peer), and a repeated key keeps its first position and last
//     value, as JSON.parse does.
//   - Server-side emits travel as JSON, as in the reference: a binary
//     argument arrives as a {"type":"Buffer","data":[...]} object.
//   - Only the first argument of an ack crosses servers (the reference sends
//     only that one).
//   - Acks of a broadcast are accepted for its Timeout flag, or
//     RequestsTimeout when it has none; FetchSockets and ServerSideEmit
//     with acks give up after RequestsTimeout.
//   - Sockets (allSockets) and Rooms are local, as in the reference 8.x.
//   - A packet object without nsp is ignored (the reference assumes "/").
//   - Each adapter holds one Redis connection for its subscriptions;
//     Redis Cluster clients work for publishing, but ServerCount asks one
//     node only (the reference sums over the masters).
//
// # Sharded adapter
//
// NewSharded is the adapter of createShardedAdapter (same package, 8.3),
// built on Redis 7 sharded Pub/Sub (SSUBSCRIBE, SPUBLISH): sio servers and
// Node servers using createShardedAdapter share one Redis.
//
//	srv := server.New(server.Options{Adapter: redisadapter.NewSharded(rdb, redisadapter.ShardedOptions{})})
//
// Its messages are those of socket.io-adapter's ClusterAdapter,
// {uid, nsp, type, data}, types 3 BROADCAST (with data.requestId: with
// acks), 4 SOCKETS_JOIN, 5 SOCKETS_LEAVE, 6 DISCONNECT_SOCKETS,
// 7 FETCH_SOCKETS, 8 its response, 9 SERVER_SIDE_EMIT, 10 its response,
// 11 BROADCAST_CLIENT_COUNT and 12 BROADCAST_ACK (1, 2 and 13, heartbeat
// messages of other cluster adapters, are ignored). A message is JSON, or
// msgpack when its values may hold binary (arguments of a JSON-codec
// namespace with attachments; always with the msgpack codec); either is
// read. Every adapter (uid: 16 hex digits) subscribes to
// "<prefix>#<nsp>#" (requests, broadcasts) and "<prefix>#<nsp>#<uid>#"
// (answers to it). With SubscriptionDynamic (default), a broadcast without
// acks to exactly one room whose name is not 20 characters long goes to
// "<prefix>#<nsp>#<room>#", which servers subscribe to while the room has
// local members (SubscriptionDynamicPrivate: every room, socket ids
// included; SubscriptionStatic: none). ServerCount is PUBSUB SHARDNUMSUB of
// the namespace's channel. Unlike the classic adapter, binary arguments of
// server-side emits and their answers survive, and Node's broadcast
// packets, which carry no nsp, are read as the message's namespace.
//
// The sharded adapter holds one subscriber connection per namespace, so it
// needs a Redis whose channels all live on one node: a standalone Redis
// (or one primary with replicas). Redis Cluster, whose channels hash to
// different shards, is not supported yet.
package redisadapter

// Package adapter defines how a Socket.IO namespace keeps track of rooms and
// reaches its sockets: the Adapter interface, and Memory, the in-memory
// default for a single server.
//
// The interface follows the reference socket.io-adapter so that an adapter
// spanning several servers (the @socket.io/redis-adapter wire format) can
// implement it: every operation that selects sockets takes BroadcastOptions
// (rooms, except, flags) rather than socket values, packets are handed over
// before they are encoded, and operations whose answers may come from other
// servers take a context and report counts.
package adapter

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// SocketID identifies a Socket.IO socket (not an Engine.IO session).
type SocketID = string

// Room names a set of sockets. Every socket is in the room named by its id.
type Room = string

// PrivateSessionID is the secret id (pid) a client presents to recover its
// session after a temporary disconnection.
type PrivateSessionID = string

// BroadcastFlags modify how a broadcast is delivered.
type BroadcastFlags struct {
	// Volatile packets are dropped for a session whose transport cannot
	// take them right now, and are never stored for connection recovery.
	Volatile bool
	// NoCompress asks the transport not to compress the packets
	// (socket.io's compress(false)).
	NoCompress bool
	// Local restricts the broadcast to this server's sockets.
	Local bool
	// Timeout bounds how long a broadcast with acks waits for answers;
	// zero means the caller's context alone decides.
	Timeout time.Duration
}

// BroadcastOptions select the sockets an operation applies to: those in any
// of Rooms (all sockets of the namespace when Rooms is empty) that are in
// none of Except.
type BroadcastOptions struct {
	Rooms  []Room
	Except []Room
	Flags  BroadcastFlags
}

// Handshake describes the request that opened a socket's connection, as the
// reference server exposes it in socket.handshake.
type Handshake struct {
	Headers http.Header `json:"headers"`
	Time    time.Time   `json:"time"`
	Address string      `json:"address"`
	XDomain bool        `json:"xdomain"`
	Secure  bool        `json:"secure"`
	Issued  int64       `json:"issued"` // Unix milliseconds, like Time
	URL     string      `json:"url"`
	Query   url.Values  `json:"query"`
	// Auth is the CONNECT payload decoded into generic values (map keys
	// kept, numbers as float64 or integer types depending on the codec).
	Auth map[string]any `json:"auth"`
}

// SocketDetails describe a socket found by FetchSockets. Local is set when
// the socket lives on this server.
type SocketDetails struct {
	ID        SocketID
	Handshake *Handshake
	Rooms     []Room
	Data      any
	Local     Socket
}

// Session is what connection state recovery keeps of a socket while its
// client is away.
type Session struct {
	SID   SocketID
	PID   PrivateSessionID
	Rooms []Room
	Data  any
}

// RestoredSession is a recovered Session with the Event packets the client
// missed, in order, each carrying its offset as its last argument.
type RestoredSession struct {
	Session
	MissedPackets []*socketio.Packet
}

// AckFunc receives one client's acknowledgement: the ACK packet (its Args
// raw in the namespace's codec), or an error when the client went away
// before answering.
type AckFunc func(p *socketio.Packet, err error)

// ErrNotSupported is returned by adapters for operations they cannot do.
var ErrNotSupported = errors.New("adapter: operation not supported")

// Namespace is what an adapter sees of the namespace it serves. The server
// runtime implements it.
type Namespace interface {
	// Name is the namespace's name, e.g. "/" or "/chat".
	Name() string
	// Codec encodes packets for the namespace's sessions.
	Codec() socketio.Codec
	// Socket returns the connected local socket with that id, or nil.
	Socket(id SocketID) Socket
	// NextAckID allocates an ack id (one counter per namespace, as in the
	// reference server).
	NextAckID() int64
	// ServerSideEvent delivers an event that another server sent with
	// ServerSideEmit. reply, when not nil, answers it (at most once).
	ServerSideEvent(p *socketio.Packet, reply func(args ...any) error)
}

// Socket is what an adapter sees of a local socket.
type Socket interface {
	ID() SocketID
	// WriteEncoded hands packets that are already encoded (shared with
	// other sockets: they must not be modified) to the socket's session.
	WriteEncoded(pkts []engineio.Packet, flags BroadcastFlags)
	// ExpectAck registers fn for the ACK packet with that id; fn is
	// called once, with an error if the socket disconnects first.
	ExpectAck(id int64, fn AckFunc)
	// CancelAck forgets the ack registered with ExpectAck, if still due.
	CancelAck(id int64)
	Join(rooms ...Room)
	Leave(room Room)
	// Disconnect disconnects the socket from its namespace, and closes
	// the whole connection when close is true.
	Disconnect(close bool)
	// Details returns a snapshot of the socket for FetchSockets.
	Details() SocketDetails
}

// Adapter keeps one namespace's rooms and carries out operations on the
// sockets they select, on this server and, for a multi-server adapter, on
// the others. Implementations must be safe for concurrent use.
type Adapter interface {
	// Close releases the adapter's resources.
	Close() error
	// ServerCount returns how many servers share the namespace.
	ServerCount(ctx context.Context) (int, error)

	// AddAll adds the socket to the rooms.
	AddAll(id SocketID, rooms ...Room)
	// Del removes the socket from the room.
	Del(id SocketID, room Room)
	// DelAll removes the socket from every room.
	DelAll(id SocketID)
	// SocketRooms returns the rooms of a local socket, nil if it has none.
	SocketRooms(id SocketID) []Room
	// Rooms returns the names of the local rooms.
	Rooms() []Room

	// Broadcast sends p (an Event without ack id, Args in the namespace's
	// codec) to the selected sockets. It takes ownership of p, encodes it
	// once, and hands the same bytes to every target.
	Broadcast(p *socketio.Packet, opts BroadcastOptions) error
	// BroadcastWithAck sends p with an ack id to the selected sockets.
	// onClientCount is called once per server with the number of sockets
	// the packet was sent to there; onAck once per answering socket.
	BroadcastWithAck(p *socketio.Packet, opts BroadcastOptions, onClientCount func(n int), onAck AckFunc) error

	// Sockets returns the ids of the sockets in any of rooms (all when empty).
	Sockets(ctx context.Context, rooms []Room) ([]SocketID, error)
	// FetchSockets describes the selected sockets.
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]SocketDetails, error)
	// AddSockets makes the selected sockets join rooms.
	AddSockets(opts BroadcastOptions, rooms []Room) error
	// DelSockets makes the selected sockets leave rooms.
	DelSockets(opts BroadcastOptions, rooms []Room) error
	// DisconnectSockets disconnects the selected sockets.
	DisconnectSockets(opts BroadcastOptions, close bool) error

	// ServerSideEmit sends p (an Event) to the namespace on every other
	// server. With onAck set, each server's answer is reported to it, and
	// onServerCount receives how many answers to expect.
	ServerSideEmit(p *socketio.Packet, onServerCount func(n int), onAck AckFunc) error

	// PersistSession keeps a disconnected socket's state for recovery.
	PersistSession(s *Session)
	// RestoreSession returns the session of pid with the packets sent
	// after offset, or nil when it cannot be recovered.
	RestoreSession(pid PrivateSessionID, offset string) (*RestoredSession, error)
}

// Factory creates the adapter of a namespace.
type Factory func(nsp Namespace) Adapter

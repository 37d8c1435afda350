package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"

	"github.com/siogen/sio/runtime/engine"
)

// Disconnect reasons given to disconnect and disconnecting handlers: the
// strings of the reference server.
const (
	// ReasonClientNamespaceDisconnect: the client left the namespace
	// (socket.disconnect() in the client).
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	// ReasonServerNamespaceDisconnect: Socket.Disconnect was called.
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	// ReasonForcedServerClose: the server closed the connection, e.g.
	// because the client broke the protocol or never joined a namespace.
	ReasonForcedServerClose = "forced server close"
	// ReasonServerShuttingDown: Server.Close was called.
	ReasonServerShuttingDown = engine.ReasonServerShutdown
	// ReasonTransportClose: the client closed the connection or it was lost.
	ReasonTransportClose = engine.ReasonTransportClose
	// ReasonTransportError: the transport failed.
	ReasonTransportError = engine.ReasonTransportError
	// ReasonPingTimeout: the client stopped answering heartbeats.
	ReasonPingTimeout = engine.ReasonPingTimeout
	// ReasonParseError: the client sent an Engine.IO packet that does not
	// decode.
	ReasonParseError = engine.ReasonParseError
	// ReasonForcedClose: the connection was closed because a Socket.IO
	// packet did not decode.
	ReasonForcedClose = engine.ReasonForcedClose
)

// recoverable lists the reasons after which connection state recovery
// keeps the socket's session (socket.ts RECOVERABLE_DISCONNECT_REASONS).
var recoverable = map[string]bool{
	ReasonTransportError:     true,
	ReasonTransportClose:     true,
	ReasonForcedClose:        true,
	ReasonPingTimeout:        true,
	ReasonServerShuttingDown: true,
	ReasonForcedServerClose:  true,
}

// Errors returned by the runtime.
var (
	// ErrDisconnected: the socket is no longer connected.
	ErrDisconnected = errors.New("server: socket disconnected")
	// ErrNoAck: the client did not ask for an acknowledgement.
	ErrNoAck = errors.New("server: event has no ack")
	// ErrAlreadyAcked: the event was already acknowledged.
	ErrAlreadyAcked = errors.New("server: event already acknowledged")
	// ErrReservedEvent: the event name is reserved by the protocol.
	ErrReservedEvent = errors.New("server: reserved event name")
	// ErrServerClosed: the server is closed.
	ErrServerClosed = errors.New("server: closed")
)

// ConnectError is the error a namespace middleware returns to refuse a
// connection with data: the client receives CONNECT_ERROR
// {"message":Message,"data":Data} (JS: connect_error with err.data). Any
// other error refuses with its Error() text as the message and no data.
type ConnectError struct {
	Message string
	Data    any
}

// Error returns the message.
func (e *ConnectError) Error() string { return e.Message }

// connectErrorPayload is the CONNECT_ERROR data; Data is left out when nil,
// as the reference server's JSON does for undefined.
type connectErrorPayload struct {
	Message string `json:"message" msgpack:"message"`
	Data    any    `json:"data,omitempty" msgpack:"data,omitempty"`
}

// newID returns a random id of 15 bytes as 20 URL-safe base64 characters,
// the shape of the reference server's base64id (socket ids, pids).
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

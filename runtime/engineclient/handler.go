package engineclient

import "github.com/siogen/sio/codec/engineio"

// Close reasons passed to Handler.OnClose. They are the strings of
// engine.io-client, so the Socket.IO layer can pass them on unchanged
// (socket.io-client's "io client disconnect" is the Socket.IO-level name of
// ReasonForcedClose).
const (
	// ReasonForcedClose: Close was called.
	ReasonForcedClose = "forced close"
	// ReasonTransportClose: the server closed the connection (a close packet
	// on polling, the WebSocket closed).
	ReasonTransportClose = "transport close"
	// ReasonTransportError: a request failed, the server answered with an
	// error status, or sent bytes that do not decode.
	ReasonTransportError = "transport error"
	// ReasonPingTimeout: no ping from the server for pingInterval +
	// pingTimeout.
	ReasonPingTimeout = "ping timeout"
)

// Handler receives what a Conn reads. Calls are made one at a time, from one
// goroutine, in the order the packets arrived, and only after Dial returned;
// OnClose is the last call. Messages wait in an inbox while the handler
// runs, and heartbeats are answered meanwhile; once 1,024 events wait,
// reading stops until the handler catches up (so a handler stuck for longer
// than pingInterval + pingTimeout with a full inbox loses the connection).
//
// A handler may call Send and Close (Close returns at once when called from
// a handler).
type Handler interface {
	// OnPacket receives each message packet (text or binary) in order.
	// Heartbeats, noops and protocol packets are handled by the Conn and not
	// passed on. The handler owns p.Data.
	OnPacket(p engineio.Packet)

	// OnClose reports the end of the connection, once: reason is one of
	// the Reason constants; err holds the cause when there is one.
	OnClose(reason string, err error)
}

// UpgradeHandler is implemented by handlers that want to hear about the
// polling → websocket upgrade. OnUpgrade is called when the connection has
// switched transport; OnUpgradeError when a probe failed and the connection
// stays on polling. Both are delivered in order with the packets.
type UpgradeHandler interface {
	OnUpgrade(transport string)
	OnUpgradeError(err error)
}

// HandlerFuncs adapts plain functions to Handler and UpgradeHandler. Nil
// fields are skipped.
type HandlerFuncs struct {
	Packet       func(p engineio.Packet)
	Close        func(reason string, err error)
	Upgrade      func(transport string)
	UpgradeError func(err error)
}

// OnPacket calls f.Packet.
func (f HandlerFuncs) OnPacket(p engineio.Packet) {
	if f.Packet != nil {
		f.Packet(p)
	}
}

// OnClose calls f.Close.
func (f HandlerFuncs) OnClose(reason string, err error) {
	if f.Close != nil {
		f.Close(reason, err)
	}
}

// OnUpgrade calls f.Upgrade.
func (f HandlerFuncs) OnUpgrade(transport string) {
	if f.Upgrade != nil {
		f.Upgrade(transport)
	}
}

// OnUpgradeError calls f.UpgradeError.
func (f HandlerFuncs) OnUpgradeError(err error) {
	if f.UpgradeError != nil {
		f.UpgradeError(err)
	}
}

// Package client is the Socket.IO v5 client: the runtime that generated
// typed client stubs run on, for services and CLIs talking to any Socket.IO
// server (ours or the official Node one).
//
// A Manager is the client of one server URL. It owns one Engine.IO
// connection (runtime/engineclient: polling, websocket, upgrade, fallback,
// heartbeats) and multiplexes the namespace Sockets over it; it reconnects
// with socket.io-client's exponential backoff and jitter, reporting
// reconnect_attempt, reconnect, reconnect_error and reconnect_failed.
//
//	m, _ := client.NewManager("http://127.0.0.1:3000", client.Options{})
//	defer m.Close()
//	chat, _ := m.Socket("/chat", client.SocketOptions{Auth: map[string]any{"token": tok}})
//	chat.On("message", func(ctx context.Context, ev *client.Event) {
//		var text string
//		_ = ev.Decode(0, &text)
//	})
//	if err := chat.Connect(ctx); err != nil { ... } // a *ConnectError carries the server's message and data
//	ack, err := chat.EmitWithAck(ctxWithDeadline, "join", "room1")
//	var members int
//	_ = ack.Decode(0, &members)
//
// # Delivery semantics
//
//   - Emit and EmitWithAck made while the namespace is not connected are
//     buffered and sent in order, before any later emit, right after the
//     namespace is connected again (a buffered emit is sent exactly once).
//     Emits handed to a transport that then dies are not sent again: their
//     acks fail with ErrDisconnected (at most once), as in socket.io-client.
//   - Volatile().Emit drops the event when the namespace is not connected
//     or the transport is busy (a write on the network or waiting).
//   - EmitWithAck's context deadline is the ack timeout: on expiry the ack
//     is forgotten and a still-buffered emit is dropped.
//   - SocketOptions.Retries gives socket.io-client's retry queue: acked
//     emits go one at a time, each resent (with a new ack id) after
//     AckTimeout or a lost connection, up to Retries+1 tries. Delivery is
//     at least once; exactly-once processing needs an idempotent server
//     (for example deduplicating by an id carried in the event).
//
// # Connection state recovery
//
// When the server has connectionStateRecovery on, its CONNECT reply carries
// a private session id (pid) and each event an offset as its last string
// argument. The socket keeps both (the offset stays in the event's
// arguments, as in socket.io-client) and sends {pid, offset, ...auth} with
// its next CONNECT; Recovered reports whether the server restored the
// session, in which case it re-sends the events missed meanwhile.
//
// # Goroutines
//
// A connected Manager runs one connection loop plus the engine connection's
// goroutines. Callbacks (event handlers, connect/disconnect, Manager events)
// run on one callback goroutine per socket (one for the Manager), which
// exists only while callbacks are due; a handler may block (even on
// EmitWithAck) without stalling the network. Manager.Close leaves no
// goroutine behind.
package client

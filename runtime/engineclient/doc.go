// Package engineclient is an Engine.IO v4 client: the transport layer under
// the Socket.IO client (runtime/client), which adds namespaces,
// reconnection and the send buffer on top of it.
//
// Dial opens a connection over HTTP long-polling or WebSocket and returns
// once the server's open packet arrived. Messages are sent with Send (which
// queues and never waits for the network) and received, in order, by a
// Handler; OnClose reports the end with the reasons engine.io-client uses
// (ReasonTransportClose, ReasonTransportError, ReasonPingTimeout,
// ReasonForcedClose).
//
// # Transports, fallback and upgrade
//
// The policy, compared with engine.io-client 6.6 (socket.ts):
//
//   - Order. Dial tries Options.Transports in order, default
//     [polling, websocket]. engine.io-client only tries the first one unless
//     tryAllTransports is set; here falling back to the next transport is
//     the default (Options.NoFallback restores the JS behaviour), so that
//     Transports [websocket, polling] works behind a proxy that refuses
//     WebSocket upgrades. Fallback happens only while dialing: an open
//     connection that fails is closed ("transport error") and reconnecting
//     is the caller's job.
//   - Upgrade. A connection opened on polling probes websocket once, right
//     after the handshake, when the server lists it in upgrades, websocket is
//     in Options.Transports and Options.NoUpgrade is not set: a WebSocket
//     with the sid, 2probe, 3probe; then polling is paused (the pending GET
//     is allowed to return, no POST is in flight because the writer is the
//     one switching), 5 is sent on the WebSocket, which becomes the
//     transport, and packets queued meanwhile are flushed over it. Nothing is
//     lost or reordered. A probe that fails or times out
//     (Options.UpgradeTimeout) leaves the connection on polling for its
//     lifetime; OnUpgradeError reports it. Unlike engine.io-client, which
//     drops websocket from its list after a tryAllTransports fallback and so
//     never probes again in that session, a connection that fell back to
//     polling still probes once (a refused probe costs one HTTP request and
//     the outage may have been transient). Each new Dial (each reconnection)
//     probes again.
//   - Memory. With Options.RememberUpgrade set (engine.io-client's
//     rememberUpgrade), a Dial after a connection that reached websocket
//     opens with websocket directly, then falls back to the Transports
//     order. A transport error or a failed probe clears the memory (as
//     priorWebsocketSuccess is cleared in the JS client).
//
// # Heartbeat
//
// In v4 the server pings. Every ping is answered with a pong (queued with the
// messages, so during an upgrade pause it waits like them); the client never
// pings. If no ping arrives for pingInterval + pingTimeout after the
// handshake or the previous ping, the connection is closed with
// ReasonPingTimeout. Send also checks the deadline, so a timer delayed by a
// suspended machine cannot let a message be queued on a dead connection.
//
// # Goroutines and ownership
//
// A Conn runs one writer (the only goroutine writing to the network), one
// reader, a prober during an upgrade and one dispatcher that calls the
// Handler; no lock is held during network I/O. Close flushes the queue,
// ends the session cleanly (a POSTed close packet on polling, a close frame
// on WebSocket) and returns when all of them have exited. Send takes
// ownership of the packets' Data; OnPacket hands ownership of the received
// Data to the handler.
package engineclient

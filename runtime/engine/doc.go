// Package engine is the server side of Engine.IO protocol v4: the transport
// layer under Socket.IO.
//
// A Server is an http.Handler. It performs the handshake, keeps one Session
// per connected client and carries Engine.IO packets over HTTP long-polling
// and WebSocket (github.com/gobwas/ws on the hijacked connection), including
// the upgrade from polling to WebSocket without losing or reordering a
// packet, and the heartbeat (the server pings every PingInterval and closes a
// session whose client does not answer within PingTimeout).
//
// The layer above (the Socket.IO server) sees only sessions and message
// packets:
//
//	srv := engine.NewServer(engine.Options{
//		OnSession: func(s *engine.Session) {
//			s.SetHandler(engine.HandlerFuncs{
//				Packet: func(p engineio.Packet) { _ = s.Send(p) }, // echo
//			})
//		},
//	})
//	http.Handle("/socket.io/", srv)
//
// # Concurrency and buffers
//
// Each session has one outgoing queue. Send only appends to it and never
// waits for the network; the queue is drained by one writer at a time: the
// pending polling GET (everything queued goes out in one response, packets
// joined by 0x1E) or, over WebSocket, a writer goroutine that exists only
// while there is something to write and coalesces all queued frames into one
// buffered write. No lock is held while writing to the network, so a slow
// client only ever delays itself. The queue is bounded (Options.MaxQueuedBytes):
// a session whose client does not keep up is closed with ReasonTransportError
// and ErrQueueFull rather than silently dropping packets, which would break
// the in-order, exactly-once guarantee the layers above rely on. The one
// exception is asked for explicitly: SendVolatile (Socket.IO's volatile
// emits) drops its packets instead of queueing them when the transport
// cannot take them right now (no poll pending, or a WebSocket writer with a
// backlog), and never closes the session.
//
// Incoming message packets are handed to the session's Handler one at a
// time, in arrival order; Handler.OnClose is called once, after the last
// OnPacket.
//
// An idle polling session costs no goroutine of its own (the pending GET runs
// on net/http's goroutine); an idle WebSocket session costs one goroutine, the
// one that reads the connection. Heartbeats use one runtime timer per session.
package engine

package main

import (
	"context"
	"flag"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/server"
)

var parser = flag.String("parser", "json", "Socket.IO parser of /socket.io/: json or msgpack (socket.io-msgpack-parser)")

// socketIOSuite serves /socket.io/ as the Socket.IO v5 suite
// (docs/socket.io-protocol/v5-test-suite) expects: the Engine.IO suite's
// settings plus connectTimeout 1 s, namespaces "/" and "/custom" only
// (any other gets "Invalid namespace"); every connection is greeted with an
// "auth" event carrying the CONNECT payload; on "/", "message" is answered
// with "message-back" and the same arguments, and "message-with-ack" is
// acknowledged with all of its arguments (binary kept in both).
func socketIOSuite(parserName string) mount {
	srv := newSocketIOServer(parserName)
	return mount{path: "/socket.io/", handler: srv, close: srv.Close}
}

// newSocketIOServer builds the suite's Socket.IO server with the named
// parser ("json" or "msgpack").
func newSocketIOServer(parserName string) *server.Server {
	var codec socketio.Codec = socketio.JSON
	if parserName == "msgpack" {
		codec = msgpack.Codec{}
	}
	srv := server.New(server.Options{
		Engine:         engineIOOptions("/socket.io/"),
		ConnectTimeout: time.Second,
		Codec:          codec,
	})
	greet := func(s *server.Socket) { _ = s.Emit("auth", s.Auth()) }
	main := srv.Of("/")
	main.OnConnection(greet)
	main.On("message", func(_ context.Context, s *server.Socket, ev *server.Event) {
		_ = s.Emit("message-back", ev.Args)
	})
	main.On("message-with-ack", func(_ context.Context, _ *server.Socket, ev *server.Event) {
		_ = ev.Ack(ev.Args)
	})
	srv.Of("/custom").OnConnection(greet)
	return srv
}

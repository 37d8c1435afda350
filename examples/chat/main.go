// Command chat is the sio example chat server: typed events generated from
// chatschema, rooms, history, typing notices and file uploads, on the
// in-memory adapter.
//
//	go run ./examples/chat                 # serves http://localhost:3000
//	go run ./examples/chat/chatcli -user alice -room general
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/examples/chat/chatserver"
	"github.com/siogen/sio/runtime/server"
)

func main() {
	addr := flag.String("addr", "localhost:3000", "listen address")
	parser := flag.String("parser", "json", "Socket.IO parser: json or msgpack (socket.io-msgpack-parser)")
	flag.Parse()
	if err := run(*addr, *parser); err != nil {
		log.Fatal(err)
	}
}

func run(addr, parser string) error {
	var codec socketio.Codec
	switch parser {
	case "json":
		codec = socketio.JSON
	case "msgpack":
		codec = msgpack.Codec{}
	default:
		return fmt.Errorf("chat: unknown parser %q (want json or msgpack)", parser)
	}
	srv := server.New(server.Options{Codec: codec})
	chatserver.Register(srv)

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "sio chat: Socket.IO namespace /chat at %s/socket.io/ (%s parser)\n", "http://"+r.Host, parser)
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("chat: listen: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("sio chat listening on http://%s (namespace /chat, %s parser)\n", ln.Addr(), parser)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(shutdown); err != nil {
		log.Printf("chat: closing sessions: %v", err)
	}
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

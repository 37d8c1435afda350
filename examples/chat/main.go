// Command chat is the sio example chat server: typed events generated from
// chatschema, rooms, history, typing notices and file uploads, on the
// in-memory adapter (or, with -redis host:port, the Redis adapter shared
// with other servers), and the chat web page (package chatweb) at /.
//
//	go run ./examples/chat                 # serves http://localhost:3000
//	go run ./examples/chat/chatcli -user alice -room general
//
// The page loads the official socket.io-client browser bundle from
// -client-dist (by default interop/node_modules/socket.io-client/dist, looked
// for in the working directory and its parents) or, when it is not
// installed, from jsDelivr's npm CDN.
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

	"github.com/redis/go-redis/v9"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/examples/chat/chatserver"
	"github.com/siogen/sio/examples/chat/chatweb"
	redisadapter "github.com/siogen/sio/runtime/adapter/redis"
	"github.com/siogen/sio/runtime/server"
)

func main() {
	addr := flag.String("addr", "localhost:3000", "listen address")
	parser := flag.String("parser", "json", "Socket.IO parser: json or msgpack (socket.io-msgpack-parser)")
	redisAddr := flag.String("redis", "", "Redis address (host:port): share rooms and broadcasts with the other servers on it (Redis adapter, compatible with @socket.io/redis-adapter)")
	dist := flag.String("client-dist", chatweb.FindClientDist("."), "directory of the socket.io-client npm package's browser bundles (dist/); the page falls back to jsDelivr's npm CDN without them")
	flag.Parse()
	if err := run(*addr, *parser, *dist, *redisAddr); err != nil {
		log.Fatal(err)
	}
}

func run(addr, parser, dist, redisAddr string) error {
	var codec socketio.Codec
	switch parser {
	case "json":
		codec = socketio.JSON
	case "msgpack":
		codec = msgpack.Codec{}
	default:
		return fmt.Errorf("chat: unknown parser %q (want json or msgpack)", parser)
	}
	opts := server.Options{Codec: codec}
	if redisAddr != "" {
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
		defer rdb.Close() // after srv.Close below, which closes the adapters
		opts.Adapter = redisadapter.New(rdb, redisadapter.Options{})
	}
	srv := server.New(opts)
	chatserver.Register(srv)

	page := chatweb.Options{Msgpack: parser == "msgpack", ClientDist: dist}
	mux := chatweb.Mux(srv, page)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("chat: listen: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("sio chat listening on http://%s (namespace /chat, %s parser)\n", ln.Addr(), parser)
	fmt.Printf("open http://%s/ in a browser (socket.io-client bundle: %s)\n", ln.Addr(), page.BundleSource())

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

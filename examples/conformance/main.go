// Command conformance serves what the official compliance suites of the
// socket.io monorepo expect on http://localhost:3000:
//
//   - /engine.io/: the Engine.IO v4 suite (docs/engine.io-protocol/v4-test-suite):
//     pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1e6, CORS "*", and
//     every message echoed back unchanged (text as text, binary as binary).
//   - /socket.io/: the Socket.IO v5 suite (docs/socket.io-protocol/v5-test-suite):
//     the same settings plus connectTimeout 1 s, namespaces "/" and "/custom"
//     (see socketio.go); -parser msgpack serves the same behaviour with the
//     socket.io-msgpack-parser wire format.
//
// Each suite is one mount (see mounts below).
//
// Usage:
//
//	go run ./examples/conformance [-addr localhost:3000] [-parser json|msgpack]
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// mount is one suite's server on its path.
type mount struct {
	path    string
	handler http.Handler
	close   func(ctx context.Context) error
}

// mounts returns every suite's server. Add the Socket.IO suite here.
func mounts() []mount {
	return []mount{
		engineIOSuite(),
		socketIOSuite(*parser),
	}
}

func main() {
	addr := flag.String("addr", "localhost:3000", "listen address")
	flag.Parse()

	ms := mounts()
	mux := http.NewServeMux()
	for _, m := range ms {
		mux.Handle(m.path, m.handler)
	}
	hs := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, m := range ms {
			if err := m.close(sctx); err != nil {
				log.Printf("conformance: closing %s: %v", m.path, err)
			}
		}
		hs.Shutdown(sctx)
	}()

	log.Printf("conformance: listening on http://%s (%d suites)", *addr, len(ms))
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("conformance: %v", err)
	}
}

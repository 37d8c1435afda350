// Command server is the Go (sio) side of the benchmark harness: the bench
// events (echo, ping acked with its payload, bcast to everyone) served on
// "/socket.io/", with the same settings and flags as the Node server in
// interop/bench/server.mjs.
//
//	go run ./examples/bench/server -addr 127.0.0.1:0 -parser msgpack
//
// It prints "listening <host:port>" on stdout once it accepts connections.
// GET /bench/mem runs the garbage collector, returns freed memory to the
// OS and answers with the process's resident set size as JSON, so that the
// harness measures memory per connection the same way for both servers.
// With -pprof, /debug/pprof/ serves the runtime profiles.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/examples/bench/benchserver"
	"github.com/siogen/sio/runtime/engine"
	"github.com/siogen/sio/runtime/server"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench server:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address (port 0 picks a free port)")
	parser := flag.String("parser", "json", "Socket.IO parser: json or msgpack")
	api := flag.String("api", "typed", "handler API: typed (generated code) or untyped (runtime API)")
	pingInterval := flag.Duration("ping-interval", engine.DefaultPingInterval, "Engine.IO pingInterval")
	pingTimeout := flag.Duration("ping-timeout", engine.DefaultPingTimeout, "Engine.IO pingTimeout")
	maxBuf := flag.Int64("max-http-buffer-size", engine.DefaultMaxHTTPBufferSize, "largest message / POST body in bytes")
	withPprof := flag.Bool("pprof", false, "serve /debug/pprof/")
	flag.Parse()

	var codec socketio.Codec
	switch *parser {
	case "json":
		codec = socketio.JSON
	case "msgpack":
		codec = msgpack.Codec{}
	default:
		return fmt.Errorf("unknown -parser %q (json or msgpack)", *parser)
	}
	srv := server.New(server.Options{
		Codec: codec,
		Engine: engine.Options{
			PingInterval:      *pingInterval,
			PingTimeout:       *pingTimeout,
			MaxHTTPBufferSize: *maxBuf,
			// As the Node bench server's httpCompression: false (the load
			// generator does not ask for compression anyway).
			DisableHTTPCompression: true,
		},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	switch *api {
	case "typed":
		benchserver.RegisterTyped(srv)
	case "untyped":
		benchserver.RegisterUntyped(srv)
	default:
		return fmt.Errorf("unknown -api %q (typed or untyped)", *api)
	}

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.HandleFunc("/bench/mem", serveMem)
	if *withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("listening %s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = srv.Close(sctx)
	_ = hs.Shutdown(sctx)
	return nil
}

// memReport is the answer of /bench/mem; the Node server answers the same
// keys.
type memReport struct {
	RSS        int64 `json:"rss"`        // resident set size in bytes (VmRSS)
	Heap       int64 `json:"heap"`       // live heap bytes after the collection
	Goroutines int   `json:"goroutines"` // Go only, like the rest
	Stacks     int64 `json:"stacks"`     // goroutine stack bytes in use
	HeapInuse  int64 `json:"heapInuse"`  // heap spans in use (live objects plus fragmentation)
	Sys        int64 `json:"sys"`        // memory obtained from the OS
}

// serveMem collects garbage, returns memory to the OS, then reports VmRSS.
func serveMem(w http.ResponseWriter, _ *http.Request) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, err := vmRSS()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(memReport{
		RSS: rss, Heap: int64(ms.HeapAlloc), Goroutines: runtime.NumGoroutine(),
		Stacks: int64(ms.StackInuse), HeapInuse: int64(ms.HeapInuse), Sys: int64(ms.Sys),
	})
}

// vmRSS reads the resident set size from /proc/self/status.
func vmRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read /proc/self/status: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			if len(f) < 1 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}

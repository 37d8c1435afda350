package engine_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// An echo server: every message a client sends comes back unchanged.
func ExampleNewServer() {
	srv := engine.NewServer(engine.Options{
		Path: "/engine.io/",
		OnSession: func(s *engine.Session) {
			s.SetHandler(engine.HandlerFuncs{
				Packet: func(p engineio.Packet) { _ = s.Send(p) },
				Close:  func(reason string, err error) { fmt.Println("closed:", reason) },
			})
		},
	})
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	hs := httptest.NewServer(mux)
	defer hs.Close()

	// A polling client by hand: handshake, send "4hello", poll the echo.
	resp, _ := http.Get(hs.URL + "/engine.io/?EIO=4&transport=polling")
	open, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sid := string(open[9:29])
	url := hs.URL + "/engine.io/?EIO=4&transport=polling&sid=" + sid
	resp, _ = http.Post(url, "text/plain;charset=UTF-8", strings.NewReader("4hello"))
	resp.Body.Close()
	resp, _ = http.Get(url)
	echo, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%s\n", echo)

	// The client closes the session.
	resp, _ = http.Post(url, "text/plain;charset=UTF-8", strings.NewReader("1"))
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Close(ctx)
	// Output:
	// 4hello
	// closed: transport close
}

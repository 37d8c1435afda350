package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/runtime/server"
)

// TestVolatileOverPolling checks that volatile emits reach the engine's
// SendVolatile: with no poll pending they are dropped (the reference's
// !transport.writable), ordinary emits are kept, and over a writable
// WebSocket volatile emits arrive.
func TestVolatileOverPolling(t *testing.T) {
	srv := server.New(server.Options{})
	sockets := make(chan *server.Socket, 2)
	srv.OnConnection(func(s *server.Socket) { sockets <- s })
	base := serve(t, srv)

	hc := &http.Client{Timeout: 10 * time.Second}
	do := func(method, url, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", method, res.StatusCode, b)
		}
		return string(b)
	}
	open := do("GET", base+"/socket.io/?EIO=4&transport=polling", "")
	url := base + "/socket.io/?EIO=4&transport=polling&sid=" + open[9:29]
	do("POST", url, "40")
	if got := do("GET", url, ""); !strings.HasPrefix(got, `40{"sid":"`) {
		t.Fatalf("CONNECT reply %q", got)
	}
	s := <-sockets
	// No GET is pending now.
	if err := s.Volatile().Emit("dropped"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Of("/").Volatile().Emit("dropped too"); err != nil {
		t.Fatal(err)
	}
	if err := s.Emit("kept"); err != nil {
		t.Fatal(err)
	}
	if got := do("GET", url, ""); got != `42["kept"]` {
		t.Fatalf("poll got %q, want only the ordinary emit", got)
	}

	c := dialRaw(t, base)
	c.connect("/", "")
	ws := <-sockets
	if err := ws.Volatile().Emit("v", 1); err != nil {
		t.Fatal(err)
	}
	c.expect(`42["v",1]`)
}

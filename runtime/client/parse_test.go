package client

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/siogen/sio/runtime/engineclient"
)

// TestParseError: a server that sends a message the codec cannot decode
// gets the connection closed with "parse error", without a panic or leak.
// The fake Engine.IO polling server answers the handshake, the CONNECT, then
// sends garbage.
func TestParseError(t *testing.T) {
	var (
		mu        sync.Mutex
		connected = make(chan struct{})
		gets      int
		posts     []string
	)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sid") == "" {
			io.WriteString(w, `0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)
			return
		}
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			posts = append(posts, string(body))
			connects := 0
			for _, p := range posts {
				if strings.HasPrefix(p, "40") {
					connects++
				}
			}
			if strings.HasPrefix(string(body), "40") && connects == 1 {
				close(connected)
			}
			all := append([]string(nil), posts...)
			mu.Unlock()
			if connects > 1 {
				t.Errorf("POST bodies so far: %q", all)
			}
			io.WriteString(w, "ok")
			return
		}
		mu.Lock()
		gets++
		n := gets
		mu.Unlock()
		switch n {
		case 1:
			<-connected
			io.WriteString(w, `40{"sid":"abc"}`)
		case 2:
			io.WriteString(w, `4garbage`)
		default:
			<-r.Context().Done()
		}
	}))
	defer hs.Close()

	ctx := testCtx(t)
	reasons := newSignal()
	s, err := Dial(ctx, hs.URL, Options{NoReconnection: true, Engine: engineclient.Options{Transports: []string{engineclient.Polling}}},
		SocketOptions{OnDisconnect: func(r string) { reasons.add(r) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Manager().Close()
	if r, _ := reasons.wait(t, 1); r != ReasonParseError {
		t.Errorf("disconnect reason %q, want %q", r, ReasonParseError)
	}
}

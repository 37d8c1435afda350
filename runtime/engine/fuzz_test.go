package engine_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// FuzzPollingPOST sends arbitrary bodies to a polling session: the answer is
// "ok" or a 400/413, never a panic, and a 400 closes the session.
func FuzzPollingPOST(f *testing.F) {
	for _, s := range []string{"4hello", "4a\x1e4b", "bAQIDBA==", "abc", "", "1", "2", "3", "4\xff", "4hello\x1ebA", "\x1e", "0{}\x1e5\x1e6"} {
		f.Add(s)
	}
	srv := engine.NewServer(engine.Options{
		MaxHTTPBufferSize: 1 << 12,
		PingInterval:      time.Minute,
		OnSession: func(s *engine.Session) {
			s.SetHandler(engine.HandlerFuncs{Packet: func(p engineio.Packet) { _ = s.Send(p) }})
		},
	})
	f.Cleanup(func() { srv.Close(f.Context()) })
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling", nil))
		sid := rec.Body.String()[9:29]
		rec = httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("POST", "/socket.io/?EIO=4&transport=polling&sid="+sid, strings.NewReader(body)))
		switch rec.Code {
		case http.StatusOK:
			if rec.Body.String() != "ok" {
				t.Fatalf("200 with body %q", rec.Body.String())
			}
		case http.StatusBadRequest:
			if srv.Session(sid) != nil {
				t.Fatalf("session still open after 400 for %q", body)
			}
		case http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if s := srv.Session(sid); s != nil {
			s.Close(engine.ReasonForcedClose)
		}
	})
}

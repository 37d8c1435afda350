package server_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/runtime/server"
)

// TestCompressFalseOverPolling checks that Compress(false), on a socket's
// emit and on a broadcast, keeps a large poll response plain, while an
// ordinary emit of the same size is gzip-encoded for a client that accepts
// it, as the reference's socket.compress(false) with httpCompression.
func TestCompressFalseOverPolling(t *testing.T) {
	srv := server.New(server.Options{})
	sockets := make(chan *server.Socket, 1)
	srv.OnConnection(func(s *server.Socket) { sockets <- s })
	base := serve(t, srv)

	// A transport that neither asks for nor decodes compression by itself.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	do := func(method, url, body string) (string, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r io.Reader = res.Body
		enc := res.Header.Get("Content-Encoding")
		if enc == "gzip" {
			if r, err = gzip.NewReader(res.Body); err != nil {
				t.Fatal(err)
			}
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", method, res.StatusCode, b)
		}
		return string(b), enc
	}
	open, _ := do("GET", base+"/socket.io/?EIO=4&transport=polling", "")
	url := base + "/socket.io/?EIO=4&transport=polling&sid=" + open[9:29]
	do("POST", url, "40")
	if got, _ := do("GET", url, ""); !strings.HasPrefix(got, `40{"sid":"`) {
		t.Fatalf("CONNECT reply %q", got)
	}
	s := <-sockets
	big := strings.Repeat("x", 4096)
	want := `42["big","` + big + `"]`

	for _, tc := range []struct {
		name    string
		emit    func() error
		wantEnc string
	}{
		{"emit", func() error { return s.Emit("big", big) }, "gzip"},
		{"emit compress false", func() error { return s.Compress(false).Emit("big", big) }, ""},
		{"broadcast compress false", func() error { return srv.Of("/").Compress(false).Emit("big", big) }, ""},
		{"broadcast", func() error { return srv.Of("/").Emit("big", big) }, "gzip"},
	} {
		if err := tc.emit(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, enc := do("GET", url, "")
		if got != want || enc != tc.wantEnc {
			t.Errorf("%s: Content-Encoding %q (want %q), payload %d bytes %.20q", tc.name, enc, tc.wantEnc, len(got), got)
		}
	}
}

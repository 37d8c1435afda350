package engine_test

import (
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// TestPollingCompression: a poll response of at least the threshold is
// gzip- or deflate-encoded as the request's Accept-Encoding allows (gzip
// preferred, q-values respected), smaller ones and clients that accept
// neither get it plain, and DisableHTTPCompression turns it off. As in the
// reference (socket.compress(false)), a response goes plain only when every
// packet in it was sent with NoCompress. The decoded body is always the
// exact payload.
func TestPollingCompression(t *testing.T) {
	big := strings.Repeat("sio compresses polling ", 100) // 2,300 bytes
	for _, tc := range []struct {
		name    string
		opts    engine.Options
		msg     string
		accept  string
		wantEnc string
		// plain: one send per element, with NoCompress as given; nil
		// means one ordinary send.
		plain []bool
	}{
		{name: "gzip", msg: big, accept: "gzip, deflate, br", wantEnc: "gzip"},
		{name: "deflate only", msg: big, accept: "deflate", wantEnc: "deflate"},
		{name: "gzip refused", msg: big, accept: "gzip;q=0, deflate", wantEnc: "deflate"},
		{name: "deflate preferred", msg: big, accept: "gzip;q=0.5, deflate;q=0.9", wantEnc: "deflate"},
		{name: "star", msg: big, accept: "*", wantEnc: "gzip"},
		{name: "identity only", msg: big, accept: "identity", wantEnc: ""},
		{name: "no header", msg: big, accept: "", wantEnc: ""},
		{name: "below threshold", msg: "small", accept: "gzip", wantEnc: ""},
		{name: "lower threshold", opts: engine.Options{HTTPCompressionThreshold: 4}, msg: "small", accept: "gzip", wantEnc: "gzip"},
		{name: "disabled", opts: engine.Options{DisableHTTPCompression: true}, msg: big, accept: "gzip", wantEnc: ""},
		{name: "compress false", msg: big, accept: "gzip", wantEnc: "", plain: []bool{true}},
		{name: "all compress false", msg: big, accept: "gzip", wantEnc: "", plain: []bool{true, true, true}},
		{name: "one of three compressible", msg: big, accept: "gzip", wantEnc: "gzip", plain: []bool{true, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sessions := make(chan *engine.Session, 1)
			opts := tc.opts
			opts.PingInterval, opts.PingTimeout = time.Minute, time.Minute
			opts.OnSession = func(s *engine.Session) { sessions <- s }
			ts := newTestServer(t, opts)
			sid := ts.openPolling(t)
			s := <-sessions
			sends := tc.plain
			if sends == nil {
				sends = []bool{false}
			}
			var want []string
			for _, plain := range sends {
				ok, err := s.SendWith(engine.SendOptions{NoCompress: plain}, engineio.TextPacket(engineio.Message, tc.msg))
				if !ok || err != nil {
					t.Fatalf("SendWith: %v %v", ok, err)
				}
				want = append(want, "4"+tc.msg)
			}
			req, _ := http.NewRequest("GET", ts.pollURL(sid), nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			// A transport that neither asks for nor decodes compression.
			resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body io.Reader = resp.Body
			switch enc := resp.Header.Get("Content-Encoding"); {
			case enc != tc.wantEnc:
				t.Fatalf("Content-Encoding %q, want %q", enc, tc.wantEnc)
			case enc == "gzip":
				zr, err := gzip.NewReader(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = zr
			case enc == "deflate":
				zr, err := zlib.NewReader(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = zr
			}
			got, err := io.ReadAll(body)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Join(want, "\x1e"); string(got) != want {
				t.Fatalf("payload %d bytes %.40q…, want %d bytes", len(got), got, len(want))
			}
		})
	}
}

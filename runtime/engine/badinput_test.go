package engine_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/siogen/sio/runtime/engine"
)

// bystanders are sessions that must keep working while others misbehave.
type bystanders struct {
	ts  *testServer
	sid string
	ws  *wsClient
}

func newBystanders(t *testing.T, ts *testServer) *bystanders {
	b := &bystanders{ts: ts, sid: ts.openPolling(t), ws: dialWS(t, ts.ws+"?EIO=4&transport=websocket")}
	b.ws.readText()
	return b
}

func (b *bystanders) check(t *testing.T) {
	t.Helper()
	if code, body := do(t, "POST", b.ts.pollURL(b.sid), "4still here"); code != 200 || body != "ok" {
		t.Fatalf("bystander POST: %d %q", code, body)
	}
	if code, body := do(t, "GET", b.ts.pollURL(b.sid), ""); code != 200 || body != "4still here" {
		t.Fatalf("bystander GET: %d %q", code, body)
	}
	b.ws.sendText("4still here")
	if got := b.ws.readText(); got != "4still here" {
		t.Fatalf("bystander ws: %q", got)
	}
}

// bigTimeouts keeps heartbeats out of the way of the bad-input tests.
func badInputOptions() engine.Options {
	return engine.Options{MaxHTTPBufferSize: 1000, PingInterval: 10 * time.Second, PingTimeout: 10 * time.Second}
}

func TestBadPollingInput(t *testing.T) {
	ts := newTestServer(t, badInputOptions())
	by := newBystanders(t, ts)
	for _, tc := range []struct {
		name        string
		method      string
		body        string
		header      []string
		status      int
		sessionLive bool
	}{
		{"unknown packet type", "POST", "abc", nil, 400, false},
		{"empty body", "POST", "", nil, 400, false},
		{"bad packet after a good one", "POST", "4hello\x1exyz", nil, 400, false},
		{"empty packet in payload", "POST", "4a\x1e\x1e4b", nil, 400, false},
		{"invalid base64", "POST", "b!!!!", nil, 400, false},
		{"ping from client", "POST", "2", nil, 200, false},
		{"octet-stream body", "POST", "4hello", []string{"Content-Type", "application/octet-stream"}, 400, false},
		{"body over maxHttpBufferSize", "POST", "4" + strings.Repeat("x", 1000), nil, 413, true},
		{"body at maxHttpBufferSize", "POST", "4" + strings.Repeat("x", 999), nil, 200, true},
		{"wrong method", "PUT", "4hello", nil, 500, true},
		{"DELETE", "DELETE", "", nil, 500, true},
		{"open, upgrade and noop are ignored", "POST", "0\x1e5\x1e6", nil, 200, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sid := ts.openPolling(t)
			code, _ := do(t, tc.method, ts.pollURL(sid), tc.body, tc.header...)
			if code != tc.status {
				t.Fatalf("status %d, want %d", code, tc.status)
			}
			if tc.sessionLive {
				if code, body := do(t, "POST", ts.pollURL(sid), "4alive"); code != 200 || body != "ok" {
					t.Fatalf("session should be alive: POST %d %q", code, body)
				}
				if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || !strings.HasSuffix(body, "4alive") {
					t.Fatalf("session should be alive: GET %d %q", code, body)
				}
			} else if code, _ := do(t, "GET", ts.pollURL(sid), ""); code != 400 {
				t.Fatalf("session should be closed: GET status %d", code)
			}
			by.check(t)
		})
	}
}

func TestPollingInvalidUTF8IsReplaced(t *testing.T) {
	ts := newTestServer(t, badInputOptions())
	sid := ts.openPolling(t)
	if code, _ := do(t, "POST", ts.pollURL(sid), "4a\xffb\xe2\x82c\xf0\x9f\x98"); code != 200 {
		t.Fatalf("POST status %d", code)
	}
	// As Node decodes the body: one U+FFFD per maximal invalid subpart.
	if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || body != "4a\uFFFDb\uFFFDc\uFFFD" {
		t.Fatalf("GET %d %q", code, body)
	}
}

func TestPollingOverlappingPostClosesSession(t *testing.T) {
	ts := newTestServer(t, badInputOptions())
	by := newBystanders(t, ts)
	sid := ts.openPolling(t)
	pr, pw := io.Pipe()
	first := make(chan struct{})
	go func() {
		defer close(first)
		req, _ := http.NewRequest("POST", ts.pollURL(sid), pr)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}()
	pw.Write([]byte("4par")) // the first POST is now being read
	for deadline := time.Now().Add(5 * time.Second); !ts.Session(sid).Posting(); {
		if time.Now().After(deadline) {
			t.Fatal("first POST not being processed after 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	if code, _ := do(t, "POST", ts.pollURL(sid), "4second"); code != 400 {
		t.Fatalf("overlapping POST: status %d", code)
	}
	pw.CloseWithError(errors.New("client gave up"))
	<-first
	if code, _ := do(t, "GET", ts.pollURL(sid), ""); code != 400 {
		t.Fatalf("GET after overlap: status %d", code)
	}
	by.check(t)
}

// closeCode reads until the server closes and returns its close code.
func closeCode(t *testing.T, c *wsClient) ws.StatusCode {
	t.Helper()
	for {
		_, _, err := c.read(5 * time.Second)
		if err == nil {
			continue
		}
		var ce wsutil.ClosedError
		if errors.As(err, &ce) {
			return ce.Code
		}
		t.Fatalf("read: %v, want a close frame", err)
	}
}

func TestBadWebSocketInput(t *testing.T) {
	ts := newTestServer(t, badInputOptions())
	by := newBystanders(t, ts)
	for _, tc := range []struct {
		name string
		send func(c *wsClient)
		code ws.StatusCode
	}{
		{"unknown packet type", func(c *wsClient) { c.sendText("abc") }, ws.StatusNoStatusRcvd},
		{"empty text frame", func(c *wsClient) { c.sendText("") }, ws.StatusNoStatusRcvd},
		{"ping from client", func(c *wsClient) { c.sendText("2") }, ws.StatusNoStatusRcvd},
		{"close packet", func(c *wsClient) { c.sendText("1") }, ws.StatusNoStatusRcvd},
		{"invalid UTF-8", func(c *wsClient) { c.sendText("4a\xffb") }, ws.StatusInvalidFramePayloadData},
		{"message over maxPayload", func(c *wsClient) { c.sendText("4" + strings.Repeat("x", 1000)) }, ws.StatusMessageTooBig},
		{"fragments over maxPayload", func(c *wsClient) {
			w := wsutil.NewWriterBufferSize(c.conn, ws.StateClientSide, ws.OpText, 600)
			w.Write([]byte("4" + strings.Repeat("y", 1200)))
			w.Flush()
		}, ws.StatusMessageTooBig},
		{"unmasked frame", func(c *wsClient) {
			ws.WriteFrame(c.conn, ws.NewTextFrame([]byte("4x")))
		}, ws.StatusProtocolError},
		{"reserved bits", func(c *wsClient) {
			f := ws.MaskFrame(ws.NewTextFrame([]byte("4x")))
			f.Header.Rsv = ws.Rsv(true, false, false)
			ws.WriteFrame(c.conn, f)
		}, ws.StatusProtocolError},
		{"continuation without start", func(c *wsClient) {
			ws.WriteFrame(c.conn, ws.MaskFrame(ws.NewFrame(ws.OpContinuation, true, []byte("x"))))
		}, ws.StatusProtocolError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
			c.readText()
			tc.send(c)
			if got := closeCode(t, c); got != tc.code {
				t.Fatalf("close code %d, want %d", got, tc.code)
			}
			by.check(t)
		})
	}
}

func TestWebSocketMessageAtLimitAndFragments(t *testing.T) {
	ts := newTestServer(t, badInputOptions())
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
	c.readText()
	big := "4" + strings.Repeat("z", 999)
	c.sendText(big)
	if got := c.readText(); got != big {
		t.Fatalf("echo of %d bytes: got %d bytes", len(big), len(got))
	}
	w := wsutil.NewWriterBufferSize(c.conn, ws.StateClientSide, ws.OpText, 100)
	w.Write([]byte("4" + strings.Repeat("f", 500)))
	w.Flush()
	if got := c.readText(); got != "4"+strings.Repeat("f", 500) {
		t.Fatalf("fragmented echo: %d bytes", len(got))
	}
	// A WebSocket ping gets a pong (wsutil answers and keeps reading).
	ws.WriteFrame(c.conn, ws.MaskFrame(ws.NewPingFrame([]byte("hi"))))
	c.sendText("4after ping")
	if got := c.readText(); got != "4after ping" {
		t.Fatalf("echo after ping: %q", got)
	}
}

func TestBadProbe(t *testing.T) {
	ts := newTestServer(t, badInputOptions())
	for _, tc := range []struct {
		name string
		send func(c *wsClient)
	}{
		{"binary frame", func(c *wsClient) { c.sendBinary([]byte{1}) }},
		{"message before upgrade", func(c *wsClient) { c.sendText("4hello") }},
		{"garbage", func(c *wsClient) { c.sendText("zzz") }},
		{"wrong probe", func(c *wsClient) { c.sendText("2nope") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sid := ts.openPolling(t)
			c := dialWS(t, ts.ws+"?EIO=4&transport=websocket&sid="+sid)
			tc.send(c)
			c.waitClosed(2 * time.Second)
			// The session stays on polling.
			if code, body := do(t, "POST", ts.pollURL(sid), "4ok"); code != 200 || body != "ok" {
				t.Fatalf("POST after failed probe: %d %q", code, body)
			}
			if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || body != "4ok" {
				t.Fatalf("GET after failed probe: %d %q", code, body)
			}
		})
	}
}

package engine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// suiteOptions are the settings of the official Engine.IO v4 suite.
func suiteOptions() engine.Options {
	return engine.Options{
		Path:              "/engine.io/",
		PingInterval:      300 * time.Millisecond,
		PingTimeout:       200 * time.Millisecond,
		MaxHTTPBufferSize: 1_000_000,
		CORS:              &engine.CORS{Origins: []string{"*"}},
	}
}

// echoOnSession makes every session echo its messages.
func echoOnSession(s *engine.Session) {
	s.SetHandler(engine.HandlerFuncs{Packet: func(p engineio.Packet) { _ = s.Send(p) }})
}

// testServer is an engine.Server on a loopback httptest server.
type testServer struct {
	*engine.Server
	hs   *httptest.Server
	base string // http://127.0.0.1:port/engine.io/
	ws   string // ws://127.0.0.1:port/engine.io/
}

// newTestServer starts srv's options (OnSession defaults to echo) on
// 127.0.0.1 and stops it at the end of the test.
func newTestServer(t testing.TB, opts engine.Options) *testServer {
	t.Helper()
	if opts.OnSession == nil {
		opts.OnSession = echoOnSession
	}
	if opts.Path == "" {
		opts.Path = "/engine.io/"
	}
	srv := engine.NewServer(opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Server.Close: %v", err)
		}
		hs.Close()
	})
	return &testServer{
		Server: srv,
		hs:     hs,
		base:   hs.URL + opts.Path,
		ws:     "ws" + strings.TrimPrefix(hs.URL, "http") + opts.Path,
	}
}

// client returns an HTTP client with a timeout for the test.
var client = &http.Client{Timeout: 10 * time.Second}

// do sends a request and returns its status and body.
func do(t testing.TB, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

// openData is the JSON of an open packet.
type openData struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// parseOpen checks that body is an open packet with exactly the five keys
// and returns it.
func parseOpen(t testing.TB, body string) openData {
	t.Helper()
	if !strings.HasPrefix(body, "0") {
		t.Fatalf("open packet: %q does not start with 0", body)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body[1:]), &keys); err != nil {
		t.Fatalf("open packet %q: %v", body, err)
	}
	if len(keys) != 5 {
		t.Fatalf("open packet %q: want exactly 5 keys", body)
	}
	for _, k := range []string{"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"} {
		if _, ok := keys[k]; !ok {
			t.Fatalf("open packet %q: missing %q", body, k)
		}
	}
	if string(keys["upgrades"]) == "null" {
		t.Fatalf("open packet %q: upgrades is null", body)
	}
	var o openData
	if err := json.Unmarshal([]byte(body[1:]), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// openPolling performs a polling handshake and returns the sid.
func (ts *testServer) openPolling(t testing.TB) string {
	t.Helper()
	code, body := do(t, "GET", ts.base+"?EIO=4&transport=polling", "")
	if code != 200 {
		t.Fatalf("handshake: status %d %q", code, body)
	}
	return parseOpen(t, body).SID
}

func (ts *testServer) pollURL(sid string) string {
	return ts.base + "?EIO=4&transport=polling&sid=" + sid
}

// wsClient is a minimal WebSocket client for the tests.
type wsClient struct {
	t    testing.TB
	conn net.Conn
	rw   io.ReadWriter
}

type readWriter struct {
	io.Reader
	io.Writer
}

// dialWS opens a WebSocket to url; it fails the test on error.
func dialWS(t testing.TB, url string) *wsClient {
	t.Helper()
	c, err := tryDialWS(url)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.conn.Close() })
	c.t = t
	return c
}

func tryDialWS(url string) (*wsClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	return &wsClient{conn: conn, rw: readWriter{bufio.NewReader(r), conn}}, nil
}

// read returns the next data message; err is io.EOF-like when the server
// closed the connection.
func (c *wsClient) read(timeout time.Duration) ([]byte, ws.OpCode, error) {
	c.conn.SetReadDeadline(time.Now().Add(timeout))
	return wsutil.ReadServerData(c.rw)
}

// readText returns the next message, which must be a text message.
func (c *wsClient) readText() string {
	c.t.Helper()
	b, op, err := c.read(5 * time.Second)
	if err != nil {
		c.t.Fatalf("ws read: %v", err)
	}
	if op != ws.OpText {
		c.t.Fatalf("ws read: opcode %v, want text (%q)", op, b)
	}
	return string(b)
}

func (c *wsClient) sendText(s string) {
	c.t.Helper()
	if err := wsutil.WriteClientText(c.conn, []byte(s)); err != nil {
		c.t.Fatalf("ws write: %v", err)
	}
}

func (c *wsClient) sendBinary(b []byte) {
	c.t.Helper()
	if err := wsutil.WriteClientBinary(c.conn, b); err != nil {
		c.t.Fatalf("ws write: %v", err)
	}
}

// waitClosed reads until the server closes the connection, skipping data
// messages; it fails if that takes longer than timeout.
func (c *wsClient) waitClosed(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, _, err := c.read(time.Until(deadline))
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			c.t.Fatalf("ws: server did not close within %v", timeout)
		}
		return
	}
}

// newLoopbackServer starts h on 127.0.0.1 without registering cleanup: the
// caller closes it.
func newLoopbackServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	return httptest.NewServer(h)
}

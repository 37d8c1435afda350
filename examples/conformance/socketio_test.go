package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
)

// These tests reproduce the "Socket.IO protocol" checks of the official v5
// compliance suite (docs/socket.io-protocol/v5-test-suite/test-suite.js)
// against the /socket.io/ server of this command, byte for byte. The
// Engine.IO checks of that suite are the Engine.IO suite's, run on
// /engine.io/ by the runtime/engine tests.

type sioClient struct {
	t    *testing.T
	conn net.Conn
	rw   io.ReadWriter
}

type rw struct {
	io.Reader
	io.Writer
}

func startSuiteServer(t *testing.T) string {
	t.Helper()
	srv := newSocketIOServer("json")
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

func dial(t *testing.T, base string) *sioClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, base+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	return &sioClient{t: t, conn: conn, rw: rw{bufio.NewReader(r), conn}}
}

// next returns the next message (text or binary), or an error when the
// connection closed or nothing came within 3 s.
func (c *sioClient) next() (string, ws.OpCode, error) {
	c.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, op, err := wsutil.ReadServerData(c.rw)
	return string(b), op, err
}

// expect reads the next message and compares it.
func (c *sioClient) expect(want string) {
	c.t.Helper()
	got, _, err := c.next()
	if err != nil {
		c.t.Fatalf("waiting for %q: %v", want, err)
	}
	if got != want {
		c.t.Fatalf("got %q, want %q", got, want)
	}
}

// expectSkippingPings is expect ignoring pings ("2"), as the suite's
// binary tests do.
func (c *sioClient) expectSkippingPings(want string, op ws.OpCode) {
	c.t.Helper()
	for {
		got, gop, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", want, err)
		}
		if got == "2" && gop == ws.OpText {
			continue
		}
		if got != want || gop != op {
			c.t.Fatalf("got %q (op %v), want %q (op %v)", got, gop, want, op)
		}
		return
	}
}

func (c *sioClient) send(s string) {
	c.t.Helper()
	if err := wsutil.WriteClientText(c.conn, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *sioClient) sendBinary(b []byte) {
	c.t.Helper()
	if err := wsutil.WriteClientBinary(c.conn, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// expectClose reads until the server closes the connection.
func (c *sioClient) expectClose() {
	c.t.Helper()
	for {
		_, _, err := c.next()
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatal("the server did not close the connection")
		}
		return
	}
}

// expectHandshake reads a CONNECT reply with prefix and checks that its
// payload has exactly one key, "sid", a string.
func (c *sioClient) expectHandshake(prefix string) string {
	c.t.Helper()
	got, _, err := c.next()
	if err != nil {
		c.t.Fatalf("waiting for the Socket.IO handshake: %v", err)
	}
	rest, ok := strings.CutPrefix(got, prefix)
	if !ok {
		c.t.Fatalf("handshake %q does not start with %q", got, prefix)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(rest), &m); err != nil {
		c.t.Fatalf("handshake %q: %v", got, err)
	}
	sid, ok := m["sid"].(string)
	if len(m) != 1 || !ok {
		c.t.Fatalf("handshake %q: want exactly the key sid (a string)", got)
	}
	return sid
}

// open reads the Engine.IO handshake.
func (c *sioClient) open() {
	c.t.Helper()
	got, _, err := c.next()
	if err != nil || !strings.HasPrefix(got, "0{") {
		c.t.Fatalf("Engine.IO handshake: %q, %v", got, err)
	}
}

// initSocketIOConnection is the suite's helper: open, join "/", read the
// handshake and the auth event.
func initSocketIOConnection(t *testing.T, base string) *sioClient {
	c := dial(t, base)
	c.open()
	c.send("40")
	c.expectHandshake("40")
	c.expect(`42["auth",{}]`)
	return c
}

func TestSuiteConnect(t *testing.T) {
	base := startSuiteServer(t)
	tests := []struct {
		name, send, prefix, auth string
	}{
		{"main namespace", "40", "40", `42["auth",{}]`},
		{"main namespace with a payload", `40{"token":"123"}`, "40", `42["auth",{"token":"123"}]`},
		{"custom namespace", "40/custom,", "40/custom,", `42/custom,["auth",{}]`},
		{"custom namespace with a payload", `40/custom,{"token":"abc"}`, "40/custom,", `42/custom,["auth",{"token":"abc"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, base)
			c.open()
			c.send(tt.send)
			c.expectHandshake(tt.prefix)
			c.expect(tt.auth)
		})
	}
	t.Run("unknown namespace", func(t *testing.T) {
		c := dial(t, base)
		c.open()
		c.send("40/random")
		c.expect(`44/random,{"message":"Invalid namespace"}`)
	})
	t.Run("invalid handshake", func(t *testing.T) {
		c := dial(t, base)
		c.open()
		c.send("4abc")
		c.expectClose()
	})
	t.Run("no handshake", func(t *testing.T) {
		c := dial(t, base)
		c.open()
		c.expectClose()
	})
}

func TestSuiteDisconnect(t *testing.T) {
	base := startSuiteServer(t)
	t.Run("main namespace", func(t *testing.T) {
		c := initSocketIOConnection(t, base)
		c.send("41")
		c.expect("2")
	})
	t.Run("connect then disconnect from a custom namespace", func(t *testing.T) {
		c := initSocketIOConnection(t, base)
		c.expect("2") // ping, not answered
		c.send("40/custom")
		c.expectHandshake("40/custom,")
		c.expect(`42/custom,["auth",{}]`)
		c.send("41/custom")
		c.send(`42["message","message to main namespace"]`)
		c.expect(`42["message-back","message to main namespace"]`)
	})
}

func TestSuiteMessage(t *testing.T) {
	base := startSuiteServer(t)
	t.Run("plain text", func(t *testing.T) {
		c := initSocketIOConnection(t, base)
		c.send(`42["message",1,"2",{"3":[true]}]`)
		c.expect(`42["message-back",1,"2",{"3":[true]}]`)
	})
	t.Run("binary attachments", func(t *testing.T) {
		c := initSocketIOConnection(t, base)
		c.send(`452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
		c.sendBinary([]byte{1, 2, 3})
		c.sendBinary([]byte{4, 5, 6})
		c.expectSkippingPings(`452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, ws.OpText)
		c.expectSkippingPings("\x01\x02\x03", ws.OpBinary)
		c.expectSkippingPings("\x04\x05\x06", ws.OpBinary)
	})
	t.Run("plain text with an ack", func(t *testing.T) {
		c := initSocketIOConnection(t, base)
		c.send(`42456["message-with-ack",1,"2",{"3":[false]}]`)
		c.expect(`43456[1,"2",{"3":[false]}]`)
	})
	t.Run("binary attachments with an ack", func(t *testing.T) {
		c := initSocketIOConnection(t, base)
		c.send(`452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
		c.sendBinary([]byte{1, 2, 3})
		c.sendBinary([]byte{4, 5, 6})
		c.expectSkippingPings(`462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, ws.OpText)
		c.expectSkippingPings("\x01\x02\x03", ws.OpBinary)
		c.expectSkippingPings("\x04\x05\x06", ws.OpBinary)
	})
	for _, bad := range []struct{ name, send string }{
		{"unknown packet type", "4abc"},
		{"invalid payload format", "42{}"},
		{"invalid ack id", `42abc["message-with-ack",1,"2",{"3":[false]}]`},
	} {
		t.Run("invalid format: "+bad.name, func(t *testing.T) {
			c := initSocketIOConnection(t, base)
			c.send(bad.send)
			c.expectClose()
		})
	}
}

// TestSuitePollingBinary sends the suite's binary event over HTTP
// long-polling, where the attachments travel as base64 packets of the same
// payload, and reads the echo back the same way.
func TestSuitePollingBinary(t *testing.T) {
	srv := newSocketIOServer("json")
	hs := httptest.NewServer(srv)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
		hs.Close()
	}()
	base := hs.URL + "/socket.io/?EIO=4&transport=polling"
	get := func(url string) string {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET: %d %s", res.StatusCode, b)
		}
		return string(b)
	}
	post := func(url, body string) {
		t.Helper()
		res, err := http.Post(url, "text/plain;charset=UTF-8", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("POST: %d", res.StatusCode)
		}
	}
	open := get(base)
	var hsk struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(open, "0")), &hsk); err != nil {
		t.Fatalf("open %q: %v", open, err)
	}
	url := base + "&sid=" + hsk.SID
	// read polls until n packets other than pings have arrived (answering
	// the pings): the CONNECT reply and what the connection handler emits
	// may come in one poll or in two (as from the reference server, whose
	// CONNECT reply goes out at once when a poll is pending), and a loaded
	// machine may see a ping first.
	read := func(n int) []string {
		t.Helper()
		var got []string
		for tries := 0; len(got) < n; tries++ {
			if tries == 10 {
				t.Fatalf("after 10 polls: %q, want %d packets", got, n)
			}
			for _, p := range strings.Split(get(url), "\x1e") {
				if p == "2" {
					post(url, "3")
					continue
				}
				got = append(got, p)
			}
		}
		return got
	}
	post(url, "40")
	parts := read(2)
	if len(parts) != 2 || !strings.HasPrefix(parts[0], `40{"sid":"`) || parts[1] != `42["auth",{}]` {
		t.Fatalf("connect: %q", parts)
	}
	post(url, "452-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\x1ebAQID\x1ebBAUG")
	want := "452-[\"message-back\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\x1ebAQID\x1ebBAUG"
	if got := strings.Join(read(3), "\x1e"); got != want {
		t.Fatalf("echo: %q, want %q", got, want)
	}
}

// TestSuiteMsgpack checks the same behaviour with -parser msgpack: every
// packet is one binary message (socket.io-msgpack-parser).
func TestSuiteMsgpack(t *testing.T) {
	srv := newSocketIOServer("msgpack")
	hs := httptest.NewServer(srv)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
		hs.Close()
	}()
	base := "ws" + strings.TrimPrefix(hs.URL, "http")
	codec := msgpack.Codec{}
	dec := codec.NewDecoder(socketio.DecoderOptions{})
	c := dial(t, base)
	c.open()
	send := func(p *socketio.Packet) {
		t.Helper()
		ms, err := codec.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			c.sendBinary(m.Data)
		}
	}
	recv := func() *socketio.Packet {
		t.Helper()
		for {
			msg, op, err := c.next()
			if err != nil {
				t.Fatal(err)
			}
			if op == ws.OpText && msg == "2" {
				continue
			}
			p, err := dec.Decode(engineio.BinaryPacket([]byte(msg)))
			if err != nil || p == nil {
				t.Fatalf("decode % x: %v", msg, err)
			}
			return p
		}
	}
	var args []any
	decodeArgs := func(p *socketio.Packet) {
		t.Helper()
		args = args[:0]
		for _, a := range p.Args {
			var v any
			if err := codec.Unmarshal(p, a, &v); err != nil {
				t.Fatal(err)
			}
			args = append(args, v)
		}
	}

	connect := &socketio.Packet{Type: socketio.Connect, Namespace: "/custom", ID: socketio.NoID}
	codec.SetData(connect, map[string]string{"token": "abc"})
	send(connect)
	if p := recv(); p.Type != socketio.Connect || p.Namespace != "/custom" {
		t.Fatalf("handshake: %+v", p)
	}
	p := recv()
	decodeArgs(p)
	if p.Event != "auth" || p.Namespace != "/custom" || fmt.Sprint(args) != "[map[token:abc]]" {
		t.Fatalf("auth: %+v %v", p, args)
	}

	send(&socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: socketio.NoID})
	recv()
	recv()
	ev := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "message"}
	codec.AppendArg(ev, 1)
	codec.AppendArg(ev, []byte{1, 2, 3})
	send(ev)
	p = recv()
	decodeArgs(p)
	if p.Event != "message-back" || fmt.Sprint(args) != "[1 [1 2 3]]" {
		t.Fatalf("message-back: %+v %v", p, args)
	}
	ev.Event, ev.ID = "message-with-ack", 7
	send(ev)
	p = recv()
	decodeArgs(p)
	if p.Type != socketio.Ack || p.ID != 7 || fmt.Sprint(args) != "[1 [1 2 3]]" {
		t.Fatalf("ack: %+v %v", p, args)
	}

	send(&socketio.Packet{Type: socketio.Connect, Namespace: "/random", ID: socketio.NoID})
	p = recv()
	var m map[string]any
	if p.Type != socketio.ConnectError || codec.Unmarshal(p, p.Data, &m) != nil || m["message"] != "Invalid namespace" {
		t.Fatalf("invalid namespace: %+v %v", p, m)
	}
	c.send("42[]") // text is invalid with this parser
	c.expectClose()
}

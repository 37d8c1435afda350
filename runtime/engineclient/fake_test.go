package engineclient

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/siogen/sio/codec/engineio"
	"go.uber.org/goleak"
)

// Fake servers for what the Node server never does: malformed bytes,
// error statuses, tiny maxPayload, WebSocket control frames.

const fakeOpen = `0{"sid":"fake","upgrades":[],"pingInterval":10000,"pingTimeout":10000,"maxPayload":1000000}`

type reply struct {
	code int
	body string
}

// fakePolling answers the handshake with hs, each later GET with the next
// reply from gets (waiting for one), and records POST bodies.
type fakePolling struct {
	hs    string
	gets  chan reply
	posts chan string
}

func newFakePolling(hs string) *fakePolling {
	return &fakePolling{hs: hs, gets: make(chan reply, 16), posts: make(chan string, 64)}
}

func (f *fakePolling) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("EIO") != "4" || q.Get("transport") != "polling" {
		http.Error(w, "bad query", http.StatusBadRequest)
		return
	}
	switch {
	case r.Method == http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		f.posts <- string(b)
		io.WriteString(w, "ok")
	case q.Get("sid") == "":
		io.WriteString(w, f.hs)
	default:
		select {
		case rp := <-f.gets:
			if rp.code == 0 {
				rp.code = http.StatusOK
			}
			w.WriteHeader(rp.code)
			io.WriteString(w, rp.body)
		case <-r.Context().Done():
		}
	}
}

func dialFake(t *testing.T, url string, opts Options) (*Conn, *recorder) {
	t.Helper()
	rec := newRecorder()
	opts.Handler = rec
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := Dial(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

func TestPollingBadInput(t *testing.T) {
	cases := []struct {
		name    string
		gets    []reply
		reason  string
		errHas  string
		packets []string // texts delivered before the close
	}{
		{"invalid packet", []reply{{body: "4hi\x1eabc"}}, ReasonTransportError, "unknown packet type", []string{"hi"}},
		{"empty payload", []reply{{body: ""}}, ReasonTransportError, "empty packet", nil},
		{"bad base64", []reply{{body: "b!!!"}}, ReasonTransportError, "binary packet", nil},
		{"session unknown", []reply{{code: 400, body: `{"code":1,"message":"Session ID unknown"}`}}, ReasonTransportError, "HTTP 400", nil},
		{"close packet", []reply{{body: "4a\x1e6\x1e4b\x1e1\x1e4never"}}, ReasonTransportClose, "", []string{"a", "b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leaks := goleak.IgnoreCurrent()
			f := newFakePolling(fakeOpen)
			srv := httptest.NewServer(f)
			defer srv.Close()
			for _, g := range tc.gets {
				f.gets <- g
			}
			c, rec := dialFake(t, srv.URL, Options{Transports: []string{Polling}})
			reason, err := rec.waitClosed(t)
			if reason != tc.reason {
				t.Errorf("reason %q (%v), want %q", reason, err, tc.reason)
			}
			if tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
				t.Errorf("err %v, want it to mention %q", err, tc.errHas)
			}
			var se *StatusError
			if tc.name == "session unknown" && (!errors.As(err, &se) || se.Code != 400) {
				t.Errorf("err %v is not a *StatusError 400", err)
			}
			rec.mu.Lock()
			var got []string
			for _, p := range rec.packets {
				got = append(got, string(p.Data))
			}
			rec.mu.Unlock()
			if strings.Join(got, ",") != strings.Join(tc.packets, ",") {
				t.Errorf("packets %q, want %q", got, tc.packets)
			}
			c.Close()
			srv.Close()
			goleak.VerifyNone(t, leaks)
		})
	}
}

func TestBadHandshake(t *testing.T) {
	for _, body := range []string{"garbage", "4hello", `0{"sid":""}`, `0{not json`, "bAQID"} {
		t.Run(body, func(t *testing.T) {
			leaks := goleak.IgnoreCurrent()
			srv := httptest.NewServer(newFakePolling(body))
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			_, err := Dial(ctx, srv.URL, Options{Transports: []string{Polling}})
			if err == nil || !strings.Contains(err.Error(), "polling handshake") {
				t.Errorf("Dial = %v, want a polling handshake error", err)
			}
			srv.Close()
			goleak.VerifyNone(t, leaks)
		})
	}
}

// TestPollingHandshakeExtras: packets after the open packet in the handshake
// response are delivered after Dial returns, in order; a ping gets a pong
// (and the client sends no ping of its own); Header and Query are sent.
func TestPollingHandshakeExtras(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	f := newFakePolling(fakeOpen + "\x1e4early\x1e2\x1ebAQID")
	var missing atomic.Int32 // requests without the header or the query
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer x" ||
			r.URL.Query().Get("token") != "abc" || r.URL.Query().Get("keep") != "1" || r.URL.Path != "/socket.io/" {
			missing.Add(1)
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, rec := dialFake(t, srv.URL+"/ignored/path?keep=1", Options{
		Transports: []string{Polling},
		Header:     http.Header{"Authorization": {"Bearer x"}},
		Query:      map[string][]string{"token": {"abc"}},
	})
	rec.waitFor(t, "early packets", func(ps []engineio.Packet) bool { return len(ps) == 2 })
	rec.mu.Lock()
	p0, p1 := rec.packets[0], rec.packets[1]
	rec.mu.Unlock()
	if string(p0.Data) != "early" || !p1.Binary || string(p1.Data) != "\x01\x02\x03" {
		t.Errorf("packets %+v %+v", p0, p1)
	}
	select {
	case body := <-f.posts:
		if body != "3" {
			t.Errorf("first POST %q, want the pong 3", body)
		}
	case <-time.After(waitLimit):
		t.Fatal("no pong")
	}
	c.Close()
	select {
	case body := <-f.posts:
		if body != "1" {
			t.Errorf("close POST %q, want 1", body)
		}
	default:
		t.Error("Close did not POST a close packet")
	}
	if n := missing.Load(); n > 0 {
		t.Errorf("%d requests lacked the header, the query or the path", n)
	}
	srv.Close()
	goleak.VerifyNone(t, leaks)
}

// TestPollingMaxPayload: POST bodies stay within the server's maxPayload
// (as engine.io-client splits its write buffer) and keep the order.
func TestPollingMaxPayload(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	f := newFakePolling(`0{"sid":"fake","upgrades":[],"pingInterval":10000,"pingTimeout":10000,"maxPayload":20}`)
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, _ := dialFake(t, srv.URL, Options{Transports: []string{Polling}})
	var want []string
	for i := range 10 {
		s := strings.Repeat(string(rune('a'+i)), 6)
		want = append(want, "4"+s)
		if err := c.Send(engineio.TextPacket(engineio.Message, s)); err != nil {
			t.Fatal(err)
		}
	}
	big := strings.Repeat("z", 50) // larger than maxPayload alone: sent alone
	c.Send(engineio.TextPacket(engineio.Message, big))
	want = append(want, "4"+big)
	var got []string
	for len(got) < len(want) {
		select {
		case body := <-f.posts:
			parts := strings.Split(body, "\x1e")
			if len(body) > 20 && len(parts) > 1 {
				t.Errorf("POST of %d bytes with %d packets exceeds maxPayload 20", len(body), len(parts))
			}
			got = append(got, parts...)
		case <-time.After(waitLimit):
			t.Fatalf("got %q so far", got)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("POSTed %q, want %q", got, want)
	}
	if err := c.Send(engineio.Packet{Type: engineio.Ping}); !errors.Is(err, ErrNotMessage) {
		t.Errorf("Send(ping) = %v, want ErrNotMessage", err)
	}
	c.Close()
	srv.Close()
	goleak.VerifyNone(t, leaks)
}

// fakeWS upgrades every request and runs script on the connection.
func fakeWS(t *testing.T, script func(conn net.Conn)) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer conn.Close()
		script(conn)
	}))
}

func TestWebSocketBadInput(t *testing.T) {
	open := func(conn net.Conn) { wsutil.WriteServerText(conn, []byte(fakeOpen)) }
	drain := func(conn net.Conn) { io.Copy(io.Discard, conn) }
	cases := []struct {
		name   string
		max    int64
		script func(conn net.Conn)
		reason string
		errHas string
	}{
		{"reserved opcode", 0, func(conn net.Conn) {
			open(conn)
			ws.WriteFrame(conn, ws.NewFrame(ws.OpCode(0x3), true, []byte("x")))
			drain(conn)
		}, ReasonTransportError, "reserved opcode"},
		{"invalid packet", 0, func(conn net.Conn) {
			open(conn)
			wsutil.WriteServerText(conn, []byte("9nope"))
			drain(conn)
		}, ReasonTransportError, "unknown packet type"},
		{"too large", 200, func(conn net.Conn) {
			open(conn)
			wsutil.WriteServerText(conn, []byte("4"+strings.Repeat("x", 200)))
			drain(conn)
		}, ReasonTransportError, "larger than"},
		{"stray continuation", 0, func(conn net.Conn) {
			open(conn)
			ws.WriteFrame(conn, ws.NewFrame(ws.OpContinuation, true, []byte("x")))
			drain(conn)
		}, ReasonTransportError, "continuation"},
		{"close frame", 0, func(conn net.Conn) {
			open(conn)
			ws.WriteFrame(conn, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusGoingAway, "bye")))
			drain(conn)
		}, ReasonTransportClose, "bye"},
		{"tcp closed", 0, func(conn net.Conn) {
			open(conn)
		}, ReasonTransportClose, "EOF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leaks := goleak.IgnoreCurrent()
			srv := fakeWS(t, tc.script)
			defer srv.Close()
			c, rec := dialFake(t, srv.URL, Options{Transports: []string{WebSocket}, MaxReadBytes: tc.max})
			reason, err := rec.waitClosed(t)
			if reason != tc.reason || err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("OnClose(%q, %v), want %q mentioning %q", reason, err, tc.reason, tc.errHas)
			}
			c.Close()
			srv.Close()
			goleak.VerifyNone(t, leaks)
		})
	}
}

var opName = map[ws.OpCode]string{ws.OpText: "text", ws.OpBinary: "binary", ws.OpPing: "ping", ws.OpPong: "pong", ws.OpClose: "close"}

// TestWebSocketFragmentsAndPing: a fragmented message is reassembled, a
// WebSocket ping interleaved in it is answered with a pong by the writer,
// an Engine.IO ping gets 3.
func TestWebSocketFragmentsAndPing(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	got := make(chan string, 8)
	srv := fakeWS(t, func(conn net.Conn) {
		wsutil.WriteServerText(conn, []byte(fakeOpen))
		ws.WriteFrame(conn, ws.NewFrame(ws.OpText, false, []byte("4hel")))
		ws.WriteFrame(conn, ws.NewPingFrame([]byte("hb")))
		ws.WriteFrame(conn, ws.NewFrame(ws.OpContinuation, true, []byte("lo")))
		wsutil.WriteServerText(conn, []byte("2"))
		br := bufio.NewReader(conn)
		for {
			f, err := ws.ReadFrame(br)
			if err != nil {
				return
			}
			f = ws.UnmaskFrameInPlace(f)
			got <- opName[f.Header.OpCode] + ":" + string(f.Payload)
			if f.Header.OpCode == ws.OpClose {
				ws.WriteFrame(conn, ws.NewCloseFrame(f.Payload))
				return
			}
		}
	})
	defer srv.Close()
	c, rec := dialFake(t, srv.URL, Options{Transports: []string{WebSocket}})
	rec.waitText(t, "4hello"[1:])
	want := map[string]bool{"pong:hb": false, "text:3": false}
	for range want {
		select {
		case s := <-got:
			if _, ok := want[s]; !ok {
				t.Errorf("server got %q", s)
			}
			want[s] = true
		case <-time.After(waitLimit):
			t.Fatalf("server got %v", want)
		}
	}
	c.Close()
	if s := <-got; s != "close:\x03\xe8" {
		t.Errorf("close frame %q, want code 1000", s)
	}
	if reason, err := rec.waitClosed(t); reason != ReasonForcedClose || err != nil {
		t.Errorf("OnClose(%q, %v)", reason, err)
	}
	srv.Close()
	goleak.VerifyNone(t, leaks)
}

// TestProbeFailures: probes that time out or get a wrong answer leave the
// connection on polling, reported by OnUpgradeError, and polling keeps
// working.
func TestProbeFailures(t *testing.T) {
	const openUp = `0{"sid":"fake","upgrades":["websocket"],"pingInterval":10000,"pingTimeout":10000,"maxPayload":1000000}`
	cases := []struct {
		name   string
		script func(conn net.Conn)
		errHas string
	}{
		{"silent", func(conn net.Conn) { io.Copy(io.Discard, conn) }, "deadline"},
		{"wrong answer", func(conn net.Conn) {
			wsutil.ReadClientText(conn)
			wsutil.WriteServerText(conn, []byte("3nope"))
			io.Copy(io.Discard, conn)
		}, "instead of 3probe"},
		{"closed", func(conn net.Conn) {}, "EOF|connection reset"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leaks := goleak.IgnoreCurrent()
			f := newFakePolling(openUp)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("transport") == "websocket" {
					if r.URL.Query().Get("sid") != "fake" {
						http.Error(w, "probe without sid", http.StatusBadRequest)
						return
					}
					conn, _, _, err := ws.UpgradeHTTP(r, w)
					if err != nil {
						return
					}
					defer conn.Close()
					tc.script(conn)
					return
				}
				f.ServeHTTP(w, r)
			}))
			defer srv.Close()
			c, rec := dialFake(t, srv.URL, Options{UpgradeTimeout: 300 * time.Millisecond})
			select {
			case err := <-rec.upErrs:
				if !containsAny(err.Error(), strings.Split(tc.errHas, "|")) {
					t.Errorf("upgrade error %v, want it to mention %q", err, tc.errHas)
				}
			case <-time.After(waitLimit):
				t.Fatal("no OnUpgradeError")
			}
			c.Send(engineio.TextPacket(engineio.Message, "still here"))
			select {
			case body := <-f.posts:
				if body != "4still here" {
					t.Errorf("POST %q", body)
				}
			case <-time.After(waitLimit):
				t.Fatal("polling stopped after the failed probe")
			}
			if got := c.Transport(); got != Polling {
				t.Errorf("Transport() = %s", got)
			}
			c.Close()
			srv.Close()
			goleak.VerifyNone(t, leaks)
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestSendVolatileWhileWriting checks SendVolatile against
// engine.io-client's transport.writable: a volatile packet goes when the
// transport is idle and is dropped while a POST is on the network or
// packets wait, while Send queues regardless.
func TestSendVolatileWhileWriting(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	f := newFakePolling(fakeOpen)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			f.posts <- string(b)
			select { // held until the test releases it
			case <-release:
			case <-r.Context().Done():
				return
			}
			io.WriteString(w, "ok")
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, _ := dialFake(t, srv.URL, Options{Transports: []string{Polling}})
	post := func() string {
		t.Helper()
		select {
		case b := <-f.posts:
			return b
		case <-time.After(waitLimit):
			t.Fatal("no POST")
			return ""
		}
	}
	msg := func(s string) engineio.Packet { return engineio.TextPacket(engineio.Message, s) }

	if !c.SendVolatile(msg("v1")) {
		t.Fatal("volatile send on an idle transport was dropped")
	}
	if got := post(); got != "4v1" {
		t.Fatalf("POST %q", got)
	}
	// The POST of v1 is on the network.
	if c.SendVolatile(msg("v2")) {
		t.Error("volatile send accepted while a POST is in flight")
	}
	if err := c.Send(msg("n1")); err != nil {
		t.Fatal(err)
	}
	if c.SendVolatile(msg("v3")) {
		t.Error("volatile send accepted while packets wait")
	}
	release <- struct{}{}
	if got := post(); got != "4n1" {
		t.Fatalf("POST %q, want only the ordinary packet", got)
	}
	release <- struct{}{}
	// Idle again once the response to the second POST is in.
	deadline := time.Now().Add(waitLimit)
	for !c.SendVolatile(msg("v4")) {
		if time.Now().After(deadline) {
			t.Fatal("transport never writable again")
		}
		time.Sleep(time.Millisecond)
	}
	if got := post(); got != "4v4" {
		t.Fatalf("POST %q", got)
	}
	close(release)
	if c.SendVolatile(engineio.Packet{Type: engineio.Ping}) {
		t.Error("volatile ping accepted")
	}
	c.Close()
	if c.SendVolatile(msg("late")) {
		t.Error("volatile send accepted after Close")
	}
	srv.Close()
	goleak.VerifyNone(t, leaks)
}

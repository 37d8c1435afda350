package engineclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"go.uber.org/goleak"
)

const streamN = 1000

// TestStream sends 1,000 text and 1,000 binary messages each way over every
// transport mode against the official engine.io server and checks that each
// arrives once and in order (the server checks the client → server
// direction and reports "bad:" otherwise; heartbeats run every 200 ms
// meanwhile). In the upgrade mode a third of the client's messages is sent
// while the probe is held after 3probe, a third while the writer is held
// with polling paused and the upgrade packet not yet sent, and the rest
// races with the switch; the server's 2,000 messages cross the upgrade too.
func TestStream(t *testing.T) {
	cases := []struct {
		name       string
		transports []string
		want       string // transport at the end
		upgrade    bool
	}{
		{"polling", []string{Polling}, Polling, false},
		{"websocket", []string{WebSocket}, WebSocket, false},
		{"upgrade", nil, WebSocket, true},
		{"websocket-first", []string{WebSocket, Polling}, WebSocket, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startNode(t, map[string]any{"pingInterval": 200, "pingTimeout": 3000})
			leaks := goleak.IgnoreCurrent()
			rec := newRecorder()
			probed, paused := make(chan struct{}), make(chan struct{})
			release, resume := make(chan struct{}), make(chan struct{})
			hold := func(reached, until chan struct{}) func() {
				return func() {
					close(reached)
					select {
					case <-until:
					case <-time.After(waitLimit):
					}
				}
			}
			opts := Options{Transports: tc.transports, Handler: rec}
			if tc.upgrade {
				opts.testHookProbed = hold(probed, release)
				opts.testHookPaused = hold(paused, resume)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			c, err := Dial(ctx, srv.url, opts)
			if err != nil {
				t.Fatal(err)
			}
			ev := srv.waitEvent(t, "connection")
			if want := tc.transports; len(want) > 0 && ev.Transport != want[0] {
				t.Errorf("server saw the session open on %s, want %s", ev.Transport, want[0])
			}
			if c.ID() != ev.SID {
				t.Errorf("ID() = %q, server sid %q", c.ID(), ev.SID)
			}
			if err := c.Send(engineio.TextPacket(engineio.Message, "cmd:burst:1000")); err != nil {
				t.Fatal(err)
			}
			send := func(from, to int) {
				for i := from; i < to; i++ {
					if err := c.Send(textMsg(i), binMsg(i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tc.upgrade {
				// Phase 1: the probe succeeded (3probe) and is held; polling
				// carries the first third both ways.
				wait(t, probed, "upgrade probe")
				send(0, streamN/3)
				close(release)
				// Phase 2: the writer paused polling and waits before sending
				// 5: the second third must be queued, then flushed over the
				// websocket after the switch, in order.
				wait(t, paused, "polling pause")
				if got := c.Transport(); got != Polling {
					t.Fatalf("transport during the pause = %s", got)
				}
				send(streamN/3, 2*streamN/3)
				close(resume)
				send(2*streamN/3, streamN)
			} else {
				send(0, streamN)
			}
			var last tally
			rec.waitFor(t, "all messages", func(ps []engineio.Packet) bool {
				n, err := count(t, ps)
				if err != nil {
					t.Fatal(err)
				}
				last = n
				return n == tally{streamN, streamN, streamN, streamN}
			})
			t.Logf("received %+v", last)
			if tc.upgrade {
				select {
				case tr := <-rec.upgraded:
					if tr != WebSocket {
						t.Errorf("OnUpgrade(%q)", tr)
					}
				case <-time.After(waitLimit):
					t.Fatal("no OnUpgrade")
				}
				if ev := srv.waitEvent(t, "upgrade"); ev.Transport != WebSocket {
					t.Errorf("server upgrade event %+v", ev)
				}
			}
			if got := c.Transport(); got != tc.want {
				t.Errorf("Transport() = %s, want %s", got, tc.want)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if reason, err := rec.waitClosed(t); reason != ReasonForcedClose || err != nil {
				t.Errorf("OnClose(%q, %v), want %q", reason, err, ReasonForcedClose)
			}
			// "transport error" is Node's name for a ping or echo it was
			// writing as our close frame arrived ("write error" on a
			// CLOSING ws); the JS client races the same way.
			if ev := srv.waitEvent(t, "close"); ev.Reason != "transport close" && ev.Reason != "transport error" {
				t.Errorf("server close reason %q, want transport close", ev.Reason)
			}
			if err := c.Send(textMsg(0)); !errors.Is(err, ErrClosed) {
				t.Errorf("Send after Close = %v, want ErrClosed", err)
			}
			goleak.VerifyNone(t, leaks)
		})
	}
}

func wait(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for the %s", what)
	}
}

// refusingProxy is a reverse proxy in front of the node server that answers
// every WebSocket upgrade request with 403, as some corporate proxies do.
func refusingProxy(t *testing.T, target string) (*httptest.Server, func()) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	tr := &http.Transport{}
	rp.Transport = tr
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "websocket not allowed here", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	return srv, func() {
		srv.Close()
		tr.CloseIdleConnections()
	}
}

// TestFallbackBehindRefusingProxy: a websocket-first client behind a proxy
// that refuses upgrades falls back to polling, probes websocket once (403
// again, reported to OnUpgradeError), stays on polling and works.
func TestFallbackBehindRefusingProxy(t *testing.T) {
	node := startNode(t, map[string]any{"pingInterval": 200, "pingTimeout": 3000})
	leaks := goleak.IgnoreCurrent()
	proxy, stop := refusingProxy(t, node.url)
	defer stop()

	rec := newRecorder()
	mem := new(UpgradeMemory)
	mem.set(true) // even a remembered success does not prevent the fallback
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := Dial(ctx, proxy.URL, Options{Transports: []string{WebSocket, Polling}, Handler: rec, RememberUpgrade: mem})
	if err != nil {
		t.Fatal(err)
	}
	if ev := node.waitEvent(t, "connection"); ev.Transport != Polling {
		t.Errorf("session opened on %s", ev.Transport)
	}
	select {
	case err := <-rec.upErrs:
		var se interface{ Error() string }
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "403") {
			t.Errorf("upgrade error %v, want a 403", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("no OnUpgradeError")
	}
	if mem.WebSocketWorked() {
		t.Error("UpgradeMemory still says websocket works")
	}
	for i := range 100 {
		if err := c.Send(textMsg(i), binMsg(i)); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitFor(t, "echoes", func(ps []engineio.Packet) bool {
		n, err := count(t, ps)
		if err != nil {
			t.Fatal(err)
		}
		return n.text == 100 && n.bin == 100
	})
	if got := c.Transport(); got != Polling {
		t.Errorf("Transport() = %s", got)
	}
	c.Close()
	if reason, _ := rec.waitClosed(t); reason != ReasonForcedClose {
		t.Errorf("reason %q", reason)
	}

	// Without fallback, the refused websocket fails the dial.
	_, err = Dial(ctx, proxy.URL, Options{Transports: []string{WebSocket, Polling}, NoFallback: true})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("Dial with NoFallback = %v, want a 403 error", err)
	}
	stop()
	goleak.VerifyNone(t, leaks)
}

// TestFallbackToWebSocket: a websocket-only server refuses the polling
// handshake (400 Transport unknown); the default order falls back to
// websocket.
func TestFallbackToWebSocket(t *testing.T) {
	node := startNode(t, map[string]any{"transports": []string{"websocket"}})
	leaks := goleak.IgnoreCurrent()
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := Dial(ctx, node.url, Options{Handler: rec})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Transport(); got != WebSocket {
		t.Errorf("Transport() = %s", got)
	}
	c.Send(engineio.TextPacket(engineio.Message, "hello"))
	rec.waitText(t, "hello")
	c.Close()
	goleak.VerifyNone(t, leaks)
}

// TestRememberUpgrade: after a connection upgraded, the next Dial with the
// same memory opens on websocket directly.
func TestRememberUpgrade(t *testing.T) {
	node := startNode(t, nil)
	leaks := goleak.IgnoreCurrent()
	mem := new(UpgradeMemory)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	rec := newRecorder()
	c, err := Dial(ctx, node.url, Options{Handler: rec, RememberUpgrade: mem})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.upgraded:
	case <-time.After(waitLimit):
		t.Fatal("no upgrade")
	}
	c.Close()
	if !mem.WebSocketWorked() {
		t.Fatal("memory not set after an upgrade")
	}
	node.waitEvent(t, "connection")
	c, err = Dial(ctx, node.url, Options{RememberUpgrade: mem})
	if err != nil {
		t.Fatal(err)
	}
	if ev := node.waitEvent(t, "connection"); ev.Transport != WebSocket {
		t.Errorf("second session opened on %s, want websocket", ev.Transport)
	}
	c.Close()
	goleak.VerifyNone(t, leaks)
}

// TestPingTimeout: the server stops pinging; the client closes with "ping
// timeout" no earlier than pingInterval + pingTimeout after the last ping and
// no later than 50 ms after that. A control timer set for the same deadline
// tells a saturated machine apart (other processes share its 2 cores): if
// even it fires more than 25 ms late, the 50 ms bound is not judged. (pingTimeout is generous so that the
// heartbeats before the stop survive a loaded machine; the detection check is
// relative to the deadline.)
func TestPingTimeout(t *testing.T) {
	const interval, timeout = 300 * time.Millisecond, 1500 * time.Millisecond
	for _, tr := range []string{Polling, WebSocket} {
		t.Run(tr, func(t *testing.T) {
			node := startNode(t, map[string]any{"pingInterval": interval.Milliseconds(), "pingTimeout": timeout.Milliseconds()})
			leaks := goleak.IgnoreCurrent()
			rec := newRecorder()
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			c, err := Dial(ctx, node.url, Options{Transports: []string{tr}, Handler: rec})
			if err != nil {
				t.Fatal(err)
			}
			// Let a few heartbeats go by: they must keep the connection up.
			time.Sleep(3 * interval)
			if reason, _ := c.CloseReason(); reason != "" {
				t.Fatalf("closed early: %s", reason)
			}
			c.Send(engineio.TextPacket(engineio.Message, "cmd:stop-pings"))
			rec.waitText(t, "ack:stop-pings")
			// The ping before the ack was the last one. A control timer set
			// for the same deadline measures how late this machine fires
			// timers right now (other processes share its cores).
			c.mu.Lock()
			deadline := c.pingDeadline
			c.mu.Unlock()
			control := make(chan time.Duration, 1)
			ctl := time.AfterFunc(time.Until(deadline), func() { control <- time.Since(deadline) })
			defer ctl.Stop()
			reason, err := rec.waitClosed(t)
			if reason != ReasonPingTimeout || err != nil {
				t.Fatalf("OnClose(%q, %v), want ping timeout", reason, err)
			}
			c.mu.Lock()
			last, failed := c.lastPing, c.closedAt
			c.mu.Unlock()
			rec.mu.Lock()
			late := rec.closedAt.Sub(last) - (interval + timeout)
			rec.mu.Unlock()
			ctlLate := <-control
			t.Logf("OnClose %v after the deadline (last ping + %v); torn down after %v; control timer %v late",
				late, interval+timeout, failed.Sub(last)-(interval+timeout), ctlLate)
			switch {
			case late < 0:
				t.Errorf("closed %v before pingInterval+pingTimeout", -late)
			case late <= 50*time.Millisecond:
			case ctlLate > 25*time.Millisecond:
				t.Logf("%v late, but this machine is saturated (a plain timer fired %v late): not judged", late, ctlLate)
			default:
				t.Errorf("detection %v after pingInterval+pingTimeout, want within 50ms", late)
			}
			c.Close()
			goleak.VerifyNone(t, leaks)
		})
	}
}

// TestServerClose: the server closes the session; OnClose says
// "transport close" after the messages sent before it.
func TestServerClose(t *testing.T) {
	for _, tr := range []string{Polling, WebSocket} {
		t.Run(tr, func(t *testing.T) {
			node := startNode(t, nil)
			leaks := goleak.IgnoreCurrent()
			rec := newRecorder()
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			c, err := Dial(ctx, node.url, Options{Transports: []string{tr}, Handler: rec})
			if err != nil {
				t.Fatal(err)
			}
			c.Send(engineio.TextPacket(engineio.Message, "before"), engineio.TextPacket(engineio.Message, "cmd:close"))
			reason, _ := rec.waitClosed(t)
			if reason != ReasonTransportClose {
				t.Errorf("reason %q, want transport close", reason)
			}
			rec.waitText(t, "before")
			<-c.Done()
			c.Close() // after the end: only waits
			goleak.VerifyNone(t, leaks)
		})
	}
}

// TestCloseFromHandler: Close called inside OnPacket returns at once and
// the connection still ends cleanly.
func TestCloseFromHandler(t *testing.T) {
	node := startNode(t, nil)
	leaks := goleak.IgnoreCurrent()
	var c *Conn
	ready := make(chan struct{})
	returned := make(chan struct{})
	rec := newRecorder()
	h := HandlerFuncs{
		Packet: func(p engineio.Packet) {
			<-ready
			c.Close()
			close(returned)
		},
		Close: rec.OnClose,
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var err error
	c, err = Dial(ctx, node.url, Options{Handler: h, Transports: []string{WebSocket}})
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	c.Send(engineio.TextPacket(engineio.Message, "x"))
	select {
	case <-returned:
	case <-time.After(waitLimit):
		t.Fatal("Close inside a handler blocked")
	}
	if reason, _ := rec.waitClosed(t); reason != ReasonForcedClose {
		t.Errorf("reason %q", reason)
	}
	<-c.Done()
	goleak.VerifyNone(t, leaks)
}

// TestDialErrors: nothing listens; every transport fails, the error names
// them, and no goroutine is left.
func TestDialErrors(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_, err := Dial(ctx, addr, Options{})
	if err == nil || !strings.Contains(err.Error(), "polling handshake") || !strings.Contains(err.Error(), "websocket") {
		t.Errorf("Dial = %v, want errors for both transports", err)
	}
	if _, err := Dial(ctx, "ftp://x", Options{}); err == nil {
		t.Error("Dial accepted an ftp URL")
	}
	if _, err := Dial(ctx, addr, Options{Transports: []string{"webtransport"}}); err == nil {
		t.Error("Dial accepted an unknown transport")
	}
	goleak.VerifyNone(t, leaks)
}

// TestCloseFlushes: packets sent right before Close reach the server before
// the session ends, on every transport and while an upgrade is held.
func TestCloseFlushes(t *testing.T) {
	cases := []struct {
		name       string
		transports []string
		hold       bool
	}{
		{"polling", []string{Polling}, false},
		{"websocket", []string{WebSocket}, false},
		{"during upgrade pause", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			node := startNode(t, nil)
			leaks := goleak.IgnoreCurrent()
			paused, resume := make(chan struct{}), make(chan struct{})
			opts := Options{Transports: tc.transports, Handler: newRecorder()}
			if tc.hold {
				opts.testHookPaused = func() {
					close(paused)
					<-resume
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			c, err := Dial(ctx, node.url, opts)
			if err != nil {
				t.Fatal(err)
			}
			const n = 300
			if tc.hold {
				wait(t, paused, "polling pause")
			}
			for i := range n {
				c.Send(textMsg(i), binMsg(i))
			}
			if tc.hold {
				go func() {
					time.Sleep(10 * time.Millisecond) // let Close start first
					close(resume)
				}()
			}
			c.Close()
			ev := node.waitEvent(t, "close")
			if ev.Received != 2*n {
				t.Errorf("server received %d ordered messages before the close, want %d", ev.Received, 2*n)
			}
			goleak.VerifyNone(t, leaks)
		})
	}
}

// TestCookiesAndProxyUpgrade: through a plain reverse proxy (which passes
// WebSocket upgrades), the polling session upgrades, and the sticky-session
// cookie the server set on the handshake is sent with the probe.
func TestCookiesAndProxyUpgrade(t *testing.T) {
	node := startNode(t, map[string]any{"cookie": map[string]any{"name": "io"}})
	leaks := goleak.IgnoreCurrent()
	u, _ := url.Parse(node.url)
	rp := httputil.NewSingleHostReverseProxy(u)
	ptr := &http.Transport{}
	rp.Transport = ptr
	cookies := make(chan string, 4)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			cookies <- r.Header.Get("Cookie")
		}
		rp.ServeHTTP(w, r)
	}))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := Dial(ctx, proxy.URL, Options{Handler: rec, Jar: jar})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-cookies:
		if got != "io="+c.ID() {
			t.Errorf("probe Cookie header %q, want io=%s", got, c.ID())
		}
	case <-time.After(waitLimit):
		t.Fatal("no probe through the proxy")
	}
	select {
	case <-rec.upgraded:
	case err := <-rec.upErrs:
		t.Fatalf("upgrade through the proxy failed: %v", err)
	case <-time.After(waitLimit):
		t.Fatal("no upgrade")
	}
	c.Send(engineio.TextPacket(engineio.Message, "via proxy"))
	rec.waitText(t, "via proxy")
	c.Close()
	proxy.Close()
	ptr.CloseIdleConnections()
	goleak.VerifyNone(t, leaks)
}

package engine_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

func TestAllowRequest(t *testing.T) {
	ts := newTestServer(t, engine.Options{
		AllowRequest: func(r *http.Request) error {
			if r.Header.Get("X-Token") != "ok" {
				return errors.New("no token")
			}
			return nil
		},
	})
	code, body := do(t, "GET", ts.base+"?EIO=4&transport=polling", "")
	if code != 403 || body != `{"code":4,"message":"no token"}` {
		t.Fatalf("refused handshake: %d %q", code, body)
	}
	if code, _ := do(t, "GET", ts.base+"?EIO=4&transport=polling", "", "X-Token", "ok"); code != 200 {
		t.Fatalf("allowed handshake: %d", code)
	}
	if _, err := tryDialWS(ts.ws + "?EIO=4&transport=websocket"); err == nil {
		t.Fatal("refused websocket handshake succeeded")
	}
}

func TestCORS(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cors        *engine.CORS
		origin      string
		allowOrigin string
		credentials string
	}{
		{"any", &engine.CORS{Origins: []string{"*"}}, "https://a.example", "*", ""},
		{"any with credentials", &engine.CORS{Origins: []string{"*"}, Credentials: true}, "https://a.example", "https://a.example", "true"},
		{"listed", &engine.CORS{Origins: []string{"https://a.example"}}, "https://a.example", "https://a.example", ""},
		{"not listed", &engine.CORS{Origins: []string{"https://a.example"}}, "https://b.example", "", ""},
		{"func", &engine.CORS{AllowOrigin: func(o string) bool { return strings.HasSuffix(o, ".example") }}, "https://b.example", "https://b.example", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, engine.Options{CORS: tc.cors})
			req, _ := http.NewRequest("OPTIONS", ts.base+"?EIO=4&transport=polling", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 204 {
				t.Fatalf("preflight status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.allowOrigin {
				t.Fatalf("preflight Allow-Origin %q, want %q", got, tc.allowOrigin)
			}
			if tc.allowOrigin != "" {
				if got := resp.Header.Get("Access-Control-Allow-Methods"); got != "GET,HEAD,PUT,PATCH,POST,DELETE" {
					t.Fatalf("Allow-Methods %q", got)
				}
				if got := resp.Header.Get("Access-Control-Allow-Headers"); got != "content-type" {
					t.Fatalf("Allow-Headers %q", got)
				}
			}
			if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != tc.credentials {
				t.Fatalf("Allow-Credentials %q, want %q", got, tc.credentials)
			}
			req, _ = http.NewRequest("GET", ts.base+"?EIO=4&transport=polling", nil)
			req.Header.Set("Origin", tc.origin)
			resp, err = client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != tc.allowOrigin {
				t.Fatalf("handshake: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
			}
		})
	}
}

func TestTransportsOption(t *testing.T) {
	t.Run("polling only", func(t *testing.T) {
		ts := newTestServer(t, engine.Options{Transports: []string{engine.Polling}})
		_, body := do(t, "GET", ts.base+"?EIO=4&transport=polling", "")
		o := parseOpen(t, body)
		if len(o.Upgrades) != 0 {
			t.Fatalf("upgrades %v, want []", o.Upgrades)
		}
		if _, err := tryDialWS(ts.ws + "?EIO=4&transport=websocket"); err == nil {
			t.Fatal("websocket handshake succeeded")
		}
		if _, err := tryDialWS(ts.ws + "?EIO=4&transport=websocket&sid=" + o.SID); err == nil {
			t.Fatal("websocket upgrade succeeded")
		}
	})
	t.Run("websocket only", func(t *testing.T) {
		ts := newTestServer(t, engine.Options{Transports: []string{engine.WebSocket}})
		if code, body := do(t, "GET", ts.base+"?EIO=4&transport=polling", ""); code != 400 || !strings.Contains(body, `"code":0`) {
			t.Fatalf("polling handshake: %d %q", code, body)
		}
		c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
		parseOpen(t, c.readText())
	})
	t.Run("upgrades disabled", func(t *testing.T) {
		ts := newTestServer(t, engine.Options{DisableUpgrades: true})
		_, body := do(t, "GET", ts.base+"?EIO=4&transport=polling", "")
		if o := parseOpen(t, body); len(o.Upgrades) != 0 {
			t.Fatalf("upgrades %v, want []", o.Upgrades)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("NewServer accepted an unknown transport")
			}
		}()
		engine.NewServer(engine.Options{Transports: []string{"webtransport"}})
	})
}

func TestPathMatching(t *testing.T) {
	ts := newTestServer(t, engine.Options{Path: "/custom"})
	if code, _ := do(t, "GET", ts.hs.URL+"/custom/?EIO=4&transport=polling", ""); code != 200 {
		t.Fatalf("/custom/: %d", code)
	}
	if code, _ := do(t, "GET", ts.hs.URL+"/custom?EIO=4&transport=polling", ""); code != 200 {
		t.Fatalf("/custom: %d", code)
	}
	if code, _ := do(t, "GET", ts.hs.URL+"/other/?EIO=4&transport=polling", ""); code != 404 {
		t.Fatalf("/other/: %d", code)
	}
}

func TestUpgradeTimeout(t *testing.T) {
	ts := newTestServer(t, engine.Options{UpgradeTimeout: 100 * time.Millisecond})
	sid := ts.openPolling(t)
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket&sid="+sid)
	c.sendText("2probe")
	if got := c.readText(); got != "3probe" {
		t.Fatalf("probe: %q", got)
	}
	c.waitClosed(2 * time.Second) // no "5" within UpgradeTimeout
	if code, body := do(t, "POST", ts.pollURL(sid), "4still polling"); code != 200 || body != "ok" {
		t.Fatalf("POST: %d %q", code, body)
	}
	if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || body != "4still polling" {
		t.Fatalf("GET: %d %q", code, body)
	}
	// A new upgrade is possible afterwards.
	c2 := dialWS(t, ts.ws+"?EIO=4&transport=websocket&sid="+sid)
	c2.sendText("2probe")
	c2.readText()
	c2.sendText("5")
	c2.sendText("4upgraded")
	if got := c2.readText(); got != "4upgraded" {
		t.Fatalf("after upgrade: %q", got)
	}
}

func TestSecondProbeWhileUpgrading(t *testing.T) {
	ts := newTestServer(t, engine.Options{})
	sid := ts.openPolling(t)
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket&sid="+sid)
	c.sendText("2probe")
	c.readText()
	c2 := dialWS(t, ts.ws+"?EIO=4&transport=websocket&sid="+sid)
	c2.waitClosed(2 * time.Second)
	c.sendText("5")
	c.sendText("4ok")
	if got := c.readText(); got != "4ok" {
		t.Fatalf("first probe after the second was refused: %q", got)
	}
}

// TestUpgradeKeepsOrder queues server packets before, during and after an
// upgrade, and sends client packets over polling during the probe and over
// WebSocket after it: each side gets everything once, in order.
func TestUpgradeKeepsOrder(t *testing.T) {
	sessions := make(chan *engine.Session, 1)
	var mu sync.Mutex
	var got []string
	ts := newTestServer(t, engine.Options{OnSession: func(s *engine.Session) {
		s.SetHandler(engine.HandlerFuncs{Packet: func(p engineio.Packet) {
			mu.Lock()
			got = append(got, string(p.Data))
			mu.Unlock()
		}})
		sessions <- s
	}})
	sid := ts.openPolling(t)
	s := <-sessions
	send := func(from, to int) {
		for i := from; i < to; i++ {
			if err := s.Send(engineio.TextPacket(engineio.Message, fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(0, 3)
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket&sid="+sid)
	send(3, 6)
	c.sendText("2probe")
	if got := c.readText(); got != "3probe" {
		t.Fatalf("probe: %q", got)
	}
	do(t, "POST", ts.pollURL(sid), "4c0\x1e4c1")
	if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || body != "40\x1e41\x1e42\x1e43\x1e44\x1e45" {
		t.Fatalf("poll during upgrade: %d %q", code, body)
	}
	send(6, 9)
	if s.Transport() != engine.Polling {
		t.Fatalf("transport %q before the upgrade packet", s.Transport())
	}
	c.sendText("5")
	c.sendText("4c2")
	for i := 6; i < 9; i++ {
		if got := c.readText(); got != fmt.Sprint("4", i) {
			t.Fatalf("after upgrade: %q, want 4%d", got, i)
		}
	}
	send(9, 10)
	if got := c.readText(); got != "49" {
		t.Fatalf("after upgrade: %q", got)
	}
	if s.Transport() != engine.WebSocket {
		t.Fatalf("transport %q after upgrade", s.Transport())
	}
	// c2 is read by the WebSocket reader concurrently with the above.
	for i := 0; ; i++ {
		mu.Lock()
		all := strings.Join(got, ",")
		mu.Unlock()
		if all == "c0,c1,c2" {
			break
		}
		if i == 500 || !strings.HasPrefix("c0,c1,c2", all) {
			t.Fatalf("server received %v", all)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSessionCloseDeliversQueuedPackets(t *testing.T) {
	sessions := make(chan *engine.Session, 1)
	rec := newCloseRecorder()
	ts := newTestServer(t, engine.Options{OnSession: func(s *engine.Session) {
		s.SetHandler(rec)
		sessions <- s
	}})
	t.Run("polling", func(t *testing.T) {
		sid := ts.openPolling(t)
		s := <-sessions
		s.Send(engineio.TextPacket(engineio.Message, "bye"))
		s.Close(engine.ReasonForcedClose)
		if err := s.Send(engineio.TextPacket(engineio.Message, "late")); !errors.Is(err, engine.ErrClosed) {
			t.Fatalf("Send after Close: %v", err)
		}
		// The queue first, the close packet in a poll of its own.
		if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || body != "4bye" {
			t.Fatalf("poll after Close: %d %q, want the queued packet alone", code, body)
		}
		if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || body != "1" {
			t.Fatalf("last poll: %d %q, want the close packet", code, body)
		}
		if code, _ := do(t, "GET", ts.pollURL(sid), ""); code != 400 {
			t.Fatalf("poll after close: %d", code)
		}
		rec.wait(t, 2*time.Second)
		if rec.reason != engine.ReasonForcedClose || rec.calls.Load() != 1 {
			t.Fatalf("OnClose %q x%d", rec.reason, rec.calls.Load())
		}
	})
	t.Run("websocket", func(t *testing.T) {
		c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
		c.readText()
		s := <-sessions
		s.Send(engineio.TextPacket(engineio.Message, "bye"), engineio.BinaryPacket([]byte{9}))
		s.Close("custom reason")
		if got := c.readText(); got != "4bye" {
			t.Fatalf("got %q", got)
		}
		if b, _, err := c.read(time.Second); err != nil || len(b) != 1 || b[0] != 9 {
			t.Fatalf("binary: %v %v", b, err)
		}
		c.waitClosed(2 * time.Second)
	})
}

func TestPollingCloseWithPendingPoll(t *testing.T) {
	sessions := make(chan *engine.Session, 1)
	ts := newTestServer(t, engine.Options{OnSession: func(s *engine.Session) { sessions <- s }})
	sid := ts.openPolling(t)
	s := <-sessions
	res := make(chan string, 1)
	go func() {
		_, body := do(t, "GET", ts.pollURL(sid), "")
		res <- body
	}()
	waitPending(t, ts, sid)
	s.Close(engine.ReasonForcedClose)
	if body := <-res; body != "1" {
		t.Fatalf("pending poll got %q, want close packet", body)
	}
}

// TestPollingCloseOrder checks that Session.Close over polling delivers the
// queued packets in one poll and the close packet in the next one, as the
// reference does (engine.io-client acts on a close packet at once, before
// the layer above has seen the messages of the same response).
func TestPollingCloseOrder(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pending bool   // a GET is waiting when Close is called
		queued  string // sent just before Close
		then    string // after the queue: "poll" (gets "1"), "post1" (client closes), "nothing"
	}{
		{"queued, no poll pending", false, "bye", "poll"},
		{"queued, poll pending", true, "bye", "poll"},
		{"nothing queued, no poll pending", false, "", "poll"},
		{"nothing queued, poll pending", true, "", "poll"},
		{"queued, client closes instead of polling", false, "bye", "post1"},
		{"queued, client never polls again", true, "bye", "nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newCloseRecorder()
			sessions := make(chan *engine.Session, 1)
			ts := newTestServer(t, engine.Options{
				PingInterval: 10 * time.Second,
				PingTimeout:  300 * time.Millisecond, // bounds the wait for the last poll
				OnSession: func(s *engine.Session) {
					s.SetHandler(rec)
					sessions <- s
				},
			})
			sid := ts.openPolling(t)
			s := <-sessions
			var first chan string
			if tc.pending {
				first = make(chan string, 1)
				go func() {
					code, body := do(t, "GET", ts.pollURL(sid), "")
					first <- fmt.Sprint(code, " ", body)
				}()
				waitPending(t, ts, sid)
			}
			if tc.queued != "" {
				if err := s.Send(engineio.TextPacket(engineio.Message, tc.queued)); err != nil {
					t.Fatal(err)
				}
			}
			s.Close(engine.ReasonForcedClose)
			poll := func() string {
				code, body := do(t, "GET", ts.pollURL(sid), "")
				return fmt.Sprint(code, " ", body)
			}
			if tc.queued != "" {
				got := ""
				if tc.pending {
					got = <-first
				} else {
					got = poll()
				}
				if got != "200 4"+tc.queued {
					t.Fatalf("first poll after Close: %q, want the queued packet alone", got)
				}
			}
			switch tc.then {
			case "poll":
				got := ""
				if tc.pending && tc.queued == "" {
					got = <-first
				} else {
					got = poll()
				}
				if got != "200 1" {
					t.Fatalf("last poll: %q, want the close packet", got)
				}
			case "post1":
				if code, body := do(t, "POST", ts.pollURL(sid), "1"); code != 200 || body != "ok" {
					t.Fatalf("POST 1: %d %q", code, body)
				}
			case "nothing":
				deadline := time.Now().Add(5 * time.Second)
				for ts.Session(sid) != nil { // gone after PingTimeout
					if time.Now().After(deadline) {
						t.Fatal("session still there 5 s after Close")
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			if code, _ := do(t, "GET", ts.pollURL(sid), ""); code != 400 {
				t.Fatalf("poll after the close: status %d", code)
			}
			rec.wait(t, 5*time.Second)
			if rec.reason != engine.ReasonForcedClose || rec.calls.Load() != 1 {
				t.Fatalf("OnClose %q x%d", rec.reason, rec.calls.Load())
			}
		})
	}
}

func TestQueueFull(t *testing.T) {
	sessions := make(chan *engine.Session, 1)
	rec := newCloseRecorder()
	ts := newTestServer(t, engine.Options{MaxQueuedBytes: 1000, OnSession: func(s *engine.Session) {
		s.SetHandler(rec)
		sessions <- s
	}})
	sid := ts.openPolling(t)
	s := <-sessions
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = s.Send(engineio.TextPacket(engineio.Message, strings.Repeat("x", 100)))
	}
	if !errors.Is(err, engine.ErrQueueFull) {
		t.Fatalf("Send: %v, want ErrQueueFull", err)
	}
	rec.wait(t, 2*time.Second)
	if rec.reason != engine.ReasonTransportError || !errors.Is(rec.err, engine.ErrQueueFull) {
		t.Fatalf("OnClose(%q, %v)", rec.reason, rec.err)
	}
	if code, _ := do(t, "GET", ts.pollURL(sid), ""); code != 400 {
		t.Fatalf("poll after overflow: %d", code)
	}
}

// TestOnCloseAfterLastPacket checks the Handler contract: calls never
// overlap, OnClose comes once and last, even when the handler closes the
// session from OnPacket.
func TestOnCloseAfterLastPacket(t *testing.T) {
	var mu sync.Mutex
	var events []string
	inside := false
	closed := make(chan struct{})
	ts := newTestServer(t, engine.Options{OnSession: func(s *engine.Session) {
		s.SetHandler(engine.HandlerFuncs{
			Packet: func(p engineio.Packet) {
				mu.Lock()
				if inside {
					t.Error("overlapping handler calls")
				}
				inside = true
				events = append(events, string(p.Data))
				mu.Unlock()
				if string(p.Data) == "stop" {
					s.Close(engine.ReasonForcedClose)
					time.Sleep(20 * time.Millisecond) // OnClose must wait for us
				}
				mu.Lock()
				inside = false
				mu.Unlock()
			},
			Close: func(reason string, err error) {
				mu.Lock()
				if inside {
					t.Error("OnClose during OnPacket")
				}
				events = append(events, "close:"+reason)
				mu.Unlock()
				close(closed)
			},
		})
	}})
	sid := ts.openPolling(t)
	do(t, "POST", ts.pollURL(sid), "4a\x1e4stop\x1e4after")
	<-closed
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(events, ",") != "a,stop,close:forced close" {
		t.Fatalf("events %v", events)
	}
}

func TestServerClose(t *testing.T) {
	recs := make(chan *closeRecorder, 2)
	srv := engine.NewServer(engine.Options{Path: "/engine.io/", OnSession: func(s *engine.Session) {
		r := newCloseRecorder()
		s.SetHandler(r)
		recs <- r
	}})
	hs := newLoopbackServer(t, srv)
	defer hs.Close()
	ts := &testServer{Server: srv, base: hs.URL + "/engine.io/", ws: "ws" + strings.TrimPrefix(hs.URL, "http") + "/engine.io/"}
	sid := ts.openPolling(t)
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
	c.readText()
	if n := srv.SessionCount(); n != 2 {
		t.Fatalf("SessionCount %d", n)
	}
	res := make(chan string, 1)
	go func() {
		_, body := do(t, "GET", ts.pollURL(sid), "")
		res <- body
	}()
	waitPending(t, ts, sid)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if body := <-res; body != "1" {
		t.Fatalf("pending poll got %q", body)
	}
	c.waitClosed(2 * time.Second)
	for i := 0; i < 2; i++ {
		r := <-recs
		r.wait(t, time.Second)
		if r.reason != engine.ReasonServerShutdown {
			t.Fatalf("reason %q", r.reason)
		}
	}
	if code, _ := do(t, "GET", ts.base+"?EIO=4&transport=polling", ""); code != 503 {
		t.Fatalf("handshake after Close: %d", code)
	}
}

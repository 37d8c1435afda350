package engine_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// closeRecorder is a Handler that records OnClose.
type closeRecorder struct {
	once   sync.Once
	at     time.Time
	reason string
	err    error
	calls  atomic.Int32
	done   chan struct{}
}

func newCloseRecorder() *closeRecorder { return &closeRecorder{done: make(chan struct{})} }

func (c *closeRecorder) OnPacket(engineio.Packet) {}
func (c *closeRecorder) OnClose(reason string, err error) {
	c.calls.Add(1)
	c.once.Do(func() {
		c.at, c.reason, c.err = time.Now(), reason, err
		close(c.done)
	})
}

func (c *closeRecorder) wait(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(d):
		t.Fatalf("OnClose not called within %v", d)
	}
}

// TestDeadClientDetection checks that a client that stops answering pings
// is detected within pingInterval + pingTimeout + 50 ms of its last pong
// (or of the handshake when it never answers).
func TestDeadClientDetection(t *testing.T) {
	const (
		interval = 100 * time.Millisecond
		timeout  = 80 * time.Millisecond
		margin   = 50 * time.Millisecond
	)
	for _, tc := range []struct {
		name   string
		pongs  int
		client func(t *testing.T, ts *testServer, pongs int) time.Time // returns the last sign of life
	}{
		{"polling/never answers", 0, deadPolling},
		{"polling/answers twice", 2, deadPolling},
		{"websocket/never answers", 0, deadWebSocket},
		{"websocket/answers twice", 2, deadWebSocket},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The machine running the tests may be loaded: a late wake-up
			// of the test itself must not count against the server, so
			// each case gets five tries and passes if one is in time.
			var times []time.Duration
			for try := 0; try < 5; try++ {
				took := detectDeadClient(t, tc.pongs, tc.client, interval, timeout)
				times = append(times, took)
				if took < timeout {
					t.Fatalf("dead client detected after %v, sooner than pingTimeout", took)
				}
				if took <= interval+timeout+margin {
					t.Logf("detected %v after the last sign of life (limit %v; tries %v)", took, interval+timeout+margin, times)
					return
				}
			}
			t.Fatalf("dead client detected after %v, want <= %v", times, interval+timeout+margin)
		})
	}
}

// detectDeadClient runs one dead client against a fresh server and
// returns the time from its last sign of life to OnClose.
func detectDeadClient(t *testing.T, pongs int, client func(*testing.T, *testServer, int) time.Time, interval, timeout time.Duration) time.Duration {
	rec := newCloseRecorder()
	opened := make(chan time.Time, 1)
	ts := newTestServer(t, engine.Options{
		PingInterval: interval,
		PingTimeout:  timeout,
		OnSession: func(s *engine.Session) {
			opened <- s.Handshake().Time
			s.SetHandler(rec)
		},
	})
	last := client(t, ts, pongs)
	if pongs == 0 {
		last = <-opened
	}
	rec.wait(t, 5*time.Second)
	if rec.reason != engine.ReasonPingTimeout {
		t.Fatalf("reason %q, want %q", rec.reason, engine.ReasonPingTimeout)
	}
	return rec.at.Sub(last)
}

func deadPolling(t *testing.T, ts *testServer, pongs int) time.Time {
	sid := ts.openPolling(t)
	var last time.Time
	for i := 0; i < pongs; i++ {
		if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || body != "2" {
			t.Fatalf("poll: %d %q", code, body)
		}
		last = time.Now()
		if code, _ := do(t, "POST", ts.pollURL(sid), "3"); code != 200 {
			t.Fatalf("pong: %d", code)
		}
	}
	return last
}

func deadWebSocket(t *testing.T, ts *testServer, pongs int) time.Time {
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
	c.readText()
	var last time.Time
	for i := 0; i < pongs; i++ {
		if got := c.readText(); got != "2" {
			t.Fatalf("want ping, got %q", got)
		}
		c.sendText("3")
		last = time.Now()
	}
	go func() { // keep reading so the server is never blocked writing
		for {
			if _, _, err := c.read(10 * time.Second); err != nil {
				return
			}
		}
	}()
	return last
}

// TestNoLeakAfterManySessions opens 1,000 polling and 1,000 WebSocket
// sessions, closes most from the client side (polling "1", WebSocket
// close), leaves the rest to Server.Close, and then checks that no
// goroutine is left behind.
func TestNoLeakAfterManySessions(t *testing.T) {
	defer goleak.VerifyNone(t)

	const n = 1000
	var closes atomic.Int32
	srv := engine.NewServer(engine.Options{
		Path: "/engine.io/",
		OnSession: func(s *engine.Session) {
			s.SetHandler(engine.HandlerFuncs{
				Packet: func(p engineio.Packet) { _ = s.Send(p) },
				Close:  func(string, error) { closes.Add(1) },
			})
		},
	})
	hs := newLoopbackServer(t, srv)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ts := &testServer{Server: srv, base: hs.URL + "/engine.io/", ws: "ws" + strings.TrimPrefix(hs.URL, "http") + "/engine.io/"}

	var kept []*wsClient
	var keptMu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	work := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := oneSession(ts, hc, i, &kept, &keptMu); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := 0; i < 2*n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("Server.Close: %v", err)
	}
	for _, c := range kept {
		c.conn.Close()
	}
	tr.CloseIdleConnections()
	hs.Close()
	if got := closes.Load(); got != 2*n {
		t.Fatalf("OnClose called %d times, want %d", got, 2*n)
	}
	if c := srv.SessionCount(); c != 0 {
		t.Fatalf("%d sessions left", c)
	}
}

// oneSession opens session i: even i over polling, odd i over WebSocket.
// Every tenth one is left open for Server.Close.
func oneSession(ts *testServer, hc *http.Client, i int, kept *[]*wsClient, mu *sync.Mutex) error {
	keep := i%10 < 2
	if i%2 == 0 {
		resp, err := hc.Get(ts.base + "?EIO=4&transport=polling")
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sid := string(b[9:29]) // 0{"sid":"<20 chars>"
		url := ts.base + "?EIO=4&transport=polling&sid=" + sid
		resp, err = hc.Post(url, "text/plain", strings.NewReader("4hello"))
		if err != nil {
			return err
		}
		resp.Body.Close()
		resp, err = hc.Get(url)
		if err != nil {
			return err
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "4hello" {
			return fmt.Errorf("session %d: echo %q", i, b)
		}
		if keep {
			return nil
		}
		resp, err = hc.Post(url, "text/plain", strings.NewReader("1"))
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	c, err := tryDialWS(ts.ws + "?EIO=4&transport=websocket")
	if err != nil {
		return err
	}
	if _, _, err := c.read(5 * time.Second); err != nil {
		return err
	}
	if keep {
		mu.Lock()
		*kept = append(*kept, c)
		mu.Unlock()
		go func() { // answer the server's close frame
			for {
				if _, _, err := c.read(10 * time.Second); err != nil {
					return
				}
			}
		}()
		return nil
	}
	c.conn.Close()
	return nil
}

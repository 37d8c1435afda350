package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws/wsutil"
	"go.uber.org/goleak"

	"github.com/siogen/sio/runtime/engine"
)

// newParkingServer is an echo server whose idle WebSocket readers park
// after one to two ticks of tick.
func newParkingServer(t *testing.T, tick time.Duration, opts engine.Options) (*engine.Server, *testServer) {
	t.Helper()
	if opts.OnSession == nil {
		opts.OnSession = echoOnSession
	}
	opts.Path = "/engine.io/"
	srv := engine.NewServer(opts)
	engine.SetIdleTick(srv, tick)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { // after a failure: nothing may outlive the test
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
		hs.Close()
	})
	return srv, &testServer{Server: srv, hs: hs, base: hs.URL + opts.Path, ws: "ws" + strings.TrimPrefix(hs.URL, "http") + opts.Path}
}

// waitParked waits until n readers are parked.
func waitParked(t *testing.T, srv *engine.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for engine.ParkedReaders(srv) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d readers parked, want %d", engine.ParkedReaders(srv), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestIdleReadersPark: idle WebSocket sessions give up their reader
// goroutine, and each parked session still gets every message, through
// several park and resume cycles; a session closed by the server while its
// reader is parked gets its close frame; Server.Close with parked readers
// returns and leaves no goroutine behind.
func TestIdleReadersPark(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 100
	var (
		mu       sync.Mutex
		sessions []*engine.Session
	)
	srv, ts := newParkingServer(t, 20*time.Millisecond, engine.Options{
		PingInterval: time.Minute, PingTimeout: time.Minute,
		OnSession: func(s *engine.Session) {
			mu.Lock()
			sessions = append(sessions, s)
			mu.Unlock()
			echoOnSession(s)
		},
	})

	runtime.GC()
	g0 := runtime.NumGoroutine()
	clients := make([]*wsClient, n)
	for i := range clients {
		clients[i] = dialWS(t, ts.ws+"?EIO=4&transport=websocket")
		if open := clients[i].readText(); !strings.HasPrefix(open, "0{") {
			t.Fatalf("open packet %q", open)
		}
	}
	waitParked(t, srv, n)
	// The parked readers' goroutines exit.
	g1 := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); g1-g0 > n/10 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		g1 = runtime.NumGoroutine()
	}
	t.Logf("goroutines: %d before the %d sessions, %d with their readers parked", g0, n, g1)
	if g1-g0 > n/10 {
		t.Fatalf("%d parked sessions cost %d goroutines, want almost none", n, g1-g0)
	}

	for cycle := 0; cycle < 3; cycle++ {
		for i, c := range clients {
			c.sendText(fmt.Sprintf("4c%d-%d", cycle, i))
		}
		for i, c := range clients {
			if got, want := c.readText(), fmt.Sprintf("4c%d-%d", cycle, i); got != want {
				t.Fatalf("cycle %d client %d: got %q, want %q", cycle, i, got, want)
			}
		}
		waitParked(t, srv, n)
	}

	// The server closes the first half of the sessions while their readers
	// are parked: those clients get a close frame; the others still echo.
	mu.Lock()
	if len(sessions) != n {
		t.Fatalf("%d sessions, want %d", len(sessions), n)
	}
	for _, s := range sessions[:n/2] {
		s.Close(engine.ReasonForcedClose)
	}
	mu.Unlock()
	for _, c := range clients[:n/2] {
		c.waitClosed(5 * time.Second)
	}
	for i, c := range clients[n/2:] {
		c.sendText("4after")
		if got := c.readText(); got != "4after" {
			t.Fatalf("client %d after the closes: %q", n/2+i, got)
		}
	}
	waitParked(t, srv, n/2)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("Server.Close: %v", err)
	}
	for _, c := range clients[n/2:] {
		c.waitClosed(5 * time.Second)
	}
	ts.hs.Close()
}

// TestParkResumeRace: with a tick of a millisecond, readers are kicked,
// park and resume all the time while clients send in bursts with random
// pauses; every message comes back exactly once and in order (run with
// -race).
func TestParkResumeRace(t *testing.T) {
	defer goleak.VerifyNone(t)
	const (
		n    = 20
		msgs = 150
	)
	srv, ts := newParkingServer(t, time.Millisecond, engine.Options{PingInterval: time.Minute, PingTimeout: time.Minute})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
		c.readText()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for m := 0; m < msgs; m++ {
				want := fmt.Sprintf("4%d-%d", i, m)
				if err := wsutil.WriteClientText(c.conn, []byte(want)); err != nil {
					errs <- err
					return
				}
				if r.IntN(4) == 0 {
					time.Sleep(time.Duration(r.IntN(4000)) * time.Microsecond)
				}
				b, _, err := c.read(5 * time.Second)
				if err != nil || string(b) != want {
					errs <- fmt.Errorf("client %d message %d: %q %v, want %q", i, m, b, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	parks := engine.Parks(srv)
	t.Logf("%d parks over %d messages", parks, n*msgs)
	if parks < n {
		t.Fatalf("%d parks: the test did not exercise parking", parks)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("Server.Close: %v", err)
	}
	ts.hs.Close()
}

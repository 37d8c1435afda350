package client

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siogen/sio/runtime/engineclient"
)

// TestRestartMidStream kills the Node server (SIGKILL) while the client
// streams acked emits every 5 ms, keeps emitting while it is down, and
// restarts it on the same port.
//
// Guarantees checked, per mode:
//   - buffer (no Retries): an emit made while the socket is disconnected
//     is buffered and delivered exactly once, in order, to the restarted
//     server, and acked; an emit handed to the dying transport fails with
//     ErrDisconnected and reached the old server at most once; every acked
//     emit was processed exactly once; each server saw increasing numbers.
//   - retries (Retries with AckTimeout, server deduplicating by the emitted
//     number in a file both server processes share): every emit is acked;
//     each number is processed exactly once, all in order; at most one
//     (the one in flight at the kill) was received twice.
func TestRestartMidStream(t *testing.T) {
	for _, p := range parsers {
		for _, mode := range []string{"buffer", "retries"} {
			t.Run(p.name+"/"+mode, func(t *testing.T) {
				testRestartMidStream(t, p.name, mode == "retries")
			})
		}
	}
}

func testRestartMidStream(t *testing.T, parser string, retries bool) {
	ctx := testCtx(t)
	srvOpts := map[string]any{"parser": parser}
	if retries {
		srvOpts["dedupeFile"] = filepath.Join(t.TempDir(), "seen")
	}
	srv1 := startServer(t, srvOpts)

	attempts, reconnects, reconnectErrs := newSignal(), newSignal(), newSignal()
	opts := Options{
		ReconnectionDelay:    100 * time.Millisecond,
		ReconnectionDelayMax: 400 * time.Millisecond,
		OnReconnectAttempt:   func(n int) { attempts.add(n) },
		OnReconnect:          func(n int) { reconnects.add(n) },
		OnReconnectError:     func(err error) { reconnectErrs.add(err) },
	}
	for _, p := range parsers {
		if p.name == parser {
			opts.Codec = p.codec
		}
	}
	m, err := NewManager(srv1.url, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	disconnects, connects := newSignal(), newSignal()
	sopts := SocketOptions{
		OnDisconnect: func(reason string) { disconnects.add(reason) },
		OnConnect:    func() { connects.add(true) },
	}
	if retries {
		sopts.Retries = 10
		sopts.AckTimeout = 2 * time.Second
	}
	s, err := m.Socket("/", sopts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}

	type emit struct {
		disconnected bool // the socket was disconnected just before the emit
		call         *Call
	}
	var (
		calls   []emit
		emitted atomic.Int64
		stop    = make(chan struct{})
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for n := 0; n < 5000; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			disconnected := !s.Connected()
			calls = append(calls, emit{disconnected, s.EmitAsync(ctx, "seq", n)})
			emitted.Add(1)
		}
	}()

	srv1.waitFor(func(e serverEvent) bool { return e.Ev == "seq" && e.N >= 20 })
	killed := time.Now()
	srv1.kill()
	reason, noticed := disconnects.wait(t, 1)
	reconnectErrs.wait(t, 2) // the server is down: attempts fail, with backoff
	srv2 := startServer(t, map[string]any{"parser": parser, "port": srv1.port, "dedupeFile": srvOpts["dedupeFile"]})
	restarted := time.Now()
	_, reconnected := connects.wait(t, 2)
	resume := int(emitted.Load())
	srv2.waitFor(func(e serverEvent) bool { return e.Ev == "seq" && e.N >= resume+20 })
	close(stop)
	<-done
	// Every call resolves; then the server logs are complete up to the
	// last acked emit (a server logs an emit before acking it).
	lastAcked := -1
	for n, c := range calls {
		if _, err := c.call.Wait(); err == nil {
			lastAcked = n
		}
	}
	if lastAcked < 0 {
		t.Fatal("no emit was acked")
	}
	srv2.waitSeen(func(e serverEvent) bool { return e.Ev == "seq" && e.N == lastAcked })

	var (
		failed, duringOutage int
		processed            = map[int]int{}
		received             = map[int]int{}
	)
	for i, srv := range []*nodeServer{srv1, srv2} {
		last := -1
		for _, e := range srv.events() {
			if e.Ev != "seq" {
				continue
			}
			received[e.N]++
			if !e.Dup {
				processed[e.N]++
				if e.N <= last {
					t.Errorf("server %d processed %d after %d", i+1, e.N, last)
				}
				last = e.N
			}
		}
	}
	srv2Got := map[int]bool{}
	for _, e := range srv2.events() {
		if e.Ev == "seq" {
			srv2Got[e.N] = true
		}
	}
	for n, c := range calls {
		ack, err := c.call.Wait()
		if c.disconnected {
			duringOutage++
		}
		switch {
		case err == nil:
			var got int
			if err := ack.Decode(0, &got); err != nil || got != n {
				t.Errorf("emit %d: ack %d %v", n, got, err)
			}
			if processed[n] != 1 {
				t.Errorf("emit %d acked but processed %d times", n, processed[n])
			}
			if c.disconnected && !srv2Got[n] {
				t.Errorf("emit %d made during the outage did not reach the restarted server", n)
			}
		case retries:
			t.Errorf("emit %d with retries: %v", n, err)
		case c.disconnected:
			t.Errorf("emit %d made during the outage failed: %v", n, err)
		default:
			failed++
			if !errors.Is(err, ErrDisconnected) {
				t.Errorf("emit %d: %v, want ErrDisconnected", n, err)
			}
			if processed[n] > 1 || srv2Got[n] {
				t.Errorf("unacked emit %d processed %d times (restarted server: %v)", n, processed[n], srv2Got[n])
			}
		}
	}
	dups := 0
	for n, c := range received {
		dups += c - 1
		if retries && processed[n] != 1 {
			t.Errorf("emit %d processed %d times", n, processed[n])
		}
	}
	if !retries && dups != 0 {
		t.Errorf("without retries %d emits were received twice", dups)
	}
	if retries && dups > 1 {
		t.Errorf("%d duplicates; only the emit in flight at the kill may be resent", dups)
	}
	if duringOutage == 0 {
		t.Error("no emit was made during the outage")
	}
	as, at := attempts.snapshot()
	for i, a := range as {
		if a.(int) != i+1 {
			t.Errorf("reconnect_attempt #%d reported attempt %v", i+1, a)
		}
	}
	rn, _ := reconnects.wait(t, 1)
	if rn.(int) != len(as) {
		t.Errorf("reconnect reported attempt %v after %d attempts", rn, len(as))
	}
	var gaps []time.Duration
	for i := 1; i < len(at); i++ {
		gaps = append(gaps, at[i].Sub(at[i-1]).Round(time.Millisecond))
	}
	t.Logf("%d emits (%d during the outage, %d failed with ErrDisconnected, %d duplicates); disconnect %q noticed after %v; %d reconnect attempts, gaps %v; reconnected %v after the restart",
		len(calls), duringOutage, failed, dups, reason, noticed.Sub(killed).Round(time.Millisecond), len(as), gaps, reconnected.Sub(restarted).Round(time.Millisecond))
}

// TestWebSocketRefusedByProxy puts a reverse proxy that refuses WebSocket
// upgrades in front of the server: a websocket-first client falls back to
// polling and works.
func TestWebSocketRefusedByProxy(t *testing.T) {
	for _, p := range parsers {
		t.Run(p.name, func(t *testing.T) {
			ctx := testCtx(t)
			srv := startServer(t, map[string]any{"parser": p.name})
			target, _ := url.Parse(srv.url)
			rp := httputil.NewSingleHostReverseProxy(target)
			tr := &http.Transport{DialContext: (&net.Dialer{}).DialContext}
			defer tr.CloseIdleConnections()
			rp.Transport = tr
			rp.FlushInterval = -1
			var refused atomic.Int32
			refusedCh := make(chan struct{}, 16)
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("transport") == "websocket" || strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
					refused.Add(1)
					select {
					case refusedCh <- struct{}{}:
					default:
					}
					http.Error(w, "websocket not allowed here", http.StatusForbidden)
					return
				}
				rp.ServeHTTP(w, r)
			}))
			defer proxy.Close()

			m, err := NewManager(proxy.URL, Options{Codec: p.codec, Engine: engineclient.Options{
				Transports: []string{engineclient.WebSocket, engineclient.Polling},
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			s, err := m.Socket("/", SocketOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in := newInbox()
			s.On("echo", in.handler())
			if err := s.Connect(ctx); err != nil {
				t.Fatal(err)
			}
			// The failed dial, then the upgrade probe of the polling
			// connection.
			for i := 0; i < 2; i++ {
				select {
				case <-refusedCh:
				case <-ctx.Done():
					t.Fatalf("proxy refused %d websocket requests, want 2", refused.Load())
				}
			}
			for i := 0; i < 20; i++ {
				if err := s.Emit("echo", i, []byte{byte(i)}); err != nil {
					t.Fatal(err)
				}
				ack, err := s.EmitWithAck(ctx, "ack", i)
				if err != nil {
					t.Fatal(err)
				}
				var got int
				if err := ack.Decode(0, &got); err != nil || got != i {
					t.Fatalf("ack %d: %d %v", i, got, err)
				}
			}
			for i := 0; i < 20; i++ {
				var got int
				if err := in.wait(t, "echo", i).Decode(0, &got); err != nil || got != i {
					t.Fatalf("echo %d: %d %v", i, got, err)
				}
			}
			if got := m.Transport(); got != engineclient.Polling {
				t.Errorf("transport %q behind the proxy, want polling", got)
			}
			if w := askWhoami(t, s); w.Transport != engineclient.Polling {
				t.Errorf("server sees transport %q", w.Transport)
			}
			m.Close()
		})
	}
}

// TestPingTimeout: the server stops sending pings right after one; the
// client must report "ping timeout" within pingInterval + pingTimeout +
// 50 ms of that last ping.
func TestPingTimeout(t *testing.T) {
	const interval, timeout = 300, 200
	for _, tr := range []string{engineclient.Polling, engineclient.WebSocket} {
		t.Run(tr, func(t *testing.T) {
			ctx := testCtx(t)
			srv := startServer(t, map[string]any{"pingInterval": interval, "pingTimeout": timeout})
			m, err := NewManager(srv.url, Options{NoReconnection: true, Engine: engineclient.Options{Transports: []string{tr}}})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			disconnects := newSignal()
			s, err := m.Socket("/", SocketOptions{OnDisconnect: func(reason string) { disconnects.add(reason) }})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Connect(ctx); err != nil {
				t.Fatal(err)
			}
			srv.send(map[string]any{"cmd": "stopPings"})
			ev := srv.waitFor(func(e serverEvent) bool { return e.Ev == "pingsStopped" })
			reason, at := disconnects.wait(t, 1)
			if reason != ReasonPingTimeout {
				t.Fatalf("disconnect reason %q, want %q", reason, ReasonPingTimeout)
			}
			elapsed := at.Sub(time.UnixMilli(ev.LastPing))
			t.Logf("%s: ping timeout noticed %v after the last ping (limit %d ms + 50 ms)", tr, elapsed.Round(time.Millisecond), interval+timeout)
			if limit := (interval + timeout + 50) * time.Millisecond; elapsed > limit {
				t.Errorf("noticed after %v, want within %v", elapsed, limit)
			}
			if elapsed < (interval+timeout-5)*time.Millisecond {
				t.Errorf("noticed after only %v: before the heartbeat deadline", elapsed)
			}
		})
	}
}

package engine_test

import (
	"bufio"
	"encoding/json"
	"runtime"
	"testing"
	"time"

	"github.com/siogen/sio/internal/nodetest"
	"github.com/siogen/sio/runtime/engine"
)

// TestIdleSessionCost opens 500 idle npm engine.io-client sessions per
// transport (in a separate node process, so only the server's side is
// measured) and logs the server's goroutines and memory per session. It
// asserts the structural part: an idle WebSocket session costs no goroutine
// once its reader has parked; a polling session none beyond net/http's own
// per connection.
func TestIdleSessionCost(t *testing.T) {
	const n = 500
	for _, transport := range []string{engine.WebSocket, engine.Polling} {
		t.Run(transport, func(t *testing.T) {
			ts := newTestServer(t, engine.Options{PingInterval: time.Minute, PingTimeout: time.Minute})
			engine.SetIdleTick(ts.Server, 20*time.Millisecond)
			g0, m0, s0 := measure()

			arg, _ := json.Marshal(map[string]any{"url": ts.hs.URL, "path": "/engine.io/", "transport": transport, "count": n})
			cmd := nodetest.Command(t, "engine/idle.mjs", string(arg))
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				cmd.Wait()
			}()
			var ev struct{ Event, Error string }
			if err := json.NewDecoder(bufio.NewReader(stdout)).Decode(&ev); err != nil || ev.Event != "ready" {
				t.Fatalf("idle.mjs: %v %+v", err, ev)
			}
			for i := 0; ts.SessionCount() < n && i < 100; i++ {
				time.Sleep(10 * time.Millisecond)
			}
			if c := ts.SessionCount(); c != n {
				t.Fatalf("%d sessions, want %d", c, n)
			}
			time.Sleep(200 * time.Millisecond) // let handshakes' transient goroutines finish
			if transport == engine.WebSocket {
				for i := 0; engine.ParkedReaders(ts.Server) < n && i < 500; i++ {
					time.Sleep(10 * time.Millisecond)
				}
				if p := engine.ParkedReaders(ts.Server); p != n {
					t.Fatalf("%d of %d idle WebSocket readers parked", p, n)
				}
				// Their goroutines exit.
				for i := 0; runtime.NumGoroutine()-g0 > n/20 && i < 500; i++ {
					time.Sleep(10 * time.Millisecond)
				}
			}
			g1, m1, s1 := measure()
			perG := float64(g1-g0) / n
			t.Logf("%s: %.2f goroutines and %.1f KiB (%.1f KiB of it stacks) per idle session, server side, %d sessions",
				transport, perG, float64(m1-m0)/n/1024, float64(s1-s0)/n/1024, n)
			if transport == engine.WebSocket && perG > 0.05 {
				t.Fatalf("%.2f goroutines per idle WebSocket session, want none (readers park)", perG)
			}
		})
	}
}

// measure returns the goroutine count, the bytes of heap and stacks in use
// after a GC, and the stack bytes alone.
func measure() (int, uint64, uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapInuse + ms.StackInuse, ms.StackInuse
}

package engine_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/internal/nodetest"
	"github.com/siogen/sio/runtime/engine"
)

// orderCheck verifies that the client's messages arrive exactly once and in
// order: text "c<i>" then binary (i BE32, 'C'), for i = 0..count-1.
type orderCheck struct {
	mu    sync.Mutex
	count int
	next  int // index in the interleaved sequence
	err   error
	done  chan struct{}
}

func (o *orderCheck) add(p engineio.Packet) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil || o.next >= 2*o.count {
		if o.err == nil {
			o.err = fmt.Errorf("extra message %q after the last one", p.Data)
		}
		return
	}
	i := o.next / 2
	if o.next%2 == 0 {
		if p.Binary || string(p.Data) != fmt.Sprintf("c%d", i) {
			o.err = fmt.Errorf("message %d: want text c%d, got binary=%v %q", o.next, i, p.Binary, p.Data)
		}
	} else {
		want := binary.BigEndian.AppendUint32(nil, uint32(i))
		want = append(want, 'C')
		if !p.Binary || !bytes.Equal(p.Data, want) {
			o.err = fmt.Errorf("message %d: want binary %x, got binary=%v %x", o.next, want, p.Binary, p.Data)
		}
	}
	o.next++
	if o.err != nil || o.next == 2*o.count {
		close(o.done)
	}
}

// serverStream sends count text "s<i>" and binary (i BE32, 'S'),
// interleaved, in chunks with short pauses so that part of the stream is
// queued while a polling client upgrades. With upgrade set, the last third
// waits until the session is on WebSocket, so the stream always spans the
// upgrade.
func serverStream(s *engine.Session, count int, upgrade bool) error {
	const chunk = 20
	for i := 0; i < count; i += chunk {
		if upgrade && i >= 2*count/3 {
			for j := 0; s.Transport() != engine.WebSocket; j++ {
				if j == 10000 {
					return fmt.Errorf("no upgrade after 10 s")
				}
				time.Sleep(time.Millisecond)
			}
		}
		ps := make([]engineio.Packet, 0, 2*chunk)
		for j := i; j < min(i+chunk, count); j++ {
			b := binary.BigEndian.AppendUint32(nil, uint32(j))
			ps = append(ps, engineio.TextPacket(engineio.Message, fmt.Sprintf("s%d", j)), engineio.BinaryPacket(append(b, 'S')))
		}
		if err := s.Send(ps...); err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// TestInteropEngineIOClient drives the npm engine.io-client (6.6.x) against
// the Go server: 1,000 text and 1,000 binary messages each way over
// polling only, websocket only and polling upgraded to websocket (with
// messages sent on both sides while the upgrade is in flight) must arrive
// exactly once and in order.
func TestInteropEngineIOClient(t *testing.T) {
	const count = 1000
	for _, mode := range []string{"polling", "websocket", "upgrade"} {
		t.Run(mode, func(t *testing.T) {
			check := &orderCheck{count: count, done: make(chan struct{})}
			streamErr := make(chan error, 1)
			closed := make(chan string, 1)
			var sessions sync.WaitGroup
			opts := engine.Options{
				Path: "/engine.io/",
				OnSession: func(s *engine.Session) {
					s.SetHandler(engine.HandlerFuncs{
						Packet: check.add,
						Close:  func(reason string, err error) { closed <- reason },
					})
					sessions.Add(1)
					go func() {
						defer sessions.Done()
						streamErr <- serverStream(s, count, mode == "upgrade")
					}()
				},
			}
			ts := newTestServer(t, opts)
			arg, _ := json.Marshal(map[string]any{"url": ts.hs.URL, "path": "/engine.io/", "mode": mode, "count": count})
			cmd := nodetest.Command(t, "engine/client.mjs", string(arg))
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			kill := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
			defer kill.Stop()
			runErr := cmd.Wait()
			t.Logf("client done after %v", time.Since(start))
			sessions.Wait()

			var res struct {
				OK        bool           `json:"ok"`
				Error     string         `json:"error"`
				Transport string         `json:"transport"`
				Received  map[string]int `json:"received"`
			}
			if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil || !res.OK || runErr != nil {
				t.Fatalf("client: %v, %v, output %q", runErr, res.Error, stdout.String())
			}
			if err := <-streamErr; err != nil {
				t.Fatalf("server stream: %v", err)
			}
			select {
			case <-check.done:
			case <-time.After(10 * time.Second):
			}
			check.mu.Lock()
			next, err := check.next, check.err
			check.mu.Unlock()
			if err != nil || next != 2*count {
				t.Fatalf("server received %d of %d in order: %v", next, 2*count, err)
			}
			wantTransport := map[string]string{"polling": "polling", "websocket": "websocket", "upgrade": "websocket"}[mode]
			if res.Transport != wantTransport {
				t.Fatalf("client ended on %q, want %q", res.Transport, wantTransport)
			}
			if reason := <-closed; reason != engine.ReasonTransportClose && reason != engine.ReasonTransportError {
				t.Errorf("close reason %q, want the client closing", reason)
			}
			t.Logf("%s: server→client messages received by the client before the probe succeeded / during the upgrade / after: %v",
				mode, res.Received)
		})
	}
}

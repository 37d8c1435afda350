// Package loadgen is the benchmark harness's load generator: raw
// Engine.IO v4 / Socket.IO v5 clients (WebSocket framing on gobwas/ws
// primitives, HTTP long-polling written by hand) that drive a bench server,
// Go or Node, through the same scenarios and measure it the same way.
//
// It speaks the protocol with the repository's codecs (codec/engineio,
// codec/socketio, codec/msgpack), so it is neutral between the servers, and
// it keeps the per-message cost low (one write per message, reused buffers,
// no reflection on payloads) so that its own core is not the bottleneck.
// Each Result reports the load generator's CPU time next to the server's,
// so a saturated generator shows.
//
// The bench servers handle three events: "echo" is emitted back to its
// sender, "ping" is acknowledged with its argument, "bcast" is sent to every
// client of the main namespace.
package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"syscall"
	"time"

	"github.com/siogen/sio/codec/socketio"
)

// Target is a running bench server.
type Target struct {
	// Base is the server's URL, http://host:port.
	Base string
	// Codec is the Socket.IO parser the server uses.
	Codec socketio.Codec
	// ServerCPU returns the CPU time (user+system) the server process has
	// used so far; nil means unknown (reported as 0).
	ServerCPU func() time.Duration
	// OnMeasure, when set, is called when a measurement starts (idle:
	// with the clients connected, before the memory is read; timed
	// scenarios: as the window opens; broadcast: as the ramp starts), for
	// example to take profiles. It must not block for long.
	OnMeasure func()
}

func (t Target) onMeasure() {
	if t.OnMeasure != nil {
		t.OnMeasure()
	}
}

// Result is what one scenario measured.
type Result struct {
	// Ops is the number of operations in the measurement window: acks,
	// deliveries, round trips or connections, depending on the scenario.
	Ops int64 `json:"ops"`
	// Seconds is the length of the measurement window.
	Seconds float64 `json:"seconds"`
	// OpsPerSec is Ops / Seconds.
	OpsPerSec float64 `json:"opsPerSec"`
	// P50Ms and P99Ms are latency quantiles in milliseconds (0 when the
	// scenario has none).
	P50Ms float64 `json:"p50Ms"`
	P99Ms float64 `json:"p99Ms"`
	// ServerCPUSeconds and LoadgenCPUSeconds are CPU times used in the
	// window by the server process and by this process.
	ServerCPUSeconds  float64 `json:"serverCpuSeconds"`
	LoadgenCPUSeconds float64 `json:"loadgenCpuSeconds"`
	// CPUPerOpMicros is the server's CPU time per operation, µs.
	CPUPerOpMicros float64 `json:"cpuPerOpMicros"`
	// Conns is the number of client connections (sessions) used.
	Conns int `json:"conns"`
	// Memory (idle scenario): RSS after GC with no clients and with Conns
	// idle clients, and the difference per connection.
	BaselineRSS  int64   `json:"baselineRss,omitempty"`
	RSS          int64   `json:"rss,omitempty"`
	BytesPerConn float64 `json:"bytesPerConn,omitempty"`
	// MemBefore and MemAfter are the server's full memory reports.
	MemBefore *MemReport `json:"memBefore,omitempty"`
	MemAfter  *MemReport `json:"memAfter,omitempty"`
	// Steps are the broadcast ramp's steps.
	Steps []Step `json:"steps,omitempty"`
	// Note explains anything unusual (a limit not met, a saturated load
	// generator).
	Note string `json:"note,omitempty"`
}

// Step is one in-flight window of the broadcast ramp.
type Step struct {
	Window         int     `json:"window"` // broadcasts in flight
	Broadcasts     int64   `json:"broadcasts"`
	Deliveries     int64   `json:"deliveries"`
	Seconds        float64 `json:"seconds"`
	PerSec         float64 `json:"deliveriesPerSec"`
	P50Ms          float64 `json:"p50Ms"`
	P99Ms          float64 `json:"p99Ms"`
	ServerCPU      float64 `json:"serverCpuSeconds"`
	LoadgenCPU     float64 `json:"loadgenCpuSeconds"`
	CPUPerOpMicros float64 `json:"cpuPerOpMicros"`
}

// window measures server and load generator CPU time over a span.
type window struct {
	t        Target
	start    time.Time
	srv, own time.Duration
}

func (t Target) begin() window {
	return window{t: t, start: time.Now(), srv: t.serverCPU(), own: selfCPU()}
}

// end fills the timing fields of r for ops operations since begin.
func (w window) end(r *Result, ops int64) {
	r.Seconds = time.Since(w.start).Seconds()
	r.Ops = ops
	if r.Seconds > 0 {
		r.OpsPerSec = float64(ops) / r.Seconds
	}
	r.ServerCPUSeconds = (w.t.serverCPU() - w.srv).Seconds()
	r.LoadgenCPUSeconds = (selfCPU() - w.own).Seconds()
	if ops > 0 {
		r.CPUPerOpMicros = r.ServerCPUSeconds * 1e6 / float64(ops)
	}
	if r.Seconds > 0 && r.LoadgenCPUSeconds/r.Seconds > 0.9 {
		r.Note = joinNote(r.Note, fmt.Sprintf("load generator near saturation (%.0f%% of a core)", 100*r.LoadgenCPUSeconds/r.Seconds))
	}
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func (t Target) serverCPU() time.Duration {
	if t.ServerCPU == nil {
		return 0
	}
	return t.ServerCPU()
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// MemReport is the answer of a bench server's /bench/mem endpoint, taken
// after a garbage collection. Fields a server does not report are zero.
type MemReport struct {
	RSS  int64 `json:"rss"`
	Heap int64 `json:"heap"`
	// Go only.
	Goroutines int   `json:"goroutines,omitempty"`
	Stacks     int64 `json:"stacks,omitempty"`
	HeapInuse  int64 `json:"heapInuse,omitempty"`
	// Node only.
	HeapTotal int64 `json:"heapTotal,omitempty"`
	External  int64 `json:"external,omitempty"`
}

// Mem asks the server to collect garbage and report its memory.
func (t Target) Mem(ctx context.Context) (MemReport, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Base+"/bench/mem", nil)
	if err != nil {
		return MemReport{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return MemReport{}, fmt.Errorf("loadgen: /bench/mem: %w", err)
	}
	defer resp.Body.Close()
	var m MemReport
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return MemReport{}, fmt.Errorf("loadgen: /bench/mem: %w", err)
	}
	if m.RSS <= 0 {
		return MemReport{}, fmt.Errorf("loadgen: /bench/mem: no rss in answer")
	}
	return m, nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

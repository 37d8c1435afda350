package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siogen/sio/codec/socketio"
)

// connectAll opens n clients with at most par dials at a time.
func connectAll[C interface{ Close() error }](ctx context.Context, n, par int, dial func(ctx context.Context) (C, error)) ([]C, error) {
	out := make([]C, n)
	errs := make(chan error, 1)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			dctx, dcancel := context.WithTimeout(ctx, 20*time.Second)
			defer dcancel()
			c, err := dial(dctx)
			if err != nil {
				select {
				case errs <- fmt.Errorf("client %d: %w", i, err):
				default:
				}
				cancel()
				return
			}
			out[i] = c
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		closeAll(out)
		return nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		closeAll(out)
		return nil, err
	}
	return out, nil
}

func closeAll[C interface{ Close() error }](cs []C) {
	var zero C
	for _, c := range cs {
		if any(c) != any(zero) {
			c.Close()
		}
	}
}

// dialParallel is how many handshakes the load generator runs at once.
const dialParallel = 64

// Idle opens n WebSocket clients that join the main namespace and stay
// idle (answering heartbeats), and reports the server's resident memory
// per connection: RSS after GC with the clients minus RSS after GC before
// them. settle is the pause before the second measurement.
func Idle(ctx context.Context, t Target, n int, settle time.Duration) (Result, error) {
	base, err := t.Mem(ctx)
	if err != nil {
		return Result{}, err
	}
	w := t.begin()
	cs, err := connectAll(ctx, n, dialParallel, func(ctx context.Context) (*wsClient, error) {
		return dialWS(ctx, t.Base, t.Codec)
	})
	if err != nil {
		return Result{}, fmt.Errorf("idle: %w", err)
	}
	var r Result
	w.end(&r, int64(n)) // connections per second and server CPU per connection setup
	r.Conns = n
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			for {
				if _, err := c.read(); err != nil {
					return
				}
			}
		})
	}
	defer func() {
		closeAll(cs)
		wg.Wait()
	}()
	select {
	case <-time.After(settle):
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	if _, err := t.Mem(ctx); err != nil { // a first collection frees handshake garbage
		return Result{}, err
	}
	t.onMeasure()
	after, err := t.Mem(ctx)
	if err != nil {
		return Result{}, err
	}
	r.BaselineRSS, r.RSS = base.RSS, after.RSS
	r.BytesPerConn = float64(after.RSS-base.RSS) / float64(n)
	if after.RSS <= base.RSS {
		// A collector that returns memory to the OS can leave RSS below the
		// baseline when the connections cost less than its noise (a few MB).
		r.Note = joinNote(r.Note, fmt.Sprintf("RSS ended %d KB below the baseline: %d connections are below the measurement noise", (base.RSS-after.RSS)/1024, n))
	}
	r.MemBefore, r.MemAfter = &base, &after
	return r, nil
}

// phase of a timed scenario.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// Acks runs n WebSocket clients, each in a closed loop: emit "ping" with an
// ack id and the payload, wait for the ack, repeat. After warmup it counts
// the acks received during dur and their round-trip latency.
func Acks(ctx context.Context, t Target, n int, warmup, dur time.Duration) (Result, error) {
	cs, err := connectAll(ctx, n, dialParallel, func(ctx context.Context) (*wsClient, error) {
		return dialWS(ctx, t.Base, t.Codec)
	})
	if err != nil {
		return Result{}, fmt.Errorf("acks: %w", err)
	}
	defer closeAll(cs)
	var (
		loop closedLoop
		wg   sync.WaitGroup
	)
	phase, ops, hist := &loop.phase, &loop.ops, &loop.hist
	codec := t.Codec.Name()
	start := time.Now()
	for i, c := range cs {
		wg.Go(func() {
			var buf []byte
			p := socketio.Packet{Type: socketio.Event, Namespace: "/", Event: "ping", Args: make([]socketio.Raw, 1)}
			for id := int64(0); phase.Load() != phaseStop; id++ {
				buf = appendPayload(buf[:0], codec, int64(i)<<32|id, time.Since(start).Microseconds())
				p.ID, p.Args[0] = id, buf
				t0 := time.Now()
				err := c.sendPacket(&p)
				for err == nil {
					var sp *socketio.Packet
					sp, err = c.read()
					if err == nil && sp.Type == socketio.Ack && sp.ID == id {
						break
					}
				}
				if err != nil {
					loop.fail(fmt.Errorf("acks: client %d: %w", i, err))
					return
				}
				loop.record(t0)
			}
		})
	}
	var r Result
	r.Conns = n
	err = runPhases(ctx, phase, warmup, dur, t, &r, ops)
	closeAll(cs) // unblocks clients waiting for an ack
	wg.Wait()
	if err := cmpOr(loop.firstErr(), err); err != nil {
		return r, err
	}
	r.P50Ms, r.P99Ms = ms(hist.Quantile(0.50)), ms(hist.Quantile(0.99))
	return r, nil
}

func cmpOr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// runPhases waits out the warmup, measures for dur, then stops the clients.
func runPhases(ctx context.Context, phase *atomic.Int32, warmup, dur time.Duration, t Target, r *Result, ops *atomic.Int64) error {
	sleep := func(d time.Duration) error {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := sleep(warmup); err != nil {
		phase.Store(phaseStop)
		return err
	}
	if phase.Load() == phaseStop {
		return nil // a client failed; its error is reported
	}
	t.onMeasure()
	w := t.begin()
	phase.Store(phaseMeasure)
	err := sleep(dur)
	phase.Store(phaseStop)
	w.end(r, ops.Load())
	return err
}

// PollEcho runs n HTTP long-polling sessions, each in a closed loop: POST
// an "echo" event, then GET until the echo comes back. A round trip is
// that POST and its GET(s).
func PollEcho(ctx context.Context, t Target, n int, warmup, dur time.Duration) (Result, error) {
	cs, err := connectAll(ctx, n, dialParallel, func(ctx context.Context) (*pollClient, error) {
		return dialPolling(ctx, t.Base, t.Codec)
	})
	if err != nil {
		return Result{}, fmt.Errorf("polling: %w", err)
	}
	defer closeAll(cs)
	var (
		loop closedLoop
		wg   sync.WaitGroup
	)
	phase, ops, hist := &loop.phase, &loop.ops, &loop.hist
	codec := t.Codec.Name()
	start := time.Now()
	for i, c := range cs {
		wg.Go(func() {
			var buf []byte
			p := socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "echo", Args: make([]socketio.Raw, 1)}
			for seq := int64(0); phase.Load() != phaseStop; seq++ {
				buf = appendPayload(buf[:0], codec, seq, time.Since(start).Microseconds())
				p.Args[0] = buf
				t0 := time.Now()
				err := c.post(&p)
				for err == nil {
					var sp *socketio.Packet
					sp, err = c.read()
					if err == nil && sp.Type == socketio.Event && sp.Event == "echo" && len(sp.Args) == 1 {
						var got int64
						if got, err = payloadSeq(codec, sp.Args[0]); err == nil && got == seq {
							break
						}
					}
				}
				if err != nil {
					loop.fail(fmt.Errorf("polling: session %d: %w", i, err))
					return
				}
				loop.record(t0)
			}
		})
	}
	var r Result
	r.Conns = n
	err = runPhases(ctx, phase, warmup, dur, t, &r, ops)
	// Every session finishes its round trip (the echo is queued before the
	// POST's "ok", so no GET is left hanging); a server that stopped
	// answering gets its connections cut.
	finished := make(chan struct{})
	go func() {
		wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		closeAll(cs)
		<-finished
	}
	if err := cmpOr(loop.firstErr(), err); err != nil {
		return r, err
	}
	r.P50Ms, r.P99Ms = ms(hist.Quantile(0.50)), ms(hist.Quantile(0.99))
	return r, nil
}

// BroadcastOptions shape the broadcast ramp.
type BroadcastOptions struct {
	// Receivers is the number of connected clients; each broadcast is
	// delivered to all of them (the sender is one of them).
	Receivers int
	// Step is how long each window size is held (new broadcasts are sent
	// during Step; the step ends when the last one is delivered everywhere).
	Step time.Duration
	// MaxWindow is the largest number of broadcasts in flight tried.
	MaxWindow int
	// P99Limit ends the ramp: the result is the best step whose p99
	// delivery latency stays under it.
	P99Limit time.Duration
}

// errBroadcastStalled is returned when deliveries stop arriving.
var errBroadcastStalled = errors.New("broadcast: deliveries stalled (a client was dropped?)")

// Broadcast connects opts.Receivers WebSocket clients; one of them emits
// "bcast" events that the server sends to all. The ramp keeps 1, 2, 4, ...
// broadcasts in flight (a broadcast is done when every client got it) and
// measures deliveries per second and the latency from emit to each
// delivery. The result is the step with the most deliveries per second
// whose p99 stays under opts.P99Limit (the first step, with a note, when
// none does).
func Broadcast(ctx context.Context, t Target, opts BroadcastOptions) (Result, error) {
	n := opts.Receivers
	cs, err := connectAll(ctx, n, dialParallel, func(ctx context.Context) (*wsClient, error) {
		return dialWS(ctx, t.Base, t.Codec)
	})
	if err != nil {
		return Result{}, fmt.Errorf("broadcast: %w", err)
	}
	defer closeAll(cs)
	const maxSeq = 1 << 20
	var (
		sent       = make([]atomic.Int64, maxSeq) // ns since start, per seq
		remaining  = make([]atomic.Int32, maxSeq)
		deliveries atomic.Int64
		hist       Hist
		done       = make(chan int64, 1024)
		wg         sync.WaitGroup
		failed     = make(chan error, 1)
	)
	codec := t.Codec.Name()
	start := time.Now()
	for i, c := range cs {
		wg.Go(func() {
			for {
				sp, err := c.read()
				if err != nil {
					select {
					case failed <- fmt.Errorf("broadcast: receiver %d: %w", i, err):
					default:
					}
					return
				}
				if sp.Type != socketio.Event || sp.Event != "bcast" || len(sp.Args) != 1 {
					continue
				}
				seq, err := payloadSeq(codec, sp.Args[0])
				if err != nil || seq < 0 || seq >= maxSeq {
					continue
				}
				hist.Record(time.Since(start) - time.Duration(sent[seq].Load()))
				deliveries.Add(1)
				if remaining[seq].Add(-1) == 0 {
					done <- seq
				}
			}
		})
	}
	defer func() {
		closeAll(cs)
		wg.Wait()
	}()

	sender := cs[0]
	var (
		seq int64
		buf []byte
	)
	p := socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "bcast", Args: make([]socketio.Raw, 1)}
	send := func() error {
		if seq >= maxSeq {
			return errors.New("broadcast: sequence space exhausted")
		}
		remaining[seq].Store(int32(n))
		now := time.Since(start)
		sent[seq].Store(int64(now))
		buf = appendPayload(buf[:0], codec, seq, now.Microseconds())
		p.Args[0] = buf
		seq++
		return sender.sendPacket(&p) // writes are serialized with the receiver's pongs
	}

	var r Result
	r.Conns = n
	best := -1
	t.onMeasure()
	for win := 1; win <= max(opts.MaxWindow, 1); win *= 2 {
		hist.Reset()
		deliveries.Store(0)
		w := t.begin()
		var sr Result
		inflight, bcasts := 0, int64(0)
		stepEnd := time.Now().Add(opts.Step)
		for ; inflight < win; inflight++ {
			if err := send(); err != nil {
				return r, err
			}
			bcasts++
		}
		stall := time.NewTimer(10 * time.Second)
		for inflight > 0 {
			select {
			case <-done:
				inflight--
				if time.Now().Before(stepEnd) {
					if err := send(); err != nil {
						return r, err
					}
					bcasts++
					inflight++
				}
				stall.Reset(10 * time.Second)
			case err := <-failed:
				return r, err
			case <-stall.C:
				return r, errBroadcastStalled
			case <-ctx.Done():
				return r, ctx.Err()
			}
		}
		stall.Stop()
		w.end(&sr, deliveries.Load())
		st := Step{
			Window: win, Broadcasts: bcasts, Deliveries: sr.Ops, Seconds: sr.Seconds, PerSec: sr.OpsPerSec,
			P50Ms: ms(hist.Quantile(0.5)), P99Ms: ms(hist.Quantile(0.99)),
			ServerCPU: sr.ServerCPUSeconds, LoadgenCPU: sr.LoadgenCPUSeconds, CPUPerOpMicros: sr.CPUPerOpMicros,
		}
		r.Steps = append(r.Steps, st)
		if st.P99Ms < ms(opts.P99Limit) && (best < 0 || st.PerSec > r.Steps[best].PerSec) {
			best = len(r.Steps) - 1
		}
		if st.P99Ms >= ms(opts.P99Limit) {
			break
		}
	}
	pick := best
	if pick < 0 {
		pick = 0
		r.Note = fmt.Sprintf("no step kept p99 under %v; showing one broadcast in flight", opts.P99Limit)
	}
	st := r.Steps[pick]
	r.Ops, r.Seconds, r.OpsPerSec = st.Deliveries, st.Seconds, st.PerSec
	r.P50Ms, r.P99Ms = st.P50Ms, st.P99Ms
	r.ServerCPUSeconds, r.LoadgenCPUSeconds, r.CPUPerOpMicros = st.ServerCPU, st.LoadgenCPU, st.CPUPerOpMicros
	if st.Seconds > 0 && st.LoadgenCPU/st.Seconds > 0.9 {
		r.Note = joinNote(r.Note, fmt.Sprintf("load generator near saturation (%.0f%% of a core)", 100*st.LoadgenCPU/st.Seconds))
	}
	return r, nil
}

// closedLoop is the shared state of the closed-loop scenarios (acks,
// polling echo): the phase every worker follows, the measured operations and
// their latencies, and the first error, which stops the run.
type closedLoop struct {
	phase atomic.Int32
	ops   atomic.Int64
	hist  Hist
	mu    sync.Mutex
	first error
}

// record counts one operation started at t0 when the run is measuring.
func (l *closedLoop) record(t0 time.Time) {
	if l.phase.Load() == phaseMeasure {
		l.hist.Record(time.Since(t0))
		l.ops.Add(1)
	}
}

// fail keeps err as the run's first error and stops the run, unless the
// run was already stopping (errors from closed connections then).
func (l *closedLoop) fail(err error) {
	if l.phase.Load() == phaseStop {
		return
	}
	l.mu.Lock()
	l.first = cmpOr(l.first, err)
	l.mu.Unlock()
	l.phase.Store(phaseStop)
}

// firstErr returns the first error a worker reported.
func (l *closedLoop) firstErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first
}

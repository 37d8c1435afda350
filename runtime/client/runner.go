package client

import (
	"sync"
	"sync/atomic"

	"github.com/siogen/sio/internal/goid"
)

// runner calls user callbacks one at a time, in the order they were queued,
// on a goroutine of its own. The network goroutines only queue (never
// wait), so a callback that blocks, for example on EmitWithAck, stalls
// nothing but later callbacks of the same runner: acks are resolved by the
// network side and cannot deadlock on it.
//
// The goroutine exists only while there is work: it starts with the first
// queued task and exits when the queue is empty, so an idle client holds no
// callback goroutine.
type runner struct {
	mu      sync.Mutex
	queue   []func()
	running bool
	closed  bool
	idle    *sync.Cond    // signalled when running turns false
	gid     atomic.Uint64 // goroutine id of the running loop, 0 when idle
}

func newRunner() *runner {
	r := &runner{}
	r.idle = sync.NewCond(&r.mu)
	return r
}

// do queues f. After close, f is dropped.
func (r *runner) do(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.queue = append(r.queue, f)
	if !r.running {
		r.running = true
		go r.loop()
	}
}

func (r *runner) loop() {
	r.gid.Store(goid.ID())
	for {
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.running = false
			r.queue = nil
			r.gid.Store(0)
			r.idle.Broadcast()
			r.mu.Unlock()
			return
		}
		f := r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		r.mu.Unlock()
		f()
	}
}

// onLoop reports whether the caller runs inside one of r's callbacks.
func (r *runner) onLoop() bool {
	id := r.gid.Load()
	return id != 0 && id == goid.ID()
}

// close drops tasks queued from now on and waits until the queued ones have
// run, except when called from one of r's own callbacks (the loop then
// finishes by itself after that callback returns).
func (r *runner) close() {
	self := r.onLoop()
	r.mu.Lock()
	r.closed = true
	if !self {
		for r.running {
			r.idle.Wait()
		}
	}
	r.mu.Unlock()
}

package server

import (
	"sync"
)

// serial runs a socket's tasks (connection handlers, events, disconnect
// handlers) one at a time, in order, on a goroutine that exists only while
// there is work: an idle socket costs no goroutine. It starts paused so that
// tasks queued while a socket is being connected run only once the CONNECT
// reply is on its way.
type serial struct {
	srv *Server

	mu      sync.Mutex
	q       []func()
	running bool
	paused  bool
}

// push queues f. It reports false, queueing nothing, when limit tasks are
// already waiting (limit <= 0: no limit).
func (e *serial) push(f func(), limit int) bool {
	e.mu.Lock()
	if limit > 0 && len(e.q) >= limit {
		e.mu.Unlock()
		return false
	}
	e.q = append(e.q, f)
	start := !e.running && !e.paused
	if start {
		e.running = true
	}
	e.mu.Unlock()
	if start {
		e.start()
	}
	return true
}

// resume lets queued tasks run.
func (e *serial) resume() {
	e.mu.Lock()
	e.paused = false
	start := !e.running && len(e.q) > 0
	if start {
		e.running = true
	}
	e.mu.Unlock()
	if start {
		e.start()
	}
}

func (e *serial) start() {
	e.srv.tasks.Add(1)
	e.srv.pool.Go(e.run)
}

func (e *serial) run() {
	defer e.srv.tasks.Done()
	for {
		e.mu.Lock()
		if len(e.q) == 0 {
			e.running = false
			e.q = nil
			e.mu.Unlock()
			return
		}
		f := e.q[0]
		e.q[0] = nil
		e.q = e.q[1:]
		e.mu.Unlock()
		e.srv.safely(f)
	}
}

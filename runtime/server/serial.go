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
	q       []task // q[head:] waits; a small emptied array is kept for reuse
	head    int
	running bool
	paused  bool
}

// task is one queued piece of work: an event to dispatch, or a function.
// Events need no closure, the common case allocation-free.
type task struct {
	ev *Event
	f  func()
}

// push queues f. It reports false, queueing nothing, when limit tasks are
// already waiting (limit <= 0: no limit).
func (e *serial) push(f func(), limit int) bool { return e.pushTask(task{f: f}, limit) }

// pushEvent queues the dispatch of ev, as push.
func (e *serial) pushEvent(ev *Event, limit int) bool { return e.pushTask(task{ev: ev}, limit) }

func (e *serial) pushTask(t task, limit int) bool {
	e.mu.Lock()
	if limit > 0 && len(e.q)-e.head >= limit {
		e.mu.Unlock()
		return false
	}
	if e.head > 0 && e.head >= len(e.q)/2 { // drop the done prefix
		n := copy(e.q, e.q[e.head:])
		clear(e.q[n:])
		e.q, e.head = e.q[:n], 0
	}
	e.q = append(e.q, t)
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
	start := !e.running && len(e.q) > e.head
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
	e.srv.pool.Run(e)
}

// Run runs the queued tasks until the queue is empty. It implements
// gopool.Task (a pointer to the socket's serial, so starting it does not
// allocate).
func (e *serial) Run() {
	defer e.srv.tasks.Done()
	for {
		e.mu.Lock()
		if e.head == len(e.q) {
			if cap(e.q) <= 4 {
				e.q = e.q[:0] // the next push reuses it
			} else {
				e.q = nil
			}
			e.head = 0
			e.running = false
			e.mu.Unlock()
			return
		}
		t := e.q[e.head]
		e.q[e.head] = task{} // let the event go once handled
		e.head++
		e.mu.Unlock()
		if t.ev != nil {
			e.srv.safely(func() { t.ev.s.dispatch(t.ev) })
		} else {
			e.srv.safely(t.f)
		}
	}
}

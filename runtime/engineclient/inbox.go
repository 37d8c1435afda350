package engineclient

import "sync"

// inboxHighWater is how many undelivered events a Conn holds before its
// reader stops reading and waits for the handler to catch up. Below it,
// a slow handler does not delay heartbeats: pings are answered by the reader
// while messages wait here.
const inboxHighWater = 1024

// inbox is the queue between the reader goroutines and the dispatcher. It
// allocates only when events are waiting, so an idle connection costs
// nothing here.
type inbox struct {
	mu     sync.Mutex
	cond   sync.Cond
	items  []event
	spare  []event
	closed bool
}

func (q *inbox) init() { q.cond.L = &q.mu }

// push appends ev, waiting while the queue is at its high-water mark. It
// reports false once the queue is closed (the event is dropped).
func (q *inbox) push(ev event) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) >= inboxHighWater && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return false
	}
	q.items = append(q.items, ev)
	if len(q.items) == 1 {
		q.cond.Broadcast()
	}
	return true
}

// take waits until events are queued or the queue is closed and returns
// every queued event. Without drain, a closed queue returns (nil, true) at
// once, leaving its events for a later take(true) once the readers are gone.
func (q *inbox) take(drain bool) (evs []event, closed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed && !drain {
		return nil, true
	}
	evs = q.items
	q.items = q.spare[:0]
	q.spare = nil
	if len(evs) >= inboxHighWater {
		q.cond.Broadcast()
	}
	return evs, q.closed
}

// recycle gives back a slice returned by take once its events are handled.
func (q *inbox) recycle(evs []event) {
	clear(evs)
	q.mu.Lock()
	if q.spare == nil && cap(evs) <= 2*inboxHighWater {
		q.spare = evs[:0]
	}
	q.mu.Unlock()
}

// close wakes every waiter; pushes fail from now on, events already queued
// stay for the final drain.
func (q *inbox) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

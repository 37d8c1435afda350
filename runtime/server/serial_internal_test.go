package server

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestSerialOrderLimitAndReuse: a socket's tasks run one at a time in
// push order, including tasks pushed by running tasks (which exercises the
// queue's compaction); the limit counts tasks not yet run; events and
// functions share the queue.
func TestSerialOrderLimitAndReuse(t *testing.T) {
	srv := New(Options{})
	defer srv.Close(context.Background())
	e := &serial{srv: srv, paused: true}

	var mu sync.Mutex
	var got []int
	record := func(i int) func() {
		return func() { mu.Lock(); got = append(got, i); mu.Unlock() }
	}
	accepted := 0
	for i := range 8 {
		if e.push(record(i), 5) {
			accepted++
		}
	}
	if accepted != 5 {
		t.Fatalf("%d tasks accepted with limit 5 while paused", accepted)
	}
	done := make(chan struct{})
	var chain func(i int) func()
	chain = func(i int) func() {
		return func() {
			record(100 + i)()
			switch {
			case i < 50:
				e.push(chain(i+1), 0) // pushed while running
				e.push(record(1000+i), 0)
			case i == 50:
				close(done)
			}
		}
	}
	e.push(chain(0), 0)
	e.resume()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("tasks did not run")
	}
	srv.tasks.Wait() // the runner has returned: the queue is empty
	mu.Lock()
	defer mu.Unlock()
	want := []int{0, 1, 2, 3, 4}
	for i := 0; i <= 50; i++ {
		want = append(want, 100+i)
		if i > 0 {
			want = append(want, 1000+i-1)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ran %v\nwant %v", got, want)
	}
	if e.head != 0 || len(e.q) != 0 || e.running {
		t.Fatalf("idle queue: head %d len %d running %v", e.head, len(e.q), e.running)
	}
}

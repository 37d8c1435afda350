package gopool_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogen/sio/internal/goid"
	"github.com/siogen/sio/internal/gopool"
)

// TestReuse: sequential tasks run on one goroutine, which is kept idle
// between them.
func TestReuse(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := gopool.New(time.Minute)
	ids := make(map[uint64]bool)
	for i := 0; i < 100; i++ {
		done := make(chan uint64)
		p.Go(func() { done <- goid.ID() })
		ids[<-done] = true
		waitIdle(t, p, 1)
	}
	if len(ids) != 1 {
		t.Fatalf("100 sequential tasks ran on %d goroutines, want 1", len(ids))
	}
	p.Close()
	p.Wait()
}

// TestConcurrent: concurrent tasks each get a goroutine and all run once,
// and later bursts reuse them. Each burst holds its n tasks at a barrier
// until all have started, so exactly n run at once: the first burst starts
// n goroutines, and once they are idle again the next bursts start none.
func TestConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := gopool.New(time.Minute)
	const n = 1000
	var ran atomic.Int64
	for r := 0; r < 5; r++ {
		var started atomic.Int64
		all := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(n)
		for i := 0; i < n; i++ {
			p.Go(func() {
				defer wg.Done()
				if started.Add(1) == n {
					close(all)
				}
				<-all
				ran.Add(1)
			})
		}
		wg.Wait()
		waitIdle(t, p, n) // every goroutine is back, none was added
	}
	if got := ran.Load(); got != 5*n {
		t.Fatalf("%d tasks ran, want %d", got, 5*n)
	}
	p.Close()
	p.Wait()
	if idle := p.Idle(); idle != 0 {
		t.Fatalf("%d idle goroutines after Close", idle)
	}
}

// TestIdleExit: idle goroutines exit after the idle time.
func TestIdleExit(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := gopool.New(20 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Add(10)
	for i := 0; i < 10; i++ {
		p.Go(func() { defer wg.Done(); time.Sleep(5 * time.Millisecond) })
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for p.Idle() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines still idle after 5 s", p.Idle())
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.Close()
	p.Wait()
}

// TestCloseWaitsForTasks: Wait returns after the running task, and Go after
// Close still runs its task.
func TestCloseWaitsForTasks(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := gopool.New(time.Minute)
	release := make(chan struct{})
	var finished atomic.Bool
	p.Go(func() { <-release; finished.Store(true) })
	p.Close()
	waited := make(chan struct{})
	go func() { p.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while a task was running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-waited
	if !finished.Load() {
		t.Fatal("Wait returned before the task finished")
	}
	done := make(chan struct{})
	p.Go(func() { close(done) })
	<-done
}

func waitIdle(t *testing.T, p *gopool.Pool, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Idle() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle, want %d", p.Idle(), n)
		}
		runtime.Gosched()
	}
}

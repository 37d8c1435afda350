// Package gopool runs short tasks on reused goroutines.
//
// The runtime starts short-lived goroutines all the time: a writer each
// time a session's queue fills, a handler run each time an event arrives.
// A new goroutine costs more than its creation: it starts with a small
// stack, and a task that goes deeper (decoding JSON does) copies its stack
// to a larger one, every time. A Pool keeps the goroutines that finished a
// task for a while, with the stacks they grew, and hands them the next
// tasks; goroutines idle for longer than the pool's idle time exit, so an
// idle server holds none.
package gopool

import (
	"sync"
	"time"
)

// Pool runs functions on pooled goroutines. The zero value is not usable;
// create one with New and end it with Close.
type Pool struct {
	idleTime time.Duration

	mu      sync.Mutex
	idle    []*worker // most recently idle last
	closed  bool
	janitor bool // the janitor goroutine runs
	stop    chan struct{}
	wg      sync.WaitGroup // every goroutine of the pool
}

type worker struct {
	next  chan Task // capacity 1; nil means exit
	since time.Time // idle since
}

// Task is work for the pool. A pointer to a long-lived value that
// implements it runs without an allocation, where a method value or a
// closure passed to Go may need one.
type Task interface{ Run() }

// funcTask runs a function as a Task.
type funcTask func()

func (f funcTask) Run() { f() }

// New returns a pool whose goroutines exit after idleTime without a task
// (between idleTime and twice it).
func New(idleTime time.Duration) *Pool {
	return &Pool{idleTime: idleTime, stop: make(chan struct{})}
}

// Go runs f on an idle goroutine of the pool, or on a new one. After
// Close, f runs on a new goroutine that is not kept.
func (p *Pool) Go(f func()) { p.Run(funcTask(f)) }

// Run is Go for a Task.
func (p *Pool) Run(f Task) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.next <- f // never blocks: the worker took its last task
		return
	}
	if p.closed {
		p.mu.Unlock()
		go f.Run()
		return
	}
	if !p.janitor {
		p.janitor = true
		p.wg.Add(1)
		go p.sweep()
	}
	p.wg.Add(1)
	p.mu.Unlock()
	go p.work(&worker{next: make(chan Task, 1)}, f)
}

// work runs f, then the tasks Go hands it, until it is told to exit.
func (p *Pool) work(w *worker, f Task) {
	defer p.wg.Done()
	for f != nil {
		f.Run()
		f = nil // let what it holds go while idle
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		w.since = time.Now()
		p.idle = append(p.idle, w)
		p.mu.Unlock()
		f = <-w.next
	}
}

// sweep ends the goroutines that stayed idle for idleTime, every idleTime.
func (p *Pool) sweep() {
	defer p.wg.Done()
	t := time.NewTicker(p.idleTime)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			p.mu.Lock()
			n := 0 // the oldest idle ones are first
			for n < len(p.idle) && now.Sub(p.idle[n].since) >= p.idleTime {
				p.idle[n].next <- nil
				n++
			}
			p.idle = append(p.idle[:0], p.idle[n:]...)
			clear(p.idle[len(p.idle):cap(p.idle)])
			p.mu.Unlock()
		}
	}
}

// Idle returns the number of goroutines waiting for a task.
func (p *Pool) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

// Close ends the idle goroutines; the busy ones end after their task. Go
// still works after Close, on goroutines that are not kept.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	close(p.stop)
	for _, w := range p.idle {
		w.next <- nil
	}
	p.idle = nil
}

// Wait waits, after Close, until every goroutine the pool kept has
// returned, which includes the tasks running now. A task must not call it.
func (p *Pool) Wait() { p.wg.Wait() }

package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/goid"
	"github.com/siogen/sio/runtime/adapter"
)

// core is what the classic and the sharded adapter share: the local rooms,
// the subscription and its goroutines, and this server's requests waiting
// for the other servers' answers.
type core struct {
	mem *adapter.Memory

	ps     *redis.PubSub
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the receive loop, the event queue's goroutine (and the sharded subscriber)
	events eventQueue     // server-side events, handled in order
	// loopGID is the receive loop's goroutine id: a Close it causes (a
	// remote disconnect empties a dynamic namespace, which the server
	// then removes) must not wait for the loop itself.
	loopGID atomic.Uint64

	mu       sync.Mutex
	closed   bool
	requests map[string]*pendingRequest
	acks     map[string]*pendingAck
}

// newCore returns a core for nsp's local rooms.
func newCore(nsp adapter.Namespace) core {
	return core{
		mem:      adapter.NewMemory(nsp, adapter.MemoryOptions{}),
		requests: make(map[string]*pendingRequest),
		acks:     make(map[string]*pendingAck),
	}
}

// closeCore unsubscribes (the other servers stop counting this server),
// ends pending requests and waits for the adapter's goroutines, unless
// called from one of them: that one ends by itself once the handler that
// called Close returns.
func (c *core) closeCore() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	for id, r := range c.requests {
		if r.timer != nil {
			r.timer.Stop()
		}
		delete(c.requests, id)
	}
	for id, p := range c.acks {
		p.timer.Stop()
		delete(c.acks, id)
	}
	c.mu.Unlock()
	c.cancel()
	err := c.ps.Close()
	if self := goid.ID(); self != c.loopGID.Load() && self != c.events.gid.Load() {
		c.wg.Wait()
	}
	if err != nil && !errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("redisadapter: close: %w", err)
	}
	return c.mem.Close()
}

// answerServerSideEmit counts one server's answer p to the server-side
// emit request id and hands it on, unless the request is over (complete,
// timed out, or a duplicate answer).
func (c *core) answerServerSideEmit(id string, r *pendingRequest, p *socketio.Packet) {
	c.mu.Lock()
	if c.requests[id] != r || r.msgCount >= r.numSub {
		c.mu.Unlock()
		return
	}
	r.msgCount++
	if r.msgCount == r.numSub {
		r.timer.Stop()
		delete(c.requests, id)
	}
	c.mu.Unlock()
	r.onAck(p, nil)
}

// addRequest registers request r under id, removed after timeout unless
// complete before (timeout 0: the caller removes it); false when the
// adapter is closed.
func (c *core) addRequest(id string, r *pendingRequest, timeout time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	if timeout > 0 {
		r.timer = time.AfterFunc(timeout, func() { c.removeRequest(id) })
	}
	c.requests[id] = r
	return true
}

// removeRequest forgets request id (timed out, failed or complete).
func (c *core) removeRequest(id string) {
	c.mu.Lock()
	if r := c.requests[id]; r != nil {
		if r.timer != nil {
			r.timer.Stop()
		}
		delete(c.requests, id)
	}
	c.mu.Unlock()
}

// forgetAck forgets broadcast-with-acks id.
func (c *core) forgetAck(id string) {
	c.mu.Lock()
	if p := c.acks[id]; p != nil {
		p.timer.Stop()
		delete(c.acks, id)
	}
	c.mu.Unlock()
}

// answerFetch counts one server's answer ds to the fetch request id,
// unless the request is over; the last expected answer completes it.
func (c *core) answerFetch(id string, r *pendingRequest, ds []adapter.SocketDetails) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.requests[id] == r && r.msgCount < r.numSub {
		r.msgCount++
		r.sockets = append(r.sockets, ds...)
		if r.msgCount == r.numSub {
			close(r.done)
		}
	}
}

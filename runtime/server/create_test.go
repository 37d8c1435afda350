package server_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siogen/sio/runtime/adapter"
	"github.com/siogen/sio/runtime/server"
)

// closeCounting is the in-memory adapter, counting Close calls.
type closeCounting struct {
	*adapter.Memory
	closes *atomic.Int32
}

func (c closeCounting) Close() error { c.closes.Add(1); return c.Memory.Close() }

// TestNamespaceCreatedOnce: many goroutines asking for the same new
// namespace at once get one namespace; adapters are made outside the
// server's lock (an adapter may wait, as the Redis one does), so a racing
// creation is possible, and its adapter is closed.
func TestNamespaceCreatedOnce(t *testing.T) {
	var made, closes atomic.Int32
	srv := server.New(server.Options{Adapter: func(nsp adapter.Namespace) adapter.Adapter {
		made.Add(1)
		time.Sleep(2 * time.Millisecond) // a slow adapter widens the race
		return closeCounting{adapter.NewMemory(nsp, adapter.MemoryOptions{}), &closes}
	}})
	before := made.Load() // the main namespace's
	const n = 16
	got := make([]*server.Namespace, n)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = srv.Of("/fresh")
		}()
	}
	wg.Wait()
	for i, ns := range got {
		if ns != got[0] {
			t.Fatalf("goroutine %d got another namespace", i)
		}
	}
	// Every adapter but the one in use was closed.
	if m, c := made.Load()-before, closes.Load(); c != m-1 {
		t.Fatalf("%d adapters made, %d closed, want all but one closed", m, c)
	}
	t.Logf("%d adapters made for %d concurrent Of calls", made.Load()-before, n)
}

package redisadapter_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogen/sio/codec/socketio"
	redisadapter "github.com/siogen/sio/runtime/adapter/redis"
)

// TestRedisRestart stops the Redis server under a cluster and starts it
// again on the same port: go-redis reconnects and resubscribes, and
// broadcasts cross servers again.
func TestRedisRestart(t *testing.T) {
	addr, stop, err := startRedisServer(0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { stop() }()
	_, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	client := func() *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetryBackoff: 50 * time.Millisecond})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	key := testKey(t)
	a := startNodeOn(t, client(), key, "a", socketio.JSON)
	b := startNodeOn(t, client(), key, "b", socketio.JSON)
	cb := dial(t, b, "cb", socketio.JSON)
	if err := a.srv.Emit("before"); err != nil {
		t.Fatal(err)
	}
	cb.expect(t, "before []")

	stop()
	if addr2, stop2, err := startRedisServer(port); err != nil || addr2 != addr {
		t.Fatalf("restart redis on %s: %s %v", addr, addr2, err)
	} else {
		stop = stop2
	}

	// Emit until one gets through (those sent while the subscriptions are
	// being restored are lost, as with any Pub/Sub), then expect nothing
	// but copies of "after".
	ctx := ctxT(t)
	for i := 0; ; i++ {
		_ = a.srv.Emit("after")
		select {
		case ev := <-cb.events:
			if ev != "after []" {
				t.Fatalf("cb got %q", ev)
			}
		case <-time.After(100 * time.Millisecond):
			if ctx.Err() != nil {
				t.Fatal("no broadcast got through after the restart")
			}
			continue
		}
		break
	}
	for deadline := time.Now().Add(waitFor); ; time.Sleep(20 * time.Millisecond) {
		n, err := a.srv.Of("/").Adapter().ServerCount(context.Background())
		if err == nil && n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server count %d %v after the restart", n, err)
		}
	}
}

// TestRedisUnreachable starts a server whose Redis does not answer: the
// adapter is created anyway (the error is logged), operations that need
// Redis fail with an error instead of hanging, local ones work, and Close
// leaves nothing behind.
func TestRedisUnreachable(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	n := startNodeOpts(t, rdb, "a", socketio.JSON, redisadapter.Options{Key: testKey(t), RequestsTimeout: time.Second})
	c := dial(t, n, "c", socketio.JSON)
	if err := n.srv.Emit("x"); err == nil {
		t.Error("broadcast without Redis: no error")
	}
	c.expect(t, "x []") // delivered locally all the same
	if _, err := n.srv.Of("/").Adapter().ServerCount(ctxT(t)); err == nil {
		t.Error("server count without Redis: no error")
	}
	if err := n.srv.Of("/").Local().Emit("y"); err != nil {
		t.Error(err)
	}
	c.expect(t, "y []")
	n.close()
}

package redisadapter_test

import (
	"context"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	redisadapter "github.com/siogen/sio/runtime/adapter/redis"
	"github.com/siogen/sio/runtime/client"
	"github.com/siogen/sio/runtime/server"
)

// TestRemoteDisconnectEmptiesDynamicNamespace: a remote disconnectSockets
// that takes the last socket of a dynamic child namespace makes the server
// remove that namespace and close its adapter from the adapter's own
// receive loop. That must not deadlock: the namespace is gone, a client can
// open it again (with a new adapter) and the cluster still reaches it.
func TestRemoteDisconnectEmptiesDynamicNamespace(t *testing.T) {
	key := testKey(t)
	newServer := func() (*server.Server, string) {
		srv := server.New(server.Options{
			Logger:                      quietLogger(),
			Adapter:                     redisadapter.New(newRedisClient(t), redisadapter.Options{Key: key, Logger: quietLogger()}),
			CleanupEmptyChildNamespaces: true,
		})
		srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
		hs := httptest.NewServer(srv)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			if err := srv.Close(ctx); err != nil {
				t.Errorf("server close: %v", err)
			}
			hs.Close()
		})
		return srv, hs.URL
	}
	srvA, urlA := newServer()
	srvB, _ := newServer()

	connect := func() (*client.Socket, chan string) {
		t.Helper()
		reasons := make(chan string, 4)
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		s, err := client.Dial(ctx, urlA+"/dyn-1", client.Options{NoReconnection: true}, client.SocketOptions{
			OnDisconnect: func(r string) { reasons <- r },
		})
		if err != nil {
			t.Fatalf("dial /dyn-1: %v", err)
		}
		t.Cleanup(func() { _ = s.Manager().Close() })
		return s, reasons
	}
	_, reasons := connect()

	// B has the namespace too (an empty one), so its disconnect reaches A.
	if err := srvB.Of("/dyn-1").DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-reasons:
		if r != client.ReasonServerDisconnect {
			t.Fatalf("disconnect reason %q", r)
		}
	case <-time.After(waitFor):
		t.Fatal("the remote disconnect did not arrive")
	}
	deadline := time.Now().Add(waitFor)
	for hasNamespace(srvA, "/dyn-1") {
		if time.Now().After(deadline) {
			t.Fatal("the empty child namespace was not removed (adapter Close stuck?)")
		}
		time.Sleep(5 * time.Millisecond)
	}

	// The namespace comes back with a new adapter, and the cluster reaches it.
	s2, reasons2 := connect()
	got := make(chan string, 1)
	s2.On("hello", func(_ context.Context, ev *client.Event) {
		var v string
		_ = ev.Decode(0, &v)
		got <- v
	})
	deadline = time.Now().Add(waitFor)
	for {
		if err := srvB.Of("/dyn-1").Emit("hello", "from B"); err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-got:
			if v != "from B" {
				t.Fatalf("got %q", v)
			}
			return
		case r := <-reasons2:
			t.Fatalf("disconnected: %s", r)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("a broadcast from B never reached the re-created namespace on A")
		}
	}
}

func hasNamespace(srv *server.Server, name string) bool {
	for _, n := range srv.Namespaces() {
		if n.Name() == name {
			return true
		}
	}
	return false
}

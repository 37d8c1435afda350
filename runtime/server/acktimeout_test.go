package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
	"github.com/siogen/sio/runtime/server"
)

// silentCluster is an adapter that reports one other server which never
// answers: a server with no listener for a server-side event, or one whose
// client never acks.
type silentCluster struct{ *adapter.Memory }

func (a silentCluster) ServerSideEmit(_ *socketio.Packet, onServerCount func(int), _ adapter.AckFunc) error {
	if onServerCount != nil {
		onServerCount(1)
	}
	return nil
}

func (a silentCluster) ServerCount(context.Context) (int, error) { return 2, nil }

// TestAckWaitsAreBounded: without a deadline from ctx or Timeout,
// ServerSideEmitWithAck and EmitWithAck give up after DefaultAckTimeout
// with the answers so far and a deadline error, instead of waiting forever
// for a server that never answers; a caller's own deadline still wins.
func TestAckWaitsAreBounded(t *testing.T) {
	defer server.SetAckTimeout(100 * time.Millisecond)()
	srv := server.New(server.Options{Adapter: func(nsp adapter.Namespace) adapter.Adapter {
		return silentCluster{adapter.NewMemory(nsp, adapter.MemoryOptions{})}
	}})
	defer srv.Close(context.Background())

	for _, tc := range []struct {
		name string
		call func(ctx context.Context) ([]*server.Args, error)
	}{
		{"server-side emit", func(ctx context.Context) ([]*server.Args, error) {
			return srv.Of("/").ServerSideEmitWithAck(ctx, "hello")
		}},
		{"broadcast", func(ctx context.Context) ([]*server.Args, error) {
			return srv.Of("/").EmitWithAck(ctx, "hello") // the silent server never reports its clients
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				res []*server.Args
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := tc.call(context.Background())
				done <- result{res, err}
			}()
			select {
			case r := <-done:
				if !errors.Is(r.err, context.DeadlineExceeded) || len(r.res) != 0 {
					t.Fatalf("got %d answers, %v; want none and a deadline error", len(r.res), r.err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("still waiting after 10 s with a 100 ms default")
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := tc.call(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("with a cancelled ctx: %v", err)
			}
		})
	}
}

package redisadapter_test

import (
	"context"
	"net/http"

	"github.com/redis/go-redis/v9"

	redisadapter "github.com/siogen/sio/runtime/adapter/redis"
	"github.com/siogen/sio/runtime/server"
)

// A server whose namespaces share rooms, broadcasts and server-side events
// with the other servers (sio or Node with createShardedAdapter) of one
// Redis 7, through sharded Pub/Sub.
func ExampleNewSharded() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close() // after the server, which closes its adapters
	srv := server.New(server.Options{
		Adapter: redisadapter.NewSharded(rdb, redisadapter.ShardedOptions{
			ChannelPrefix:    "socket.io",                      // as channelPrefix in Node
			SubscriptionMode: redisadapter.SubscriptionDynamic, // as subscriptionMode
		}),
	})
	defer srv.Close(context.Background())
	srv.OnConnection(func(s *server.Socket) { s.Join("lobby") })
	_ = http.ListenAndServe("127.0.0.1:3000", srv)
}

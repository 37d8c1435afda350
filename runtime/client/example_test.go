package client_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/runtime/client"
	"github.com/siogen/sio/runtime/engineclient"
)

// A manager multiplexing two namespaces, with auth, an event handler that
// acks, and an acked emit whose context deadline is the ack timeout.
func ExampleManager() {
	m, err := client.NewManager("http://127.0.0.1:3000", client.Options{
		Codec:              msgpack.Codec{}, // the server uses socket.io-msgpack-parser
		Engine:             engineclient.Options{Transports: []string{engineclient.WebSocket, engineclient.Polling}},
		OnReconnectAttempt: func(n int) { fmt.Println("reconnecting, attempt", n) },
	})
	if err != nil {
		panic(err)
	}
	defer m.Close()

	chat, _ := m.Socket("/chat", client.SocketOptions{
		Auth:         map[string]any{"token": "secret"},
		OnDisconnect: func(reason string) { fmt.Println("chat disconnected:", reason) },
	})
	chat.On("question", func(ctx context.Context, ev *client.Event) {
		var q string
		if err := ev.Decode(0, &q); err == nil && ev.WantsAck() {
			_ = ev.Ack("answer to " + q)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := chat.Connect(ctx); err != nil {
		var refused *client.ConnectError
		if errors.As(err, &refused) {
			fmt.Println("refused:", refused.Message, refused.Data)
		}
		return
	}
	ackCtx, cancelAck := context.WithTimeout(ctx, time.Second)
	defer cancelAck()
	ack, err := chat.EmitWithAck(ackCtx, "join", "room1")
	if err != nil {
		return // errors.Is(err, client.ErrAckTimeout) when the server did not answer in time
	}
	var members int
	_ = ack.Decode(0, &members)
	_ = chat.Volatile().Emit("typing", "room1", true) // dropped while disconnected
}

// Dial connects to the namespace in the URL's path on a new Manager.
func ExampleDial() {
	s, err := client.Dial(context.Background(), "http://127.0.0.1:3000/admin", client.Options{}, client.SocketOptions{
		Retries:    3, // at-least-once: acked emits are resent until acked
		AckTimeout: 2 * time.Second,
	})
	if err != nil {
		return
	}
	defer s.Manager().Close()
	_ = s.Emit("audit", map[string]any{"event": "login"}, []byte{0x01}) // []byte travels as binary
}

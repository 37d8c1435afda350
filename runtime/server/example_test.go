package server_test

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/runtime/server"
)

// A chat namespace: auth in a middleware, events decoded in the handler,
// rooms, a broadcast, and an acknowledgement.
func Example() {
	srv := server.New(server.Options{})
	chat := srv.Of("/chat")
	chat.Use(func(_ context.Context, s *server.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		if err := s.DecodeAuth(&auth); err != nil || auth.Token == "" {
			// the client gets connect_error with err.data = {code: 401}
			return &server.ConnectError{Message: "unauthorized", Data: map[string]int{"code": 401}}
		}
		s.SetData(auth.Token)
		return nil
	})
	chat.OnConnection(func(s *server.Socket) { s.Join("lobby") })
	chat.On("say", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var room, text string
		if err := ev.DecodeAll(&room, &text); err != nil {
			_ = ev.Ack(map[string]string{"error": err.Error()})
			return
		}
		_ = s.To(room).Emit("said", s.ID(), text) // everyone in room but the sender
		_ = ev.Ack(nil)                           // JS: socket.emit("say", room, text, (err) => ...)
	})
	http.Handle("/socket.io/", srv)
}

// Asking a client and waiting for its answer, with the ack timeout taken
// from the context.
func ExampleSocket_EmitWithAck() {
	srv := server.New(server.Options{})
	srv.OnConnection(func(s *server.Socket) {
		go func() {
			ctx, cancel := context.WithTimeout(s.Context(), 5*time.Second)
			defer cancel()
			answer, err := s.EmitWithAck(ctx, "ready?")
			if errors.Is(err, context.DeadlineExceeded) {
				return // the client did not answer in time
			}
			var ok bool
			if err == nil && answer.Decode(0, &ok) == nil && ok {
				_ = s.Emit("go")
			}
		}()
	})
}

// A broadcast to two rooms except a third, collecting one answer per
// client within a second.
func ExampleBroadcastOperator_EmitWithAck() {
	srv := server.New(server.Options{Codec: msgpack.Codec{}})
	answers, err := srv.To("room1", "room2").Except("muted").Timeout(time.Second).
		EmitWithAck(context.Background(), "vote", "lunch?")
	_ = err // wraps context.DeadlineExceeded when some clients did not answer
	for _, a := range answers {
		var choice string
		_ = a.Decode(0, &choice)
	}
}

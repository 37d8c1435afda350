// Package main uses the generated code correctly; its siblings each make one mistake.
package main

import (
	"context"
	"time"

	gen "github.com/siogen/sio/cmd/sio-gen/internal/gogen/testdata/golden/good"
	"github.com/siogen/sio/runtime/server"
	schema "github.com/siogen/sio/schema/loader/testdata/good"
)

type chat struct{ gen.UnimplementedChatHandler }

func (chat) Join(ctx context.Context, s *gen.ChatSocket, room string) (int, error) {
	s.Data().User = "x"
	return 1, s.EmitMessage(schema.Message{Room: room})
}

func main() {
	srv := server.New(server.Options{})
	ns := gen.RegisterChat(srv, chat{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _ = ns.To("room").Timeout(time.Second).EmitAsk(ctx, "why?")
	var c *gen.ChatClient
	n, err := c.Join(ctx, "room")
	_, _ = n+1, err
	c.OnAsk(func(ctx context.Context, q string) string { return q })
}

package main

import (
	"context"

	gen "github.com/siogen/sio/cmd/sio-gen/internal/gogen/testdata/golden/good"
	"github.com/siogen/sio/runtime/server"
)

// chat's Join acks a string where the schema says int.
type chat struct{ gen.UnimplementedChatHandler }

func (chat) Join(ctx context.Context, s *gen.ChatSocket, room string) (string, error) { return "", nil }

func main() {
	gen.RegisterChat(server.New(server.Options{}), chat{})
}

package main

import (
	"context"

	gen "github.com/siogen/sio/cmd/sio-gen/internal/gogen/testdata/golden/good"
)

func main() {
	var c *gen.ChatClient
	c.OnMessage(func(ctx context.Context, text string) {})
}

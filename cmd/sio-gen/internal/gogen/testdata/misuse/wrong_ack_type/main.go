package main

import (
	"context"

	gen "github.com/siogen/sio/cmd/sio-gen/internal/gogen/testdata/golden/good"
)

func main() {
	var c *gen.ChatClient
	var members string
	var err error
	members, err = c.Join(context.Background(), "room")
	_, _ = members, err
}

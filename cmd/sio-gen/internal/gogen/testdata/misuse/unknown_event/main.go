package main

import gen "github.com/siogen/sio/cmd/sio-gen/internal/gogen/testdata/golden/good"

func main() {
	var s *gen.ChatSocket
	_ = s.EmitShout("hi")
}

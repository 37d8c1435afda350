package main

import (
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// engineIOOptions are the settings the Engine.IO v4 suite checks.
func engineIOOptions(path string) engine.Options {
	return engine.Options{
		Path:              path,
		PingInterval:      300 * time.Millisecond,
		PingTimeout:       200 * time.Millisecond,
		MaxHTTPBufferSize: 1_000_000,
		CORS:              &engine.CORS{Origins: []string{"*"}},
	}
}

// engineIOSuite serves /engine.io/ and echoes every message unchanged.
func engineIOSuite() mount {
	opts := engineIOOptions("/engine.io/")
	opts.OnSession = func(s *engine.Session) {
		s.SetHandler(engine.HandlerFuncs{
			Packet: func(p engineio.Packet) { _ = s.Send(p) },
		})
	}
	srv := engine.NewServer(opts)
	return mount{path: "/engine.io/", handler: srv, close: srv.Close}
}

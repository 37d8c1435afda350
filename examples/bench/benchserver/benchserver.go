// Package benchserver is the Go side of the benchmarks: the bench events
// served through the generated typed code (Typed) and, for comparison,
// through the untyped runtime API (Untyped). Both behave the same on the
// wire.
package benchserver

import (
	"context"

	"github.com/siogen/sio/examples/bench/benchschema"
	"github.com/siogen/sio/generated/bench"
	"github.com/siogen/sio/runtime/server"
)

// Typed serves the bench events with the generated handler API.
type Typed struct {
	ns *bench.MainNamespace
}

// RegisterTyped serves the bench events on srv's main namespace.
func RegisterTyped(srv *server.Server) *Typed {
	t := &Typed{}
	t.ns = bench.RegisterMain(srv, t)
	return t
}

// Echo emits the payload back to its sender.
func (t *Typed) Echo(_ context.Context, s *bench.MainSocket, p benchschema.Payload) {
	_ = s.EmitEcho(p)
}

// Ping acks with the payload.
func (t *Typed) Ping(_ context.Context, _ *bench.MainSocket, p benchschema.Payload) benchschema.Payload {
	return p
}

// Bcast sends the payload to every client of the namespace.
func (t *Typed) Bcast(_ context.Context, _ *bench.MainSocket, p benchschema.Payload) {
	_ = t.ns.All().EmitBcast(p)
}

// RegisterUntyped serves the same events with the untyped runtime API,
// decoding into the same Go type.
func RegisterUntyped(srv *server.Server) {
	ns := srv.Of("/")
	ns.On("echo", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var p benchschema.Payload
		if ev.Decode(0, &p) == nil {
			_ = s.Emit("echo", p)
		}
	})
	ns.On("ping", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var p benchschema.Payload
		if ev.Decode(0, &p) == nil {
			_ = ev.Ack(p)
		}
	})
	ns.On("bcast", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var p benchschema.Payload
		if ev.Decode(0, &p) == nil {
			_ = ns.Emit("bcast", p)
		}
	})
}

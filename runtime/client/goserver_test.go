package client

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/engineclient"
	"github.com/siogen/sio/runtime/server"
)

// goServer is our Socket.IO server (runtime/server) with the handlers of
// interop/client/server.mjs, logging the same events.
type goServer struct {
	*eventLog
	url string
}

// URL returns the server's base URL.
func (g *goServer) URL() string { return g.url }

func startGoServer(t testing.TB, codec socketio.Codec) *goServer {
	t.Helper()
	srv := server.New(server.Options{Codec: codec, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	log := newEventLog(t)
	for _, name := range []string{"/", "/chat", "/auth"} {
		setupGoNamespace(srv.Of(name), log)
	}
	srv.Of("/auth").Use(func(_ context.Context, s *server.Socket) error {
		var auth map[string]any
		_ = s.DecodeAuth(&auth)
		if auth["token"] == "secret" {
			return nil
		}
		return &server.ConnectError{Message: "not authorized", Data: map[string]any{"code": 4001, "hint": "send token"}}
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close Go server: %v", err)
		}
		hs.Close()
		close(log.read)
	})
	return &goServer{eventLog: log, url: hs.URL}
}

func setupGoNamespace(n *server.Namespace, log *eventLog) {
	n.OnConnection(func(s *server.Socket) {
		log.add(serverEvent{Ev: "connection", Nsp: n.Name(), ID: s.ID(), Recovered: s.Recovered(), Transport: s.Transport()})
		s.OnDisconnect(func(reason string) {
			log.add(serverEvent{Ev: "disconnect", Nsp: n.Name(), ID: s.ID(), Reason: reason})
		})
		if !s.Recovered() {
			_ = s.Emit("welcome", s.ID())
		}
	})
	n.On("echo", func(_ context.Context, s *server.Socket, ev *server.Event) {
		_ = s.Emit("echo", ev.Args)
	})
	n.On("ack", func(_ context.Context, _ *server.Socket, ev *server.Event) {
		_ = ev.Ack(ev.Args)
	})
	n.On("join", func(ctx context.Context, s *server.Socket, ev *server.Event) {
		var room string
		_ = ev.Decode(0, &room)
		s.Join(room)
		members, _ := n.In(room).FetchSockets(ctx)
		_ = ev.Ack(len(members))
	})
	n.On("say", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var room, text string
		_ = ev.DecodeAll(&room, &text)
		_ = n.To(room).Emit("message", map[string]any{"room": room, "text": text, "from": s.ID()})
	})
	n.On("ask", func(ctx context.Context, s *server.Socket, ev *server.Event) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		reply, err := s.EmitWithAck(ctx, "question", ev.Args)
		if err != nil {
			_ = s.Emit("answer", map[string]any{"error": err.Error()})
			return
		}
		vals := make([]any, reply.Len())
		for i := range vals {
			_ = reply.Decode(i, &vals[i])
		}
		_ = s.Emit("answer", vals)
	})
	n.On("whoami", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var auth map[string]any
		_ = s.DecodeAuth(&auth)
		if auth == nil {
			auth = map[string]any{}
		}
		_ = ev.Ack(map[string]any{
			"id": s.ID(), "auth": auth, "recovered": s.Recovered(),
			"engine": s.Conn().ID(), "transport": s.Transport(), "rooms": s.Rooms(),
		})
	})
}

// TestGoServerMatrix runs the interop scenario against our own server over
// every transport mode and both parsers.
func TestGoServerMatrix(t *testing.T) {
	for _, p := range parsers {
		srv := startGoServer(t, p.codec)
		for _, mode := range transportModes {
			t.Run(p.name+"/"+mode.name, func(t *testing.T) {
				opts := Options{Codec: p.codec, Engine: engineclient.Options{Transports: mode.transports}}
				runScenario(t, srv, opts, mode.final)
			})
		}
	}
}

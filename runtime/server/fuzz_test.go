package server_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws/wsutil"
	"go.uber.org/goleak"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/server"
)

// fuzzPayload is what the fuzz server's handlers decode arguments into.
type fuzzPayload struct {
	A int               `json:"a" msgpack:"a"`
	B []byte            `json:"b" msgpack:"b"`
	C *time.Time        `json:"c" msgpack:"c"`
	D map[string]string `json:"d" msgpack:"d"`
}

// newFuzzServer builds a server that exercises what a client can reach:
// typed decoding with acks, per-socket middleware and listeners, rooms,
// broadcasts, an auth middleware on /chat and dynamic namespaces.
func newFuzzServer(codec socketio.Codec) *server.Server {
	srv := server.New(server.Options{Codec: codec, ConnectTimeout: 2 * time.Second})
	handle := func(_ context.Context, s *server.Socket, ev *server.Event) {
		var p fuzzPayload
		var n int
		var raw any
		perr := ev.Decode(0, &p)
		nerr := ev.Decode(1, &n)
		_ = ev.Decode(2, &raw)
		switch {
		case ev.Name == "join":
			s.Join(strings.Repeat("r", n%5))
		case ev.Name == "bcast":
			_ = s.Broadcast().Emit("bcast", p)
		}
		if ev.WantsAck() {
			_ = ev.Ack(errors.Join(perr, nerr) == nil, len(p.B))
		}
	}
	setup := func(s *server.Socket) {
		s.Use(func(_ context.Context, _ *server.Socket, ev *server.Event) error {
			if ev.Name == "forbidden" {
				return errors.New("forbidden")
			}
			return nil
		})
		s.OnDisconnect(func(string) {})
	}
	for _, nsp := range []*server.Namespace{srv.Of("/"), srv.Of("/chat")} {
		nsp.OnAny(handle)
		nsp.OnConnection(setup)
	}
	srv.Of("/chat").Use(func(_ context.Context, s *server.Socket) error {
		var auth struct {
			Token string `json:"token" msgpack:"token"`
		}
		if err := s.DecodeAuth(&auth); err != nil || auth.Token != "t" {
			return errors.New("unauthorized")
		}
		return nil
	})
	dyn := srv.OfRegexp(regexp.MustCompile(`^/dyn-\d$`))
	dyn.OnAny(handle)
	return srv
}

// FuzzServerInbound sends arbitrary client messages (0x1E-separated; a
// leading 'b' sends the rest as a binary message) over a real WebSocket to
// a server with typed handlers, middlewares, rooms and dynamic namespaces,
// with the JSON or the msgpack parser. Whatever arrives, the server must
// not panic, must still serve a new client afterwards, and must leave no
// goroutine behind once closed.
func FuzzServerInbound(f *testing.F) {
	for _, seed := range []string{
		`40` + "\x1e" + `42["ev",{"a":1,"b":"x"},2]` + "\x1e" + `423["ev",{"a":"wrong"},"2"]`,
		`40/chat,{"token":"t"}` + "\x1e" + `42/chat,5["join",{},3]` + "\x1e" + `42/chat,["bcast",{"d":{"k":"v"}}]`,
		`40/chat,{"token":"no"}` + "\x1e" + `40/dyn-1,` + "\x1e" + `42/dyn-1,1["ev",{"c":"2020-01-01T00:00:00Z"}]`,
		`40` + "\x1e" + `451-7["ev",{"b":{"_placeholder":true,"num":0}},1]` + "\x1e" + "b\x01\x02\x03",
		`40` + "\x1e" + `42["forbidden"]` + "\x1e" + `43999[1]` + "\x1e" + `41` + "\x1e" + `40`,
		`40/dyn-x,` + "\x1e" + `40/nowhere,` + "\x1e" + `42["ev"]`,
		"b\x83\xa4type\x00\xa3nsp\xa1/\xa4data\x80" + "\x1e" + "b\x84\xa4type\x02\xa3nsp\xa1/\xa4data\x93\xa2ev\x81\xa1a\x01\x02\xa2id\x07",
		"b\x82\xa4type\x00\xa3nsp\xa5/chat" + "\x1e" + "b\x83\xa4type\x02\xa3nsp\xa1/\xa4data\x91\xc0",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	leaks := goleak.IgnoreCurrent()
	f.Cleanup(func() { goleak.VerifyNone(f, leaks) }) // runs after the servers' cleanups
	var bases [2]string
	for i, codec := range []socketio.Codec{socketio.JSON, msgpack.Codec{}} {
		srv := newFuzzServer(codec)
		hs := httptest.NewServer(srv)
		bases[i] = hs.URL
		f.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Close(ctx); err != nil {
				f.Errorf("server close: %v", err)
			}
			hs.Close()
		})
	}

	f.Fuzz(func(t *testing.T, input string, useMsgpack bool) {
		base := bases[0]
		if useMsgpack {
			base = bases[1]
		}
		c := dialRaw(t, base)
		for _, part := range bytes.Split([]byte(input), []byte{0x1e}) {
			var err error
			if len(part) > 0 && part[0] == 'b' {
				err = wsutil.WriteClientBinary(c.conn, part[1:])
			} else {
				err = wsutil.WriteClientText(c.conn, part)
			}
			if err != nil {
				break // closed by the server
			}
		}
		c.conn.Close()

		// A new client is still served.
		b := dialRaw(t, base)
		if useMsgpack {
			b.sendBinary([]byte("\x83\xa4type\x00\xa3nsp\xa1/\xa4data\x80"))
			if msg, _, err := b.read(); err != nil || !strings.Contains(msg, "sid") {
				t.Fatalf("after the input, a new client got %q, %v", msg, err)
			}
		} else {
			b.send("40")
			b.expectPrefix(`40{"sid":`)
			b.send(`423["ev",{"a":1},2]`)
			b.expect(`433[true,0]`)
		}
		b.conn.Close()
	})
}

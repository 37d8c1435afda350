package chatserver_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogen/sio"
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/examples/chat/chatschema"
	"github.com/siogen/sio/examples/chat/chatserver"
	"github.com/siogen/sio/generated/chat"
	"github.com/siogen/sio/runtime/client"
	"github.com/siogen/sio/runtime/engineclient"
	"github.com/siogen/sio/runtime/server"
	"github.com/siogen/sio/runtime/typed"
)

var parsers = []struct {
	name  string
	codec socketio.Codec
}{
	{"json", socketio.JSON},
	{"msgpack", msgpack.Codec{}},
}

var transportModes = []struct {
	name       string
	transports []string
	noUpgrade  bool
}{
	{"polling", []string{engineclient.Polling}, true},
	{"websocket", []string{engineclient.WebSocket}, false},
	{"upgrade", []string{engineclient.Polling, engineclient.WebSocket}, false},
	{"websocket-first", []string{engineclient.WebSocket, engineclient.Polling}, false},
}

// startChat serves the chat on a loopback test server.
func startChat(t *testing.T, codec socketio.Codec) string {
	t.Helper()
	srv := server.New(server.Options{Codec: codec})
	chatserver.Register(srv)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
		hs.Close()
	})
	return hs.URL
}

// events collects what a typed client receives.
type events struct {
	mu       sync.Mutex
	messages []chatschema.Message
	presence []chatschema.Presence
	files    []chatschema.File
	typing   []string
	changed  chan struct{}
}

func listen(c *chat.ChatClient) *events {
	e := &events{changed: make(chan struct{}, 100)}
	note := func() {
		select {
		case e.changed <- struct{}{}:
		default:
		}
	}
	c.OnMessage(func(_ context.Context, m chatschema.Message) {
		e.mu.Lock()
		e.messages = append(e.messages, m)
		e.mu.Unlock()
		note()
	})
	c.OnPresence(func(_ context.Context, p chatschema.Presence) {
		e.mu.Lock()
		e.presence = append(e.presence, p)
		e.mu.Unlock()
		note()
	})
	c.OnFile(func(_ context.Context, f chatschema.File) {
		e.mu.Lock()
		e.files = append(e.files, f)
		e.mu.Unlock()
		note()
	})
	c.OnTyping(func(_ context.Context, room, user string, on bool) {
		e.mu.Lock()
		e.typing = append(e.typing, room+"/"+user)
		e.mu.Unlock()
		note()
	})
	return e
}

// waitFor polls cond (under the lock) until it holds or 5 s pass.
func (e *events) waitFor(t *testing.T, what string, cond func(*events) bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		e.mu.Lock()
		ok := cond(e)
		e.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-e.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func dial(t *testing.T, url string, codec socketio.Codec, transports []string, noUpgrade bool, user string) *chat.ChatClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := chat.DialChat(ctx, url, client.Options{
		Codec:  codec,
		Engine: engineclient.Options{Transports: transports, NoUpgrade: noUpgrade},
	}, client.SocketOptions{Auth: map[string]any{"user": user}})
	if err != nil {
		t.Fatalf("dial as %s: %v", user, err)
	}
	t.Cleanup(func() { c.Socket().Manager().Close() })
	return c
}

// TestTypedEndToEnd runs typed Go clients against the typed Go server over
// every transport and both parsers.
func TestTypedEndToEnd(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, p := range parsers {
		for _, tm := range transportModes {
			t.Run(p.name+"/"+tm.name, func(t *testing.T) {
				url := startChat(t, p.codec)
				alice := dial(t, url, p.codec, tm.transports, tm.noUpgrade, "alice")
				bob := dial(t, url, p.codec, tm.transports, tm.noUpgrade, "bob")
				ae, be := listen(alice), listen(bob)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()

				if n, err := alice.Join(ctx, "lobby"); err != nil || n != 1 {
					t.Fatalf("alice joins: %d, %v", n, err)
				}
				if n, err := bob.Join(ctx, "lobby"); err != nil || n != 2 {
					t.Fatalf("bob joins: %d, %v", n, err)
				}
				ae.waitFor(t, "bob's presence", func(e *events) bool {
					for _, p := range e.presence {
						if p.User == "bob" && p.Joined && p.Members == 2 {
							return true
						}
					}
					return false
				})

				if err := bob.Say(ctx, "lobby", "héllo 👋 <b>&"); err != nil {
					t.Fatalf("bob says: %v", err)
				}
				for _, e := range []*events{ae, be} {
					e.waitFor(t, "the message", func(e *events) bool {
						return len(e.messages) == 1 && e.messages[0].Text == "héllo 👋 <b>&" && e.messages[0].User == "bob" && !e.messages[0].At.IsZero()
					})
				}

				blob := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000)
				id, err := alice.Upload(ctx, "lobby", "data.bin", blob)
				if err != nil || id == "" {
					t.Fatalf("upload: %q, %v", id, err)
				}
				be.waitFor(t, "the file", func(e *events) bool {
					return len(e.files) == 1 && e.files[0].ID == id && bytes.Equal(e.files[0].Data, blob)
				})

				// Typing is volatile: the server drops it for a client that
				// cannot take it right now (over polling, one with no GET
				// pending), as Node does. Repeat it until it gets through.
				gotTyping := func(e *events) bool { return len(e.typing) >= 1 && e.typing[0] == "lobby/alice" }
				for i := 0; ; i++ {
					if err := alice.Typing("lobby", true); err != nil {
						t.Fatalf("typing: %v", err)
					}
					be.mu.Lock()
					ok := gotTyping(be)
					be.mu.Unlock()
					if ok {
						break
					}
					if i == 50 {
						t.Fatal("no typing notice got through in 50 tries")
					}
					time.Sleep(100 * time.Millisecond)
				}

				msgs, err := alice.History(ctx, "lobby", 10)
				if err != nil || len(msgs) != 1 || msgs[0].Text != "héllo 👋 <b>&" {
					t.Fatalf("history: %+v, %v", msgs, err)
				}

				// A typed error comes back as *sio.AckError with its data.
				var ae2 *sio.AckError
				if err := alice.Say(ctx, "elsewhere", "x"); !errors.As(err, &ae2) || ae2.Message != "join the room first" {
					t.Fatalf("say in a room not joined: %v", err)
				}
				if _, err := alice.Join(ctx, strings.Repeat("r", 100)); !errors.As(err, &ae2) || ae2.Message != "bad room name" || ae2.Data == nil {
					t.Fatalf("bad room: %v (%#v)", err, ae2)
				}

				// A wrong argument type from an untyped peer is acked back as
				// an error naming the argument, and the server keeps going.
				ack, err := alice.Socket().EmitWithAck(ctx, "join", 42)
				if err != nil {
					t.Fatalf("raw join: %v", err)
				}
				err = typed.DecodeAck("join", ack, true, new(int))
				if !errors.As(err, &ae2) || !strings.Contains(ae2.Message, `event "join": argument 0`) {
					t.Fatalf("wrong type: %v", err)
				}
				if n, err := alice.Join(ctx, "second"); err != nil || n != 1 {
					t.Fatalf("join after a bad call: %d, %v", n, err)
				}

				if err := bob.Leave(ctx, "lobby"); err != nil {
					t.Fatalf("leave: %v", err)
				}
				ae.waitFor(t, "bob leaving", func(e *events) bool {
					last := e.presence[len(e.presence)-1]
					return last.User == "bob" && !last.Joined && last.Members == 1
				})
			})
		}
	}
}

func TestAuthRequired(t *testing.T) {
	url := startChat(t, socketio.JSON)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := chat.DialChat(ctx, url, client.Options{NoReconnection: true}, client.SocketOptions{})
	var ce *client.ConnectError
	if !errors.As(err, &ce) || ce.Message != "auth required" {
		t.Fatalf("dial without auth: %v", err)
	}
	data, _ := ce.Data.(map[string]any)
	if hint, _ := data["hint"].(string); !strings.Contains(hint, "user") {
		t.Fatalf("connect error data: %#v", ce.Data)
	}
}

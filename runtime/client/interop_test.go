package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/siogen/sio/runtime/engineclient"
)

// transportModes are the client transport configurations of issue 5.
var transportModes = []struct {
	name       string
	transports []string
	final      string // transport the connection ends up on
}{
	{"polling", []string{engineclient.Polling}, engineclient.Polling},
	{"websocket", []string{engineclient.WebSocket}, engineclient.WebSocket},
	{"upgrade", nil, engineclient.WebSocket},
	{"websocket-first", []string{engineclient.WebSocket, engineclient.Polling}, engineclient.WebSocket},
}

// TestInteropMatrix runs the Go client against the official Node socket.io
// 4.8 server over every transport mode and both parsers.
func TestInteropMatrix(t *testing.T) {
	for _, p := range parsers {
		srv := startServer(t, map[string]any{"parser": p.name})
		for _, mode := range transportModes {
			t.Run(p.name+"/"+mode.name, func(t *testing.T) {
				opts := Options{Codec: p.codec, Engine: engineclient.Options{Transports: mode.transports}}
				runScenario(t, srv, opts, mode.final)
			})
		}
	}
}

type whoami struct {
	ID        string         `json:"id" msgpack:"id"`
	Auth      map[string]any `json:"auth" msgpack:"auth"`
	Recovered bool           `json:"recovered" msgpack:"recovered"`
	Engine    string         `json:"engine" msgpack:"engine"`
	Transport string         `json:"transport" msgpack:"transport"`
	Rooms     []string       `json:"rooms" msgpack:"rooms"`
}

func askWhoami(t *testing.T, s *Socket) whoami {
	t.Helper()
	ack, err := s.EmitWithAck(testCtx(t), "whoami")
	if err != nil {
		t.Fatalf("whoami on %s: %v", s.Namespace(), err)
	}
	var w whoami
	if err := ack.Decode(0, &w); err != nil {
		t.Fatalf("whoami decode: %v", err)
	}
	return w
}

func runScenario(t *testing.T, srv peer, opts Options, final string) {
	ctx := testCtx(t)
	upgraded := newSignal()
	opts.OnUpgrade = func(tr string) { upgraded.add(tr) }
	// Handlers are registered before each Connect: with auto-connect, the
	// server's "welcome" (sent on connection) could arrive before them.
	opts.NoAutoConnect = true
	m, err := NewManager(srv.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	// Namespaces multiplexed over one Engine.IO connection, auth per namespace.
	main, err := m.Socket("/", SocketOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := newInbox()
	for _, name := range []string{"echo", "welcome", "answer", "message"} {
		main.On(name, in.handler())
	}
	main.On("question", func(_ context.Context, ev *Event) {
		var q string
		if err := ev.Decode(0, &q); err != nil {
			t.Errorf("question decode: %v", err)
		}
		var bin []byte
		if ev.Len() > 1 {
			if err := ev.Decode(1, &bin); err != nil {
				t.Errorf("question binary decode: %v", err)
			}
		}
		if err := ev.Ack("re:"+q, 42, bin); err != nil {
			t.Errorf("ack: %v", err)
		}
		if err := ev.Ack("twice"); !errors.Is(err, ErrAlreadyAcked) {
			t.Errorf("second ack: got %v, want ErrAlreadyAcked", err)
		}
	})
	chat, err := m.Socket("/chat", SocketOptions{})
	if err != nil {
		t.Fatal(err)
	}
	authed, err := m.Socket("/auth", SocketOptions{Auth: map[string]any{"token": "secret", "user": "ann"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Socket{main, chat, authed} {
		if err := s.Connect(ctx); err != nil {
			t.Fatalf("connect %s: %v", s.Namespace(), err)
		}
		if s.ID() == "" || !s.Connected() || s.Recovered() {
			t.Fatalf("%s: id %q connected %v recovered %v", s.Namespace(), s.ID(), s.Connected(), s.Recovered())
		}
	}
	wMain, wChat, wAuth := askWhoami(t, main), askWhoami(t, chat), askWhoami(t, authed)
	if wMain.Engine == "" || wMain.Engine != wChat.Engine || wMain.Engine != wAuth.Engine || wMain.Engine != m.EngineID() {
		t.Errorf("namespaces not multiplexed on one engine connection: %q %q %q (client %q)", wMain.Engine, wChat.Engine, wAuth.Engine, m.EngineID())
	}
	if wMain.ID != main.ID() || wChat.ID != chat.ID() {
		t.Errorf("socket ids: server %q/%q, client %q/%q", wMain.ID, wChat.ID, main.ID(), chat.ID())
	}
	if wAuth.Auth["token"] != "secret" || wAuth.Auth["user"] != "ann" {
		t.Errorf("auth seen by server: %v", wAuth.Auth)
	}
	if len(wMain.Auth) != 0 {
		t.Errorf("main namespace auth: %v, want {}", wMain.Auth)
	}
	var welcome string
	if err := in.wait(t, "welcome", 0).Decode(0, &welcome); err != nil || welcome != main.ID() {
		t.Errorf("welcome: %q %v, want %q", welcome, err, main.ID())
	}

	// Events both ways, with JSON fidelity and binary.
	payload := []byte{0, 1, 2, 3, 255}
	if err := main.Emit("echo", 1, "2", map[string]any{"3": []any{true}}, payload, map[string]any{"nested": []byte("bin")}); err != nil {
		t.Fatal(err)
	}
	ev := in.wait(t, "echo", 0)
	var (
		n      int
		s2     string
		obj    map[string][]bool
		bin    []byte
		nested struct {
			Nested []byte `json:"nested" msgpack:"nested"`
		}
	)
	for i, v := range []any{&n, &s2, &obj, &bin, &nested} {
		if err := ev.Decode(i, v); err != nil {
			t.Fatalf("echo arg %d: %v", i, err)
		}
	}
	if ev.Len() != 5 || n != 1 || s2 != "2" || !slices.Equal(obj["3"], []bool{true}) || !bytes.Equal(bin, payload) || string(nested.Nested) != "bin" {
		t.Errorf("echo: len %d, %v %q %v %v %q", ev.Len(), n, s2, obj, bin, nested.Nested)
	}

	// Acks: client → server (with binary) and server → client.
	ack, err := main.EmitWithAck(ctx, "ack", "a", 2.5, payload)
	if err != nil {
		t.Fatal(err)
	}
	var (
		a  string
		f  float64
		ab []byte
	)
	if ack.Len() != 3 || ack.Decode(0, &a) != nil || ack.Decode(1, &f) != nil || ack.Decode(2, &ab) != nil || a != "a" || f != 2.5 || !bytes.Equal(ab, payload) {
		t.Errorf("ack: len %d %q %v %v", ack.Len(), a, f, ab)
	}
	if err := ack.Decode(3, &a); !errors.Is(err, ErrNoArgument) {
		t.Errorf("decode past the end: %v", err)
	}
	if err := main.Emit("ask", "why", []byte{9, 8}); err != nil {
		t.Fatal(err)
	}
	var reply []any
	if err := in.wait(t, "answer", 0).Decode(0, &reply); err != nil {
		t.Fatal(err)
	}
	if len(reply) != 3 || reply[0] != "re:why" || fmt.Sprint(reply[1]) != "42" {
		t.Errorf("server-side ack reply: %#v", reply)
	}
	if !bytes.Equal(asBytes(reply[2]), []byte{9, 8}) {
		t.Errorf("binary in the client's ack came back as %#v", reply[2])
	}

	// Rooms via server logic: a second manager joins the same room.
	m2, err := NewManager(srv.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	other, err := m2.Socket("/", SocketOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in2 := newInbox()
	other.On("message", in2.handler())
	if err := other.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	room := "room-" + main.ID()
	for i, s := range []*Socket{main, other} {
		ack, err := s.EmitWithAck(ctx, "join", room)
		if err != nil {
			t.Fatal(err)
		}
		var size int
		if err := ack.Decode(0, &size); err != nil || size != i+1 {
			t.Errorf("join ack: %d %v, want %d", size, err, i+1)
		}
	}
	if err := main.Emit("say", room, "hello room"); err != nil {
		t.Fatal(err)
	}
	type message struct {
		Room string `json:"room" msgpack:"room"`
		Text string `json:"text" msgpack:"text"`
		From string `json:"from" msgpack:"from"`
	}
	for _, got := range []*Event{in.wait(t, "message", 0), in2.wait(t, "message", 0)} {
		var msg message
		if err := got.Decode(0, &msg); err != nil || msg.Room != room || msg.Text != "hello room" || msg.From != main.ID() {
			t.Errorf("room message: %+v %v", msg, err)
		}
	}

	// connect_error with the middleware's message and data, and an unknown
	// namespace; the refused sockets leave the others connected.
	bad, err := m.Socket("/auth2", SocketOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ce *ConnectError
	if err := bad.Connect(ctx); !errors.As(err, &ce) || ce.Message != "Invalid namespace" {
		t.Errorf("unknown namespace: %v", err)
	}
	m3, err := NewManager(srv.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m3.Close()
	connectErrs := newSignal()
	refused, err := m3.Socket("/auth", SocketOptions{Auth: map[string]any{"token": "wrong"}, OnConnectError: func(err error) { connectErrs.add(err) }})
	if err != nil {
		t.Fatal(err)
	}
	err = refused.Connect(ctx)
	if !errors.As(err, &ce) {
		t.Fatalf("bad token: got %v, want a *ConnectError", err)
	}
	data, _ := ce.Data.(map[string]any)
	if ce.Message != "not authorized" || fmt.Sprint(data["code"]) != "4001" || data["hint"] != "send token" {
		t.Errorf("connect_error: message %q data %#v", ce.Message, ce.Data)
	}
	var typed struct {
		Message string `json:"message" msgpack:"message"`
		Data    struct {
			Code int `json:"code" msgpack:"code"`
		} `json:"data" msgpack:"data"`
	}
	if err := ce.Decode(&typed); err != nil || typed.Data.Code != 4001 {
		t.Errorf("typed connect_error: %+v %v", typed, err)
	}
	if v, _ := connectErrs.wait(t, 1); !errors.As(v.(error), &ce) {
		t.Errorf("OnConnectError got %v", v)
	}
	if !main.Connected() || !chat.Connected() {
		t.Errorf("refusals disturbed the other namespaces")
	}

	// The transport the mode ends on (upgrades are asynchronous: wait for
	// the client to report it).
	if final == engineclient.WebSocket && m.Transport() != engineclient.WebSocket {
		if tr, _ := upgraded.wait(t, 1); tr != engineclient.WebSocket {
			t.Errorf("upgraded to %v", tr)
		}
	}
	if got := m.Transport(); got != final {
		t.Errorf("transport %q, want %q", got, final)
	}

	// Clean leave: DISCONNECT per namespace, seen by the server.
	chatID := chat.ID()
	if err := chat.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if chat.Connected() {
		t.Error("still connected after Disconnect")
	}
	if e := srv.waitFor(func(e serverEvent) bool { return e.Ev == "disconnect" && e.ID == chatID }); e.Reason != "client namespace disconnect" {
		t.Errorf("server saw chat leave with %q", e.Reason)
	}
	if !main.Connected() {
		t.Error("main namespace lost with chat's disconnect")
	}
	mainID := main.ID()
	m.Close()
	if e := srv.waitFor(func(e serverEvent) bool { return e.Ev == "disconnect" && e.ID == mainID }); e.Reason != "client namespace disconnect" {
		t.Errorf("server saw main leave with %q", e.Reason)
	}
}

// asBytes returns the bytes of a binary value decoded into an any.
func asBytes(v any) []byte {
	switch b := v.(type) {
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	return nil
}

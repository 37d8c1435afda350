package loader

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadGood(t *testing.T) {
	m, err := Load(Config{}, "./testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	if m.PkgName != "good" || !strings.HasSuffix(m.PkgPath, "schema/loader/testdata/good") {
		t.Fatalf("package = %s %s", m.PkgName, m.PkgPath)
	}
	if len(m.Namespaces) != 2 {
		t.Fatalf("namespaces = %d, want 2", len(m.Namespaces))
	}
	chat := m.Namespaces[0]
	if chat.VarName != "Chat" || chat.Path != "/chat" || chat.Doc != "Chat is the /chat namespace." {
		t.Fatalf("chat = %+v", chat)
	}
	type want struct {
		method, wire string
		params       int
		results      int
		hasErr       bool
		volatile     bool
	}
	wants := []want{
		{"Join", "join", 1, 1, true, false},
		{"Say", "say", 2, 0, false, false},
		{"Upload", "upload", 2, 0, true, false},
		{"Typing", "typing", 2, 0, false, true},
		{"History", "chat message", 3, 1, true, false},
		{"Stats", "stats", 0, 2, false, false},
	}
	evs := chat.ClientToServer.Events
	if len(evs) != len(wants) {
		t.Fatalf("client-to-server events = %d, want %d", len(evs), len(wants))
	}
	for i, w := range wants {
		e := evs[i]
		got := want{e.Method, e.Wire, len(e.Params), len(e.Results), e.HasError, e.Volatile}
		if got != w {
			t.Errorf("event %d = %+v, want %+v", i, got, w)
		}
	}
	if evs[0].Doc != "Join enters a room and returns how many members it has." || !evs[0].HasAck() || evs[1].HasAck() {
		t.Errorf("join doc/ack wrong: %q", evs[0].Doc)
	}
	if !IsBytes(evs[2].Params[1].Type) {
		t.Errorf("upload data should be binary")
	}
	if s2c := chat.ServerToClient.Events; len(s2c) != 3 || s2c[2].Wire != "ask" || len(s2c[2].Results) != 1 {
		t.Errorf("server-to-client events wrong")
	}
	if m.Namespaces[1].Path != "/" || m.Namespaces[1].ServerToClient.Events[0].Wire != "ping" {
		t.Errorf("main namespace wrong")
	}
}

func TestLoadBad(t *testing.T) {
	_, err := Load(Config{}, "./testdata/bad")
	es, ok := err.(Errors)
	if !ok {
		t.Fatalf("err = %v (%T), want Errors", err, err)
	}
	got := map[string]bool{}
	for _, e := range es {
		if !e.Pos.IsValid() || filepath.Base(e.Pos.Filename) != "bad.go" {
			t.Errorf("error without a bad.go position: %v", e)
		}
		got[e.Msg] = true
	}
	wants := []string{
		`namespace "/bad" is already declared by Bad`,
		`namespace NoSlash: Path "nope" must start with /`,
		`event Ch: parameter c: channel type chan int cannot be sent`,
		`event Fn: parameter f: function type func() cannot be sent`,
		`event name "connect" is reserved by Socket.IO`,
		`event Ctx: do not declare a context.Context parameter; generated code adds one`,
		`event ErrFirst: error must be the last result`,
		`event Secret: parameter v: type bad.unexported is unexported; generated code in another package cannot name it`,
		`event IntKeys: parameter m: map keys must be strings, not int`,
		`event Cplx: parameter c: complex numbers cannot be sent (type complex128)`,
		`event "say" of Say is already used by Speak`,
		`event Vol: a volatile event cannot have an ack`,
		`//sio:event: unknown option "loud" (want volatile)`,
		`event Var: variadic parameters are not supported`,
		`event Iface: parameter v: interface type interface{M()} cannot be decoded from the wire (use a concrete type or any)`,
		`event method Socket clashes with the generated client's Socket method; rename it (the wire name can stay with //sio:event)`,
		`event method WithAck would generate EmitWithAck, which the runtime socket already has; rename it`,
	}
	for _, w := range wants {
		if !got[w] {
			t.Errorf("missing error %q", w)
		}
	}
	if len(es) != len(wants) {
		t.Errorf("got %d errors, want %d:\n%v", len(es), len(wants), err)
	}
	// Sorted by position, formatted as file:line:col: message.
	first := es[0].Error()
	if !strings.Contains(first, "bad.go:") || strings.Count(first, ":") < 3 {
		t.Errorf("error format: %q", first)
	}
	for i := 1; i < len(es); i++ {
		if posLess(es[i].Pos, es[i-1].Pos) {
			t.Errorf("errors not sorted at %d", i)
		}
	}
}

func TestLoadNotASchema(t *testing.T) {
	if _, err := Load(Config{}, "./testdata/none"); err == nil {
		t.Fatal("want an error for a missing package")
	}
}

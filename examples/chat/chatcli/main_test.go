package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/examples/chat/chatserver"
	"github.com/siogen/sio/runtime/server"
)

// syncBuffer is a bytes.Buffer safe for the client's callback goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// slowReader hands out its lines one at a time with a pause, as a person types.
type slowReader struct{ lines []string }

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		return 0, os.ErrClosed
	}
	time.Sleep(150 * time.Millisecond)
	n := copy(p, r.lines[0]+"\n")
	r.lines = r.lines[1:]
	return n, nil
}

func TestCLI(t *testing.T) {
	srv := server.New(server.Options{})
	chatserver.Register(srv)
	hs := httptest.NewServer(srv)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
		hs.Close()
	}()
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("some notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	in := &slowReader{lines: []string{"hello there", "/history", "/upload " + file, "/join other", "/nope", "/quit"}}
	if err := run(hs.URL, "carol", "general", "json", in, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"* joined general as carol (1 here)",
		"[general] carol: hello there",
		"carol: hello there\n", // the history line
		"* uploaded " + file + " as ",
		"* carol shared notes.txt (10 bytes) in general",
		"* joined other (1 here)",
		"! unknown command /nope",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

package chatweb_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/examples/chat/chatschema"
	"github.com/siogen/sio/examples/chat/chatserver"
	"github.com/siogen/sio/examples/chat/chatweb"
	"github.com/siogen/sio/generated/chat"
	"github.com/siogen/sio/internal/nodetest"
	"github.com/siogen/sio/runtime/client"
	"github.com/siogen/sio/runtime/server"
)

// chromium returns the Chromium binary the browser test drives: $CHROMIUM,
// else Debian's /usr/bin/chromium, else chromium on PATH. A missing browser
// fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			t.Fatalf("CHROMIUM=%s is not a Chromium binary", p)
		}
		return p
	}
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && !fi.IsDir() {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium is not installed (neither /usr/bin/chromium nor chromium on PATH): install it (Debian/Ubuntu as root: apt-get install -y chromium) or set CHROMIUM to a Chromium binary")
	return ""
}

// clientDist returns the installed socket.io-client bundles and checks that
// playwright-core is installed next to them.
func clientDist(t *testing.T) string {
	t.Helper()
	dir := nodetest.Dir(t)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core missing in %s/node_modules: run `make interop-deps` (or `npm ci` there)", dir)
	}
	return filepath.Join(dir, "node_modules", "socket.io-client", "dist")
}

// recorder keeps what the typed Go client receives.
type recorder struct {
	mu       sync.Mutex
	messages []chatschema.Message
	presence []chatschema.Presence
	files    []chatschema.File
	changed  chan struct{}
	bob      chan struct{} // closed when bob's join is announced
	bobOnce  sync.Once
}

func record(c *chat.ChatClient) *recorder {
	r := &recorder{changed: make(chan struct{}, 1), bob: make(chan struct{})}
	note := func() {
		select {
		case r.changed <- struct{}{}:
		default:
		}
	}
	c.OnMessage(func(_ context.Context, m chatschema.Message) {
		r.mu.Lock()
		r.messages = append(r.messages, m)
		r.mu.Unlock()
		note()
	})
	c.OnPresence(func(_ context.Context, p chatschema.Presence) {
		r.mu.Lock()
		r.presence = append(r.presence, p)
		r.mu.Unlock()
		if p.User == "bob" && p.Joined {
			r.bobOnce.Do(func() { close(r.bob) })
		}
		note()
	})
	c.OnFile(func(_ context.Context, f chatschema.File) {
		r.mu.Lock()
		r.files = append(r.files, f)
		r.mu.Unlock()
		note()
	})
	return r
}

// waitFor waits until cond (called under the lock) holds, for at most 10 s.
func (r *recorder) waitFor(t *testing.T, what string, cond func(*recorder) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		ok := cond(r)
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("the Go client timed out waiting for %s; it got messages %+v, presence %+v, %d files", what, r.messages, r.presence, len(r.files))
		}
	}
}

// pageReport is what interop/chat/browser.mjs saw on the two pages.
type pageReport struct {
	Step, Error    string
	Errors         []string
	Alice, Bob     struct{ Joined, Transports string }
	AliceSawGo     string
	BobSawGo       string
	TypingAttempts int
	Typing         string
	BobSawAlice    string
	BoldElements   int
	AliceSawBob    string
	BobSawFile     string
	AliceSawFile   string
	BobFileHex     string
	BobFileName    string
}

// TestBrowser runs the chat page in headless Chromium: two pages (alice and
// bob) and a typed Go client (gopher) share a room on the real chat server
// (chatweb.Mux, as `go run ./examples/chat` serves it), over the default
// transports (polling, then the upgrade to WebSocket) and WebSocket only,
// with the default parser and with msgpack (the page then gets
// socket.io-client's msgpack bundle).
func TestBrowser(t *testing.T) {
	browser := chromium(t)
	dist := clientDist(t)
	// Every byte value, then some UTF-8: the upload must arrive as bytes.
	upload := make([]byte, 0, 300)
	for i := range 256 {
		upload = append(upload, byte(i))
	}
	upload = append(upload, "sio ✓\n"...)
	const aliceText = "hi bob, from alice ✓ <b>not bold</b>"

	for _, tc := range []struct {
		name       string
		codec      socketio.Codec
		msgpack    bool
		transports string // the page's ?transports=
		want       string // the transports the page went through
	}{
		{"json/upgrade", socketio.JSON, false, "polling,websocket", "polling,websocket"},
		{"json/websocket", socketio.JSON, false, "websocket", "websocket"},
		{"msgpack/upgrade", msgpack.Codec{}, true, "polling,websocket", "polling,websocket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := server.New(server.Options{Codec: tc.codec})
			// What the server decodes from the page's upload event.
			uploads := make(chan []byte, 1)
			chatserver.Register(srv).Namespace().Namespace().UseEvents(func(_ context.Context, s *server.Socket, ev *server.Event) error {
				var data []byte
				if ev.Name == "upload" && ev.Decode(2, &data) == nil {
					select {
					case uploads <- data:
					default:
					}
				}
				return nil
			})
			hs := httptest.NewServer(chatweb.Mux(srv, chatweb.Options{Msgpack: tc.msgpack, ClientDist: dist}))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Close(ctx)
				hs.Close()
			})

			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			gopher, err := chat.DialChat(ctx, hs.URL, client.Options{Codec: tc.codec},
				client.SocketOptions{Auth: map[string]any{"user": "gopher"}})
			if err != nil {
				t.Fatalf("go client: %v", err)
			}
			defer gopher.Socket().Manager().Close()
			got := record(gopher)
			if n, err := gopher.Join(ctx, "lobby"); err != nil || n != 1 {
				t.Fatalf("go client joins: %d, %v", n, err)
			}
			// Go → browsers: once bob's page has joined, gopher speaks.
			said := make(chan error, 1)
			go func() {
				select {
				case <-got.bob:
					said <- gopher.Say(ctx, "lobby", "hello from go")
				case <-ctx.Done():
					said <- ctx.Err()
				}
			}()

			shots, err := os.MkdirTemp("", "chat-browser-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("screenshots of the pages: %s", filepath.Join(shots, "{alice,bob}.png"))
					return
				}
				_ = os.RemoveAll(shots)
			})
			cmd := nodetest.Command(t, "chat/browser.mjs", hs.URL, tc.transports, shots, hex.EncodeToString(upload))
			cmd.Env = append(os.Environ(), "CHROMIUM="+browser, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			if err := cmd.Start(); err != nil {
				t.Fatalf("start node: %v", err)
			}
			// browser.mjs stops itself after 60 s; this is the backstop.
			kill := time.AfterFunc(90*time.Second, func() { _ = cmd.Process.Kill() })
			runErr := cmd.Wait()
			kill.Stop()
			var rep pageReport
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("browser.mjs: %v (%v)\n%s", runErr, err, stdout.Bytes())
			}
			if runErr != nil || rep.Error != "" {
				t.Fatalf("browser.mjs failed at step %q: %v: %s\nso far: %+v", rep.Step, runErr, rep.Error, rep)
			}

			eq := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			eq("alice's join ack", rep.Alice.Joined, "you joined lobby (2 here)")
			eq("bob's join ack", rep.Bob.Joined, "you joined lobby (3 here)")
			eq("alice's transports", rep.Alice.Transports, tc.want)
			eq("bob's transports", rep.Bob.Transports, tc.want)
			eq("alice sees go's message", rep.AliceSawGo, "gopher: hello from go")
			eq("bob sees go's message", rep.BobSawGo, "gopher: hello from go")
			eq("bob's typing indicator", rep.Typing, "alice is typing…")
			eq("bob sees alice's message", rep.BobSawAlice, "alice: "+aliceText)
			if rep.BoldElements != 0 {
				t.Errorf("bob's page turned message text into %d <b> elements", rep.BoldElements)
			}
			eq("alice sees bob's message", rep.AliceSawBob, "bob: hi alice, from bob")
			notice := "alice shared notes.bin (" + strconv.Itoa(len(upload)) + " bytes)"
			eq("bob's file notice", rep.BobSawFile, notice)
			eq("alice's file notice", rep.AliceSawFile, notice)
			eq("the bytes bob can download", rep.BobFileHex, hex.EncodeToString(upload))
			eq("the download name", rep.BobFileName, "notes.bin")
			if len(rep.Errors) > 0 {
				t.Errorf("the pages logged errors:\n%s", strings.Join(rep.Errors, "\n"))
			}
			t.Logf("typing indicator after %d attempt(s)", rep.TypingAttempts)

			select {
			case data := <-uploads:
				if !bytes.Equal(data, upload) {
					t.Errorf("the server decoded the upload as %x, want %x", data, upload)
				}
			default:
				t.Errorf("the server saw no upload event with bytes")
			}
			if err := <-said; err != nil {
				t.Errorf("go client says: %v", err)
			}
			// Browser → Go: the typed client got the pages' joins, messages
			// and the upload's bytes.
			got.waitFor(t, "alice's and bob's joins", func(r *recorder) bool {
				return hasPresence(r.presence, "alice", 2) && hasPresence(r.presence, "bob", 3)
			})
			got.waitFor(t, "alice's and bob's messages", func(r *recorder) bool {
				return hasMessage(r.messages, "alice", aliceText) && hasMessage(r.messages, "bob", "hi alice, from bob")
			})
			got.waitFor(t, "alice's file", func(r *recorder) bool {
				for _, f := range r.files {
					if f.User == "alice" && f.Name == "notes.bin" && f.Room == "lobby" && bytes.Equal(f.Data, upload) {
						return true
					}
				}
				return false
			})
		})
	}
}

func hasPresence(ps []chatschema.Presence, user string, members int) bool {
	for _, p := range ps {
		if p.User == user && p.Joined && p.Room == "lobby" && p.Members == members {
			return true
		}
	}
	return false
}

func hasMessage(ms []chatschema.Message, user, text string) bool {
	for _, m := range ms {
		if m.User == user && m.Text == text && m.Room == "lobby" && !m.At.IsZero() {
			return true
		}
	}
	return false
}

package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/nodetest"
	"github.com/siogen/sio/runtime/server"
)

// reasonLog records the disconnecting/disconnect reasons of labelled
// sockets (auth.label) so that clients can ask for them.
type reasonLog struct {
	mu      sync.Mutex
	reasons map[string][]string
	changed chan struct{}
}

func newReasonLog() *reasonLog {
	return &reasonLog{reasons: make(map[string][]string), changed: make(chan struct{})}
}

func (l *reasonLog) add(label, what string) {
	l.mu.Lock()
	l.reasons[label] = append(l.reasons[label], what)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// wait returns the reasons of labels starting with prefix once n of them
// have their disconnect reason, or when ctx ends.
func (l *reasonLog) wait(ctx context.Context, prefix string, n int) map[string][]string {
	for {
		l.mu.Lock()
		out := make(map[string][]string)
		done := 0
		for k, v := range l.reasons {
			if strings.HasPrefix(k, prefix+"-") {
				out[k] = slices.Clone(v)
				if len(v) >= 2 {
					done++
				}
			}
		}
		ch := l.changed
		l.mu.Unlock()
		if done >= n {
			return out
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return out
		}
	}
}

type typedInner struct {
	ID   int    `json:"id"`
	Data []byte `json:"data"`
}

type typedIn struct {
	Name  string     `json:"name"`
	Count int        `json:"count"`
	Ratio float64    `json:"ratio"`
	OK    bool       `json:"ok"`
	Tags  []string   `json:"tags"`
	Blob  []byte     `json:"blob"`
	Inner typedInner `json:"inner"`
}

// upgradeHooks runs a server-side action in the middle of a client's
// upgrade, at the worst moment for it: the probe has been answered
// ("3probe") and the client is about to pause polling, after which it
// listens only to the probe WebSocket. The action runs when the poll that
// the probe released is answered with its noop, or right after "3probe"
// when no poll is pending, or when the pending poll ends with something
// else. Clients ask for it with the query parameter upgradeHook (sent on
// every Engine.IO request); the action is registered for their Engine.IO
// sid by the connection handler.
type upgradeHooks struct {
	mu      sync.Mutex
	actions map[string]func()
	changed chan struct{}
	polls   map[string]int  // polling GETs of a sid being served
	probed  map[string]bool // "3probe" written, action not run yet
	fired   map[string]bool
}

func newUpgradeHooks() *upgradeHooks {
	return &upgradeHooks{
		actions: make(map[string]func()),
		changed: make(chan struct{}),
		polls:   make(map[string]int),
		probed:  make(map[string]bool),
		fired:   make(map[string]bool),
	}
}

// register sets the action for Engine.IO session sid.
func (h *upgradeHooks) register(sid string, action func()) {
	h.mu.Lock()
	h.actions[sid] = action
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// run runs the action of sid once, waiting (bounded) for the connection
// handler to register it.
func (h *upgradeHooks) run(sid string) {
	h.mu.Lock()
	if h.fired[sid] {
		h.mu.Unlock()
		return
	}
	h.fired[sid] = true
	h.mu.Unlock()
	timeout := time.After(5 * time.Second)
	for {
		h.mu.Lock()
		action, ch := h.actions[sid], h.changed
		h.mu.Unlock()
		if action != nil {
			action()
			return
		}
		select {
		case <-ch:
		case <-timeout:
			return
		}
	}
}

// wrap hooks the requests of the clients that asked for it.
func (h *upgradeHooks) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		sid := q.Get("sid")
		if sid == "" || q.Get("upgradeHook") == "" {
			next.ServeHTTP(w, r)
			return
		}
		switch {
		case q.Get("transport") == "polling" && r.Method == http.MethodGet:
			h.mu.Lock()
			h.polls[sid]++
			h.mu.Unlock()
			defer func() {
				h.mu.Lock()
				h.polls[sid]--
				probed := h.probed[sid]
				h.mu.Unlock()
				if probed {
					h.run(sid)
				}
			}()
			w = &hookWriter{ResponseWriter: w, noop: func() { h.run(sid) }}
		case q.Get("transport") == "websocket":
			w = &hookWriter{ResponseWriter: w, probed: func() {
				h.mu.Lock()
				h.probed[sid] = true
				polling := h.polls[sid] > 0
				h.mu.Unlock()
				if !polling {
					h.run(sid)
				}
			}}
		}
		next.ServeHTTP(w, r)
	})
}

// hookWriter calls noop before writing a poll response that is a lone noop
// (the poll released for an upgrade), and probed after the hijacked
// connection has written the "3probe" frame.
type hookWriter struct {
	http.ResponseWriter
	noop   func()
	probed func()
}

func (w *hookWriter) Write(b []byte) (int, error) {
	if string(b) == "6" && w.noop != nil {
		w.noop()
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *hookWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands out the connection, watched for "3probe".
func (w *hookWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil || w.probed == nil {
		return conn, rw, err
	}
	return &probeConn{Conn: conn, probed: w.probed}, rw, nil
}

type probeConn struct {
	net.Conn
	probed func()
}

func (c *probeConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if c.probed != nil && bytes.Contains(b, []byte("3probe")) {
		c.probed()
		c.probed = nil
	}
	return n, err
}

// newScenarioServer sets up the server side of interop/server/client.mjs.
// Serve it wrapped by the returned hooks.
func newScenarioServer(t testing.TB, codec socketio.Codec, recovery bool) (*server.Server, *reasonLog, *upgradeHooks) {
	opts := server.Options{Codec: codec}
	if recovery {
		opts.ConnectionStateRecovery = &server.RecoveryOptions{}
	}
	srv := server.New(opts)
	log := newReasonLog()
	hooks := newUpgradeHooks()

	label := func(s *server.Socket) string {
		l, _ := s.Handshake().Auth["label"].(string)
		return l
	}
	welcome := func(s *server.Socket) {
		_ = s.Emit("welcome", s.ID(), s.Auth(), s.Recovered())
		if l := label(s); l != "" {
			s.OnDisconnecting(func(reason string) { log.add(l, "disconnecting:"+reason) })
			s.OnDisconnect(func(reason string) { log.add(l, "disconnect:"+reason) })
		}
		// Actions in the middle of an upgrade (see upgradeHooks).
		switch l := label(s); {
		case strings.HasSuffix(l, ".up-disc"):
			hooks.register(s.Conn().ID(), func() { s.Disconnect(true) })
		case strings.HasSuffix(l, ".up-close"):
			hooks.register(s.Conn().ID(), func() { s.Conn().Close(server.ReasonForcedClose) })
		}
	}
	root := srv.Of("/")
	root.Use(func(_ context.Context, s *server.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		if err := s.DecodeAuth(&auth); err != nil {
			return err
		}
		if auth.Token == "bad" {
			return &server.ConnectError{Message: "not authorized", Data: map[string]any{"code": 4001, "reason": "bad token"}}
		}
		return nil
	})
	root.OnConnection(welcome)
	echo := func(_ context.Context, s *server.Socket, ev *server.Event) {
		if ev.WantsAck() {
			_ = ev.Ack(ev.Args)
			return
		}
		_ = s.Emit("echo", ev.Args)
	}
	root.On("echo", echo)
	root.On("typed", func(_ context.Context, _ *server.Socket, ev *server.Event) {
		var in typedIn
		if err := ev.Decode(0, &in); err != nil {
			_ = ev.Ack(map[string]string{"error": err.Error()})
			return
		}
		in.Count++
		in.Inner.ID++
		_ = ev.Ack(in, append(slices.Clone(in.Blob), 0))
	})
	root.On("ask", func(ctx context.Context, s *server.Socket, ev *server.Event) {
		var x int
		_ = ev.Decode(0, &x)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		res, err := s.EmitWithAck(ctx, "question", x)
		if err != nil {
			_ = ev.Ack(map[string]string{"error": err.Error()})
			return
		}
		_ = ev.Ack(res)
	})
	root.On("ask-timeout", func(ctx context.Context, s *server.Socket, ev *server.Event) {
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err := s.EmitWithAck(ctx, "question", 1)
		_ = ev.Ack(map[string]bool{"timedOut": errors.Is(err, context.DeadlineExceeded)})
	})
	root.On("no-answer", func(context.Context, *server.Socket, *server.Event) {})
	root.On("join", func(_ context.Context, s *server.Socket, ev *server.Event) {
		for i := range ev.Len() {
			var room string
			if ev.Decode(i, &room) == nil {
				s.Join(room)
			}
		}
		_ = ev.Ack()
	})
	root.On("leave", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var room string
		_ = ev.Decode(0, &room)
		s.Leave(room)
		_ = ev.Ack()
	})
	root.On("rooms", func(_ context.Context, s *server.Socket, ev *server.Event) {
		_ = ev.Ack(s.Rooms())
	})
	root.On("to", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var req struct {
			To      []string `json:"to"`
			Except  []string `json:"except"`
			Event   string   `json:"event"`
			Payload any      `json:"payload"`
		}
		if err := ev.Decode(0, &req); err != nil {
			_ = ev.Ack(err.Error())
			return
		}
		err := s.Namespace().To(req.To...).Except(req.Except...).Emit(req.Event, req.Payload)
		if err != nil {
			_ = ev.Ack(err.Error())
			return
		}
		_ = ev.Ack(true)
	})
	root.On("broadcast", func(_ context.Context, s *server.Socket, ev *server.Event) {
		_ = s.Broadcast().Emit("bcast", ev.Args)
		_ = ev.Ack()
	})
	root.On("broadcast-ack", func(ctx context.Context, s *server.Socket, ev *server.Event) {
		var room, q string
		var ms int
		_ = ev.DecodeAll(&room, &q, &ms)
		res, err := s.Namespace().To(room).Timeout(time.Duration(ms)*time.Millisecond).EmitWithAck(ctx, "poll", q)
		answers := []string{}
		for _, a := range res {
			var s string
			_ = a.Decode(0, &s)
			answers = append(answers, s)
		}
		slices.Sort(answers)
		if err != nil {
			answers = append(answers, "timeout")
		}
		_ = ev.Ack(answers)
	})
	root.On("disconnect-me", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var close bool
		_ = ev.Decode(0, &close)
		s.Disconnect(close)
	})
	root.On("kill-transport", func(_ context.Context, s *server.Socket, _ *server.Event) {
		s.Conn().Close(server.ReasonForcedClose)
	})
	root.On("reasons", func(ctx context.Context, _ *server.Socket, ev *server.Event) {
		var prefix string
		n := 0
		_ = ev.DecodeAll(&prefix, &n)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = ev.Ack(log.wait(ctx, prefix, n))
	})

	admin := srv.Of("/admin")
	admin.Use(func(_ context.Context, s *server.Socket) error {
		if s.Handshake().Auth["role"] != "admin" {
			return errors.New("forbidden")
		}
		return nil
	})
	admin.OnConnection(welcome)

	dyn := srv.OfFunc(func(_ context.Context, name string, _ *server.Args) (bool, error) {
		rest, ok := strings.CutPrefix(name, "/dyn-")
		return ok && rest != "" && strings.Trim(rest, "abcdefghijklmnopqrstuvwxyz") == "", nil
	})
	dyn.OnConnection(func(s *server.Socket) { _ = s.Emit("dyn-welcome", s.Namespace().Name()) })
	dyn.On("echo", echo)
	return srv, log, hooks
}

// TestInteropSocketIOClient runs interop/server/client.mjs (the npm
// socket.io-client 4.8) against the Go server for every transport mode and
// both parsers.
func TestInteropSocketIOClient(t *testing.T) {
	nodetest.Dir(t)
	codecs := []socketio.Codec{socketio.JSON, msgpack.Codec{}}
	for _, codec := range codecs {
		for _, mode := range []string{"websocket", "polling", "upgrade"} {
			t.Run(codec.Name()+"/"+mode, func(t *testing.T) {
				srv, _, hooks := newScenarioServer(t, codec, false)
				hs := httptest.NewServer(hooks.wrap(srv))
				rsrv, _, rhooks := newScenarioServer(t, codec, true)
				rhs := httptest.NewServer(rhooks.wrap(rsrv))
				defer func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if err := srv.Close(ctx); err != nil {
						t.Errorf("close: %v", err)
					}
					if err := rsrv.Close(ctx); err != nil {
						t.Errorf("close recovery server: %v", err)
					}
					hs.Close()
					rhs.Close()
				}()
				arg, _ := json.Marshal(map[string]string{
					"url": hs.URL, "recoveryUrl": rhs.URL, "mode": mode, "parser": codec.Name(), "run": mode,
				})
				runNode(t, "server/client.mjs", string(arg))
			})
		}
	}
}

// runNode runs a node script that prints JSON lines and fails the test on
// a line with "ok": false or a non-zero exit.
func runNode(t *testing.T, script string, args ...string) {
	t.Helper()
	cmd := nodetest.Command(t, script, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var done bool
	for sc.Scan() {
		var line struct {
			OK    bool   `json:"ok"`
			Step  string `json:"step"`
			Done  bool   `json:"done"`
			Error string `json:"error"`
			Note  string `json:"note"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Logf("node: %s", sc.Bytes())
			continue
		}
		switch {
		case !line.OK:
			t.Errorf("%s: %s", line.Step, line.Error)
		case line.Done:
			done = true
		case line.Note != "":
			t.Logf("note: %s: %s", line.Step, line.Note)
		default:
			t.Logf("ok: %s", line.Step)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("node %s: %v", script, err)
	}
	if !done && !t.Failed() {
		t.Error(fmt.Sprintf("node %s ended without reporting completion", script))
	}
}

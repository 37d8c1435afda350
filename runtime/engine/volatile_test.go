package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// sessionServer is a test server whose sessions are handed to the test.
func sessionServer(t *testing.T, opts engine.Options) (*testServer, chan *engine.Session) {
	sessions := make(chan *engine.Session, 1)
	opts.OnSession = func(s *engine.Session) { sessions <- s }
	return newTestServer(t, opts), sessions
}

func TestSendVolatilePolling(t *testing.T) {
	ts, sessions := sessionServer(t, engine.Options{})
	sid := ts.openPolling(t)
	s := <-sessions

	// No GET is pending (the handshake poll has returned): dropped.
	if s.SendVolatile(engineio.TextPacket(engineio.Message, "dropped")) {
		t.Fatal("SendVolatile queued a packet with no poll pending")
	}
	// A pending GET takes it.
	res := make(chan string, 1)
	go func() {
		_, body := do(t, "GET", ts.pollURL(sid), "")
		res <- body
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !s.SendVolatile(engineio.TextPacket(engineio.Message, "v")) {
		if time.Now().After(deadline) {
			t.Fatal("SendVolatile never saw the pending GET")
		}
		time.Sleep(time.Millisecond)
	}
	if body := <-res; body != "4v" {
		t.Fatalf("poll got %q, want the volatile packet alone", body)
	}
	// Dropped again between polls; ordinary packets still queue.
	if s.SendVolatile(engineio.TextPacket(engineio.Message, "dropped")) {
		t.Fatal("SendVolatile queued a packet between polls")
	}
	if err := s.Send(engineio.TextPacket(engineio.Message, "kept")); err != nil {
		t.Fatal(err)
	}
	if code, body := do(t, "GET", ts.pollURL(sid), ""); code != 200 || body != "4kept" {
		t.Fatalf("poll: %d %q", code, body)
	}
	s.Close(engine.ReasonForcedClose)
	if s.SendVolatile(engineio.TextPacket(engineio.Message, "late")) {
		t.Fatal("SendVolatile queued on a closed session")
	}
}

// TestSendVolatileWebSocket sends big packets to a client that does not
// read, each followed by a volatile one: once the writer is stuck (the
// connection's buffers are full) the queue grows and volatile packets are
// dropped, without closing the session; when the client reads again it gets
// every ordinary packet and exactly the volatile ones that were accepted,
// in order.
func TestSendVolatileWebSocket(t *testing.T) {
	ts, sessions := sessionServer(t, engine.Options{MaxQueuedBytes: 256 << 20})
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
	c.readText()
	s := <-sessions

	if !s.SendVolatile(engineio.TextPacket(engineio.Message, "first")) {
		t.Fatal("SendVolatile dropped a packet for an idle, writable WebSocket")
	}
	if got := c.readText(); got != "4first" {
		t.Fatalf("got %q", got)
	}

	pad := strings.Repeat("x", 256<<10)
	var want []string
	dropped := 0
	for i := 0; i < 800 && dropped < 3; i++ {
		big := fmt.Sprintf("big%04d", i)
		if err := s.Send(engineio.TextPacket(engineio.Message, big+pad)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		want = append(want, "4"+big)
		v := fmt.Sprintf("v%04d", i)
		if s.SendVolatile(engineio.TextPacket(engineio.Message, v)) {
			want = append(want, "4"+v)
		} else {
			dropped++
		}
	}
	if dropped == 0 {
		t.Fatal("no volatile packet was dropped for a client that does not read")
	}
	if err := s.Send(engineio.TextPacket(engineio.Message, "end")); err != nil {
		t.Fatalf("session closed by dropped volatile packets: %v", err)
	}
	want = append(want, "4end")
	for i, w := range want {
		got := c.readText()
		if len(got) > len(w) && strings.HasPrefix(w, "4big") {
			got = got[:len(w)]
		}
		if got != w {
			t.Fatalf("message %d: %.20q, want %q", i, got, w)
		}
	}
}

// TestSendVolatileNeverClosesOnFullQueue: a volatile packet that would
// exceed MaxQueuedBytes is dropped; the session stays open (Send would
// close it).
func TestSendVolatileNeverClosesOnFullQueue(t *testing.T) {
	ts, sessions := sessionServer(t, engine.Options{MaxQueuedBytes: 1000})
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket")
	c.readText()
	s := <-sessions
	if s.SendVolatile(engineio.TextPacket(engineio.Message, strings.Repeat("x", 2000))) {
		t.Fatal("SendVolatile queued more than MaxQueuedBytes")
	}
	if err := s.Send(engineio.TextPacket(engineio.Message, "still open")); err != nil {
		t.Fatalf("Send after a dropped volatile packet: %v", err)
	}
	if got := c.readText(); got != "4still open" {
		t.Fatalf("got %q", got)
	}
}

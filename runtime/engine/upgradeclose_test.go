package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engine"
)

// TestCloseDuringUpgrade closes a polling session while a client upgrades
// it. A client whose probe was answered pauses polling and only listens to
// the probe WebSocket, so the session must tell it there: the upgrade
// completes and the WebSocket delivers what polling did not, then a close
// frame. A client still polling gets the queue and then the close packet
// over polling. Either way OnClose is called once and the sid is gone.
func TestCloseDuringUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name    string
		probed  bool // "2probe" answered before Close
		pending bool // a GET is pending at Close
		upgrade bool // the client then sends "5" (else it polls)
		// what the client gets after Close
		wantWS   []string // messages on the WebSocket before its close frame
		wantPoll []string // poll responses ("400" for a refused poll)
	}{
		{name: "probed, paused, then upgrade", probed: true, upgrade: true, wantWS: []string{"4bye"}},
		{name: "probed, poll pending, then upgrade", probed: true, pending: true, upgrade: true, wantPoll: []string{"4bye"}},
		{name: "probed, client polls instead", probed: true, wantPoll: []string{"4bye", "1"}},
		{name: "probe open, not probed, client polls", wantPoll: []string{"4bye", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pending {
				// The poll must still be pending at Close: hold it longer
				// than a loaded machine can delay this test.
				old := engine.SetUpgradeHold(time.Minute)
				t.Cleanup(func() { engine.SetUpgradeHold(old) })
			}
			rec := newCloseRecorder()
			sessions := make(chan *engine.Session, 1)
			ts := newTestServer(t, engine.Options{
				PingInterval: 10 * time.Second,
				PingTimeout:  5 * time.Second,
				OnSession: func(s *engine.Session) {
					s.SetHandler(rec)
					sessions <- s
				},
			})
			sid := ts.openPolling(t)
			s := <-sessions
			c := dialWS(t, ts.ws+"?EIO=4&transport=websocket&sid="+sid)
			if tc.probed {
				c.sendText("2probe")
				if got := c.readText(); got != "3probe" {
					t.Fatalf("probe answer %q", got)
				}
			}
			var first chan string
			if tc.pending {
				// The server marks the session probed just after it writes
				// "3probe": a poll that arrives before that is released
				// with a noop, as the reference releases it. Poll again
				// then; the next one waits.
				for tries := 0; ; tries++ {
					first = make(chan string, 1)
					go func() {
						code, body := do(t, "GET", ts.pollURL(sid), "")
						first <- fmt.Sprint(code, " ", body)
					}()
					r := waitPendingOr(t, s, first)
					if r == "" {
						break
					}
					if r != "200 6" || tries == 5 {
						t.Fatalf("the poll did not wait: %s", r)
					}
				}
			}
			if err := s.Send(engineio.TextPacket(engineio.Message, "bye")); err != nil {
				t.Fatal(err)
			}
			s.Close(engine.ReasonForcedClose)

			var polls []string
			if tc.pending {
				polls = append(polls, (<-first)[4:])
			}
			if tc.upgrade {
				c.sendText("5")
				var msgs []string
				for {
					b, _, err := c.read(2 * time.Second)
					if err != nil {
						break // closed (a timeout fails below: too few or no close)
					}
					msgs = append(msgs, string(b))
				}
				if fmt.Sprint(msgs) != fmt.Sprint(tc.wantWS) {
					t.Fatalf("WebSocket got %q before closing, want %q", msgs, tc.wantWS)
				}
			} else {
				for len(polls) < len(tc.wantPoll) {
					code, body := do(t, "GET", ts.pollURL(sid), "")
					if code != 200 {
						body = fmt.Sprint(code)
					}
					polls = append(polls, body)
				}
				c.waitClosed(2 * time.Second) // the probe is ended with the session
			}
			if fmt.Sprint(polls) != fmt.Sprint(tc.wantPoll) {
				t.Fatalf("polls got %q, want %q", polls, tc.wantPoll)
			}
			if code, _ := do(t, "GET", ts.pollURL(sid), ""); code != 400 {
				t.Fatalf("poll after the close: status %d", code)
			}
			rec.wait(t, 5*time.Second)
			if rec.reason != engine.ReasonForcedClose || rec.calls.Load() != 1 {
				t.Fatalf("OnClose %q x%d", rec.reason, rec.calls.Load())
			}
		})
	}
}

// TestCloseDuringUpgradeBounded: a client that has its probe answered but
// neither upgrades nor polls again does not keep a closed session: the
// upgrade timeout ends the probe and the session is gone after
// PingTimeout.
func TestCloseDuringUpgradeBounded(t *testing.T) {
	sessions := make(chan *engine.Session, 1)
	ts := newTestServer(t, engine.Options{
		PingInterval:   10 * time.Second,
		PingTimeout:    300 * time.Millisecond,
		UpgradeTimeout: 200 * time.Millisecond,
		OnSession:      func(s *engine.Session) { sessions <- s },
	})
	sid := ts.openPolling(t)
	s := <-sessions
	c := dialWS(t, ts.ws+"?EIO=4&transport=websocket&sid="+sid)
	c.sendText("2probe")
	if got := c.readText(); got != "3probe" {
		t.Fatalf("probe answer %q", got)
	}
	s.Close(engine.ReasonForcedClose)
	c.waitClosed(5 * time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for ts.Session(sid) != nil {
		if time.Now().After(deadline) {
			t.Fatal("closed session still there after 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitPendingOr waits until session s has a poll pending (it returns "") or
// the poll ends first (it returns the poll's result).
func waitPendingOr(t *testing.T, s *engine.Session, result <-chan string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !s.PollPending(); {
		select {
		case r := <-result:
			return r
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no poll pending after 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	return ""
}

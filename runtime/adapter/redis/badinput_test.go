package redisadapter_test

import (
	"strings"
	"testing"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
)

// TestBadInput publishes garbage on every channel of a namespace: the
// servers ignore it (debug log) and keep working, and nothing reaches the
// clients but the valid broadcast sent last.
func TestBadInput(t *testing.T) {
	key := testKey(t)
	a := startNode(t, key, "a", socketio.JSON)
	b := startNode(t, key, "b", msgpack.Codec{})
	ca := dial(t, a, "ca", socketio.JSON)
	cb := dial(t, b, "cb", msgpack.Codec{})
	ca.join(t, "r")
	raw := newRedisClient(t)
	ctx := ctxT(t)

	pkt := "\x83\xa4type\x02\xa4data\x91\xa1e\xa3nsp\xa1/" // {type:2, data:["e"], nsp:"/"}
	opts := "\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80"
	broadcasts := []string{
		"", "garbage", "{}", "\xc1", "\x90", "\x93\xa1u", "\x93\xa1u" + pkt, // truncated
		"\x93\x01" + pkt + opts, // uid not a string
		"\x93\xa1u\x80" + opts,  // packet without type
		"\x93\xa1u\x83\xa4type\x00\xa4data\x80\xa3nsp\xa1/" + opts,          // CONNECT packet
		"\x93\xa1u\x83\xa4type\x02\xa4data\x91\xa1e\xa3nsp\xa5/else" + opts, // other namespace
		"\x93\xa1u\x83\xa4type\x02\xa4data\x91\x01\xa3nsp\xa1/" + opts,      // numeric event: valid, see below
		"\x93\xa1u" + pkt + "\x81\xa5rooms\xa1r",                            // rooms not an array
		"\x93\xa1u" + pkt + "\x81\xa5flags\x81\xa8volatile\xa3yes",          // flag of the wrong type
		"\x93\xa1u" + pkt + opts + "\x00",                                   // trailing byte
		"\x93\xa1u" + strings.Repeat("\x91", 10000),                         // deep nesting
		"\x93\xa1u\xdd\xff\xff\xff\xff",                                     // huge length
		"\x93\xa1u\x83\xa4type\x02\xa4data\x91\xa1e\xa3nsp\xa1/\xdf\x7f\xff\xff\xff",
		"\x93\xa1u\x83\xa4type\x02\xa4data\x92\xa1e\xc7\x05\x01ab" + "\xa3nsp\xa1/" + opts, // ext runs past the end
	}
	requests := []string{
		"", "{", "{}", `{"type":"x"}`, `{"type":99}`, `{"type":5,"uid":"zz","requestId":"q"}`,
		`{"type":5,"uid":"zz","requestId":7,"opts":{}}`, `{"type":2,"opts":{"rooms":"r"},"rooms":["x"]}`,
		`{"type":6,"uid":"zz","data":"notarray"}`, `{"type":6,"uid":"zz","data":[1,2]}`, `{"type":6,"uid":"zz","data":[]}`,
		`{"type":7,"uid":"zz","requestId":"q","packet":"x"}`, "\x85\xa3uid\xa2zz\xa9requestId\xa1q\xa4type\x07\xa6packet\xc0\xa4opts\x80",
		"\x83\xa4type\x07\xa6packet\x80\xa4opts\x80", "\x81\xa4type\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", "\xff\xff",
		`{"type":4,"uid":"zz","sid":"nope","close":true}`, `{"type":2,"uid":"zz","requestId":"q","sid":"nope","room":"x"}`,
		`{"type":1,"uid":"zz","requestId":"q"}`, `{"type":0,"uid":"zz","requestId":"q","rooms":[{}]}`,
	}
	responses := []string{
		"", "x", `{"requestId":"nope","sockets":[]}`, `{"type":8,"requestId":"nope","clientCount":1e300}`,
		"\x83\xa4type\x09\xa9requestId\xa4nope\xa6packet\xc1", `{"requestId":{"a":1}}`,
	}
	publish := func(ch string, msgs []string) {
		for _, m := range msgs {
			if err := raw.Publish(ctx, ch, m).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(key+"#/#", broadcasts)
	publish(key+"#/#r#", broadcasts)
	publish(key+"-request#/#", requests)
	publish(key+"-response#/#", responses)

	// The servers still answer each other.
	rs, err := a.srv.Of("/").FetchSockets(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("fetch after bad input: %d %v", len(rs), err)
	}
	// A valid broadcast from another publisher (an emitter's uid) reaches
	// both clients; the numeric event name above did too.
	publish(key+"#/#", []string{"\x93\xa7emitter" + pkt + opts})
	// a fetch answered through Redis makes sure a has read it too (same
	// subscriber connection, in order) before a's local fence goes out.
	if _, err := a.srv.Of("/").FetchSockets(ctx); err != nil {
		t.Fatal(err)
	}
	fence(t, a, []*gclient{ca, cb}, map[*gclient][]string{ca: {"1 []", "1 []", "e []"}, cb: {"1 []", "1 []", "e []"}})
}

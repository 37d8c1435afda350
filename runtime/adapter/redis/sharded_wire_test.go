package redisadapter

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/adapter"
)

// Messages as notepack.io encodes them for the Node ClusterAdapter
// (generated with notepack.encode in interop/).
var nodeShardedMsgpack = []string{
	// broadcast to r1 of ["ev", 1, <Buffer 01 02 03>, {a: 1}], packet without nsp
	"84a47479706503a46461746182a67061636b657482a47479706502a46461746194a2657601c40301020381a16101a46f70747383a5726f6f6d7391a27231a665786365707490a5666c61677380a3756964b039343236343036333734383231373839a36e7370a12f",
	// broadcast with acks, except x, timeout 5000
	"84a47479706503a46461746183a67061636b657482a47479706502a46461746192a361736bc40107a9726571756573744964b061613131626232326363333364643434a46f70747383a5726f6f6d7390a665786365707491a178a5666c61677381a774696d656f7574cd1388a3756964b039343236343036333734383231373839a36e7370a12f",
	// broadcast ack <Buffer 09>
	"84a4747970650ca46461746182a9726571756573744964b061613131626232326363333364643434a67061636b6574c40109a3756964a175a36e7370a12f",
	// server-side emit ["hello", <Buffer 03 04>, new Date(0)]
	"84a47479706509a46461746181a67061636b657493a568656c6c6fc4020304d7000000000000000000a3756964a175a36e7370a12f",
	// server-side emit with requestId r
	"84a47479706509a46461746182a9726571756573744964a172a67061636b657492a568656c6c6f81a16bc40101a3756964a175a36e7370a12f",
	// server-side emit response {b: <Buffer 01>}
	"84a4747970650aa46461746182a9726571756573744964a172a67061636b657481a162c40101a3756964a175a36e7370a12f",
	// fetch sockets response with binary socket data
	"84a47479706508a46461746182a9726571756573744964a172a7736f636b6574739184a26964a3616263a968616e647368616b6583a474696d65a178a669737375656401a5717565727981a345494fa134a5726f6f6d7392a3616263a172a46461746181a362696ec40105a3756964a175a36e7370a12f",
}

// Messages as the Node ClusterAdapter JSON.stringifies them.
var nodeShardedJSON = []string{
	`{"type":3,"data":{"packet":{"type":2,"data":["ev",1,{"b":"c","a":[null]}]},"opts":{"rooms":["r1"],"except":[],"flags":{}}},"uid":"u","nsp":"/"}`,
	`{"type":3,"data":{"packet":{"type":2,"data":["ask",7]},"requestId":"q","opts":{"rooms":[],"except":[],"flags":{"timeout":5000}}},"uid":"u","nsp":"/"}`,
	`{"type":4,"data":{"opts":{"rooms":["r1"],"except":[],"flags":{}},"rooms":["r5"]},"uid":"u","nsp":"/"}`,
	`{"type":5,"data":{"opts":{"rooms":[],"except":[]},"rooms":["r5"]},"uid":"u","nsp":"/"}`,
	`{"type":6,"data":{"opts":{"rooms":["x"],"except":[],"flags":{}},"close":false},"uid":"u","nsp":"/"}`,
	`{"type":7,"data":{"opts":{"rooms":["r1"],"except":[],"flags":{}},"requestId":"q"},"uid":"u","nsp":"/"}`,
	`{"type":8,"data":{"requestId":"q","sockets":[{"id":"x","handshake":{"time":"Tue Mar 05 2024 10:00:00 GMT+0000 (UTC)","issued":1,"query":{"EIO":"4"}},"rooms":["x"],"data":{"k":1}}]},"uid":"u","nsp":"/"}`,
	`{"type":9,"data":{"packet":["hello",1,"x"]},"uid":"u","nsp":"/"}`,
	`{"type":9,"data":{"requestId":"q","packet":["hello",2]},"uid":"u","nsp":"/"}`,
	`{"type":10,"data":{"requestId":"q","packet":{"from":"node"}},"uid":"u","nsp":"/"}`,
	`{"type":11,"data":{"requestId":"q","clientCount":2},"uid":"u","nsp":"/"}`,
	`{"type":12,"data":{"requestId":"q","packet":"g1"},"uid":"u","nsp":"/"}`,
	`{"type":12,"data":{"requestId":"q"},"uid":"u","nsp":"/"}`,
}

func TestDecodeNodeShardedMessages(t *testing.T) {
	for _, h := range nodeShardedMsgpack {
		b, _ := hex.DecodeString(h)
		m, err := decodeClusterMsg(b)
		if err != nil || m.JSON || !m.HasType || m.Nsp != "/" {
			t.Fatalf("%s: %+v %v", h, m, err)
		}
	}
	for _, s := range nodeShardedJSON {
		m, err := decodeClusterMsg([]byte(s))
		if err != nil || !m.JSON || !m.HasType || m.Nsp != "/" || m.UID != "u" {
			t.Fatalf("%s: %+v %v", s, m, err)
		}
	}
	// The first broadcast in full, for both codecs.
	b, _ := hex.DecodeString(nodeShardedMsgpack[0])
	m, _ := decodeClusterMsg(b)
	if m.Type != ctBroadcast || m.HasRequestID || !slices.Equal(m.Opts.Rooms, []string{"r1"}) {
		t.Fatalf("broadcast %+v", m)
	}
	p, err := packetFromMsgpack(socketio.JSON, m.Nsp, m.Packet)
	if err != nil {
		t.Fatal(err)
	}
	if p.Event != "ev" || p.Namespace != "/" || len(p.Args) != 3 || len(p.Attachments) != 1 {
		t.Fatalf("packet %+v", p)
	}
	// Broadcast with acks: timeout flag.
	b, _ = hex.DecodeString(nodeShardedMsgpack[1])
	m, _ = decodeClusterMsg(b)
	if m.RequestID != "aa11bb22cc33dd44" || m.Opts.Flags.Timeout != 5*time.Second || !slices.Equal(m.Opts.Except, []string{"x"}) {
		t.Fatalf("broadcast with acks %+v", m)
	}
	// Fetch response with binary data.
	b, _ = hex.DecodeString(nodeShardedMsgpack[6])
	m, _ = decodeClusterMsg(b)
	ds, err := socketsFromWire(m.Sockets, m.JSON)
	if err != nil || len(ds) != 1 || ds[0].ID != "abc" || !slices.Equal(ds[0].Rooms, []string{"abc", "r"}) {
		t.Fatalf("sockets %+v %v", ds, err)
	}
}

func TestEncodeShardedMessages(t *testing.T) {
	tests := []struct {
		name   string
		isJSON bool
		t      clusterType
		fields []field
		want   string
	}{
		{"fetch", true, ctFetchSockets, []field{
			{"opts", jsonValue(newJSONShardOpts(adapter.BroadcastOptions{Rooms: []string{"r"}, Flags: adapter.BroadcastFlags{Volatile: true, NoCompress: true, Timeout: time.Second}}))},
			{"requestId", jsonValue("q")},
		}, `{"uid":"me","nsp":"/x","type":7,"data":{"opts":{"rooms":["r"],"except":[],"flags":{"volatile":true,"compress":false,"timeout":1000}},"requestId":"q"}}`},
		{"join", true, ctSocketsJoin, []field{
			{"opts", jsonValue(newJSONShardOpts(adapter.BroadcastOptions{}))}, {"rooms", jsonValue([]string{"a"})},
		}, `{"uid":"me","nsp":"/x","type":4,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["a"]}}`},
		{"msgpack ack", false, ctBroadcastAck, []field{{"requestId", appendStr(nil, "q")}, {"packet", []byte{0xc4, 1, 9}}},
			"84a3756964a26d65a36e7370a22f78a474797065 0c a464617461 82 a9726571756573744964a171 a67061636b6574c40109"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			if tt.isJSON {
				got = encodeClusterJSON("me", "/x", tt.t, tt.fields...)
				if string(got) != tt.want {
					t.Fatalf("got  %s\nwant %s", got, tt.want)
				}
			} else {
				got = encodeClusterMsgpack("me", "/x", tt.t, tt.fields...)
				if want := unhex(t, tt.want); string(got) != string(want) {
					t.Fatalf("got  % x\nwant % x", got, want)
				}
			}
			m, err := decodeClusterMsg(got)
			if err != nil || m.UID != "me" || m.Nsp != "/x" || m.Type != tt.t || m.JSON != tt.isJSON {
				t.Fatalf("decode back: %+v %v", m, err)
			}
		})
	}
}

// TestShardedBroadcastPacketRoundTrip encodes a broadcast packet as the
// adapter would for each codec, with and without binary, and decodes it
// back.
func TestShardedBroadcastPacketRoundTrip(t *testing.T) {
	for _, c := range []socketio.Codec{socketio.JSON, msgpack.Codec{}} {
		for _, args := range [][]any{{1, "x", map[string]any{"k": true}}, {[]byte{1, 2}, "y"}} {
			p := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "ev"}
			for _, a := range args {
				if err := c.AppendArg(p, a); err != nil {
					t.Fatal(err)
				}
			}
			var q *socketio.Packet
			var err error
			if plainJSON(c, p) {
				q, err = packetFromJSON(c, "/", jsonEventPacket(p, "/"))
			} else {
				var packet []byte
				if packet, err = wirePacket(c, p, "/"); err == nil {
					q, err = packetFromMsgpack(c, "/", packet)
				}
			}
			if err != nil || q.Event != "ev" || len(q.Args) != len(args) {
				t.Fatalf("%s %v: %+v %v", c.Name(), args, q, err)
			}
		}
	}
}

// FuzzShardedMessage feeds arbitrary bytes to the sharded adapter's
// decoder and to the conversions its handlers apply: nothing may panic.
func FuzzShardedMessage(f *testing.F) {
	for _, h := range nodeShardedMsgpack {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	for _, s := range nodeShardedJSON {
		f.Add([]byte(s))
	}
	codecs := []socketio.Codec{socketio.JSON, msgpack.Codec{}}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeClusterMsg(b)
		if err != nil {
			return
		}
		for _, c := range codecs {
			if m.HasPacket {
				var p *socketio.Packet
				var err error
				if m.JSON {
					p, err = packetFromJSON(c, m.Nsp, m.Packet)
					var data []json.RawMessage
					if json.Unmarshal(m.Packet, &data) == nil {
						_, _ = eventFromJSON(c, m.Nsp, data)
					}
				} else {
					p, err = packetFromMsgpack(c, m.Nsp, m.Packet)
					_, _ = eventFromMsgpack(c, m.Nsp, m.Packet)
				}
				if err == nil {
					// What was accepted can be sent on.
					if plainJSON(c, p) {
						if j := jsonEventPacket(p, "/"); !json.Valid(j) {
							t.Fatalf("%s: invalid JSON packet %s", c.Name(), j)
						}
					} else if _, err := wirePacket(c, p, "/"); err != nil {
						t.Fatalf("%s: re-encode %+v: %v", c.Name(), p, err)
					}
				}
				_ = appendValue(c, &socketio.Packet{}, m.Packet, m.JSON)
			}
			_, _ = socketsFromWire(m.Sockets, m.JSON)
		}
	})
}

package client

import (
	"bytes"
	"context"
	"testing"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
)

// FuzzInbound feeds arbitrary server messages (0x1E-separated; a leading
// 'b' marks a binary message) to a Manager with two namespace sockets, as
// its engine connection would, with handlers that decode every argument
// and ack. Whatever arrives, nothing may panic or hang, and Close must
// still return.
func FuzzInbound(f *testing.F) {
	for _, seed := range []string{
		`0{"sid":"a"}` + "\x1e" + `2["ev",1,"two",{"3":[true]}]` + "\x1e" + `212["ev"]`,
		`0/chat,{"sid":"b","pid":"p"}` + "\x1e" + `2/chat,["news",1,"offset"]`,
		`0{"sid":"a"}` + "\x1e" + `51-["ev",{"_placeholder":true,"num":0}]` + "\x1e" + "b\x01\x02",
		`0{"sid":"a"}` + "\x1e" + `30["late"]` + "\x1e" + `61-7[{"_placeholder":true,"num":0}]` + "\x1e" + "b\x00",
		`4{"message":"nope","data":{"code":1}}` + "\x1e" + `4/chat,"plain"`,
		`0{"sid":"a"}` + "\x1e" + `1` + "\x1e" + `0{"sid":"c"}` + "\x1e" + `0{}`,
		"b\x83\xa4type\x00\xa4data\x81\xa3sid\xa1a\xa3nsp\xa1/",
		"b\x84\xa4type\x02\xa4data\x92\xa2ev\xc4\x01\x05\xa2id\x03\xa3nsp\xa1/",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, input string, useMsgpack bool) {
		var codec socketio.Codec = socketio.JSON
		if useMsgpack {
			codec = msgpack.Codec{}
		}
		m, err := NewManager("http://127.0.0.1:1", Options{Codec: codec, NoAutoConnect: true})
		if err != nil {
			t.Fatal(err)
		}
		h := &engineHandler{m: m, gen: 1, dec: codec.NewDecoder(socketio.DecoderOptions{})}
		for _, nsp := range []string{"/", "/chat"} {
			s, _ := m.Socket(nsp, SocketOptions{})
			s.OnAny(func(_ context.Context, ev *Event) {
				for i := 0; i < ev.Len(); i++ {
					var v any
					_ = ev.Decode(i, &v)
				}
				_ = ev.Ack(1, []byte{2})
			})
			m.mu.Lock()
			s.active = true
			m.mu.Unlock()
			s.EmitAsync(context.Background(), "pending") // ack id 0 awaits an ACK
		}
		for _, part := range bytes.Split([]byte(input), []byte{0x1e}) {
			if h.broken.Load() {
				break
			}
			p := engineio.Packet{Type: engineio.Message, Data: bytes.Clone(part)}
			if len(part) > 0 && part[0] == 'b' {
				p = engineio.BinaryPacket(bytes.Clone(part[1:]))
			}
			h.OnPacket(p)
		}
		h.OnClose(ReasonTransportClose, nil)
		m.Close()
	})
}

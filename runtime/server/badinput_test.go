package server_test

import (
	"context"
	"testing"

	"github.com/gobwas/ws"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/server"
)

// newEchoServer answers "echo" with the same arguments, acked when asked.
func newEchoServer(opts server.Options) *server.Server {
	srv := server.New(opts)
	echo := func(_ context.Context, s *server.Socket, ev *server.Event) {
		if ev.WantsAck() {
			_ = ev.Ack(ev.Args)
			return
		}
		_ = s.Emit("echo", ev.Args)
	}
	srv.On("echo", echo)
	srv.Of("/other").On("echo", echo)
	return srv
}

// TestMalformedPacketsCloseTheConnection sends broken Socket.IO packets
// (JSON codec) and checks that the server closes that connection only: a
// bystander on the same server keeps working.
func TestMalformedPacketsCloseTheConnection(t *testing.T) {
	base := serve(t, newEchoServer(server.Options{}))
	bystander := dialRaw(t, base)
	bystander.send("40")
	bystander.expectPrefix(`40{"sid":`)

	tests := []struct {
		name    string
		send    []string // text messages; "\x00bin:" prefix sends the rest as binary
		closeIt bool
	}{
		{"unknown packet type", []string{"4abc"}, true},
		{"packet type out of range", []string{"49[]"}, true},
		{"invalid payload format", []string{"42{}"}, true},
		{"truncated JSON", []string{`42["echo",1`}, true},
		{"invalid ack id", []string{`42abc["echo",1]`}, true},
		{"empty event", []string{`42[]`}, true},
		{"reserved event name", []string{`42["disconnect"]`}, true},
		{"event name not a string", []string{`42[{}]`}, true},
		{"disconnect with payload", []string{`41{}`}, true},
		{"connect with array payload", []string{`40/other,[]`}, true},
		{"too many attachments", []string{`4511-["echo",{"_placeholder":true,"num":0}]`}, true},
		{"missing attachment (text instead)", []string{`451-["echo",{"_placeholder":true,"num":0}]`, `42["echo"]`}, true},
		{"attachment with none announced", []string{"\x00bin:\x01\x02"}, true},
		{"placeholder out of range", []string{`451-["echo",{"_placeholder":true,"num":3}]`, "\x00bin:\x01"}, true},
		{"event for a namespace not joined", []string{`42/other,["echo"]`}, true},
		{"event for an unknown namespace", []string{`42/nowhere,["echo"]`}, true},
		{"second CONNECT to the same namespace", []string{"40"}, true},
		{"CONNECT_ERROR from the client", []string{`44{"message":"x"}`}, true},
		{"ack with an unknown id is ignored", []string{`43999[]`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, base)
			c.send("40")
			c.expectPrefix(`40{"sid":`)
			for _, m := range tt.send {
				if b, ok := cutBin(m); ok {
					c.sendBinary(b)
				} else {
					c.send(m)
				}
			}
			if tt.closeIt {
				c.expectClosed()
			} else {
				c.send(`42["echo","still here"]`)
				c.expect(`42["echo","still here"]`)
			}
			bystander.send(`421["echo",{"ok":true}]`)
			bystander.expect(`431[{"ok":true}]`)
		})
	}
}

func cutBin(m string) ([]byte, bool) {
	const p = "\x00bin:"
	if len(m) >= len(p) && m[:len(p)] == p {
		return []byte(m[len(p):]), true
	}
	return nil, false
}

// TestMalformedMsgpackPacketsCloseTheConnection does the same with the
// msgpack codec.
func TestMalformedMsgpackPacketsCloseTheConnection(t *testing.T) {
	base := serve(t, newEchoServer(server.Options{Codec: msgpack.Codec{}}))
	// {type:0, nsp:"/"}
	connect := []byte{0x82, 0xa4, 't', 'y', 'p', 'e', 0x00, 0xa3, 'n', 's', 'p', 0xa1, '/'}
	// {type:2, nsp:"/", data:["echo", 1], id:1}
	echo := []byte{0x84, 0xa4, 't', 'y', 'p', 'e', 0x02, 0xa3, 'n', 's', 'p', 0xa1, '/',
		0xa4, 'd', 'a', 't', 'a', 0x92, 0xa4, 'e', 'c', 'h', 'o', 0x01, 0xa2, 'i', 'd', 0x01}
	bystander := dialRaw(t, base)
	bystander.sendBinary(connect)
	if _, op, err := bystander.read(); err != nil || op != ws.OpBinary {
		t.Fatalf("bystander connect: %v %v", op, err)
	}
	tests := []struct {
		name string
		text string
		bin  []byte
	}{
		{"text message", `42["echo"]`, nil},
		{"not msgpack", "", []byte{0xc1}},
		{"not a map", "", []byte{0x92, 0x01, 0x02}},
		{"type out of range", "", []byte{0x82, 0xa4, 't', 'y', 'p', 'e', 0x07, 0xa3, 'n', 's', 'p', 0xa1, '/'}},
		{"event without data", "", []byte{0x82, 0xa4, 't', 'y', 'p', 'e', 0x02, 0xa3, 'n', 's', 'p', 0xa1, '/'}},
		{"truncated", "", echo[:len(echo)-3]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, base)
			c.sendBinary(connect)
			if _, op, err := c.read(); err != nil || op != ws.OpBinary {
				t.Fatalf("connect: %v %v", op, err)
			}
			if tt.bin != nil {
				c.sendBinary(tt.bin)
			} else {
				c.send(tt.text)
			}
			c.expectClosed()
			bystander.sendBinary(echo)
			got, op, err := bystander.read()
			if err != nil || op != ws.OpBinary {
				t.Fatalf("bystander echo: %v %v", op, err)
			}
			p, err := msgpack.Codec{}.NewDecoder(socketio.DecoderOptions{}).Decode(engineio.BinaryPacket([]byte(got)))
			if err != nil || p.Type != socketio.Ack || p.ID != 1 || len(p.Args) != 1 || string(p.Args[0]) != "\x01" {
				t.Fatalf("bystander ack: %+v, %v", p, err)
			}
		})
	}
}

package socketio_test

import (
	"fmt"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// Encoding an event: each argument is marshaled once with AppendArg; a
// []byte becomes a placeholder and travels as a binary attachment after the
// text message.
func ExampleJSON_encode() {
	type upload struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	}
	p := &socketio.Packet{Type: socketio.Event, Namespace: "/chat", ID: 7, Event: "upload"}
	if err := socketio.JSON.AppendArg(p, "general"); err != nil {
		panic(err)
	}
	if err := socketio.JSON.AppendArg(p, upload{Name: "a.bin", Data: []byte{1, 2, 3}}); err != nil {
		panic(err)
	}
	msgs, err := socketio.JSON.Encode(p)
	if err != nil {
		panic(err)
	}
	for _, m := range msgs {
		// Over long-polling each message is one packet of the payload.
		fmt.Printf("%s\n", engineio.AppendText(nil, m))
	}
	// Output:
	// 451-/chat,7["upload","general",{"name":"a.bin","data":{"_placeholder":true,"num":0}}]
	// bAQID
}

// Decoding an event: the decoder collects the announced attachments, then
// returns the packet with its arguments still raw; Unmarshal decodes each
// into its Go type and resolves placeholders.
func ExampleJSON_decode() {
	d := socketio.JSON.NewDecoder(socketio.DecoderOptions{})
	msgs := []engineio.Packet{
		engineio.TextPacket(engineio.Message, `51-/chat,7["upload","general",{"name":"a.bin","data":{"_placeholder":true,"num":0}}]`),
		engineio.BinaryPacket([]byte{1, 2, 3}),
	}
	for _, m := range msgs {
		p, err := d.Decode(m)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		if p == nil {
			fmt.Println("waiting for attachments")
			continue
		}
		fmt.Println(p.Type, p.Namespace, p.ID, p.Event, len(p.Args))
		var room string
		var up struct {
			Name string `json:"name"`
			Data []byte `json:"data"`
		}
		if err := socketio.JSON.Unmarshal(p, p.Args[0], &room); err != nil {
			panic(err)
		}
		if err := socketio.JSON.Unmarshal(p, p.Args[1], &up); err != nil {
			panic(err)
		}
		fmt.Println(room, up.Name, up.Data)
	}
	// Output:
	// waiting for attachments
	// EVENT /chat 7 upload 2
	// general a.bin [1 2 3]
}

// The decoder rejects what the reference parser rejects, with an error
// naming the problem; the connection must then be closed.
func ExampleJSON_invalid() {
	d := socketio.JSON.NewDecoder(socketio.DecoderOptions{})
	_, err := d.Decode(engineio.TextPacket(engineio.Message, `2[null,"x"]`))
	fmt.Println(err)
	// Output: codec: event packet: first element must be a string or number
}

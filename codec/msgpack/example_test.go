package msgpack_test

import (
	"fmt"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
)

// A Go server emitting socket.emit("hello", "you") writes the bytes a Node
// server writes for the same call.
func ExampleCodec_Encode() {
	c := msgpack.Codec{}
	p := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "hello"}
	if err := c.AppendArg(p, "you"); err != nil {
		panic(err)
	}
	msgs, err := c.Encode(p)
	if err != nil {
		panic(err)
	}
	fmt.Printf("binary=%v % x\n", msgs[0].Binary, msgs[0].Data)
	// Output:
	// binary=true 83 a4 74 79 70 65 02 a4 64 61 74 61 92 a5 68 65 6c 6c 6f a3 79 6f 75 a3 6e 73 70 a1 2f
}

// A browser client sends an ArrayBuffer as notepack's ext type 0 and an
// absent field as undefined (d4 00 00); both decode into ordinary Go values.
func ExampleCodec_Unmarshal() {
	c := msgpack.Codec{}
	dec := c.NewDecoder(socketio.DecoderOptions{})
	// {type:2, data:["upload",{name:"a.bin",data:ArrayBuffer[1,2,3],note:undefined}], options:{compress:true}, nsp:"/"}
	wire := []byte("\x84\xa4type\x02\xa4data\x92\xa6upload\x83\xa4name\xa5a.bin\xa4data\xc7\x03\x00\x01\x02\x03\xa4note\xd4\x00\x00" +
		"\xa7options\x81\xa8compress\xc3\xa3nsp\xa1/")
	p, err := dec.Decode(engineio.BinaryPacket(wire))
	if err != nil {
		panic(err)
	}
	var up struct {
		Name string  `json:"name"`
		Data []byte  `json:"data"`
		Note *string `json:"note"`
	}
	if err := c.Unmarshal(p, p.Args[0], &up); err != nil {
		panic(err)
	}
	fmt.Println(p.Event, up.Name, up.Data, up.Note)
	// Output: upload a.bin [1 2 3] <nil>
}

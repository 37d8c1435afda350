package engineio_test

import (
	"fmt"

	"github.com/siogen/sio/codec/engineio"
)

func ExampleAppendPayload() {
	body := engineio.AppendPayload(nil,
		engineio.TextPacket(engineio.Message, "hello"),
		engineio.BinaryPacket([]byte{1, 2, 3, 4}),
	)
	fmt.Printf("%q\n", body)
	// Output: "4hello\x1ebAQIDBA=="
}

func ExamplePayload() {
	for p, err := range engineio.Payload([]byte("4hello\x1e2\x1ebAQIDBA==")) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(p.Type, p.Binary, p.Data)
	}
	// Output:
	// message false [104 101 108 108 111]
	// ping false []
	// message true [1 2 3 4]
}

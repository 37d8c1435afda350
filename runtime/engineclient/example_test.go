package engineclient_test

import (
	"context"
	"log"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/runtime/engineclient"
)

// Dial a Socket.IO server websocket-first (falling back to polling behind
// proxies that refuse WebSocket), print what arrives, send one message.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := engineclient.Dial(ctx, "http://127.0.0.1:3000", engineclient.Options{
		Transports: []string{engineclient.WebSocket, engineclient.Polling},
		Handler: engineclient.HandlerFuncs{
			Packet: func(p engineio.Packet) { log.Printf("received %q", p.Data) },
			Close:  func(reason string, err error) { log.Printf("closed: %s %v", reason, err) },
		},
	})
	if err != nil {
		log.Print(err)
		return
	}
	defer c.Close()
	log.Printf("session %s on %s", c.ID(), c.Transport())
	// The Socket.IO CONNECT packet for the main namespace.
	c.Send(engineio.TextPacket(engineio.Message, "0"))
}

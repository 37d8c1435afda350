// Package good is a valid schema used by the loader tests.
package good

import (
	"time"

	"github.com/siogen/sio/schema"
)

// Chat is the /chat namespace.
var Chat = schema.Namespace[ClientToServer, ServerToClient, SocketData]{Path: "/chat"}

// Main is the main namespace.
var Main = schema.Namespace[MainEvents, MainEvents, schema.NoData]{Path: "/"}

type ClientToServer interface {
	// Join enters a room and returns how many members it has.
	Join(room string) (members int, err error)
	Say(room, text string)
	Upload(name string, data []byte) error
	//sio:event "typing" volatile
	Typing(room string, on bool)
	//sio:event "chat message"
	History(room string, since time.Time, limit *int) ([]Message, error)
	Stats() (map[string]int, float64)
}

type ServerToClient interface {
	Message(m Message)
	Typing(user string, on bool)
	// Ask asks the client something and wants an answer.
	Ask(q string) (answer string)
}

type MainEvents interface {
	Ping(n int64) int64
}

type Message struct {
	Room   string    `json:"room"`
	User   string    `json:"user"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
	Attach []byte    `json:"attach,omitempty"`
	hidden chan int
}

type SocketData struct {
	User string
}

// Package chatschema declares the events of the chat example once; sio-gen
// turns it into the typed server, client and TypeScript code in
// generated/chat.
package chatschema

//go:generate go run github.com/siogen/sio/cmd/sio-gen -out ../../../generated/chat

import (
	"time"

	"github.com/siogen/sio/schema"
)

// Chat is the /chat namespace: rooms of people sending messages.
var Chat = schema.Namespace[ClientToServer, ServerToClient, Member]{Path: "/chat"}

// ClientToServer are the events a chat client sends.
type ClientToServer interface {
	// Join enters a room and answers with how many members it now has.
	Join(room string) (members int, err error)
	// Leave leaves a room.
	Leave(room string) error
	// Say sends a text message to everyone in a room.
	Say(room, text string) error
	// Typing tells the room that the user started or stopped typing;
	// dropped rather than queued when the connection is busy.
	//sio:event "typing" volatile
	Typing(room string, on bool)
	// Upload shares a file with a room; data travels as a binary attachment.
	Upload(room, name string, data []byte) (id string, err error)
	// History returns up to limit recent messages of a room.
	History(room string, limit int) ([]Message, error)
}

// ServerToClient are the events the chat server sends.
type ServerToClient interface {
	// Message is a new message in a room the client joined.
	Message(m Message)
	// Typing says a user started or stopped typing in a room.
	//sio:event "typing" volatile
	Typing(room, user string, on bool)
	// Presence says a user joined or left a room.
	Presence(p Presence)
	// File announces a shared file with its bytes.
	File(f File)
}

// Message is one chat message.
type Message struct {
	ID   string    `json:"id"`
	Room string    `json:"room"`
	User string    `json:"user"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Presence is a join or leave in a room.
type Presence struct {
	Room    string `json:"room"`
	User    string `json:"user"`
	Joined  bool   `json:"joined"`
	Members int    `json:"members"`
}

// File is a file shared in a room.
type File struct {
	ID   string `json:"id"`
	Room string `json:"room"`
	User string `json:"user"`
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// Member is what the server keeps about each connected socket.
type Member struct {
	User string
}

// Package chatserver is the chat example's server logic, written against
// the typed code sio-gen generated from chatschema: it implements
// chat.ChatHandler and keeps each room's recent history in memory.
package chatserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/siogen/sio"
	"github.com/siogen/sio/examples/chat/chatschema"
	"github.com/siogen/sio/generated/chat"
	"github.com/siogen/sio/runtime/server"
)

// Limits of what one client may send.
const (
	MaxRoomName = 64
	MaxText     = 4096
	MaxUpload   = 512 << 10
	HistorySize = 100
	MaxUserName = 32
)

// Chat serves the /chat namespace.
type Chat struct {
	chat.UnimplementedChatHandler
	ns  *chat.ChatNamespace
	now func() time.Time

	mu      sync.Mutex
	history map[string][]chatschema.Message // per room, oldest first
}

// Register serves the chat on srv: it checks every client's auth payload
// ({"user": "name"}) and handles the chat events.
func Register(srv *server.Server) *Chat {
	c := &Chat{now: time.Now, history: map[string][]chatschema.Message{}}
	c.ns = chat.RegisterChat(srv, c)
	c.ns.Use(authenticate)
	c.ns.OnConnection(func(s *chat.ChatSocket) {
		// While disconnecting the socket is still in its rooms: tell them.
		s.OnDisconnecting(func(string) {
			for _, room := range s.Rooms() {
				if room != s.ID() {
					c.presence(context.Background(), room, s.Data().User, false, s.ID())
				}
			}
		})
	})
	return c
}

// Namespace returns the typed namespace, for emitting from outside handlers.
func (c *Chat) Namespace() *chat.ChatNamespace { return c.ns }

// authenticate refuses clients without a usable user name.
func authenticate(_ context.Context, s *chat.ChatSocket) error {
	var auth struct {
		User string `json:"user"`
	}
	if err := s.DecodeAuth(&auth); err != nil || strings.TrimSpace(auth.User) == "" {
		return &server.ConnectError{Message: "auth required", Data: map[string]string{"hint": `connect with auth {"user": "name"}`}}
	}
	if len(auth.User) > MaxUserName {
		return &server.ConnectError{Message: "user name too long", Data: map[string]int{"max": MaxUserName}}
	}
	s.Data().User = strings.TrimSpace(auth.User)
	return nil
}

func checkRoom(room string) error {
	if room == "" || len(room) > MaxRoomName {
		return &sio.AckError{Message: "bad room name", Data: map[string]int{"max": MaxRoomName}}
	}
	return nil
}

// Join enters a room and tells its members.
func (c *Chat) Join(ctx context.Context, s *chat.ChatSocket, room string) (int, error) {
	if err := checkRoom(room); err != nil {
		return 0, err
	}
	s.Socket.Join(room)
	return c.presence(ctx, room, s.Data().User, true, ""), nil
}

// Leave leaves a room and tells its members.
func (c *Chat) Leave(ctx context.Context, s *chat.ChatSocket, room string) error {
	if err := checkRoom(room); err != nil {
		return err
	}
	s.Socket.Leave(room)
	c.presence(ctx, room, s.Data().User, false, "")
	return nil
}

// presence broadcasts a join or leave to a room and returns its size, not
// counting leaving (a socket on its way out).
func (c *Chat) presence(ctx context.Context, room, user string, joined bool, leaving string) int {
	ids, _ := c.ns.Namespace().Adapter().Sockets(ctx, []string{room})
	n := len(ids)
	to := c.ns.To(room)
	if leaving != "" {
		n--
		to = to.Except(leaving)
	}
	_ = to.EmitPresence(chatschema.Presence{Room: room, User: user, Joined: joined, Members: n})
	return n
}

// member reports whether s joined room.
func member(s *chat.ChatSocket, room string) bool {
	for _, r := range s.Rooms() {
		if r == room {
			return true
		}
	}
	return false
}

// Say stores a message and sends it to the room, the sender included.
func (c *Chat) Say(_ context.Context, s *chat.ChatSocket, room, text string) error {
	if err := checkRoom(room); err != nil {
		return err
	}
	if !member(s, room) {
		return &sio.AckError{Message: "join the room first"}
	}
	if text == "" || len(text) > MaxText {
		return &sio.AckError{Message: "bad message length", Data: map[string]int{"max": MaxText}}
	}
	m := chatschema.Message{ID: newID(), Room: room, User: s.Data().User, Text: text, At: c.now().UTC()}
	c.mu.Lock()
	h := append(c.history[room], m)
	if len(h) > HistorySize {
		h = h[len(h)-HistorySize:]
	}
	c.history[room] = h
	c.mu.Unlock()
	return c.ns.To(room).EmitMessage(m)
}

// Typing relays a typing notice to the rest of the room.
func (c *Chat) Typing(_ context.Context, s *chat.ChatSocket, room string, on bool) {
	if checkRoom(room) != nil || !member(s, room) {
		return
	}
	_ = s.To(room).EmitTyping(room, s.Data().User, on)
}

// Upload shares a file with the room.
func (c *Chat) Upload(_ context.Context, s *chat.ChatSocket, room, name string, data []byte) (string, error) {
	if err := checkRoom(room); err != nil {
		return "", err
	}
	if !member(s, room) {
		return "", &sio.AckError{Message: "join the room first"}
	}
	if len(data) > MaxUpload {
		return "", &sio.AckError{Message: "file too large", Data: map[string]int{"max": MaxUpload}}
	}
	f := chatschema.File{ID: newID(), Room: room, User: s.Data().User, Name: name, Data: data}
	return f.ID, c.ns.To(room).EmitFile(f)
}

// History returns up to limit recent messages of a room, oldest first.
func (c *Chat) History(_ context.Context, s *chat.ChatSocket, room string, limit int) ([]chatschema.Message, error) {
	if err := checkRoom(room); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > HistorySize {
		limit = HistorySize
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.history[room]
	if len(h) > limit {
		h = h[len(h)-limit:]
	}
	return append([]chatschema.Message{}, h...), nil
}

func newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Errorf("chatserver: crypto/rand: %w", err)) // never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

package adapter

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// fakeNamespace and fakeSocket stand in for runtime/server, which depends
// on this package; they record what the adapter asks of them.
type fakeNamespace struct {
	mu      sync.Mutex
	sockets map[SocketID]*fakeSocket
	ids     int64
}

func newFakeNamespace(ids ...string) *fakeNamespace {
	n := &fakeNamespace{sockets: make(map[SocketID]*fakeSocket)}
	for _, id := range ids {
		n.sockets[id] = &fakeSocket{id: id}
	}
	return n
}

func (n *fakeNamespace) Name() string          { return "/" }
func (n *fakeNamespace) Codec() socketio.Codec { return socketio.JSON }
func (n *fakeNamespace) Socket(id SocketID) Socket {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s := n.sockets[id]; s != nil {
		return s
	}
	return nil
}
func (n *fakeNamespace) NextAckID() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ids++
	return n.ids - 1
}
func (n *fakeNamespace) ServerSideEvent(*socketio.Packet, func(...any) error) {}

type fakeSocket struct {
	mu     sync.Mutex
	id     string
	writes [][]engineio.Packet
	acks   []int64
}

func (s *fakeSocket) ID() SocketID { return s.id }
func (s *fakeSocket) WriteEncoded(p []engineio.Packet, _ BroadcastFlags) {
	s.mu.Lock()
	s.writes = append(s.writes, p)
	s.mu.Unlock()
}
func (s *fakeSocket) ExpectAck(id int64, _ AckFunc) {
	s.mu.Lock()
	s.acks = append(s.acks, id)
	s.mu.Unlock()
}
func (s *fakeSocket) CancelAck(int64)        {}
func (s *fakeSocket) Join(...Room)           {}
func (s *fakeSocket) Leave(Room)             {}
func (s *fakeSocket) Disconnect(bool)        {}
func (s *fakeSocket) Details() SocketDetails { return SocketDetails{ID: s.id} }

func (s *fakeSocket) texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, w := range s.writes {
		out = append(out, string(w[0].Data))
	}
	return out
}

func event(name string, args ...string) *socketio.Packet {
	p := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: name}
	for _, a := range args {
		p.Args = append(p.Args, socketio.Raw(a))
	}
	return p
}

func TestRooms(t *testing.T) {
	m := NewMemory(newFakeNamespace(), MemoryOptions{})
	m.AddAll("a", "a", "r1", "r2")
	m.AddAll("b", "b", "r1")
	m.Del("a", "r2")
	if got := sorted(m.SocketRooms("a")); !slices.Equal(got, []string{"a", "r1"}) {
		t.Errorf("rooms of a: %v", got)
	}
	if got := sorted(m.Rooms()); !slices.Equal(got, []string{"a", "b", "r1"}) {
		t.Errorf("rooms: %v (an emptied room must disappear)", got)
	}
	m.DelAll("a")
	m.DelAll("b")
	if got := m.Rooms(); len(got) != 0 {
		t.Errorf("rooms after DelAll: %v", got)
	}
	if got := m.SocketRooms("a"); got != nil {
		t.Errorf("rooms of a gone socket: %v", got)
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

// TestBroadcastSelection checks To/Except semantics: union of rooms, each
// socket once, minus every socket in an except room; no rooms means all.
func TestBroadcastSelection(t *testing.T) {
	tests := []struct {
		name          string
		rooms, except []Room
		want          []string
	}{
		{"all", nil, nil, []string{"a", "b", "c", "d"}},
		{"one room", []Room{"r1"}, nil, []string{"a", "b"}},
		{"union counted once", []Room{"r1", "r2"}, nil, []string{"a", "b", "c"}},
		{"except", []Room{"r1"}, []Room{"r2"}, []string{"a"}},
		{"all except", nil, []Room{"r1"}, []string{"c", "d"}},
		{"own room", []Room{"d"}, nil, []string{"d"}},
		{"unknown room", []Room{"nope"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nsp := newFakeNamespace("a", "b", "c", "d", "gone")
			m := NewMemory(nsp, MemoryOptions{})
			for _, id := range []string{"a", "b", "c", "d"} {
				m.AddAll(id, id)
			}
			m.AddAll("a", "r1")
			m.AddAll("b", "r1", "r2")
			m.AddAll("c", "r2")
			m.AddAll("missing", "r1") // not a connected socket: skipped
			if err := m.Broadcast(event("hi"), BroadcastOptions{Rooms: tt.rooms, Except: tt.except}); err != nil {
				t.Fatal(err)
			}
			var got []string
			var shared *byte
			for _, id := range []string{"a", "b", "c", "d", "gone"} {
				s := nsp.sockets[id]
				switch len(s.writes) {
				case 0:
				case 1:
					got = append(got, id)
					if shared == nil {
						shared = &s.writes[0][0].Data[0]
					} else if &s.writes[0][0].Data[0] != shared {
						t.Errorf("socket %s got its own copy of the packet: broadcasts must be encoded once", id)
					}
					if txt := string(s.writes[0][0].Data); txt != `2["hi"]` {
						t.Errorf("socket %s got %q", id, txt)
					}
				default:
					t.Errorf("socket %s got %d copies", id, len(s.writes))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("targets %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBroadcastWithAck(t *testing.T) {
	nsp := newFakeNamespace("a", "b", "c")
	m := NewMemory(nsp, MemoryOptions{})
	m.AddAll("a", "a", "r")
	m.AddAll("b", "b", "r")
	m.AddAll("c", "c")
	nsp.NextAckID() // ids are shared with the namespace's own emits
	count := -1
	p := event("q")
	if err := m.BroadcastWithAck(p, BroadcastOptions{Rooms: []Room{"r"}}, func(n int) { count = n }, func(*socketio.Packet, error) {}); err != nil {
		t.Fatal(err)
	}
	if count != 2 || p.ID != 1 {
		t.Fatalf("count %d, id %d; want 2, 1", count, p.ID)
	}
	for _, id := range []string{"a", "b"} {
		s := nsp.sockets[id]
		if !slices.Equal(s.acks, []int64{1}) || !slices.Equal(s.texts(), []string{`21["q"]`}) {
			t.Errorf("socket %s: acks %v, writes %q", id, s.acks, s.texts())
		}
	}
	if len(nsp.sockets["c"].writes) != 0 {
		t.Error("socket c is not in the room")
	}
}

func TestFetchAndRemoteOps(t *testing.T) {
	nsp := newFakeNamespace("a", "b")
	m := NewMemory(nsp, MemoryOptions{})
	m.AddAll("a", "a", "r")
	m.AddAll("b", "b")
	ds, err := m.FetchSockets(context.Background(), BroadcastOptions{Rooms: []Room{"r"}})
	if err != nil || len(ds) != 1 || ds[0].ID != "a" {
		t.Fatalf("fetch: %+v %v", ds, err)
	}
	ids, err := m.Sockets(context.Background(), nil)
	if err != nil || !slices.Equal(sorted(ids), []string{"a", "b"}) {
		t.Fatalf("sockets: %v %v", ids, err)
	}
	if n, err := m.ServerCount(context.Background()); n != 1 || err != nil {
		t.Fatalf("server count: %d %v", n, err)
	}
	got := -1
	if err := m.ServerSideEmit(event("x"), func(n int) { got = n }, nil); err != nil || got != 0 {
		t.Fatalf("server-side emit: expects %d answers, %v", got, err)
	}
}

// fakeClock is a settable time source for the recovery store.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func recoveryMemory(nsp Namespace, clock *fakeClock) *Memory {
	m := NewMemory(nsp, MemoryOptions{Recovery: &RecoveryOptions{MaxDisconnectionDuration: time.Minute}})
	m.rec.now = clock.now
	return m
}

func TestRecovery(t *testing.T) {
	clock := &fakeClock{t: time.UnixMilli(1_700_000_000_000)}
	nsp := newFakeNamespace("a", "b")
	m := recoveryMemory(nsp, clock)
	m.AddAll("a", "a", "news")
	m.AddAll("b", "b")

	_ = m.Broadcast(event("n", "1"), BroadcastOptions{Rooms: []Room{"news"}})
	first := nsp.sockets["a"].texts()[0]
	offset := lastString(t, first)
	clock.t = clock.t.Add(time.Second)
	m.PersistSession(&Session{SID: "a", PID: "pa", Rooms: []Room{"a", "news"}, Data: "d"})
	m.DelAll("a")

	_ = m.Broadcast(event("n", "2"), BroadcastOptions{Rooms: []Room{"news"}})                 // missed
	_ = m.Broadcast(event("n", "3"), BroadcastOptions{})                                      // missed (everyone)
	_ = m.Broadcast(event("n", "4"), BroadcastOptions{Rooms: []Room{"other"}})                // not for a
	_ = m.Broadcast(event("n", "5"), BroadcastOptions{Except: []Room{"news"}})                // excluded
	_ = m.Broadcast(event("n", "6"), BroadcastOptions{Flags: BroadcastFlags{Volatile: true}}) // volatile: not kept
	withAck := event("n", "7")
	withAck.ID = 9
	_ = m.Broadcast(withAck, BroadcastOptions{}) // with an ack id: not kept

	if got := nsp.sockets["b"].texts(); !strings.HasPrefix(got[len(got)-1], `29["n",7]`) || strings.Count(got[len(got)-2], `"`) != 2 {
		t.Errorf("packets with an ack id or volatile must not get an offset: %q", got[len(got)-2:])
	}

	if s, _ := m.RestoreSession("nope", offset); s != nil {
		t.Error("unknown pid restored")
	}
	s, err := m.RestoreSession("pa", offset)
	if err != nil || s == nil {
		t.Fatalf("restore: %v %v", s, err)
	}
	if s.SID != "a" || s.Data != "d" || !slices.Equal(s.Rooms, []Room{"a", "news"}) {
		t.Errorf("session %+v", s.Session)
	}
	var missed []string
	for _, p := range s.MissedPackets {
		missed = append(missed, string(p.Args[0]))
		if len(p.Args) != 2 {
			t.Errorf("missed packet %q lacks its offset", p.Args)
		}
	}
	if !slices.Equal(missed, []string{"2", "3"}) {
		t.Errorf("missed %v, want [2 3]", missed)
	}
	if s, _ := m.RestoreSession("pa", offset); s != nil {
		t.Error("a session can be restored once only")
	}
}

func TestRecoveryExpiry(t *testing.T) {
	clock := &fakeClock{t: time.UnixMilli(1_700_000_000_000)}
	nsp := newFakeNamespace("a")
	m := recoveryMemory(nsp, clock)
	m.AddAll("a", "a")
	_ = m.Broadcast(event("n", "1"), BroadcastOptions{})
	offset := lastString(t, nsp.sockets["a"].texts()[0])
	m.PersistSession(&Session{SID: "a", PID: "pa", Rooms: []Room{"a"}})
	clock.t = clock.t.Add(2 * time.Minute)
	if s, _ := m.RestoreSession("pa", offset); s != nil {
		t.Error("expired session restored")
	}
	// an unknown (pruned) offset cannot be recovered either
	m.PersistSession(&Session{SID: "a", PID: "pb", Rooms: []Room{"a"}})
	_ = m.Broadcast(event("n", "2"), BroadcastOptions{}) // prunes packet 1
	if s, _ := m.RestoreSession("pb", offset); s != nil {
		t.Error("session restored from a pruned offset")
	}
}

func TestOffsetsAreUnique(t *testing.T) {
	var g offsetGen
	base := time.UnixMilli(1_700_000_000_000)
	seen := map[string]bool{}
	for i, at := range []time.Time{base, base, base, base.Add(time.Millisecond), base, base.Add(-time.Hour), base.Add(2 * time.Millisecond)} {
		id := g.next(at)
		if seen[id] {
			t.Fatalf("offset %d %q repeated", i, id)
		}
		seen[id] = true
	}
	if got := g.next(time.UnixMilli(0)); got == "" {
		t.Error("empty offset")
	}
	if got := string(encode64(nil, 64)); got != "10" {
		t.Errorf("encode64(64) = %q", got)
	}
}

func lastString(t *testing.T, text string) string {
	t.Helper()
	i := strings.LastIndex(text, `,"`)
	if i < 0 || !strings.HasSuffix(text, `"]`) {
		t.Fatalf("no offset in %q", text)
	}
	return text[i+2 : len(text)-2]
}

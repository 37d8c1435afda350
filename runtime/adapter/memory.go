package adapter

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/siogen/sio/codec/socketio"
)

// MemoryOptions configure the in-memory adapter.
type MemoryOptions struct {
	// Recovery, when set, keeps sessions and the non-volatile Event
	// broadcasts without ack id for connection state recovery, and
	// appends an offset to each of those packets as its last argument.
	Recovery *RecoveryOptions
}

// RecoveryOptions bound what the in-memory adapter keeps for recovery.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a session and the packets it
	// may have missed are kept.
	MaxDisconnectionDuration time.Duration
}

// NewMemoryFactory returns a Factory of in-memory adapters.
func NewMemoryFactory(opts MemoryOptions) Factory {
	return func(nsp Namespace) Adapter { return NewMemory(nsp, opts) }
}

// Memory is the default adapter: rooms live in this process and every
// operation reaches local sockets only.
type Memory struct {
	nsp Namespace

	mu sync.RWMutex
	rs roomSet

	rec *recoveryStore // nil without recovery
}

// NewMemory returns an in-memory adapter for nsp.
func NewMemory(nsp Namespace, opts MemoryOptions) *Memory {
	m := &Memory{nsp: nsp, rs: newRoomSet()}
	if opts.Recovery != nil {
		m.rec = newRecoveryStore(opts.Recovery.MaxDisconnectionDuration)
	}
	return m
}

// Close implements Adapter. The in-memory adapter holds no resources.
func (m *Memory) Close() error { return nil }

// ServerCount implements Adapter: always 1.
func (m *Memory) ServerCount(context.Context) (int, error) { return 1, nil }

// AddAll implements Adapter.
func (m *Memory) AddAll(id SocketID, rooms ...Room) {
	m.mu.Lock()
	m.rs.add(id, rooms...)
	m.mu.Unlock()
}

// Del implements Adapter.
func (m *Memory) Del(id SocketID, room Room) {
	m.mu.Lock()
	m.rs.del(id, room)
	m.mu.Unlock()
}

// DelAll implements Adapter.
func (m *Memory) DelAll(id SocketID) {
	m.mu.Lock()
	m.rs.delAll(id)
	m.mu.Unlock()
}

// SocketRooms implements Adapter: the rooms in the order joined.
func (m *Memory) SocketRooms(id SocketID) []Room {
	m.mu.RLock()
	defer m.mu.RUnlock()
	list, ok := m.rs.sockets[id]
	if !ok {
		return nil
	}
	return slices.Clone(list)
}

// Rooms implements Adapter.
func (m *Memory) Rooms() []Room {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Room, 0, len(m.rs.rooms))
	for r := range m.rs.rooms {
		out = append(out, r)
	}
	return out
}

// HasRoom reports whether any local socket is in room. Adapters built on
// Memory use it to learn when a room is created or emptied (the Redis
// sharded adapter subscribes to a channel per room).
func (m *Memory) HasRoom(room Room) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.rs.rooms[room]
	return ok
}

// targets returns the connected local sockets selected by opts: those in
// any of opts.Rooms (each once), or all, minus those in any except room.
func (m *Memory) targets(opts BroadcastOptions) []Socket {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var except map[SocketID]struct{}
	if len(opts.Except) > 0 {
		except = make(map[SocketID]struct{})
		for _, r := range opts.Except {
			m.rs.rooms[r].each(func(id SocketID) { except[id] = struct{}{} })
		}
	}
	var out []Socket
	if len(opts.Rooms) == 0 {
		out = make([]Socket, 0, len(m.rs.sockets))
		for id := range m.rs.sockets {
			if _, ok := except[id]; ok {
				continue
			}
			if s := m.nsp.Socket(id); s != nil {
				out = append(out, s)
			}
		}
		return out
	}
	var seen map[SocketID]struct{}
	if len(opts.Rooms) > 1 {
		seen = make(map[SocketID]struct{})
	}
	for _, r := range opts.Rooms {
		m.rs.rooms[r].each(func(id SocketID) {
			if _, ok := except[id]; ok {
				return
			}
			if seen != nil {
				if _, ok := seen[id]; ok {
					return
				}
				seen[id] = struct{}{}
			}
			if s := m.nsp.Socket(id); s != nil {
				out = append(out, s)
			}
		})
	}
	return out
}

// Broadcast implements Adapter. With recovery enabled it appends an offset
// to p and stores it before sending.
func (m *Memory) Broadcast(p *socketio.Packet, opts BroadcastOptions) error {
	p.Namespace = m.nsp.Name()
	if m.rec != nil && p.Type == socketio.Event && !p.HasID() && !opts.Flags.Volatile {
		if err := m.rec.store(m.nsp.Codec(), p, opts); err != nil {
			return err
		}
	}
	pkts, err := m.nsp.Codec().Encode(p)
	if err != nil {
		return fmt.Errorf("adapter: broadcast %q on %s: %w", p.Event, p.Namespace, err)
	}
	for _, s := range m.targets(opts) {
		s.WriteEncoded(pkts, opts.Flags)
	}
	return nil
}

// BroadcastWithAck implements Adapter.
func (m *Memory) BroadcastWithAck(p *socketio.Packet, opts BroadcastOptions, onClientCount func(n int), onAck AckFunc) error {
	p.Namespace = m.nsp.Name()
	p.ID = m.nsp.NextAckID()
	pkts, err := m.nsp.Codec().Encode(p)
	if err != nil {
		return fmt.Errorf("adapter: broadcast %q on %s: %w", p.Event, p.Namespace, err)
	}
	targets := m.targets(opts)
	// Register every ack before sending anything, so that the count is
	// known before the first answer can arrive.
	for _, s := range targets {
		s.ExpectAck(p.ID, onAck)
	}
	onClientCount(len(targets))
	for _, s := range targets {
		s.WriteEncoded(pkts, opts.Flags)
	}
	return nil
}

// Sockets implements Adapter.
func (m *Memory) Sockets(_ context.Context, rooms []Room) ([]SocketID, error) {
	ts := m.targets(BroadcastOptions{Rooms: rooms})
	out := make([]SocketID, len(ts))
	for i, s := range ts {
		out[i] = s.ID()
	}
	return out, nil
}

// FetchSockets implements Adapter.
func (m *Memory) FetchSockets(_ context.Context, opts BroadcastOptions) ([]SocketDetails, error) {
	ts := m.targets(opts)
	out := make([]SocketDetails, len(ts))
	for i, s := range ts {
		out[i] = s.Details()
	}
	return out, nil
}

// AddSockets implements Adapter.
func (m *Memory) AddSockets(opts BroadcastOptions, rooms []Room) error {
	for _, s := range m.targets(opts) {
		s.Join(rooms...)
	}
	return nil
}

// DelSockets implements Adapter.
func (m *Memory) DelSockets(opts BroadcastOptions, rooms []Room) error {
	for _, s := range m.targets(opts) {
		for _, r := range rooms {
			s.Leave(r)
		}
	}
	return nil
}

// DisconnectSockets implements Adapter.
func (m *Memory) DisconnectSockets(opts BroadcastOptions, close bool) error {
	for _, s := range m.targets(opts) {
		s.Disconnect(close)
	}
	return nil
}

// ServerSideEmit implements Adapter: there are no other servers, so an
// emit with acks expects no answer.
func (m *Memory) ServerSideEmit(p *socketio.Packet, onServerCount func(n int), onAck AckFunc) error {
	if onServerCount != nil {
		onServerCount(0)
	}
	return nil
}

// PersistSession implements Adapter; it keeps nothing without recovery.
func (m *Memory) PersistSession(s *Session) {
	if m.rec != nil {
		m.rec.persist(s)
	}
}

// RestoreSession implements Adapter.
func (m *Memory) RestoreSession(pid PrivateSessionID, offset string) (*RestoredSession, error) {
	if m.rec == nil {
		return nil, nil
	}
	return m.rec.restore(pid, offset), nil
}

package adapter

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/siogen/sio/codec/socketio"
)

// recoveryStore keeps disconnected sessions and recent broadcasts for
// connection state recovery, dropping both after maxAge. It prunes as it
// goes instead of running a timer, so it owns no goroutine.
type recoveryStore struct {
	maxAge time.Duration
	now    func() time.Time

	mu       sync.Mutex
	sessions map[PrivateSessionID]storedSession
	packets  []storedPacket // in emission order
	firstSeq uint64         // sequence number of packets[0]
	index    map[string]uint64
	offsets  offsetGen
	swept    time.Time
}

type storedSession struct {
	Session
	disconnectedAt time.Time
}

type storedPacket struct {
	id     string
	at     time.Time
	p      *socketio.Packet
	rooms  []Room
	except []Room
}

func newRecoveryStore(maxAge time.Duration) *recoveryStore {
	return &recoveryStore{
		maxAge:   maxAge,
		now:      time.Now,
		sessions: make(map[PrivateSessionID]storedSession),
		index:    make(map[string]uint64),
	}
}

// store appends an offset to p's arguments and keeps p for replay. p must
// not be modified afterwards.
func (r *recoveryStore) store(c socketio.Codec, p *socketio.Packet, opts BroadcastOptions) error {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.offsets.next(now)
	if err := c.AppendArg(p, id); err != nil {
		return fmt.Errorf("adapter: append offset: %w", err)
	}
	r.prunePackets(now)
	r.index[id] = r.firstSeq + uint64(len(r.packets))
	r.packets = append(r.packets, storedPacket{
		id: id, at: now, p: p,
		rooms: slices.Clone(opts.Rooms), except: slices.Clone(opts.Except),
	})
	return nil
}

func (r *recoveryStore) prunePackets(now time.Time) {
	n := 0
	for n < len(r.packets) && now.Sub(r.packets[n].at) > r.maxAge {
		delete(r.index, r.packets[n].id)
		r.packets[n] = storedPacket{}
		n++
	}
	if n > 0 {
		r.packets = r.packets[n:]
		r.firstSeq += uint64(n)
	}
}

func (r *recoveryStore) persist(s *Session) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.swept) > r.maxAge/2 || len(r.sessions) > 1024 && now.Sub(r.swept) > time.Second {
		for pid, ss := range r.sessions {
			if now.Sub(ss.disconnectedAt) > r.maxAge {
				delete(r.sessions, pid)
			}
		}
		r.prunePackets(now)
		r.swept = now
	}
	r.sessions[s.PID] = storedSession{Session: *s, disconnectedAt: now}
}

func (r *recoveryStore) restore(pid PrivateSessionID, offset string) *RestoredSession {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	ss, ok := r.sessions[pid]
	if !ok {
		return nil
	}
	delete(r.sessions, pid)
	if now.Sub(ss.disconnectedAt) > r.maxAge {
		return nil
	}
	seq, ok := r.index[offset]
	if !ok {
		return nil
	}
	out := &RestoredSession{Session: ss.Session}
	for _, sp := range r.packets[seq-r.firstSeq+1:] {
		if includes(ss.Rooms, sp.rooms, sp.except) {
			out.MissedPackets = append(out.MissedPackets, sp.p)
		}
	}
	return out
}

// includes reports whether a socket in sessionRooms was a target of a
// broadcast to rooms except except.
func includes(sessionRooms, rooms, except []Room) bool {
	in := len(rooms) == 0
	for _, sr := range sessionRooms {
		if slices.Contains(except, sr) {
			return false
		}
		if !in && slices.Contains(rooms, sr) {
			in = true
		}
	}
	return in
}

// offsetGen makes the offsets appended to stored packets: the emission time
// in milliseconds in a 64-character alphabet, with a "." and a counter for
// several offsets in the same millisecond (the reference's yeast ids).
type offsetGen struct {
	lastMS int64
	seed   uint64
	used   bool
}

const offsetAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"

func encode64(dst []byte, n uint64) []byte {
	var buf [12]byte
	i := len(buf)
	for {
		i--
		buf[i] = offsetAlphabet[n%64]
		n /= 64
		if n == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// next returns a new offset. A clock that goes backwards keeps the last
// millisecond, so offsets never repeat.
func (g *offsetGen) next(now time.Time) string {
	ms := max(now.UnixMilli(), g.lastMS, 0)
	b := encode64(make([]byte, 0, 16), uint64(ms))
	if !g.used || ms != g.lastMS {
		g.lastMS, g.seed, g.used = ms, 0, true
		return string(b)
	}
	b = append(b, '.')
	b = encode64(b, g.seed)
	g.seed++
	return string(b)
}

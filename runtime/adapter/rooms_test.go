package adapter

import (
	"fmt"
	"slices"
	"testing"
)

// TestRoomSet drives a roomSet through joins and leaves, checking both
// directions after every step against a plain map model: rooms move
// between one member (no map) and many, and empty rooms disappear.
func TestRoomSet(t *testing.T) {
	rs := newRoomSet()
	model := map[Room]map[SocketID]bool{}
	joined := map[SocketID][]Room{}
	steps := []struct {
		op   string // "add", "del", "delAll"
		id   SocketID
		room Room
	}{
		{"add", "a", "a"}, {"add", "b", "b"}, {"add", "a", "lobby"}, {"add", "b", "lobby"},
		{"add", "c", "lobby"}, {"add", "a", "lobby"}, {"del", "b", "lobby"}, {"del", "c", "lobby"},
		{"del", "a", "lobby"}, {"del", "a", "lobby"}, {"add", "c", "a"}, {"delAll", "a", ""},
		{"del", "zz", "a"}, {"add", "b", "x"}, {"add", "b", "y"}, {"del", "b", "x"}, {"delAll", "c", ""},
		{"delAll", "b", ""},
	}
	for i, st := range steps {
		switch st.op {
		case "add":
			rs.add(st.id, st.room)
			if model[st.room] == nil {
				model[st.room] = map[SocketID]bool{}
			}
			if !model[st.room][st.id] {
				joined[st.id] = append(joined[st.id], st.room)
			}
			model[st.room][st.id] = true
		case "del":
			rs.del(st.id, st.room)
			if model[st.room][st.id] {
				delete(model[st.room], st.id)
				joined[st.id] = slices.DeleteFunc(joined[st.id], func(r Room) bool { return r == st.room })
			}
		case "delAll":
			rs.delAll(st.id)
			for _, r := range joined[st.id] {
				delete(model[r], st.id)
			}
			delete(joined, st.id)
		}
		for r, ids := range model {
			if len(ids) == 0 {
				delete(model, r)
			}
		}
		if got, want := dumpRooms(rs), fmt.Sprint(model); got != want {
			t.Fatalf("step %d %+v: rooms %s, want %s", i, st, got, want)
		}
		for id, rooms := range joined {
			if got := rs.sockets[id]; !slices.Equal(got, rooms) {
				t.Fatalf("step %d %+v: rooms of %s %q, want %q (in join order)", i, st, id, got, rooms)
			}
		}
		for id := range rs.sockets {
			if _, ok := joined[id]; !ok {
				t.Fatalf("step %d %+v: socket %s still listed", i, st, id)
			}
		}
	}
}

func dumpRooms(rs roomSet) string {
	out := map[Room]map[SocketID]bool{}
	for r, ms := range rs.rooms {
		out[r] = map[SocketID]bool{}
		ms.each(func(id SocketID) { out[r][id] = true })
		for id := range out[r] {
			if !ms.has(id) {
				return "has() disagrees with each() for " + id
			}
		}
		if ms.has("nobody") {
			return "has(nobody)"
		}
	}
	return fmt.Sprint(out)
}

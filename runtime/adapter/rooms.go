package adapter

import "slices"

// members is the set of sockets in one room. Most rooms have one member
// (every socket is alone in the room named by its id), so a single member
// is kept without a map: at 10,000 idle sockets the maps of their own rooms
// were a tenth of the server's memory.
type members struct {
	one  SocketID              // the member, while set is nil
	many map[SocketID]struct{} // two or more members
}

// add adds id; it reports whether the set changed.
func (ms *members) add(id SocketID) bool {
	switch {
	case ms.many != nil:
		if _, ok := ms.many[id]; ok {
			return false
		}
		ms.many[id] = struct{}{}
	case ms.one == "":
		ms.one = id
	case ms.one == id:
		return false
	default:
		ms.many = map[SocketID]struct{}{ms.one: {}, id: {}}
		ms.one = ""
	}
	return true
}

// remove removes id; it reports whether the set is empty afterwards.
func (ms *members) remove(id SocketID) (empty bool) {
	if ms.many == nil {
		if ms.one == id {
			ms.one = ""
		}
		return ms.one == ""
	}
	delete(ms.many, id)
	if len(ms.many) == 1 {
		for last := range ms.many {
			ms.one = last
		}
		ms.many = nil
	}
	return false
}

// has reports whether id is a member.
func (ms members) has(id SocketID) bool {
	if ms.many != nil {
		_, ok := ms.many[id]
		return ok
	}
	return ms.one != "" && ms.one == id
}

// each calls f for every member.
func (ms members) each(f func(SocketID)) {
	if ms.many == nil {
		if ms.one != "" {
			f(ms.one)
		}
		return
	}
	for id := range ms.many {
		f(id)
	}
}

// roomSet keeps which sockets are in which rooms, both ways. It is not
// safe for concurrent use (Memory locks around it).
type roomSet struct {
	rooms map[Room]members
	// sockets lists each socket's rooms in the order joined (as the
	// reference's Set does); a socket is in few rooms, so a slice scanned
	// on join costs less than a map per socket.
	sockets map[SocketID][]Room
}

func newRoomSet() roomSet {
	return roomSet{rooms: make(map[Room]members), sockets: make(map[SocketID][]Room)}
}

// add puts socket id into the rooms.
func (rs *roomSet) add(id SocketID, rooms ...Room) {
	list := rs.sockets[id]
	for _, r := range rooms {
		if slices.Contains(list, r) {
			continue
		}
		list = append(list, r)
		ms := rs.rooms[r]
		ms.add(id)
		rs.rooms[r] = ms
	}
	rs.sockets[id] = list // even with no rooms: the socket is known
}

// del removes socket id from room.
func (rs *roomSet) del(id SocketID, room Room) {
	list, ok := rs.sockets[id]
	if !ok {
		return
	}
	if i := slices.Index(list, room); i >= 0 {
		rs.sockets[id] = slices.Delete(list, i, i+1)
		rs.leave(id, room)
	}
}

// delAll removes socket id from every room.
func (rs *roomSet) delAll(id SocketID) {
	for _, r := range rs.sockets[id] {
		rs.leave(id, r)
	}
	delete(rs.sockets, id)
}

func (rs *roomSet) leave(id SocketID, room Room) {
	ms, ok := rs.rooms[room]
	if !ok {
		return
	}
	if ms.remove(id) {
		delete(rs.rooms, room)
	} else {
		rs.rooms[room] = ms
	}
}

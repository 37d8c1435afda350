package adapter

import "testing"

func TestMemoryHasRoom(t *testing.T) {
	m := NewMemory(newFakeNamespace("a", "b"), MemoryOptions{})
	steps := []struct {
		name string
		do   func()
		want map[Room]bool
	}{
		{"empty", func() {}, map[Room]bool{"r": false, "a": false}},
		{"a joins a and r", func() { m.AddAll("a", "a", "r") }, map[Room]bool{"r": true, "a": true, "b": false}},
		{"b joins r", func() { m.AddAll("b", "b", "r") }, map[Room]bool{"r": true, "b": true}},
		{"a leaves r", func() { m.Del("a", "r") }, map[Room]bool{"r": true, "a": true}},
		{"b leaves everything", func() { m.DelAll("b") }, map[Room]bool{"r": false, "b": false, "a": true}},
		{"leave a room not joined", func() { m.Del("a", "zz") }, map[Room]bool{"zz": false, "a": true}},
	}
	for _, s := range steps {
		s.do()
		for room, want := range s.want {
			if got := m.HasRoom(room); got != want {
				t.Errorf("%s: HasRoom(%q) = %v, want %v", s.name, room, got, want)
			}
		}
	}
}

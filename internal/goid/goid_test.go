package goid

import "testing"

func TestIDDiffersAcrossGoroutines(t *testing.T) {
	main := ID()
	if main == 0 || ID() != main {
		t.Fatalf("ID() = %d, not stable within a goroutine", main)
	}
	other := make(chan uint64)
	go func() { other <- ID() }()
	if o := <-other; o == 0 || o == main {
		t.Fatalf("another goroutine got %d, main has %d", o, main)
	}
}

// Package goid tells which goroutine is running. The clients use it for one
// thing: Close must not wait for its callback goroutine when it is called
// from inside a callback, which would deadlock.
package goid

import "runtime"

// ID returns the id of the calling goroutine, parsed from the header of its
// stack trace ("goroutine 123 [running]:"), or 0 if that header cannot be
// read.
func ID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return 0
	}
	var id uint64
	for _, ch := range b[len(prefix):] {
		if ch < '0' || ch > '9' {
			break
		}
		id = id*10 + uint64(ch-'0')
	}
	return id
}

package engineclient

import "runtime"

// goid returns the id of the calling goroutine, parsed from the header of
// its stack trace ("goroutine 123 [running]:"). Close uses it once to tell
// whether it runs on the dispatcher (inside a Handler callback), where it
// must not wait for the dispatcher to finish.
func goid() uint64 {
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

package server

import "time"

// SetAckTimeout sets the default ack wait (DefaultAckTimeout) for a test
// and returns a function restoring it. Not for parallel tests.
func SetAckTimeout(d time.Duration) (restore func()) {
	old := ackTimeout
	ackTimeout = d
	return func() { ackTimeout = old }
}

package engine

import (
	"os"
	"time"
)

// SIO_TEST_IDLE_TICK (a duration) sets the default idler tick of every
// server of the tests: "1ms" runs them with readers parking all the time.
func init() {
	if v := os.Getenv("SIO_TEST_IDLE_TICK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			panic("SIO_TEST_IDLE_TICK: " + err.Error())
		}
		defaultIdleTick = d
	}
}

// PollPending reports whether a GET of the session is waiting for packets,
// so that tests can order their requests without sleeping.
func (s *Session) PollPending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pollWaiting
}

// Posting reports whether a POST of the session is being processed.
func (s *Session) Posting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posting
}

// SetIdleTick sets how often the idler looks for idle WebSocket readers
// (d < 0: they never park). Call it before the server serves.
func SetIdleTick(srv *Server, d time.Duration) {
	srv.mu.Lock()
	srv.idleTick = d
	srv.mu.Unlock()
}

// ParkedReaders returns how many WebSocket readers are parked.
func ParkedReaders(srv *Server) int {
	srv.mu.Lock()
	d := srv.idler
	srv.mu.Unlock()
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.parked)
}

// Parks returns how many times WebSocket readers have parked.
func Parks(srv *Server) uint64 {
	srv.mu.Lock()
	d := srv.idler
	srv.mu.Unlock()
	if d == nil {
		return 0
	}
	return d.parks.Load()
}

// SetUpgradeHold sets how long a poll that arrives after a probe was
// answered is held; it returns the previous value. Only while no server runs.
func SetUpgradeHold(d time.Duration) time.Duration {
	old := upgradeHold
	upgradeHold = d
	return old
}

package engine

import "time"

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

// SetUpgradeHold sets how long a poll that arrives after a probe was
// answered is held; it returns the previous value. Only while no server runs.
func SetUpgradeHold(d time.Duration) time.Duration {
	old := upgradeHold
	upgradeHold = d
	return old
}

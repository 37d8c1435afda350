package engine

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

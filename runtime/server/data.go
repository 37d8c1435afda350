package server

// DataOr returns the socket's data, first storing init() when none is set,
// atomically: concurrent callers see the same value. Generated typed code
// uses it to give every socket its typed data.
func (s *Socket) DataOr(init func() any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		s.data = init()
	}
	return s.data
}

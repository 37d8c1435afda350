//go:build !linux

package engine

// newPoller: parking idle readers needs a readiness poller, which only the
// Linux build has; elsewhere every WebSocket keeps its reader goroutine.
func newPoller() (readinessPoller, error) { return nil, errNoPoller }

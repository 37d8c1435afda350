package engine

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Transport names, as they appear in the "transport" query parameter and in
// the handshake's "upgrades" list.
const (
	Polling   = "polling"
	WebSocket = "websocket"
)

// Options configure a Server. The zero value of every field means the
// reference server's default (packages/engine.io/lib/server.ts).
type Options struct {
	// Path is the URL path the server answers on (any path starting with it
	// is accepted, like the reference server's prefix check). Default
	// "/socket.io/".
	Path string

	// PingInterval is the time between two server pings. Default 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for the pong answering a
	// ping before it closes the session with ReasonPingTimeout. Default 20s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds the upgrade from polling to WebSocket: a probe
	// WebSocket that has not sent the upgrade packet by then is closed (the
	// session itself stays on polling). Default 10s.
	UpgradeTimeout time.Duration

	// MaxHTTPBufferSize is the largest polling POST body and the largest
	// WebSocket message accepted, in bytes; it is announced to clients as
	// "maxPayload". Larger bodies get HTTP 413, larger WebSocket messages
	// close the connection with status 1009. Default 1e6.
	MaxHTTPBufferSize int64

	// Transports lists the transports clients may use: Polling, WebSocket or
	// both (the default). With only WebSocket, clients must connect with
	// transport=websocket directly; with only Polling, no upgrade is offered.
	Transports []string

	// DisableUpgrades stops polling sessions from upgrading to WebSocket
	// (the reference option allowUpgrades=false).
	DisableUpgrades bool

	// AllowRequest, when set, is asked about every handshake request (the
	// first request of a session, polling or WebSocket). A non-nil error
	// refuses it: HTTP 403 {"code":4,"message":err.Error()} for polling, an
	// HTTP 400 for a WebSocket upgrade, as the reference server does.
	AllowRequest func(r *http.Request) error

	// CORS, when set, adds CORS headers to polling responses and answers
	// preflight OPTIONS requests. Nil sends no CORS headers (the reference
	// default cors: false).
	CORS *CORS

	// OnSession is called once for every new session, after the handshake
	// has been accepted and before any of the session's packets are
	// dispatched, typically to call Session.SetHandler. It runs on the
	// request's goroutine and should not block. Packets sent from it follow
	// the open packet.
	OnSession func(s *Session)

	// MaxQueuedBytes bounds the packets queued for one client and not yet
	// written (the sum of their data lengths plus a small per-packet
	// overhead). A Send that would exceed it closes the session with
	// ReasonTransportError and ErrQueueFull. Default 8 MiB; negative means
	// unbounded, as in the reference server.
	MaxQueuedBytes int

	// DisableHTTPCompression sends polling responses uncompressed. By
	// default, as in the reference server, a response of at least
	// HTTPCompressionThreshold bytes is gzip- or deflate-encoded when the
	// client accepts it (browsers do) and some packet in it was not sent
	// with SendOptions.NoCompress.
	DisableHTTPCompression bool
	// HTTPCompressionThreshold is the smallest polling response compressed,
	// in bytes. Default 1024.
	HTTPCompressionThreshold int
}

// CORS configures Cross-Origin Resource Sharing for the polling transport,
// modelled on the npm "cors" middleware the reference server uses.
type CORS struct {
	// Origins are the allowed origins, e.g. "https://example.com". The entry
	// "*" allows any origin: the response then says "*", or echoes the
	// request's Origin when Credentials is set (browsers reject "*" with
	// credentials).
	Origins []string
	// AllowOrigin, when set, decides instead of Origins: the request's Origin
	// is echoed back when it returns true.
	AllowOrigin func(origin string) bool
	// Credentials sends Access-Control-Allow-Credentials: true, needed for
	// clients using withCredentials (cookies, e.g. for sticky sessions).
	Credentials bool
	// Methods answer preflight requests. Default GET,HEAD,PUT,PATCH,POST,DELETE.
	Methods []string
	// Headers are the request headers allowed by a preflight. Default: the
	// ones the preflight asks for (Access-Control-Request-Headers).
	Headers []string
	// ExposedHeaders lists response headers scripts may read.
	ExposedHeaders []string
	// MaxAge lets browsers cache a preflight answer; zero sends no header.
	MaxAge time.Duration
}

// The reference server's defaults.
const (
	DefaultPath              = "/socket.io/"
	DefaultPingInterval      = 25 * time.Second
	DefaultPingTimeout       = 20 * time.Second
	DefaultUpgradeTimeout    = 10 * time.Second
	DefaultMaxHTTPBufferSize = 1_000_000
	DefaultMaxQueuedBytes    = 8 << 20
	// DefaultHTTPCompressionThreshold is the reference's httpCompression
	// threshold.
	DefaultHTTPCompressionThreshold = 1024
)

// withDefaults fills zero fields and validates the rest.
func (o Options) withDefaults() (Options, error) {
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if !strings.HasPrefix(o.Path, "/") {
		o.Path = "/" + o.Path
	}
	if !strings.HasSuffix(o.Path, "/") {
		o.Path += "/"
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.PingTimeout == 0 {
		o.PingTimeout = DefaultPingTimeout
	}
	if o.UpgradeTimeout == 0 {
		o.UpgradeTimeout = DefaultUpgradeTimeout
	}
	if o.MaxHTTPBufferSize == 0 {
		o.MaxHTTPBufferSize = DefaultMaxHTTPBufferSize
	}
	if o.MaxQueuedBytes == 0 {
		o.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	if o.HTTPCompressionThreshold == 0 {
		o.HTTPCompressionThreshold = DefaultHTTPCompressionThreshold
	}
	if o.PingInterval < 0 || o.PingTimeout < 0 || o.UpgradeTimeout < 0 || o.MaxHTTPBufferSize < 0 {
		return o, fmt.Errorf("engine: negative duration or size in Options")
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{Polling, WebSocket}
	}
	for _, t := range o.Transports {
		if t != Polling && t != WebSocket {
			return o, fmt.Errorf("engine: unknown transport %q in Options.Transports", t)
		}
	}
	o.Transports = slices.Clone(o.Transports)
	return o, nil
}

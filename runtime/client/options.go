package client

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/engineclient"
)

// Defaults used when the corresponding Options field is zero; they are
// socket.io-client's.
const (
	DefaultReconnectionDelay    = time.Second
	DefaultReconnectionDelayMax = 5 * time.Second
	DefaultRandomizationFactor  = 0.5
	DefaultTimeout              = 20 * time.Second
)

// Options configures a Manager. The zero value gives socket.io-client's
// defaults: JSON codec, reconnection forever with a 1 s … 5 s backoff and
// 0.5 jitter, a 20 s connect timeout, sockets that connect when created.
// Boolean options are phrased so that false is the default (NoReconnection
// is socket.io-client's reconnection: false).
type Options struct {
	// Engine is passed to engineclient.Dial for every connection: Path
	// (default "/socket.io/"), Transports and their order (websocket first
	// falls back to polling unless NoFallback), Header, Query, TLS, HTTP
	// client, timeouts. Its Handler is the Manager's and is ignored.
	Engine engineclient.Options

	// Codec is the Socket.IO wire format: socketio.JSON (default) or the
	// msgpack codec. It must match the server's parser.
	Codec socketio.Codec

	// DecoderOptions bound what the codec's decoder accepts from the server.
	DecoderOptions socketio.DecoderOptions

	// NoReconnection turns automatic reconnection off: once the connection
	// is lost (or the first one cannot be opened), sockets stay
	// disconnected until Socket.Open is called again.
	NoReconnection bool

	// ReconnectionAttempts is how many reconnection attempts are made in a
	// row before giving up with OnReconnectFailed; zero means no limit.
	ReconnectionAttempts int

	// ReconnectionDelay is the first backoff delay (default 1 s); it doubles
	// with every attempt up to ReconnectionDelayMax (default 5 s).
	ReconnectionDelay    time.Duration
	ReconnectionDelayMax time.Duration

	// RandomizationFactor is the jitter of each delay, in (0, 1]: the delay
	// is moved up or down by up to that fraction. Zero means the default
	// 0.5; a negative value disables jitter.
	RandomizationFactor float64

	// Timeout bounds the opening of each Engine.IO connection (all
	// transports tried included); default 20 s.
	Timeout time.Duration

	// NoAutoConnect makes Manager.Socket return a socket that connects
	// only when Open or Connect is called (socket.io-client's
	// autoConnect: false).
	NoAutoConnect bool

	// Manager events, socket.io-client's "open", "close",
	// "reconnect_attempt", "reconnect", "reconnect_error" and
	// "reconnect_failed". They run one at a time, in order, on a callback
	// goroutine of the Manager (never on a network goroutine). attempt
	// counts from 1 within one reconnection loop.
	OnOpen  func()
	OnClose func(reason string, err error)
	// OnUpgrade reports that the connection switched transport (polling →
	// websocket); OnUpgradeError that a probe failed and it stays on
	// polling.
	OnUpgrade          func(transport string)
	OnUpgradeError     func(err error)
	OnReconnectAttempt func(attempt int)
	OnReconnect        func(attempt int)
	OnReconnectError   func(err error)
	OnReconnectFailed  func()
}

// SocketOptions configures one namespace socket.
type SocketOptions struct {
	// Auth is sent as the CONNECT payload (the server's
	// socket.handshake.auth). Nil sends no payload.
	Auth map[string]any

	// AuthFunc, if set, is called before every CONNECT (the first and each
	// reconnection) and its result is sent instead of Auth, for tokens
	// that expire. It runs on the socket's callback goroutine; ctx is
	// cancelled when the Manager is closed. An error is reported as a
	// connect error and the socket stops connecting.
	AuthFunc func(ctx context.Context) (map[string]any, error)

	// Retries, when positive, turns on socket.io-client's retry queue:
	// every non-volatile emit (Emit included, which then requests an ack
	// the server must give) is queued, only the oldest one is on the wire
	// at a time, and it is sent again when its ack does not come (after
	// AckTimeout, or when the connection is lost) until it was tried
	// Retries+1 times. This is at-least-once delivery: an emit whose ack
	// was lost is received again, so the server must be idempotent.
	Retries int

	// AckTimeout bounds each attempt of a queued emit (Retries > 0). Zero
	// means an attempt ends only with its ack, the connection's loss, or the
	// caller's context.
	AckTimeout time.Duration

	// OnConnect is called when the namespace is connected (again).
	OnConnect func()

	// OnConnectError reports a failed connection: a *ConnectError when the
	// server refused the namespace (a middleware error or an unknown
	// namespace; the socket then stops connecting), or the transport error
	// of a failed attempt (the Manager keeps retrying when reconnection is
	// on).
	OnConnectError func(err error)

	// OnDisconnect is called when a connected socket is disconnected, with
	// one of the Reason constants.
	OnDisconnect func(reason string)
}

// Disconnect reasons passed to SocketOptions.OnDisconnect; they are
// socket.io-client's strings.
const (
	ReasonServerDisconnect = "io server disconnect"
	ReasonClientDisconnect = "io client disconnect"
	ReasonPingTimeout      = engineclient.ReasonPingTimeout
	ReasonTransportClose   = engineclient.ReasonTransportClose
	ReasonTransportError   = engineclient.ReasonTransportError
	ReasonParseError       = "parse error"
	ReasonForcedClose      = engineclient.ReasonForcedClose
)

// withDefaults returns o with zero fields replaced by the defaults.
func (o Options) withDefaults() Options {
	if o.Codec == nil {
		o.Codec = socketio.JSON
	}
	if o.ReconnectionDelay <= 0 {
		o.ReconnectionDelay = DefaultReconnectionDelay
	}
	if o.ReconnectionDelayMax <= 0 {
		o.ReconnectionDelayMax = DefaultReconnectionDelayMax
	}
	if o.RandomizationFactor == 0 {
		o.RandomizationFactor = DefaultRandomizationFactor
	}
	if o.RandomizationFactor < 0 {
		o.RandomizationFactor = 0
	}
	if o.RandomizationFactor > 1 {
		o.RandomizationFactor = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// backoff is socket.io-client's exponential backoff (backo2): the n-th
// delay (n from 0) is min·2ⁿ, moved down or up by rand·jitter of itself
// (direction decided by the same random draw), capped at max.
type backoff struct {
	min, max time.Duration
	jitter   float64
	attempts int
	rand     func() float64 // [0, 1)
}

func (b *backoff) duration() time.Duration {
	ms := float64(b.min) * math.Pow(2, float64(b.attempts))
	b.attempts++
	if b.jitter > 0 {
		r := b.rand()
		dev := math.Floor(r * b.jitter * ms)
		if int(math.Floor(r*10))&1 == 0 {
			ms -= dev
		} else {
			ms += dev
		}
	}
	if ms > float64(b.max) || math.IsInf(ms, 0) || math.IsNaN(ms) {
		return b.max
	}
	return time.Duration(ms)
}

func (b *backoff) reset() { b.attempts = 0 }

func newBackoff(o Options) *backoff {
	return &backoff{min: o.ReconnectionDelay, max: o.ReconnectionDelayMax, jitter: o.RandomizationFactor, rand: rand.Float64}
}

package engineclient

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"
)

// Transport names, as they appear in Options.Transports, in the handshake's
// upgrades list and in the transport query parameter.
const (
	Polling   = "polling"
	WebSocket = "websocket"
)

// Defaults used when the corresponding Options field is zero.
const (
	DefaultPath           = "/socket.io/"
	DefaultDialTimeout    = 20 * time.Second
	DefaultUpgradeTimeout = 10 * time.Second
	DefaultRequestTimeout = 10 * time.Second
	DefaultMaxReadBytes   = 64 << 20
)

// Options configures Dial. The zero value is usable: polling first, then an
// upgrade to websocket, falling back to the next transport when one cannot be
// opened.
type Options struct {
	// Path is the Engine.IO endpoint on the server; default "/socket.io/"
	// (the Socket.IO default; a bare engine.io server uses "/engine.io/").
	// The path of the URL given to Dial is ignored: the Socket.IO layer
	// uses it as the namespace.
	Path string

	// Transports lists the transports to use, in the order Dial tries them;
	// default [Polling, WebSocket]. A transport missing from the list is
	// never used, not even as an upgrade.
	Transports []string

	// NoFallback makes Dial fail when the first transport cannot be opened,
	// instead of trying the next one in Transports. This is engine.io-client's
	// default (tryAllTransports: false); the zero value here is its
	// tryAllTransports: true, so that a websocket-first client still works
	// behind a proxy that refuses WebSocket upgrades.
	NoFallback bool

	// NoUpgrade keeps a connection on the transport it opened with
	// (engine.io-client's upgrade: false). By default a polling connection
	// probes websocket once when the server offers it.
	NoUpgrade bool

	// RememberUpgrade, when set, carries engine.io-client's rememberUpgrade /
	// priorWebsocketSuccess across connections (for example across the
	// reconnections of one manager): after a connection reached websocket,
	// the next Dial opens with websocket directly (falling back to the
	// Transports order if it cannot). Any transport error or failed probe
	// clears the memory.
	RememberUpgrade *UpgradeMemory

	// Query holds extra query parameters sent with every request (EIO,
	// transport and sid are set by the client). Parameters in the URL passed
	// to Dial are sent too; Query wins on conflicts.
	Query url.Values

	// Header holds extra HTTP headers sent with every polling request and
	// with the WebSocket handshake (authorization, cookies, ...).
	Header http.Header

	// HTTPClient sends the polling requests. By default each Conn has its
	// own client (and connection pool, closed with the Conn), built from
	// NetDial, TLSConfig and Jar. A client given here is used as is and its
	// idle connections are left to its owner.
	HTTPClient *http.Client

	// NetDial, if set, opens the TCP connections of the default HTTP client
	// and of the WebSocket dialer (proxies, custom resolvers, tests).
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)

	// TLSConfig is used for https and wss URLs by the default HTTP client
	// and by the WebSocket dialer.
	TLSConfig *tls.Config

	// Jar, if set, stores cookies set by the server (sticky sessions behind
	// load balancers) and sends them with every request, WebSocket handshake
	// included. With a custom HTTPClient, its Jar is used instead.
	Jar http.CookieJar

	// DialTimeout bounds the opening of each transport in Dial (connect,
	// HTTP or WebSocket handshake, open packet); default 20 s.
	DialTimeout time.Duration

	// UpgradeTimeout bounds an upgrade probe (WebSocket handshake, 2probe,
	// 3probe); default 10 s. A probe that times out leaves the connection on
	// polling.
	UpgradeTimeout time.Duration

	// RequestTimeout bounds each polling POST, each batch of WebSocket
	// writes and the close handshake of Close; default 10 s. Pending polling
	// GETs are bounded by the heartbeat instead.
	RequestTimeout time.Duration

	// MaxReadBytes bounds one polling response or one WebSocket message from
	// the server; default 64 MiB. A larger one closes the connection with
	// ReasonTransportError.
	MaxReadBytes int64

	// Handler receives the messages and the close of the connection. Nil
	// discards messages.
	Handler Handler

	// testHookProbed, if set, runs after a probe got 3probe and before the
	// writer pauses polling (tests hold the upgrade open with it).
	testHookProbed func()
	// testHookPaused, if set, runs in the writer once polling is paused
	// and before the upgrade packet is sent: packets sent meanwhile must
	// wait in the queue and go out over the websocket.
	testHookPaused func()
}

// UpgradeMemory remembers whether websocket worked for the last connection
// that used it (engine.io-client's priorWebsocketSuccess, which is a process
// global there and a value owned by the caller here). The zero value
// remembers nothing. It is safe for concurrent use.
type UpgradeMemory struct{ ok atomic.Bool }

// WebSocketWorked reports whether the last connection using m reached
// websocket without a transport error since.
func (m *UpgradeMemory) WebSocketWorked() bool { return m != nil && m.ok.Load() }

func (m *UpgradeMemory) set(v bool) {
	if m != nil {
		m.ok.Store(v)
	}
}

// config is Options with defaults applied and the URL parsed.
type config struct {
	Options
	base   url.URL // scheme http/https, host, path; query without transport/sid
	query  url.Values
	client *http.Client
	owned  *http.Transport // closed with the Conn when we built the client
}

func newConfig(rawURL string, o Options) (*config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("engineclient: url %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "http"
	case "https", "wss":
		u.Scheme = "https"
	default:
		return nil, fmt.Errorf("engineclient: url %q: scheme must be http, https, ws or wss", rawURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("engineclient: url %q: missing host", rawURL)
	}
	c := &config{Options: o}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.Path[0] != '/' {
		c.Path = "/" + c.Path
	}
	if c.Path[len(c.Path)-1] != '/' {
		c.Path += "/"
	}
	if len(c.Transports) == 0 {
		c.Transports = []string{Polling, WebSocket}
	}
	for _, t := range c.Transports {
		if t != Polling && t != WebSocket {
			return nil, fmt.Errorf("engineclient: unknown transport %q (want %q or %q)", t, Polling, WebSocket)
		}
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.UpgradeTimeout <= 0 {
		c.UpgradeTimeout = DefaultUpgradeTimeout
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxReadBytes <= 0 {
		c.MaxReadBytes = DefaultMaxReadBytes
	}
	q := u.Query()
	for k, vs := range o.Query {
		q[k] = slices.Clone(vs)
	}
	q.Set("EIO", "4")
	q.Del("transport")
	q.Del("sid")
	c.query = q
	c.base = url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: c.Path}

	if o.HTTPClient != nil {
		c.client = o.HTTPClient
		if c.Jar == nil {
			c.Jar = o.HTTPClient.Jar
		}
	} else {
		tr := &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			TLSClientConfig:     o.TLSConfig,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   false,
		}
		if o.NetDial != nil {
			tr.DialContext = o.NetDial
		} else {
			tr.DialContext = (&net.Dialer{Timeout: c.DialTimeout, KeepAlive: 30 * time.Second}).DialContext
		}
		c.owned = tr
		c.client = &http.Client{Transport: tr, Jar: o.Jar}
	}
	return c, nil
}

// order returns the transports Dial tries, in order.
func (c *config) order() []string {
	if c.RememberUpgrade.WebSocketWorked() && slices.Contains(c.Transports, WebSocket) && c.Transports[0] != WebSocket {
		out := []string{WebSocket}
		for _, t := range c.Transports {
			if t != WebSocket {
				out = append(out, t)
			}
		}
		return out
	}
	return slices.Clone(c.Transports)
}

// endpoint returns the URL of a request on transport, with sid when known.
func (c *config) endpoint(transport, sid string) string {
	q := make(url.Values, len(c.query)+2)
	for k, vs := range c.query {
		q[k] = vs
	}
	q.Set("transport", transport)
	if sid != "" {
		q.Set("sid", sid)
	}
	u := c.base
	if transport == WebSocket {
		if u.Scheme == "https" {
			u.Scheme = "wss"
		} else {
			u.Scheme = "ws"
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// httpURL is the http(s) form of the endpoint, for the cookie jar.
func (c *config) httpURL() *url.URL {
	u := c.base
	return &u
}

package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// pollClient is one raw Engine.IO/Socket.IO client on HTTP long-polling.
// It keeps one persistent HTTP/1.1 connection and writes its requests by
// hand (net/http's client costs several times more CPU per request, and
// the load generator's core must not be the bottleneck); responses are
// parsed with http.ReadResponse. Requests go one at a time: a POST, then a
// GET that collects what the server queued.
type pollClient struct {
	addr  string
	conn  net.Conn
	br    *bufio.Reader
	codec socketio.Codec
	dec   socketio.Decoder
	sid   string
	path  string // request target with the sid
	wbuf  []byte
	body  []byte
	pend  []*socketio.Packet // decoded, not yet returned by read
	pongs int                // pings answered (each costs a POST)
}

// dialPolling opens a polling session at base and joins the main namespace.
func dialPolling(ctx context.Context, base string, codec socketio.Codec) (*pollClient, error) {
	addr := strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("loadgen: polling dial %s: %w", addr, err)
	}
	c := &pollClient{addr: addr, conn: conn, br: bufio.NewReaderSize(conn, 4096), codec: codec,
		dec: codec.NewDecoder(socketio.DecoderOptions{})}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
		defer conn.SetDeadline(time.Time{})
	}
	body, err := c.do("GET", "/socket.io/?EIO=4&transport=polling", nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("loadgen: polling handshake: %w", err)
	}
	ps, err := engineio.DecodePayload(body)
	if err != nil || len(ps) == 0 || ps[0].Type != engineio.Open {
		c.Close()
		return nil, fmt.Errorf("loadgen: polling handshake: bad open payload %q (%v)", body, err)
	}
	hs, err := engineio.ParseHandshake(ps[0].Data)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.sid = hs.SID
	c.path = "/socket.io/?EIO=4&transport=polling&sid=" + hs.SID
	if err := c.post(&socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: socketio.NoID}); err != nil {
		c.Close()
		return nil, fmt.Errorf("loadgen: polling connect: %w", err)
	}
	for {
		sp, err := c.read()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("loadgen: polling connect reply: %w", err)
		}
		switch sp.Type {
		case socketio.Connect:
			return c, nil
		case socketio.ConnectError:
			c.Close()
			return nil, fmt.Errorf("loadgen: polling connect refused: %s", sp.Data)
		}
	}
}

// Close ends the HTTP connection; the server sees the session end when
// its heartbeat expires (or at once, with a pending GET).
func (c *pollClient) Close() error { return c.conn.Close() }

// post sends one Socket.IO packet in a POST.
func (c *pollClient) post(p *socketio.Packet) error {
	msgs, err := c.codec.Encode(p)
	if err != nil {
		return err
	}
	return c.postEngine(msgs...)
}

func (c *pollClient) postEngine(msgs ...engineio.Packet) error {
	c.body = engineio.AppendPayload(c.body[:0], msgs...)
	resp, err := c.do("POST", c.path, c.body)
	if err != nil {
		return err
	}
	if string(resp) != "ok" {
		return fmt.Errorf("loadgen: POST answered %q", resp)
	}
	return nil
}

// read returns the next Socket.IO packet, polling with GETs as needed and
// answering pings. A packet stays valid until the next read.
func (c *pollClient) read() (*socketio.Packet, error) {
	for len(c.pend) == 0 {
		body, err := c.do("GET", c.path, nil)
		if err != nil {
			return nil, err
		}
		for p, err := range engineio.Payload(body) {
			if err != nil {
				return nil, fmt.Errorf("loadgen: poll payload: %w", err)
			}
			switch p.Type {
			case engineio.Ping:
				c.pongs++
				if err := c.postEngine(pong); err != nil {
					return nil, err
				}
			case engineio.Message:
				sp, err := c.dec.Decode(p)
				if err != nil {
					return nil, fmt.Errorf("loadgen: decode: %w", err)
				}
				if sp != nil {
					c.pend = append(c.pend, sp)
				}
			case engineio.Close:
				return nil, errClosedByServer
			}
		}
	}
	sp := c.pend[0]
	c.pend[0] = nil
	c.pend = c.pend[1:]
	return sp, nil
}

// do sends one request and returns the response body (a new slice: the
// decoder keeps what it decodes). Non-200 answers are errors.
func (c *pollClient) do(method, target string, body []byte) ([]byte, error) {
	b := c.wbuf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, target...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.addr...)
	b = append(b, "\r\n"...)
	if method == "POST" {
		b = append(b, "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n\r\n"...)
		b = append(b, body...)
	} else {
		b = append(b, "\r\n"...)
	}
	c.wbuf = b
	if _, err := c.conn.Write(b); err != nil {
		return nil, fmt.Errorf("loadgen: %s: %w", method, err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %s response: %w", method, err)
	}
	var out []byte
	if resp.ContentLength >= 0 && resp.ContentLength < 1<<24 {
		out = make([]byte, resp.ContentLength)
		_, err = io.ReadFull(resp.Body, out)
	} else {
		out, err = io.ReadAll(resp.Body)
	}
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("loadgen: %s body: %w", method, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadgen: %s %s: HTTP %d %q", method, target, resp.StatusCode, out)
	}
	if resp.Close {
		return nil, fmt.Errorf("loadgen: %s: server closed the HTTP connection", method)
	}
	return out, nil
}

package engineclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/siogen/sio/codec/engineio"
)

// pollingTransport is HTTP long-polling: the polling loop keeps one GET
// pending, the writer makes one POST at a time.
type pollingTransport struct {
	c   *Conn
	url string // request URL with sid, set after the handshake
}

func (p *pollingTransport) name() string { return Polling }

func (p *pollingTransport) setSID(sid string) { p.url = p.c.cfg.endpoint(Polling, sid) }

// open performs the handshake GET and returns the handshake and any packets
// that followed the open packet in the same response.
func (p *pollingTransport) open(ctx context.Context) (engineio.Handshake, []engineio.Packet, error) {
	ctx, cancel := context.WithTimeout(ctx, p.c.cfg.DialTimeout)
	defer cancel()
	u := p.c.cfg.endpoint(Polling, "")
	body, err := p.do(ctx, http.MethodGet, u, nil)
	if err != nil {
		return engineio.Handshake{}, nil, fmt.Errorf("polling handshake: %w", err)
	}
	packets, err := engineio.DecodePayload(body)
	if err != nil {
		return engineio.Handshake{}, nil, fmt.Errorf("polling handshake: %w", err)
	}
	if len(packets) == 0 || packets[0].Type != engineio.Open || packets[0].Binary {
		return engineio.Handshake{}, nil, fmt.Errorf("polling handshake: first packet is not an open packet: %.40q", body)
	}
	hs, err := engineio.ParseHandshake(packets[0].Data)
	if err != nil {
		return engineio.Handshake{}, nil, fmt.Errorf("polling handshake: %w", err)
	}
	return hs, packets[1:], nil
}

// get makes one poll request and returns the response body.
func (p *pollingTransport) get(ctx context.Context) ([]byte, error) {
	return p.do(ctx, http.MethodGet, p.url, nil)
}

func (p *pollingTransport) write(deadline time.Time, ps []engineio.Packet) error {
	body := engineio.AppendPayload(make([]byte, 0, engineio.PayloadLen(ps...)), ps...)
	ctx, cancel := context.WithDeadline(p.c.ctx, deadline)
	defer cancel()
	_, err := p.do(ctx, http.MethodPost, p.url, body)
	return err
}

// writeClose POSTs the remaining packets, then the close packet in a POST of
// its own, as engine.io-client does (it waits for "drain" before closing).
// Batching them would lose the messages on a Node server: it handles the
// close packet of a payload at once but Socket.IO packets (a namespace
// DISCONNECT) only on the next tick, after the session is gone.
func (p *pollingTransport) writeClose(deadline time.Time, ps []engineio.Packet) error {
	if len(ps) > 0 {
		if err := p.write(deadline, ps); err != nil {
			return err
		}
	}
	return p.write(deadline, []engineio.Packet{{Type: engineio.Close}})
}

// abort is a no-op: pending requests are cancelled with the Conn's context.
func (p *pollingTransport) abort() {}

// do sends one request and returns the body of a 200 response.
func (p *pollingTransport) do(ctx context.Context, method, url string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range p.c.cfg.Header {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := p.c.cfg.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	max := p.c.cfg.MaxReadBytes
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: read body: %w", method, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: response larger than %d bytes", method, max)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{Method: method, Code: resp.StatusCode, Body: string(trim(data, 200))}
	}
	return data, nil
}

// StatusError is a polling request answered with a status other than 200,
// e.g. 400 {"code":1,"message":"Session ID unknown"} from a Node server.
type StatusError struct {
	Method string // GET or POST
	Code   int    // HTTP status
	Body   string // the start of the response body
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.Method, e.Code, e.Body)
}

func trim(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// pollLoop keeps one GET pending until the connection ends or an upgrade
// pauses it. Packets that came with the handshake are handled first.
func (c *Conn) pollLoop(p *pollingTransport, initial []engineio.Packet) {
	defer c.wg.Done()
	defer close(c.pollDone)
	for _, pk := range initial {
		if !c.receive(pk) {
			return
		}
	}
	for {
		c.mu.Lock()
		stop := c.pausePoll || c.closing || c.closed
		c.mu.Unlock()
		if stop {
			return
		}
		body, err := p.get(c.ctx)
		if err != nil {
			if c.ctx.Err() == nil {
				c.fail(ReasonTransportError, fmt.Errorf("engineclient: poll %s: %w", c.hs.SID, err))
			}
			return
		}
		for pk, err := range engineio.Payload(body) {
			if err != nil {
				c.fail(ReasonTransportError, fmt.Errorf("engineclient: poll %s: %w", c.hs.SID, err))
				return
			}
			if !c.receive(pk) {
				return
			}
		}
	}
}

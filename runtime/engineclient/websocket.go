package engineclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/siogen/sio/codec/engineio"
)

// errWSClosed is returned by readMessage when the server sent a close frame.
var errWSClosed = errors.New("websocket closed by the server")

// wsTransport is one WebSocket connection: one Engine.IO packet per frame,
// text packets in text frames, binary packets as raw bytes in binary frames.
type wsTransport struct {
	c    *Conn
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer

	scratch []byte   // writer only: the masked payload of one frame
	whdr    [14]byte // writer only
	rhdr    [14]byte // reader only

	readDone  chan struct{} // closed when wsReadLoop returns
	abortOnce sync.Once
}

func (w *wsTransport) name() string { return WebSocket }

// dialWebSocket opens a WebSocket to the Engine.IO endpoint (with sid for an
// upgrade probe).
func (c *Conn) dialWebSocket(ctx context.Context, sid string) (*wsTransport, error) {
	cfg := c.cfg
	u := cfg.endpoint(WebSocket, sid)
	h := make(http.Header, len(cfg.Header)+1)
	for k, vs := range cfg.Header {
		h[k] = vs
	}
	var setCookies []*http.Cookie
	if cfg.Jar != nil {
		for _, ck := range cfg.Jar.Cookies(cfg.httpURL()) {
			h.Add("Cookie", ck.String())
		}
	}
	d := ws.Dialer{
		NetDial:   cfg.NetDial,
		TLSConfig: cfg.TLSConfig,
		Header:    ws.HandshakeHeaderHTTP(h),
		OnHeader: func(key, value []byte) error {
			if cfg.Jar != nil && strings.EqualFold(string(key), "Set-Cookie") {
				if ck, err := http.ParseSetCookie(string(value)); err == nil {
					setCookies = append(setCookies, ck)
				}
			}
			return nil
		},
	}
	conn, br, _, err := d.Dial(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("websocket %s: %w", u, err)
	}
	if len(setCookies) > 0 {
		cfg.Jar.SetCookies(cfg.httpURL(), setCookies)
	}
	if br == nil {
		br = bufio.NewReaderSize(conn, 4096)
	}
	return &wsTransport{
		c:        c,
		conn:     conn,
		br:       br,
		bw:       bufio.NewWriterSize(conn, 4096),
		readDone: make(chan struct{}),
	}, nil
}

// openWebSocket opens a websocket-only session and reads its open packet.
func (c *Conn) openWebSocket(ctx context.Context) (*wsTransport, engineio.Handshake, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	w, err := c.dialWebSocket(ctx, "")
	if err != nil {
		return nil, engineio.Handshake{}, err
	}
	p, err := w.readPacketCtx(ctx)
	if err != nil {
		w.abort()
		return nil, engineio.Handshake{}, fmt.Errorf("websocket handshake: %w", err)
	}
	if p.Type != engineio.Open || p.Binary {
		w.abort()
		return nil, engineio.Handshake{}, fmt.Errorf("websocket handshake: first packet is %s, not open", p.Type)
	}
	hs, err := engineio.ParseHandshake(p.Data)
	if err != nil {
		w.abort()
		return nil, engineio.Handshake{}, fmt.Errorf("websocket handshake: %w", err)
	}
	return w, hs, nil
}

// readPacketCtx reads one packet, giving up when ctx ends.
func (w *wsTransport) readPacketCtx(ctx context.Context) (engineio.Packet, error) {
	if dl, ok := ctx.Deadline(); ok {
		w.conn.SetReadDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { w.conn.SetReadDeadline(time.Unix(1, 0)) })
	p, err := w.readPacket()
	stop()
	if err != nil {
		// The read deadline is the ctx deadline, and may fire a moment
		// before ctx itself reports it.
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("%w (%w)", cerr, err)
		} else if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
		}
	}
	w.conn.SetReadDeadline(time.Time{})
	return p, err
}

// readPacket reads the next data message and decodes it.
func (w *wsTransport) readPacket() (engineio.Packet, error) {
	op, data, err := w.readMessage()
	if err != nil {
		return engineio.Packet{}, err
	}
	if op == ws.OpBinary {
		return engineio.DecodeBinary(data), nil
	}
	return engineio.DecodeText(data)
}

// readMessage reads one data message (reassembling fragments) and answers
// control frames: pings get a pong through the writer, a close frame ends
// the read with errWSClosed.
func (w *wsTransport) readMessage() (ws.OpCode, []byte, error) {
	var (
		op   ws.OpCode
		data []byte
		max  = w.c.cfg.MaxReadBytes
	)
	for {
		h, err := ws.ReadHeaderBuffer(w.br, w.rhdr[:2:12])
		if err != nil {
			return 0, nil, err
		}
		if h.Rsv != 0 {
			return 0, nil, fmt.Errorf("websocket: frame with reserved bits %#x (no extension was negotiated)", h.Rsv)
		}
		if h.OpCode.IsControl() {
			if h.Length > 125 || !h.Fin {
				return 0, nil, fmt.Errorf("websocket: bad control frame")
			}
			payload := make([]byte, h.Length)
			if _, err := io.ReadFull(w.br, payload); err != nil {
				return 0, nil, err
			}
			if h.Masked {
				ws.Cipher(payload, h.Mask, 0)
			}
			switch h.OpCode {
			case ws.OpClose:
				code, reason := ws.ParseCloseFrameData(payload)
				return 0, nil, fmt.Errorf("%w (code %d %q)", errWSClosed, code, reason)
			case ws.OpPing:
				w.c.queuePong(w, payload)
			}
			continue
		}
		switch {
		case h.OpCode == ws.OpContinuation && op == 0:
			return 0, nil, fmt.Errorf("websocket: continuation frame without a message")
		case h.OpCode != ws.OpContinuation && op != 0:
			return 0, nil, fmt.Errorf("websocket: new message inside a fragmented one")
		case h.OpCode == ws.OpText || h.OpCode == ws.OpBinary:
			op = h.OpCode
		case h.OpCode != ws.OpContinuation:
			return 0, nil, fmt.Errorf("websocket: reserved opcode %#x", byte(h.OpCode))
		}
		if h.Length < 0 || int64(len(data))+h.Length > max {
			return 0, nil, fmt.Errorf("websocket: message larger than %d bytes", max)
		}
		n := len(data)
		if data == nil && h.Fin {
			data = make([]byte, h.Length)
		} else {
			data = append(data, make([]byte, h.Length)...)
		}
		if _, err := io.ReadFull(w.br, data[n:]); err != nil {
			return 0, nil, err
		}
		if h.Masked {
			ws.Cipher(data[n:], h.Mask, 0)
		}
		if h.Fin {
			return op, data, nil
		}
	}
}

// queuePong asks the writer to answer a WebSocket-level ping on w, if w is
// the current transport (Node's engine.io never sends them; other servers
// or proxies may).
func (c *Conn) queuePong(w *wsTransport, payload []byte) {
	c.mu.Lock()
	if c.tr != transport(w) || c.closed {
		c.mu.Unlock()
		return
	}
	c.ctrl = append(c.ctrl, payload)
	c.mu.Unlock()
	c.signal()
}

// write sends one frame per packet, coalesced into as few writes as the
// buffer allows.
func (w *wsTransport) write(deadline time.Time, ps []engineio.Packet) error {
	if err := w.conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	for _, p := range ps {
		if err := w.writePacket(p); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}

func (w *wsTransport) writePacket(p engineio.Packet) error {
	if p.Binary {
		w.scratch = append(w.scratch[:0], p.Data...)
		return w.writeFrame(ws.OpBinary, w.scratch)
	}
	w.scratch = engineio.AppendText(w.scratch[:0], p)
	return w.writeFrame(ws.OpText, w.scratch)
}

// writeFrame masks payload in place (it is the writer's scratch, never the
// caller's data) and buffers the frame.
func (w *wsTransport) writeFrame(op ws.OpCode, payload []byte) error {
	h := ws.Header{Fin: true, OpCode: op, Masked: true, Mask: ws.NewMask(), Length: int64(len(payload))}
	ws.Cipher(payload, h.Mask, 0)
	if err := ws.WriteHeaderBuffer(w.bw, h, w.whdr[:]); err != nil {
		return err
	}
	_, err := w.bw.Write(payload)
	return err
}

func (w *wsTransport) writePongs(deadline time.Time, payloads [][]byte) error {
	if err := w.conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	for _, p := range payloads {
		w.scratch = append(w.scratch[:0], p...)
		if err := w.writeFrame(ws.OpPong, w.scratch); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}

// writeClose sends ps, then a close frame (1000), and waits until the
// server's close reply ended the read loop or the deadline passed. Over
// WebSocket the JS client sends no close packet: closing the socket is the
// close.
func (w *wsTransport) writeClose(deadline time.Time, ps []engineio.Packet) error {
	if err := w.conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	for _, p := range ps {
		if err := w.writePacket(p); err != nil {
			return err
		}
	}
	w.scratch = append(w.scratch[:0], ws.NewCloseFrameBody(ws.StatusNormalClosure, "")...)
	if err := w.writeFrame(ws.OpClose, w.scratch); err != nil {
		return err
	}
	if err := w.bw.Flush(); err != nil {
		return err
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-w.readDone:
		return nil
	case <-t.C:
		return errors.New("no close frame from the server before the deadline")
	}
}

// abort closes the TCP connection: blocked reads and writes return.
func (w *wsTransport) abort() {
	w.abortOnce.Do(func() { w.conn.Close() })
}

// wsReadLoop reads the current websocket until the connection ends. After
// an upgrade it first reports the switch, in order with the packets.
func (c *Conn) wsReadLoop(w *wsTransport, upgraded bool) {
	defer c.wg.Done()
	defer close(w.readDone)
	if upgraded && !c.push(event{kind: evUpgrade, transport: WebSocket}) {
		return
	}
	for {
		p, err := w.readPacket()
		if err != nil {
			switch {
			case c.ctx.Err() != nil:
			case errors.Is(err, errWSClosed), errors.Is(err, io.EOF):
				c.fail(ReasonTransportClose, fmt.Errorf("engineclient: websocket %s: %w", c.hs.SID, err))
			default:
				c.fail(ReasonTransportError, fmt.Errorf("engineclient: websocket %s: %w", c.hs.SID, err))
			}
			return
		}
		if !c.receive(p) {
			return
		}
	}
}

// probeWebSocket runs the upgrade probe and, if the server answers
// 3probe, hands the websocket to the writer, which completes the switch. A
// failed probe leaves the connection on polling.
func (c *Conn) probeWebSocket() {
	defer c.wg.Done()
	err := c.runProbe()
	if err == nil || c.ctx.Err() != nil {
		return
	}
	c.cfg.RememberUpgrade.set(false)
	c.push(event{kind: evUpgradeError, err: err})
}

func (c *Conn) runProbe() error {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.UpgradeTimeout)
	defer cancel()
	w, err := c.dialWebSocket(ctx, c.hs.SID)
	if err != nil {
		return fmt.Errorf("engineclient: upgrade probe: %w", err)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		w.abort()
		return nil
	}
	c.probe = w
	c.mu.Unlock()
	fail := func(err error) error {
		c.mu.Lock()
		if c.probe == w {
			c.probe = nil
		}
		c.mu.Unlock()
		w.abort()
		if ctx.Err() == context.DeadlineExceeded || errors.Is(err, os.ErrDeadlineExceeded) {
			// The read or write may report its own net timeout; the cause is
			// the probe's deadline either way.
			return fmt.Errorf("engineclient: upgrade probe: no answer within %v: %w", c.cfg.UpgradeTimeout, context.DeadlineExceeded)
		}
		return fmt.Errorf("engineclient: upgrade probe: %w", err)
	}
	dl, _ := ctx.Deadline()
	if err := w.write(dl, []engineio.Packet{engineio.TextPacket(engineio.Ping, "probe")}); err != nil {
		return fail(err)
	}
	p, err := w.readPacketCtx(ctx)
	if err != nil {
		return fail(err)
	}
	if p.Type != engineio.Pong || p.Binary || string(p.Data) != "probe" {
		return fail(fmt.Errorf("unexpected %s packet %q instead of 3probe", p.Type, p.Data))
	}
	if hook := c.cfg.testHookProbed; hook != nil {
		hook()
	}
	select {
	case c.upgradeCh <- w:
	case <-c.ctx.Done(): // teardown aborts c.probe
	}
	return nil
}

package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// wsClient is one raw Engine.IO/Socket.IO client over WebSocket: its own
// framing on a net.Conn (one write per message, masked as clients must),
// the codec's decoder on the way in, and heartbeats answered inline.
// It is used by one goroutine at a time.
type wsClient struct {
	conn  net.Conn
	br    *bufio.Reader
	codec socketio.Codec
	dec   socketio.Decoder
	hdr   [ws.MaxHeaderSize]byte
	rbuf  []byte // reused frame payload buffer
	wbuf  []byte // reused outgoing frame
	sid   string // Socket.IO socket id from the CONNECT reply

	wmu sync.Mutex // serializes writes: a sender and the reader's heartbeat answers
}

// mask is the constant masking key of the load generator's frames: the
// server must unmask, the key's value does not matter for a benchmark.
var mask = [4]byte{0x12, 0x34, 0x56, 0x78}

var dialer = ws.Dialer{ReadBufferSize: 2048, Timeout: 10 * time.Second}

// dialWS opens a WebSocket-only session at base (http://host:port), reads
// the open packet and joins the main namespace.
func dialWS(ctx context.Context, base string, codec socketio.Codec) (*wsClient, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, br, _, err := dialer.Dial(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("loadgen: dial %s: %w", u, err)
	}
	if br == nil {
		br = bufio.NewReaderSize(conn, 1024)
	}
	c := &wsClient{conn: conn, br: br, codec: codec, dec: codec.NewDecoder(socketio.DecoderOptions{})}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
		defer conn.SetDeadline(time.Time{})
	}
	p, err := c.readEngine()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("loadgen: open packet: %w", err)
	}
	if p.Type != engineio.Open {
		c.Close()
		return nil, fmt.Errorf("loadgen: first packet is %s, want open", p.Type)
	}
	if _, err := engineio.ParseHandshake(p.Data); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.sendPacket(&socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: socketio.NoID}); err != nil {
		c.Close()
		return nil, fmt.Errorf("loadgen: connect: %w", err)
	}
	for {
		sp, err := c.read()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("loadgen: connect reply: %w", err)
		}
		if sp.Type == socketio.Connect {
			c.sid = string(sp.Data)
			return c, nil
		}
		if sp.Type == socketio.ConnectError {
			c.Close()
			return nil, fmt.Errorf("loadgen: connect refused: %s", sp.Data)
		}
	}
}

// Close closes the connection without a close handshake (the server sees
// the transport close).
func (c *wsClient) Close() error { return c.conn.Close() }

// sendPacket encodes p with the codec and writes its Engine.IO messages.
func (c *wsClient) sendPacket(p *socketio.Packet) error {
	msgs, err := c.codec.Encode(p)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := c.writeEngine(m); err != nil {
			return err
		}
	}
	return nil
}

// writeEngine writes one Engine.IO packet as one masked frame in one write.
func (c *wsClient) writeEngine(m engineio.Packet) error {
	n := len(m.Data)
	h := ws.Header{Fin: true, OpCode: ws.OpBinary, Masked: true, Mask: mask, Length: int64(n)}
	if !m.Binary {
		h.OpCode, h.Length = ws.OpText, int64(n+1)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := c.wbuf[:0]
	b = appendHeader(b, h)
	start := len(b)
	if !m.Binary {
		b = append(b, '0'+byte(m.Type))
	}
	b = append(b, m.Data...)
	ws.Cipher(b[start:], mask, 0)
	c.wbuf = b
	_, err := c.conn.Write(b)
	return err
}

// appendHeader appends a client frame header (always masked).
func appendHeader(b []byte, h ws.Header) []byte {
	b = append(b, 0x80|byte(h.OpCode))
	n := h.Length
	switch {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, h.Mask[:]...)
}

// errClosedByServer is returned when the server sends a close frame.
var errClosedByServer = errors.New("loadgen: server closed the websocket")

// readEngine reads the next Engine.IO packet. Its Data aliases the
// client's read buffer until the next read. WebSocket pings (the server's
// control frames, not Engine.IO's) are answered.
func (c *wsClient) readEngine() (engineio.Packet, error) {
	for {
		h, err := ws.ReadHeaderBuffer(c.br, c.hdr[:ws.MaxHeaderSize-2])
		if err != nil {
			return engineio.Packet{}, err
		}
		if int64(cap(c.rbuf)) < h.Length {
			c.rbuf = make([]byte, h.Length, max(h.Length, 256))
		}
		data := c.rbuf[:h.Length]
		if _, err := io.ReadFull(c.br, data); err != nil {
			return engineio.Packet{}, err
		}
		if h.Masked {
			ws.Cipher(data, h.Mask, 0)
		}
		switch h.OpCode {
		case ws.OpText:
			return engineio.DecodeText(data)
		case ws.OpBinary:
			return engineio.DecodeBinary(data), nil
		case ws.OpClose:
			return engineio.Packet{}, errClosedByServer
		case ws.OpPing:
			if err := c.writeControl(ws.OpPong, data); err != nil {
				return engineio.Packet{}, err
			}
		}
		// pong and continuation frames (never sent by either server) are skipped
	}
}

func (c *wsClient) writeControl(op ws.OpCode, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := appendHeader(nil, ws.Header{Fin: true, OpCode: op, Masked: true, Mask: mask, Length: int64(len(data))})
	start := len(b)
	b = append(b, data...)
	ws.Cipher(b[start:], mask, 0)
	_, err := c.conn.Write(b)
	return err
}

// pong is the Engine.IO heartbeat answer.
var pong = engineio.Packet{Type: engineio.Pong}

// read returns the next Socket.IO packet, answering Engine.IO pings on the
// way. The packet's raw parts alias the read buffer until the next read.
func (c *wsClient) read() (*socketio.Packet, error) {
	for {
		p, err := c.readEngine()
		if err != nil {
			return nil, err
		}
		switch p.Type {
		case engineio.Ping:
			if err := c.writeEngine(pong); err != nil {
				return nil, err
			}
			continue
		case engineio.Message:
		case engineio.Close:
			return nil, errClosedByServer
		default:
			continue
		}
		sp, err := c.dec.Decode(p)
		if err != nil {
			return nil, fmt.Errorf("loadgen: decode: %w", err)
		}
		if sp != nil {
			return sp, nil
		}
	}
}

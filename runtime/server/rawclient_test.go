package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/siogen/sio/runtime/server"
)

// rawClient speaks Engine.IO/Socket.IO by hand over a WebSocket, to send
// exactly the bytes a test wants.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	rw   io.ReadWriter
}

type readWriter struct {
	io.Reader
	io.Writer
}

// serve starts srv on loopback and closes both at the end of the test.
func serve(t testing.TB, srv *server.Server) string {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("server close: %v", err)
		}
		hs.Close()
	})
	return hs.URL
}

func dialRaw(t testing.TB, base string) *rawClient {
	t.Helper()
	c, err := tryDialRaw(base)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.t = t
	t.Cleanup(func() { c.conn.Close() })
	return c
}

func tryDialRaw(base string) (*rawClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	c := &rawClient{conn: conn, rw: readWriter{bufio.NewReader(r), conn}}
	msg, _, err := c.read()
	if err != nil || !strings.HasPrefix(msg, "0{") {
		conn.Close()
		return nil, errors.New("no Engine.IO handshake: " + msg)
	}
	return c, nil
}

// read returns the next message, answering pings.
func (c *rawClient) read() (string, ws.OpCode, error) {
	for {
		c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, op, err := wsutil.ReadServerData(c.rw)
		if err != nil {
			return "", 0, err
		}
		if op == ws.OpText && string(b) == "2" {
			if err := wsutil.WriteClientText(c.conn, []byte("3")); err != nil {
				return "", 0, err
			}
			continue
		}
		return string(b), op, nil
	}
}

func (c *rawClient) expect(want string) {
	c.t.Helper()
	got, _, err := c.read()
	if err != nil {
		c.t.Fatalf("waiting for %q: %v", want, err)
	}
	if got != want {
		c.t.Fatalf("got %q, want %q", got, want)
	}
}

// expectPrefix reads a message starting with prefix and returns the rest.
func (c *rawClient) expectPrefix(prefix string) string {
	c.t.Helper()
	got, _, err := c.read()
	if err != nil {
		c.t.Fatalf("waiting for %q...: %v", prefix, err)
	}
	rest, ok := strings.CutPrefix(got, prefix)
	if !ok {
		c.t.Fatalf("got %q, want prefix %q", got, prefix)
	}
	return rest
}

func (c *rawClient) send(s string) {
	c.t.Helper()
	if err := wsutil.WriteClientText(c.conn, []byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *rawClient) sendBinary(b []byte) {
	c.t.Helper()
	if err := wsutil.WriteClientBinary(c.conn, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// expectClosed reads until the server closes the connection.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	for {
		msg, _, err := c.read()
		if err == nil {
			c.t.Logf("before close: %q", msg)
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatal("the server did not close the connection")
		}
		return
	}
}

func writeText(conn net.Conn, s string) error { return wsutil.WriteClientText(conn, []byte(s)) }

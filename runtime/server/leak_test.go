package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogen/sio/runtime/server"
)

// TestThousandClientsNoLeak connects 1,000 WebSocket clients, makes each
// join rooms, broadcasts to the rooms, and disconnects them (half leave
// the namespace first, half just drop the connection). Afterwards the
// namespace and its rooms are empty and, once the server is closed, no
// goroutine is left behind.
func TestThousandClientsNoLeak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const clients, rooms, workers = 1000, 10, 50

	srv := server.New(server.Options{})
	var disconnects sync.WaitGroup
	disconnects.Add(clients)
	srv.OnConnection(func(s *server.Socket) {
		s.OnDisconnect(func(string) { disconnects.Done() })
	})
	srv.On("join", func(_ context.Context, s *server.Socket, ev *server.Event) {
		var room string
		if err := ev.Decode(0, &room); err != nil {
			t.Errorf("join: %v", err)
		}
		s.Join(room, "all")
		_ = ev.Ack(len(s.Rooms()))
	})
	hs := httptest.NewServer(srv)

	cs := make([]*rawClient, clients)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	work := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range work {
				c, err := tryDialRaw(hs.URL)
				if err != nil {
					fail(fmt.Errorf("client %d: %w", i, err))
					continue
				}
				c.t = t
				cs[i] = c
				if err := c.roundTrip("40", `40{"sid":`); err != nil {
					fail(fmt.Errorf("client %d connect: %w", i, err))
					continue
				}
				if err := c.roundTrip(fmt.Sprintf(`420["join","room-%d"]`, i%rooms), `430[3]`); err != nil {
					fail(fmt.Errorf("client %d join: %w", i, err))
				}
			}
		})
	}
	for i := range clients {
		work <- i
	}
	close(work)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d clients failed, first: %v", len(errs), errs[0])
	}
	main := srv.Of("/")
	if n := main.SocketCount(); n != clients {
		t.Fatalf("%d sockets connected, want %d", n, clients)
	}
	if got := len(main.Adapter().Rooms()); got != clients+rooms+1 {
		t.Fatalf("%d rooms, want %d (own rooms + %d + all)", got, clients+rooms+1, rooms)
	}

	// one broadcast to a room, one to every socket: each client gets its share
	if err := srv.To("room-3").Emit("hi", 3); err != nil {
		t.Fatal(err)
	}
	if err := srv.To("all").Emit("hi", "all"); err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		wg.Go(func() {
			if i%rooms == 3 {
				if err := c.expectErr(`42["hi",3]`); err != nil {
					fail(fmt.Errorf("client %d: %w", i, err))
				}
			}
			if err := c.expectErr(`42["hi","all"]`); err != nil {
				fail(fmt.Errorf("client %d: %w", i, err))
			}
			if i%2 == 0 {
				if err := c.sendErr("41"); err != nil {
					fail(err)
				}
			}
			c.conn.Close()
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d clients failed, first: %v", len(errs), errs[0])
	}
	waitDone(t, &disconnects, 30*time.Second)
	if n := main.SocketCount(); n != 0 {
		t.Errorf("%d sockets still connected", n)
	}
	if r := main.Adapter().Rooms(); len(r) != 0 {
		t.Errorf("%d rooms left, e.g. %q", len(r), r[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	hs.Close()
}

func waitDone(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("not every socket disconnected within %v", d)
	}
}

func (c *rawClient) sendErr(s string) error {
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return writeText(c.conn, s)
}

// roundTrip sends a message and expects an answer starting with prefix.
func (c *rawClient) roundTrip(send, prefix string) error {
	if err := c.sendErr(send); err != nil {
		return err
	}
	got, _, err := c.read()
	if err != nil {
		return err
	}
	if len(got) < len(prefix) || got[:len(prefix)] != prefix {
		return fmt.Errorf("got %q, want prefix %q", got, prefix)
	}
	return nil
}

func (c *rawClient) expectErr(want string) error {
	got, _, err := c.read()
	if err != nil {
		return fmt.Errorf("waiting for %q: %w", want, err)
	}
	if got != want {
		return fmt.Errorf("got %q, want %q", got, want)
	}
	return nil
}

package redisadapter_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// redisAddr is the private redis-server every test of the package uses;
// tests keep apart with their own key prefix.
var redisAddr string

// TestMain starts a private redis-server on a free loopback port, runs the
// tests, stops it, and checks that no goroutine was left behind. A missing
// redis-server fails the package: the adapter is only tested against a real
// Redis.
func TestMain(m *testing.M) {
	stop, err := startRedis()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: redisadapter tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: goroutines left after the tests:", err)
			code = 1
		}
	}
	stop()
	os.Exit(code)
}

func startRedis() (stop func(), err error) {
	addr, stop, err := startRedisServer(0)
	if err != nil {
		return nil, err
	}
	redisAddr = addr
	return stop, nil
}

// startRedisServer starts a redis-server on 127.0.0.1:port (a free port
// when port is 0) in a temporary directory, and waits until it answers.
func startRedisServer(port int) (addr string, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, fmt.Errorf("redis-server is not installed (apt-get install -y redis-server): %w", err)
	}
	dir, err := os.MkdirTemp("", "sio-redis-")
	if err != nil {
		return "", nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		p := port
		if p == 0 {
			if p, err = freePort(); err != nil {
				return "", nil, err
			}
		}
		logf, err := os.Create(filepath.Join(dir, "redis.log"))
		if err != nil {
			return "", nil, err
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(p), "--save", "", "--appendonly", "no",
			"--bind", "127.0.0.1", "--dir", dir)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			return "", nil, fmt.Errorf("start redis-server: %w", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		stop := func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			logf.Close()
			os.RemoveAll(dir)
		}
		if lastErr = waitRedis(addr); lastErr == nil {
			return addr, stop, nil
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	}
	log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
	os.RemoveAll(dir)
	return "", nil, fmt.Errorf("redis-server did not start: %v\n%s", lastErr, log)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitRedis pings addr until it answers (10 s at most).
func waitRedis(addr string) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}

// newRedisClient returns a client of the test Redis, closed when the test
// ends (after the servers registered later, whose cleanups run first).
func newRedisClient(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Package redistest gives a test a real Redis server: the one .ci/run
// started (PSABRIDGE_REDIS_ADDR), else a private redis-server on a free
// loopback port when the binary is installed, else a skip that says how to
// run the test. Under CI (CI=true) a skip is a failure: the Redis tests
// must run there.
//
// It speaks just enough of the Redis protocol (PING, FLUSHALL) to manage
// servers, so that connectwise/cluster stays the only importer of a Redis
// client library.
package redistest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// AddrEnv names the variable .ci/run sets to the address of its Redis.
const AddrEnv = "PSABRIDGE_REDIS_ADDR"

// howTo is printed with every skip.
const howTo = "install redis-server (apt-get install redis-server) or set " + AddrEnv + "=host:port, or run .ci/run"

// Addr returns the address of a Redis server the test may use, shared with
// other tests: callers keep to the key prefix Prefix returns. It prefers
// the CI server, else starts a private one for t.
func Addr(t testing.TB) string {
	t.Helper()
	if a := os.Getenv(AddrEnv); a != "" {
		if err := ping(a, 2*time.Second); err != nil {
			t.Fatalf("redistest: %s=%s does not answer: %v", AddrEnv, a, err)
		}
		return a
	}
	return Start(t).Addr()
}

// Prefix returns a key prefix unique to this test run, so that tests
// sharing one server never see each other's keys.
func Prefix(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return "test:" + name + ":" + hex.EncodeToString(b[:]) + ":"
}

// Server is a private redis-server owned by one test, for tests that stop,
// restart or slow it down.
type Server struct {
	t    testing.TB
	bin  string
	port int
	dir  string
	aof  bool

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Option configures a private server.
type Option func(*Server)

// WithAppendOnly keeps data across Restart (appendonly, fsync always), as
// a production deployment that must not lose flow state would.
func WithAppendOnly() Option { return func(s *Server) { s.aof = true } }

// Start starts a private redis-server on a free loopback port, stopped
// when the test ends. It skips when redis-server is not installed (fails
// under CI).
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		skip(t, "redis-server is not installed")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	for _, o := range opts {
		o(s)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("redistest: no free port: %v", err)
	}
	s.port = port
	if err := s.start(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func skip(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("redistest: %s; under CI the Redis tests must run (%s)", why, howTo)
	}
	t.Skipf("redistest: %s; to run the Redis tests, %s", why, howTo)
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *Server) start() error {
	args := []string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "", "--dir", s.dir, "--daemonize", "no", "--loglevel", "warning"}
	if s.aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	cmd := exec.Command(s.bin, args...)
	// Its own process group: a test binary killed by a signal must not
	// leave servers behind holding ports, and none may get our signals.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	// Up to 5 s: two busy cores can delay a fork and exec that long.
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := ping(s.Addr(), 200*time.Millisecond)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("redis-server on %s did not answer: %w", s.Addr(), err)
		}
		time.Sleep(10 * time.Millisecond) // polling a child process: no clock to inject
	}
}

// Stop kills the server (SIGKILL, as a crash would); Restart brings it
// back on the same port.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// Restart stops the server and starts it again on the same address.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Errorf("redistest: restart: %v", err)
	}
}

// Pause makes the server answer nothing for d (CLIENT PAUSE), as a
// saturated or failing-over Redis would; commands sent meanwhile wait.
func (s *Server) Pause(d time.Duration) error {
	_, err := Do(s.Addr(), "CLIENT", "PAUSE", strconv.FormatInt(d.Milliseconds(), 10), "ALL")
	return err
}

// Do sends one command and returns its first reply line (without the type
// byte) or the server's error. It is for managing test servers, not a
// client.
func Do(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "-") {
		return "", errors.New(line[1:])
	}
	if line == "" {
		return "", errors.New("empty reply")
	}
	return line[1:], nil
}

func ping(addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

package flow_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/flow"
)

// holdEnv names the store file a helper process holds open until its
// stdin closes.
const holdEnv = "FLOW_TEST_HOLD_STORE"

// TestHelperHoldStore is not a test: run as a child process with holdEnv
// set, it opens the store, writes a value, says "held", and keeps the file
// until its parent closes stdin.
func TestHelperHoldStore(t *testing.T) {
	path := os.Getenv(holdEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := flow.Open(path)
	if err != nil {
		fmt.Println("open failed:", err)
		os.Exit(2)
	}
	if err := s.Put(context.Background(), "holder", []byte("child")); err != nil {
		fmt.Println("put failed:", err)
		os.Exit(2)
	}
	fmt.Println("held")
	_, _ = io.Copy(io.Discard, os.Stdin)
	s.Close()
	os.Exit(0)
}

// Another process holding the file: Open waits out its timeout and returns
// ErrLocked, and once that process is gone the file opens with its data.
func TestOpenFileHeldByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldStore$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "held\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	_, err = flow.Open(path, flow.WithLockTimeout(100*time.Millisecond))
	var se *flow.StateError
	if !errors.Is(err, flow.ErrLocked) || !errors.As(err, &se) || se.Path != path {
		t.Fatalf("Open of a file another process holds: %v, want ErrLocked naming the file", err)
	}

	stdin.Close() // the other process closes the store and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	s, err := flow.Open(path)
	if err != nil {
		t.Fatalf("Open after the other process exited: %v", err)
	}
	defer s.Close()
	if v, err := s.Get(context.Background(), "holder"); err != nil || string(v) != "child" {
		t.Fatalf("the other process's write reads %q, %v", v, err)
	}
}

package redistest_test

import (
	"testing"

	"github.com/psabridge/psabridge/internal/redistest"
)

func TestRestartKeepsAppendOnlyData(t *testing.T) {
	s := redistest.Start(t, redistest.WithAppendOnly())
	if _, err := redistest.Do(s.Addr(), "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	s.Restart()
	got, err := redistest.Do(s.Addr(), "GET", "k")
	if err != nil {
		t.Fatal(err)
	}
	// A bulk reply's first line is its length.
	if got != "1" {
		t.Fatalf("GET after restart: first reply line %q, want the 1-byte value", got)
	}
}

func TestStopMakesServerUnreachable(t *testing.T) {
	s := redistest.Start(t)
	s.Stop()
	if _, err := redistest.Do(s.Addr(), "PING"); err == nil {
		t.Fatal("PING succeeded after Stop")
	}
}

func TestAddrAnswers(t *testing.T) {
	a := redistest.Addr(t)
	if got, err := redistest.Do(a, "PING"); err != nil || got != "PONG" {
		t.Fatalf("PING = %q, %v", got, err)
	}
}

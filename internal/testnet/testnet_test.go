package testnet_test

import (
	"net"
	"testing"
	"time"

	"github.com/psabridge/psabridge/internal/testnet"
)

func TestClosedAddrRefuses(t *testing.T) {
	if c, err := net.DialTimeout("tcp", testnet.ClosedAddr(t), time.Second); err == nil {
		c.Close()
		t.Fatal("dial to ClosedAddr succeeded")
	}
}

func TestSilentAddrAcceptsAndNeverAnswers(t *testing.T) {
	c, err := net.DialTimeout("tcp", testnet.SilentAddr(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("read %d bytes, err %v; want a timeout", n, err)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("err = %v; want a timeout, not a closed connection", err)
	}
}

// Package testnet gives tests network endpoints that fail the ways real
// ones do, on loopback: an address that refuses connections and one that
// accepts them and never answers.
package testnet

import (
	"net"
	"sync"
	"testing"
)

// ClosedAddr returns a loopback address ("127.0.0.1:port") nothing listens
// on, so a dial to it is refused before anything is sent.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// SilentAddr returns a loopback address that accepts connections and never
// answers, like a firewall that drops packets after the handshake. The
// listener and every connection it accepted close when the test ends.
func SilentAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// Command sandbox serves every psabridge simulator on loopback, so that any
// client, in any language, can be pointed at a ConnectWise PSA, INFIMA,
// Heimdal and Asio that behave like the real ones on the wire:
//
//	go run ./examples/sandbox              # PSA on 127.0.0.1:18080
//	go run ./examples/sandbox -addr 127.0.0.1:9000
//
// The PSA listens on -addr; INFIMA, Heimdal and Asio on the next three
// ports. It prints the export lines for their credentials and runs until
// interrupted (Ctrl-C).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
	"github.com/psabridge/psabridge/security360/security360test"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "loopback address of the PSA simulator; INFIMA, Heimdal and Asio take the next three ports")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

// simulator is what every xxxtest server offers the sandbox.
type simulator interface {
	Start()
	Close()
}

// serve starts the four simulators and blocks until ctx is done. ready,
// when non-nil, receives the PSA address once everything listens.
func serve(ctx context.Context, addr string, out io.Writer, ready chan<- string) error {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: the sandbox serves only on loopback (127.0.0.1, ::1 or localhost)", addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("-addr %q: bad port", addr)
	}
	listen := func(offset int) (net.Listener, error) {
		p := 0 // port 0 picks a free port for each (used by tests)
		if port != 0 {
			p = port + offset
		}
		return net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
	}

	psa := cwtest.NewUnstartedServer()
	inf := infimatest.NewUnstartedServer()
	hd := heimdaltest.NewUnstartedServer()
	// Seeded with companies matching INFIMA's simulated clients, so a
	// client mapping them sees realistic suggestions.
	asio := security360test.NewUnstartedServer()
	infimasynctest.AddINFIMAClientCompanies(asio)
	sims := []simulator{psa, inf, hd, asio}
	listeners := make([]net.Listener, len(sims))
	for i := range sims {
		l, err := listen(i)
		if err != nil {
			for _, prev := range listeners[:i] {
				prev.Close()
			}
			return fmt.Errorf("listening: %w", err)
		}
		listeners[i] = l
	}
	psa.Listener, inf.Listener, hd.Listener, asio.Listener = listeners[0], listeners[1], listeners[2], listeners[3]
	for _, s := range sims {
		s.Start()
		defer s.Close()
	}

	cfg := psa.Config()
	creds := asio.Credentials()
	fmt.Fprintf(out, `# psabridge sandbox: ConnectWise PSA, INFIMA, Heimdal and Asio simulators.
# Paste these into your shell, then run any example or your own client.
export CW_SITE=%s
export CW_COMPANY_ID=%s
export CW_PUBLIC_KEY=%s
export CW_PRIVATE_KEY=%s
export CW_CLIENT_ID=%s
export INFIMA_BASE_URL=%s
export INFIMA_API_KEY=%s
export HEIMDAL_BASE_URL=%s
export HEIMDAL_API_KEY=%s
export HEIMDAL_CUSTOMER_ID=%s
export ASIO_BASE_URL=%s
export ASIO_CLIENT_ID=%s
export ASIO_CLIENT_SECRET=%s
# Serving until Ctrl-C.
`, cfg.Site, cfg.CompanyID, cfg.PublicKey, cfg.PrivateKey, cfg.ClientID,
		inf.URL, inf.APIKey(), hd.BaseURL(), hd.APIKey(), hd.ResellerID(), asio.URL, creds.ClientID, creds.ClientSecret)
	if ready != nil {
		ready <- listeners[0].Addr().String()
	}
	<-ctx.Done()
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return nil
	}
	return context.Cause(ctx)
}

// Command sandbox serves every psabridge simulator on loopback, so that any
// client, in any language, can be pointed at a ConnectWise PSA, INFIMA,
// Heimdal and Asio that behave like the real ones on the wire:
//
//	go run ./examples/sandbox              # PSA on 127.0.0.1:18080
//	go run ./examples/sandbox -addr 127.0.0.1:9000
//	go run ./examples/sandbox -v           # and print every request
//
// The PSA listens on -addr; INFIMA, Heimdal and Asio on the next three
// ports. It prints the export lines for their credentials and runs until
// interrupted (Ctrl-C). The PSA starts with a few open tickets on its
// Service Desk board, so a client's first list call finds something.
//
// With -v it prints one line per request (simulator, method, path,
// status), so a client in another language can see what it sent. The line
// never holds a header or body, so no key or token is printed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/psabridge/psabridge/connectwise/apitest"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/examples/internal/exampleenv"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
	"github.com/psabridge/psabridge/security360/security360test"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "loopback address of the PSA simulator; INFIMA, Heimdal and Asio take the next three ports")
	verbose := flag.Bool("v", false, "print one line per request: simulator, method, path, status")
	flag.Parse()
	exampleenv.Main("sandbox", func(ctx context.Context) error { return serve(ctx, *addr, *verbose, os.Stdout, nil) })
}

// simulator is what every xxxtest server offers the sandbox.
type simulator interface {
	Start()
	Close()
}

// requestLog prints the -v lines; the simulators call it from their
// serving goroutines, so writes are serialised.
type requestLog struct {
	mu  sync.Mutex
	out io.Writer
}

// observer prints one line per request of the simulator sim: method,
// path and status only. The query is left out too, since a client may put
// anything there.
func (l *requestLog) observer(sim string) func(apitest.Request) {
	return func(r apitest.Request) {
		l.mu.Lock()
		defer l.mu.Unlock()
		fmt.Fprintf(l.out, "%-7s %-6s %s %s\n", sim, r.Method, r.Path, statusText(r.Status))
	}
}

func statusText(status int) string {
	if status == 0 {
		return "(client gone)"
	}
	return strconv.Itoa(status)
}

// openTickets are the tickets the sandbox's PSA starts with.
var openTickets = []string{
	"Printer on 2nd floor offline",
	"New starter needs a laptop and an M365 licence",
	"VPN disconnects every hour",
	"Outlook asks for the password again and again",
	"Backup job failed on FILESRV01",
}

// serve starts the four simulators and blocks until ctx is done. ready,
// when non-nil, receives the PSA address once everything listens. verbose
// prints a line per request to out.
func serve(ctx context.Context, addr string, verbose bool, out io.Writer, ready chan<- string) error {
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

	var (
		psaOpts  []cwtest.Option
		infOpts  []infimatest.Option
		hdOpts   []heimdaltest.Option
		asioOpts []security360test.Option
	)
	if verbose {
		log := &requestLog{out: out}
		psaOpts = append(psaOpts, cwtest.WithObserver(log.observer("psa")))
		infOpts = append(infOpts, infimatest.WithObserver(log.observer("infima")))
		hdOpts = append(hdOpts, heimdaltest.WithObserver(log.observer("heimdal")))
		asioOpts = append(asioOpts, security360test.WithObserver(log.observer("asio")))
	}
	psa := cwtest.NewUnstartedServer(psaOpts...)
	psa.AddTickets(len(openTickets), func(i int, t *cwtest.Ticket) { t.Summary = openTickets[i] })
	inf := infimatest.NewUnstartedServer(infOpts...)
	hd := heimdaltest.NewUnstartedServer(hdOpts...)
	asio := security360test.NewUnstartedServer(asioOpts...)
	// Companies matching INFIMA's simulated clients, so a client mapping
	// them sees realistic suggestions.
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
	exports := [][2]string{
		{"CW_SITE", cfg.Site}, {"CW_COMPANY_ID", cfg.CompanyID}, {"CW_PUBLIC_KEY", cfg.PublicKey},
		{"CW_PRIVATE_KEY", cfg.PrivateKey}, {"CW_CLIENT_ID", cfg.ClientID},
		{"INFIMA_BASE_URL", inf.URL}, {"INFIMA_API_KEY", inf.APIKey()},
		{"HEIMDAL_BASE_URL", hd.BaseURL()}, {"HEIMDAL_API_KEY", hd.APIKey()}, {"HEIMDAL_CUSTOMER_ID", hd.ResellerID()},
		{"ASIO_BASE_URL", asio.URL}, {"ASIO_CLIENT_ID", creds.ClientID}, {"ASIO_CLIENT_SECRET", creds.ClientSecret},
	}
	fmt.Fprintf(out, "# psabridge sandbox: ConnectWise PSA, INFIMA, Heimdal and Asio simulators.\n"+
		"# The PSA has %d open tickets on its Service Desk board.\n"+
		"# Paste these into your shell, then run any example or your own client.\n", len(openTickets))
	for _, e := range exports {
		fmt.Fprintf(out, "export %s=%s\n", e[0], e[1])
	}
	fmt.Fprintf(out, "# Serving until Ctrl-C.%s\n", verboseNote(verbose))
	if ready != nil {
		ready <- listeners[0].Addr().String()
	}
	<-ctx.Done()
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return nil
	}
	return context.Cause(ctx)
}

func verboseNote(verbose bool) string {
	if verbose {
		return " One line per request follows (simulator, method, path, status)."
	}
	return " Add -v to see every request."
}

package cwtest

//go:generate go run ../../internal/clientgen cwtest

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/internal/simkit"
)

// Fake credentials of the seeded API member. They are recognisably not
// secrets so they can appear in test logs without alarm.
const (
	companyID  = "cwtest"
	publicKey  = "cwtestPublicKey01"
	privateKey = "cwtest-private-key-not-a-secret"
	clientID   = "c0dec0de-0000-4000-8000-00000000c7e5"
)

// DefaultCodebase is what /login/companyinfo reports unless WithCodebase
// says otherwise.
const DefaultCodebase = "v2025_1/"

// APIVersion is sent in the api-current-version header of every response.
const APIVersion = "2025.8"

// Server is an in-memory ConnectWise PSA speaking the REST API v3.0 over
// real HTTP. Create it with NewServer (started) or NewUnstartedServer.
// All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL ("http://127.0.0.1:port") once started.
	URL string
	// Listener may be set before Start to serve on a fixed address; Start
	// listens on a loopback port when it is nil.
	Listener net.Listener

	kit  *simkit.Kit
	opts options

	mu sync.RWMutex // guards st
	st *state

	cb callbackHub // callback deliveries (callbacks.go)

	wire wireState // a moved codebase (wire.go)
}

// options holds what the shared wrappers in server_gen.go set (sim,
// noSeedData) beside the PSA's own settings.
type options struct {
	sim           simkit.Config
	noSeedData    bool
	codebase      string
	grants        []Grant
	noForwardOnly map[string]bool // wire_quirks.go
	rawCommas     bool
	wire          wireOptions // wire.go
}

// WithCodebase sets the codebase /login/companyinfo reports ("v2025_1/" by
// default). API paths accept any codebase segment regardless.
func WithCodebase(codebase string) Option { return func(o *options) { o.codebase = codebase } }

// NewUnstartedServer builds a simulator without starting it, so Listener
// can be set first, or Handler and Transport used without a socket.
func NewUnstartedServer(opts ...Option) *Server {
	o := options{codebase: DefaultCodebase, sim: simkit.Config{Clock: time.Now}, grants: DefaultGrants()}
	WithoutForwardOnly(DefaultNoForwardOnly...)(&o) // wire.go
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	s := &Server{opts: o, st: newState()}
	s.kit = simkit.New(o.sim, simkit.Vendor{
		Name:                 "cwtest",
		Route:                http.HandlerFunc(s.serveAPI),
		Auth:                 s.authenticateRequest,
		WriteFault:           writeFault,
		WriteTooManyRequests: writeTooManyRequests,
	})
	seed(s.st, s.now(), o.grants, !o.noSeedData)
	seedSpec(s.st, s.now(), !o.noSeedData) // spec_seed.go
	return s
}

// Close shuts the server down and waits for in-flight requests.
func (s *Server) Close() {
	s.cb.close()
	s.kit.Close()
}

// Config returns a client configuration for the seeded API member. Codebase
// is left empty so clients exercise discovery through /login/companyinfo.
func (s *Server) Config() connectwise.Config {
	return connectwise.Config{
		Site:       s.URL,
		CompanyID:  companyID,
		PublicKey:  publicKey,
		PrivateKey: privateKey,
		ClientID:   clientID,
	}
}

func (s *Server) now() time.Time { return s.kit.Now().UTC().Truncate(time.Second) }

func writeTooManyRequests(w http.ResponseWriter, seconds int) {
	body := fmt.Sprintf(`{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in %d seconds."}`, seconds)
	writeRaw(w, http.StatusTooManyRequests, body)
}

func writeFault(w http.ResponseWriter, f simkit.Fault) {
	body := f.Body
	if body == "" {
		switch {
		case f.Status == http.StatusTooManyRequests:
			secs := 30
			if n, err := strconv.Atoi(f.RetryAfter); err == nil && n > 0 {
				secs = n
			}
			body = fmt.Sprintf(`{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in %d seconds."}`, secs)
		default:
			body = fmt.Sprintf(`{"code":"ConnectWiseApi","message":"%s","errors":null}`, http.StatusText(f.Status))
		}
	}
	writeRaw(w, f.Status, body)
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	writeBytes(w, status, []byte(body))
}

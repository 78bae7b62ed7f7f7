package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
)

// Option configures a Limiter, Locker or Store.
type Option func(*options)

type options struct {
	prefix   string
	logger   *slog.Logger
	timeout  time.Duration
	fallback float64
	leaseTTL time.Duration
	// now is this process's clock, used only for its own timers (pauses,
	// probes, lease trust), never for a decision another worker shares;
	// tests skew it to prove that (see skew_test.go).
	now func() time.Time
}

func resolve(opts []Option) options {
	o := options{prefix: "psabridge:", logger: slog.Default(), timeout: 250 * time.Millisecond, leaseTTL: 15 * time.Second, now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithPrefix namespaces every key ("psabridge:" by default), so that several
// deployments or test runs can share one Redis.
func WithPrefix(p string) Option { return func(o *options) { o.prefix = p } }

// WithLogger receives the one warning when Redis becomes unreachable and the
// note when it is back (slog.Default by default).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithTimeout bounds each Redis round trip (250 ms by default). A limiter
// whose Redis does not answer in time paces locally for that request, so a
// slow Redis slows requests by at most this much.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithFallbackRate is the request rate a Limiter allows this process while
// Redis is unreachable. Set it to the budget divided by the number of
// workers sharing it, so that all of them failing over together still stay
// within the budget. The default is a tenth of the budget.
func WithFallbackRate(perSecond float64) Option {
	return func(o *options) { o.fallback = perSecond }
}

// WithLeaseTTL is how long a Locker's lease lives without renewal (15 s by
// default): the longest a scope stays blocked after its holder died. It is
// renewed every third of that while the holder runs.
func WithLeaseTTL(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.leaseTTL = d
		}
	}
}

// Budget names one credential's rate budget on one API host: the host and
// a hash of identifying, non-secret values (the login company, the public
// key, a user name). Never pass a secret; the hash is there so that keys
// visible in Redis do not spell out customer identities either.
func Budget(apiHost string, identity ...string) string {
	h := sha256.Sum256([]byte(strings.Join(identity, "\x00")))
	return strings.ToLower(apiHost) + "/" + hex.EncodeToString(h[:12])
}

// PSABudget is the budget of a PSA API member: its site and a hash of its
// login company and public key (the PSA meters requests per API member).
// The private key plays no part.
func PSABudget(cfg connectwise.Config) (string, error) {
	origin, err := connectwise.NormalizeSite(cfg.Site)
	if err != nil {
		return "", err
	}
	host := strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
	return Budget(host, strings.ToLower(cfg.CompanyID), cfg.PublicKey), nil
}

// Dial returns a Redis client for addr, either host:port or a redis:// or
// rediss:// URL (with database, user and password), for callers who do not
// configure go-redis themselves. The caller closes it.
func Dial(addr string) (redis.UniversalClient, error) {
	if addr == "" {
		return nil, &bridge.ConfigError{API: "cluster", Field: "addr", Problem: "is empty"}
	}
	if strings.Contains(addr, "://") {
		opt, err := redis.ParseURL(addr)
		if err != nil {
			// ParseURL's errors may quote the URL, password included.
			return nil, &bridge.ConfigError{API: "cluster", Field: "addr", Problem: "is not a redis:// URL or host:port"}
		}
		return redis.NewClient(opt), nil
	}
	return redis.NewClient(&redis.Options{Addr: addr}), nil
}

package main

// server is what differs between the simulators' shared blocks: their
// option wrappers over simkit.Config and the Server methods that hand
// straight to the simkit.Kit. Each simulator keeps its options struct
// (with sim simkit.Config and noSeedData) and NewUnstartedServer.
type server struct {
	Package string
	// Name is the API simulated ("Heimdal").
	Name string
	// RateLimitDoc ends WithRateLimit's godoc.
	RateLimitDoc string
	// ClockDoc is WithClock's godoc after "WithClock".
	ClockDoc string
	// SeedDoc is WithoutSeedData's godoc after "WithoutSeedData".
	SeedDoc string
	// Secret is what a printed Request never shows.
	Secret string
	// Errors describes the error body of injected faults.
	Errors string
	// Throttles lists what counts as a 429 in Throttled.
	Throttles string
	// RetryAfter is the Go expression of an injected 429's Retry-After.
	RetryAfter string
	// Own lists the methods the package writes itself.
	Own []string
}

var servers = map[string]server{
	"heimdaltest": {
		Name:         "Heimdal",
		RateLimitDoc: "as Heimdal does when called too fast",
		ClockDoc: "sets the clock used for seeded and raised timestamps, the\n" +
			"// request log and the rate limiter, for deterministic output. Latency waits\n" +
			"// on real (or synctest) time regardless.",
		SeedDoc: "starts with only the reseller that owns the API key: no\n" +
			"// customers, devices or users.",
		Secret:     "the API key",
		Errors:     `a {"Message": ...} body`,
		Throttles:  "rate limit and injected 429 faults",
		RetryAfter: `"1"`,
	},
	"infimatest": {
		Name:         "INFIMA",
		RateLimitDoc: "INFIMA publishes no limit; this exists to test clients",
		ClockDoc: "sets the server's clock. Its reading at construction is the\n" +
			"// simulated \"today\" that due dates, creation dates and the phishing\n" +
			"// last-year window are relative to (default: the current UTC day at\n" +
			"// midnight); fix it for byte-stable output. The clock also stamps the\n" +
			"// request log and drives the rate limiter, so a frozen clock never\n" +
			"// refills the limiter; under testing/synctest leave it at its default.",
		SeedDoc:    "starts with the partner and its admins only: no clients.\n// Add them with AddClient.",
		Secret:     "the API key",
		Errors:     `a JSON {"message"} body`,
		Throttles:  "rate limit and injected 429 faults",
		RetryAfter: `"1"`,
		Own:        []string{"ResetRequests"},
	},
	"cwtest": {
		Name: "ConnectWise PSA",
		RateLimitDoc: "as the hosted PSA does. perSecond <= 0 disables the limit\n" +
			"// (the default)",
		ClockDoc: "supplies the time used for _info stamps, dates, the request\n" +
			"// log and the rate limiter; tests use it for deterministic output.",
		SeedDoc: "starts with only the API member, its role and one board,\n" +
			"// instead of the realistic seed data.",
		Secret:     "a credential",
		Errors:     "the PSA's error body",
		Throttles:  "rate limit and injected 429 faults",
		RetryAfter: `"1"`,
		// Close also stops the callback deliveries.
		Own: []string{"Close"},
	},
	"security360test": {
		Name: "Asio",
		RateLimitDoc: "counting API calls only (token requests are\n" +
			"// excluded). For Asio's own fixed-window quota, see WithQuota",
		ClockDoc: "replaces the server's clock, so tests can expire tokens, quota\n" +
			"// windows and rate-limit tokens without sleeping. It also stamps the\n" +
			"// request log.",
		SeedDoc:    "starts with no companies; add them with AddCompany.",
		Secret:     "the client secret or a token",
		Errors:     `a {"code", "message"} body (the token endpoint has InjectTokenStatus)`,
		Throttles:  "rate limit, quota and injected 429 faults",
		RetryAfter: "s.retryAfter()",
	},
}

package main

import "time"

// client is what differs between the API clients' shared plumbing.
type client struct {
	Package string
	// API names the client in observers and errors.
	API string
	// Name is how the godoc names the service ("the PSA", "Heimdal").
	Name string
	// OwnSettings is true when the package declares its settings struct
	// itself, for fields only its API has.
	OwnSettings bool
	// BaseURL is true for clients with a WithBaseURL option and a
	// DefaultBaseURL constant; Simulator names the test server package.
	BaseURL   bool
	Simulator string
	// BaseURLDoc adds to WithBaseURL's godoc.
	BaseURLDoc string
	// DefaultsDoc says why the defaults are what they are.
	DefaultsDoc string
	// The default transport settings.
	defaults
	// ErrorDoc is the godoc of the Error alias after "Error is".
	ErrorDoc string
	// Unauthorized and Forbidden say what a 401 and a 403 mean here.
	Unauthorized, Forbidden string
	// ErrorBody says how CheckResponse reads the API's error body.
	ErrorBody string
	// RelativePaths is apiclient.Backend's setting of the same name.
	RelativePaths bool
	// Own lists the error helpers the package writes itself.
	Own []string
}

// defaults are a client's default transport settings; zero leaves
// httpx's own default.
type defaults struct {
	Rate          float64
	Burst         int
	MaxRetries    int
	RetryWaitMin  time.Duration
	RetryWaitMax  time.Duration
	MaxRetryAfter time.Duration
	Timeout       time.Duration
}

// Durations of the defaults table, to keep it readable.
const (
	ms     = time.Millisecond
	sec    = time.Second
	minute = time.Minute
)

var clients = map[string]client{
	"connectwise": {
		API: "connectwise", Name: "the PSA",
		defaults: defaults{10, 5, 5, 500 * ms, 30 * sec, 0, 0},
		DefaultsDoc: "keep well under the PSA's documented ~1,000 requests per minute,\n" +
			"// leaving headroom for other integrations on the same site",
		ErrorDoc: "an error answered by the PSA, decoded from its JSON error\n" +
			"\t// body {\"code\",\"message\",\"errors\":[...]} (or, for 429, {\"error\",\"message\"})",
		ErrorBody: "{\"code\",\"message\",\"errors\"} (or, for 429, {\"error\",\"message\"}),\n" +
			"// with a hint for 401 and 403",
		Unauthorized: "wrong company id, public or private key", Forbidden: "the API member's security role lacks a permission",
	},
	"heimdal": {
		API: "heimdal", Name: "Heimdal", OwnSettings: true, BaseURL: true, Simulator: "heimdaltest", RelativePaths: true,
		defaults: defaults{2, 2, 5, 1 * sec, 30 * sec, 2 * minute, 60 * sec},
		DefaultsDoc: "are conservative because Heimdal answers 429 when called too\n" +
			"// fast and publishes no limit; community tooling backs off for a full minute",
		ErrorDoc: "an error answer from the Heimdal API. Its StatusCode is 200\n" +
			"\t// for the \"message instead of items\" answer Heimdal gives some\n" +
			"\t// failures with a success status",
		ErrorBody: "the .NET {\"Message\"} shape, {\"error\"} or the start of a\n" +
			"// text body; a 401 gets a message that names the key",
		Unauthorized: "the API key was refused", Forbidden: "the key may not read this customer",
	},
	"infima": {
		API: "infima", Name: "INFIMA", BaseURL: true, Simulator: "infimatest", Own: []string{"IsNotFound"},
		defaults: defaults{5, 5, 4, 500 * ms, 30 * sec, 60 * sec, 30 * sec},
		DefaultsDoc: "are deliberately gentle: INFIMA publishes no rate limit,\n" +
			"// and a Security 360 sync has minutes, not seconds, to finish",
		ErrorDoc: "an error status returned by the Reporting API. For 401 and\n" +
			"\t// 403 its Message says what to do instead of repeating the server's\n" +
			"\t// terse text",
		ErrorBody: "the usual JSON shapes ({\"message\"}, {\"error\"},\n" +
			"// {\"detail\"}) or short plain text: the Reporting API documents no error schema",
		Unauthorized: "the key is wrong, revoked or was replaced by a newer one", Forbidden: "the key's scope does not cover the data asked for",
	},
	"security360": {
		API: "security360", Name: "the Asio platform", BaseURL: true, Simulator: "security360test",
		BaseURLDoc: "or a regional server (BaseURLEurope)",
		defaults:   defaults{1.5, 5, 3, 1 * sec, 30 * sec, 60 * sec, 60 * sec},
		DefaultsDoc: "are deliberately conservative: the only figure found for the\n" +
			"// platform API is a quota of about 500 requests per five minutes (≈1.7/s),\n" +
			"// and a key that asks for many tokens at once is reported to be locked\n" +
			"// (HTTP 423)",
		ErrorDoc: "an error answer of the Asio platform API. A 429 that\n" +
			"\t// outlived the retries arrives wrapped in a *RateLimitError (see\n" +
			"\t// RetryAfter), and a failed write whose outcome is unknown in an\n" +
			"\t// *OutcomeUnknownError",
		ErrorBody: "the platform's {\"code\",\"message\"} or OAuth's\n" +
			"// {\"error\",\"error_description\"}; a write that a 500, 502 or 504 left in doubt\n" +
			"// is wrapped in *OutcomeUnknownError",
		Unauthorized: "the credentials were refused even with a fresh token", Forbidden: "the API key lacks a scope",
	},
}

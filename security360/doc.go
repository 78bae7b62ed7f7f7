// Package security360 is a client for the ConnectWise Asio platform API (the
// "ConnectWise Platform APIs"), the side of ConnectWise Security 360 that an
// integration can reach: partner companies, their sites, and the externalIds
// on a site where a mapping to another product's client is recorded.
//
// # Servers and credentials
//
// Each Asio region has its own server: BaseURLNorthAmerica (the default,
// https://openapi.service.itsupport247.net), BaseURLEurope and
// BaseURLAustralia. An API key (Asio > Integrations > API Access) is a
// client ID, a client secret and a set of scopes; Credentials carries them
// and redacts the secret whenever it is printed or logged.
//
// # Tokens
//
// The client exchanges the key for a bearer token (POST /v1/token,
// client-credentials grant) on first use, caches it, and replaces it a
// minute before it expires. However many goroutines call at once, at most
// one token request is in flight: Asio can lock a key that asks for many
// tokens at once. A 401 on an API call drops the cached token and retries
// that call once with a fresh one. A rejected key is a *TokenError matching
// ErrCredentialsRejected.
//
// # Calls
//
// Services follow the go-github layout: client.Companies and client.Sites,
// each method taking a context and returning the value, a *Response and an
// error. List calls return one page; their All twins walk every page lazily
// as an iter.Seq2 by following the server's Link rel="next" header. Error
// answers are *Error values (see CheckResponse); a rate limit that outlived
// the retries is a *RateLimitError whose wait RetryAfter reports.
//
// Retry, rate limiting and Retry-After handling come from the shared
// psabridge transport (defaults: 1.5 requests per second, burst 5). On
// top of it the client follows Asio's documented quotas: 10-minute windows
// per resource family, reported in the Limit, Remaining and Reset headers
// of every answer. Once a family's quota is spent, requests of that family
// wait for Reset instead of drawing 429s, and a 429 without Retry-After
// waits for Reset. RateLimits reads the documented nested /v1/rate_limits
// body.
//
// # Recording a mapping
//
// SitesService.SetExternalID writes {externalId, productId,
// productInstanceId} into a site's externalIds. Its JSON Patch touches only
// the entry for the same productId, with element-level operations guarded
// by "test". Other products' entries keep their platform-assigned id,
// siteId and backsynced. Calling it again with the same mapping makes no
// write.
//
// The security360test package provides an in-process simulator of these
// endpoints for tests and examples.
package security360

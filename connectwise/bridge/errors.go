package bridge

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ConfigError reports a setting that cannot work, before anything is sent.
// Field names the setting as the Go field a caller filled in ("PrivateKey",
// "Boards[2].Status"); Problem says what is wrong without quoting a value
// that may hold a secret.
type ConfigError struct {
	// API is the package that refused the setting ("connectwise",
	// "heimdal", "officeprotect", ...).
	API string
	// Field is the setting, as its Go field path.
	Field string
	// Problem says what is wrong and, where it helps, what to do.
	Problem string
	// Err is the cause when a look-up behind the check failed (the PSA
	// answered 404 for a company, or refused to list statuses); nil when
	// the setting itself is wrong. Error does not print it: Problem already
	// says what it means for the setting, and a cause's text is written
	// for developers, not for the settings screen Problem is shown on.
	Err error
}

// Error reads "<api>: <field>: <problem>".
func (e *ConfigError) Error() string {
	s := e.Field + ": " + e.Problem
	if e.API != "" {
		s = e.API + ": " + s
	}
	return s
}

// Unwrap returns the cause, so errors.As still reaches the API's error
// (its status, say) behind a setting the look-up refused.
func (e *ConfigError) Unwrap() error { return e.Err }

// Setting returns the field at fault, so settings screens can highlight it.
func (e *ConfigError) Setting() string { return e.Field }

// OutcomeUnknownError reports a write (a POST, or a PATCH that adds) that
// may have reached the server but whose result was never seen: a timeout,
// a reset connection, or a 500, 502 or 504. The write may or may not have
// happened, so it is never re-sent automatically; look it up before trying
// again.
type OutcomeUnknownError struct {
	// Method is the HTTP method of the write.
	Method string
	// Path is the URL path, without query or host.
	Path string
	// StatusCode is the HTTP status when a response arrived (500, 502,
	// 504), or 0 when the connection failed.
	StatusCode int
	// Err is the cause: a transport error, or the API's *APIError.
	Err error
}

// Error names the request and tells the caller to look the write up, since
// the message often ends up in front of an operator deciding what to do.
func (e *OutcomeUnknownError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s %s: outcome unknown (HTTP %d): the write may have been applied; look it up before retrying: %v", e.Method, e.Path, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("%s %s: outcome unknown: the write may have been applied; look it up before retrying: %v", e.Method, e.Path, e.Err)
}

// Unwrap exposes the cause, so errors.Is still finds a timeout and
// errors.As the API's *APIError behind the uncertainty.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// RateLimitError is a 429 that outlived every retry. Wait is how long the
// server asked the caller to wait (0 if it did not say); Err is the API's
// *APIError.
type RateLimitError struct {
	Wait time.Duration
	Err  error
}

// Error includes the server's wait, which is what a caller scheduling a
// retry needs to see.
func (e *RateLimitError) Error() string {
	if e.Wait > 0 {
		return fmt.Sprintf("rate limited: retry after %s: %v", e.Wait, e.Err)
	}
	return fmt.Sprintf("rate limited: %v", e.Err)
}

// Unwrap exposes the API's own error (its 429 body).
func (e *RateLimitError) Unwrap() error { return e.Err }

// APIError is an error status answered by an API, decoded from its body.
// Every text field is scrubbed of the client's credentials.
type APIError struct {
	// API names the client that received it ("connectwise", "heimdal",
	// "infima", "security360").
	API string
	// Method and Path identify the request (path without query or host).
	Method, Path string
	// StatusCode is the HTTP status. Heimdal answers some failures with a
	// 200 that holds only a message; StatusCode is then 200.
	StatusCode int
	// Code is the API's error code, when its body carries one.
	Code string
	// Message is the API's explanation, or the status text.
	Message string
	// Errors lists field-level problems, when the API gives them.
	Errors []FieldError
	// RetryAfter is the wait the server asked for on a 429 or 503.
	RetryAfter time.Duration
	// Hint says what the caller can do about it (check a key, grant a
	// permission); empty when there is nothing specific.
	Hint string
}

// FieldError is one field-level problem of an APIError.
type FieldError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

// Error reads "<api>: <method> <path>: HTTP <status> <code>: <message>;
// <field>: <problem> (<hint>)", leaving out what is empty.
func (e *APIError) Error() string {
	var b strings.Builder
	if e.API != "" {
		b.WriteString(e.API + ": ")
	}
	if e.Method != "" || e.Path != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, fe := range e.Errors {
		b.WriteString("; ")
		if fe.Field != "" {
			b.WriteString(fe.Field + ": ")
		}
		if fe.Message != "" {
			b.WriteString(fe.Message)
		} else {
			b.WriteString(fe.Code)
		}
	}
	switch {
	case e.Hint != "":
		b.WriteString(" (" + e.Hint + ")")
	case e.StatusCode == http.StatusTooManyRequests && e.RetryAfter > 0:
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Is lets errors.Is match a sentinel made by StatusSentinel (such as
// infima.ErrKeyRejected) by status.
func (e *APIError) Is(target error) bool {
	s, ok := target.(*statusSentinel)
	return ok && s.status == e.StatusCode
}

// StatusSentinel returns an error value that errors.Is matches against
// every *APIError with the given HTTP status; text is its own message.
// Clients use it for sentinels such as infima.ErrKeyRejected.
func StatusSentinel(status int, text string) error { return &statusSentinel{status, text} }

type statusSentinel struct {
	status int
	text   string
}

func (s *statusSentinel) Error() string { return s.text }

// StatusCode returns the HTTP status of the *APIError in err's chain, or 0.
func StatusCode(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsUnauthorized reports a 401 answer: the credentials were refused.
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsForbidden reports a 403 answer: the credentials lack a permission.
func IsForbidden(err error) bool { return StatusCode(err) == http.StatusForbidden }

// IsRateLimited reports a 429 that outlived every retry.
func IsRateLimited(err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl) || StatusCode(err) == http.StatusTooManyRequests
}

// IsOutcomeUnknown reports a write that may or may not have been applied:
// look it up before trying again.
func IsOutcomeUnknown(err error) bool {
	var ou *OutcomeUnknownError
	return errors.As(err, &ou)
}

// RetryAfter reports how long the server asked to wait when err is a rate
// limit (429) that outlived the retries, or a 503 that named a wait.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.Wait, true
	}
	var e *APIError
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// DecodeError reports a 2xx answer whose body is not the JSON the endpoint
// documents: empty where a value was expected, larger than the clients
// accept, or not JSON at all (a proxy's HTML page, a truncated body). An
// empty answer is never read as "nothing": a sync would take it for every
// record being gone.
type DecodeError struct {
	// API names the client ("connectwise", "infima", ...).
	API string
	// Endpoint is the method and path, "GET /v1/clients".
	Endpoint string
	// Err is what is wrong with the body.
	Err error
}

// Error names the endpoint whose body could not be read.
func (e *DecodeError) Error() string {
	s := e.Endpoint + ": malformed JSON in response: " + e.Err.Error()
	if e.API != "" {
		s = e.API + ": " + s
	}
	return s
}

// Unwrap returns the decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

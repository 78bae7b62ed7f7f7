package connectwise

import (
	"encoding/json"
	"net/http"
	"strings"
)

// parseError reads the PSA's error body and adds a hint for 401 and 403.
func parseError(e *Error, body []byte) {
	var raw struct {
		Code    string       `json:"code"`
		Error   string       `json:"error"`
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors"`
	}
	if err := json.Unmarshal(body, &raw); err == nil {
		e.Code, e.Message, e.Errors = raw.Code, raw.Message, raw.Errors
		if e.Code == "" {
			e.Code = raw.Error
		}
	} else if len(body) > 0 {
		// Gateways and proxies answer HTML or text; keep a short excerpt.
		e.Message = excerpt(string(body), 200)
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		e.Hint = "check company id, public and private key"
	case http.StatusForbidden:
		e.Hint = "the API member's security role lacks this permission"
	}
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

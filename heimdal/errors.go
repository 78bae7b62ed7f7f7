package heimdal

import (
	"encoding/json"
	"net/http"
	"strings"
)

// MessageKeyRejected is the Message of a 401: Heimdal's own text is a
// generic framework message that does not say which credential failed.
const MessageKeyRejected = "Heimdal API key rejected (check the key in the Heimdal Dashboard and that it is still active)"

// parseError reads the .NET {"Message": ...} shape, {"error": ...}, or the
// start of a text body; a 401 gets a message that names the key.
func parseError(e *Error, body []byte) {
	e.Message = errorMessage(body)
	if e.StatusCode == http.StatusUnauthorized {
		e.Message = MessageKeyRejected
	}
}

// errorMessage extracts a human message from an error body: the .NET
// {"Message": ...} shape, {"error": ...}, or the start of a text body.
func errorMessage(body []byte) string {
	var v struct {
		Message string `json:"message"`
		Error   string `json:"error"`
		Detail  string `json:"error_description"`
	}
	if json.Unmarshal(body, &v) == nil {
		for _, s := range []string{v.Message, v.Detail, v.Error} {
			if s = strings.TrimSpace(s); s != "" {
				return s
			}
		}
		return ""
	}
	s := strings.TrimSpace(string(body))
	if strings.HasPrefix(s, "<") {
		// An HTML error page from a proxy says nothing useful.
		return ""
	}
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

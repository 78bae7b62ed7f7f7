package security360

import (
	"encoding/json"

	"github.com/psabridge/psabridge/internal/httpx"
)

// credentialFields has Credentials' fields and none of its methods.
type credentialFields Credentials

// MarshalJSON encodes the credentials with the client secret as
// "[REDACTED]", as String prints them: Credentials nested in a caller's
// struct are printed by json.Marshal and by slog's JSON handler, which
// never call String or LogValue on nested values.
//
// To persist Credentials, use MarshalJSONWithSecrets; json.Unmarshal reads
// either form back (a redacted one then fails Validate, naming the field).
func (c Credentials) MarshalJSON() ([]byte, error) {
	c.ClientSecret = httpx.RedactSecret(c.ClientSecret)
	return json.Marshal(credentialFields(c))
}

// MarshalJSONWithSecrets encodes every field as it is, the client secret
// included, for the caller's own encrypted settings store. It is the only
// encoding that carries the secret; decode it with json.Unmarshal.
func (c Credentials) MarshalJSONWithSecrets() ([]byte, error) {
	return json.Marshal(credentialFields(c))
}

package officeprotect

import (
	"encoding/json"

	"github.com/psabridge/psabridge/internal/httpx"
)

// smtpFields has SMTPConfig's fields and none of its methods. TLSConfig is
// left out of every encoding: a *tls.Config holds functions and keys that
// JSON cannot carry, so it is set again in code after loading.
type smtpFields SMTPConfig

func (c SMTPConfig) marshal() ([]byte, error) {
	c.TLSConfig = nil
	return json.Marshal(struct {
		smtpFields
		TLSConfig struct{} `json:"-"`
	}{smtpFields: smtpFields(c)})
}

// MarshalJSON encodes the configuration with the password as "[REDACTED]":
// an SMTPConfig nested in a caller's struct is printed by json.Marshal and
// by slog's JSON handler, which never call String or LogValue on nested
// values. TLSConfig is not encoded.
//
// To persist an SMTPConfig, use MarshalJSONWithSecrets; json.Unmarshal
// reads either form back.
func (c SMTPConfig) MarshalJSON() ([]byte, error) {
	c.Password = httpx.RedactSecret(c.Password)
	return c.marshal()
}

// MarshalJSONWithSecrets encodes every field but TLSConfig as it is, the
// password included, for the caller's own encrypted settings store. It is
// the only encoding that carries the password; decode it with
// json.Unmarshal into an SMTPConfig.
func (c SMTPConfig) MarshalJSONWithSecrets() ([]byte, error) {
	return c.marshal()
}

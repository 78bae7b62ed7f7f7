package psasync

import (
	"encoding/json"

	"github.com/psabridge/psabridge/internal/credcheck"
)

// settingsFields has Settings' fields and none of its methods.
type settingsFields Settings

// MarshalJSON encodes the settings the way String prints them: the private
// key as "[REDACTED]", the public key shortened, the site without any part
// that may hold a key. Settings nested in a caller's struct are printed by
// json.Marshal and by slog's JSON handler, which never call String or
// LogValue on nested values.
//
// To persist Settings, use MarshalJSONWithSecrets; json.Unmarshal reads
// either form back (a redacted one then fails Validate, naming the field).
func (s Settings) MarshalJSON() ([]byte, error) {
	s.Site, s.PublicKey, s.PrivateKey = credcheck.ShowURL(s.Site), shortKey(s.PublicKey), redact(s.PrivateKey)
	return json.Marshal(settingsFields(s))
}

// MarshalJSONWithSecrets encodes every field as it is, keys included, for
// the caller's own encrypted settings store. It is the only encoding that
// carries the keys; decode it with json.Unmarshal into Settings.
func (s Settings) MarshalJSONWithSecrets() ([]byte, error) {
	return json.Marshal(settingsFields(s))
}

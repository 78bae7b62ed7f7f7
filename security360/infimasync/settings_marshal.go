package infimasync

import (
	"encoding/json"

	"github.com/psabridge/psabridge/internal/credcheck"
	"github.com/psabridge/psabridge/internal/httpx"
)

// settingsFields has Settings' fields and none of its methods.
type settingsFields Settings

// MarshalJSON encodes the settings the way String prints them: the key as
// "[REDACTED]" and the server URL without any part that may hold a key.
// Settings nested in a caller's struct are printed by json.Marshal and by
// slog's JSON handler, which never call String or LogValue on nested
// values.
//
// To persist Settings, use MarshalJSONWithSecrets; json.Unmarshal reads
// either form back (a redacted one then fails Validate).
func (s Settings) MarshalJSON() ([]byte, error) {
	s.ServerURL, s.APIKey = credcheck.ShowURL(s.ServerURL), httpx.RedactSecret(s.APIKey)
	return json.Marshal(settingsFields(s))
}

// MarshalJSONWithSecrets encodes both fields as they are, the key included,
// for the caller's own encrypted settings store. It is the only encoding
// that carries the key; decode it with json.Unmarshal into Settings.
func (s Settings) MarshalJSONWithSecrets() ([]byte, error) {
	return json.Marshal(settingsFields(s))
}

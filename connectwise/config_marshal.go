package connectwise

import (
	"encoding/json"

	"github.com/psabridge/psabridge/internal/credcheck"
	"github.com/psabridge/psabridge/internal/httpx"
)

// configFields has Config's fields and none of its methods, so that
// encoding/json encodes it field by field.
type configFields Config

// MarshalJSON encodes the configuration the way String prints it: the
// private key as "[REDACTED]", the public key shortened and the site
// without any part that may hold a key. It exists because a Config nested
// in a caller's struct is printed by json.Marshal and by slog's JSON
// handler, which never call String or LogValue on nested values.
//
// To persist a Config, use MarshalJSONWithSecrets; json.Unmarshal reads
// either form back (a redacted one then fails Validate, naming the field).
func (c Config) MarshalJSON() ([]byte, error) {
	c.Site = credcheck.ShowURL(c.Site)
	c.PublicKey = shortKey(c.PublicKey)
	c.PrivateKey = httpx.RedactSecret(c.PrivateKey)
	return json.Marshal(configFields(c))
}

// MarshalJSONWithSecrets encodes every field as it is, keys included, for
// the caller's own encrypted settings store. It is the only encoding that
// carries the keys; decode it with json.Unmarshal into a Config. A caller
// persisting a larger struct can hold this output in a json.RawMessage.
func (c Config) MarshalJSONWithSecrets() ([]byte, error) {
	return json.Marshal(configFields(c))
}

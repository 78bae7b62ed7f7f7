package connectwise

import "github.com/psabridge/psabridge/internal/httpx"

// The Option type, the transport options, the default settings and the
// error aliases are shared with the other clients: they come from
// internal/clientgen into client_gen.go.
//go:generate go run ../internal/clientgen connectwise

// withAPI returns the transport part of resolved settings; the API name
// that observers see is already in defaultSettings.
func withAPI(s settings) httpx.Settings { return s.Settings }

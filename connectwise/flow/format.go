package flow

import (
	"fmt"
	"io"
	"log/slog"
)

// The stores print as a summary with every fmt verb and in slog, never
// their values: a flow's settings (API keys among them) rest in them.

// String reads "flow.MemoryStore{3 keys}".
func (m *MemoryStore) String() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return fmt.Sprintf("flow.MemoryStore{%d keys}", len(m.values))
}

// Format prints String for every verb, so %+v and %#v cannot reflect into
// the values.
func (m *MemoryStore) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, m.String()) }

// LogValue keeps the values out of structured logs.
func (m *MemoryStore) LogValue() slog.Value { return slog.StringValue(m.String()) }

// String reads "flow.FileStore{<path>}".
func (f *FileStore) String() string { return "flow.FileStore{" + f.path + "}" }

// Format prints String for every verb.
func (f *FileStore) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, f.String()) }

// LogValue keeps the store out of structured logs but its path.
func (f *FileStore) LogValue() slog.Value { return slog.StringValue(f.String()) }

// String reads "flow.Encrypt(<inner>)".
func (e *encrypted) String() string { return fmt.Sprintf("flow.Encrypt(%v)", e.inner) }

// Format prints String for every verb: the key lives only in the cipher,
// but the inner store's values must not print either.
func (e *encrypted) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, e.String()) }

// LogValue keeps the values out of structured logs.
func (e *encrypted) LogValue() slog.Value { return slog.StringValue(e.String()) }

package bridge

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
}

// Error reads "<api>: <field>: <problem>".
func (e *ConfigError) Error() string {
	s := e.Field + ": " + e.Problem
	if e.API != "" {
		s = e.API + ": " + s
	}
	return s
}

// Setting returns the field at fault, so settings screens can highlight it.
func (e *ConfigError) Setting() string { return e.Field }

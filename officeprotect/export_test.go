package officeprotect

// SetCrashBeforeNotify makes in stop every run between recording a failure
// and alerting the contact, returning f's error, as a crash there would.
func SetCrashBeforeNotify(in *Integration, f func() error) { in.crashBeforeNotify = f }

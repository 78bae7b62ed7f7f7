// Package officeprotecttest provides test doubles for the officeprotect
// integration, in the style of net/http/httptest: an in-memory Office
// Protect event source (Office Protect publishes no API), a Notifier that
// records emergency alerts, and a minimal SMTP server that captures what
// officeprotect.SMTPNotifier sends over a real TCP connection.
//
// Combined with connectwise/cwtest, the whole flow runs in one process:
//
//	psa := cwtest.NewServer()
//	defer psa.Close()
//	src := officeprotecttest.NewSource()
//	src.AddTenant(officeprotect.Tenant{ID: "t-acme", Name: "Acme Corp", Active: true})
//	src.Add(officeprotect.Event{ID: "evt-1", TenantID: "t-acme", Title: "Suspicious sign-in", TriggeredAt: now})
//	rec := &officeprotecttest.Recorder{}
//	in, err := officeprotect.New(psa.Config(), src, officeprotect.WithNotifier(rec))
package officeprotecttest

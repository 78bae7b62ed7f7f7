package leakcheck_test

import "github.com/psabridge/psabridge/officeprotect/officeprotecttest"

// newOfficeProtect is the Office Protect flow on a PSA client built from
// the settings under test, as a host application builds it.
var newOfficeProtect = officeprotecttest.NewIntegration

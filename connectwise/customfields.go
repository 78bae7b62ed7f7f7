package connectwise

import (
	"fmt"
	"strings"
)

// customFieldOps are the operators the PSA accepts in conditions.
var customFieldOps = map[string]bool{"=": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true, "like": true, "contains": true, "not like": true, "not contains": true}

// WhereCustomField builds customFieldConditions (for
// ListOptions.CustomFieldConditions, on lists and counts) for one custom
// field, in the form the PSA reads: caption = "Alert ID" AND value = "A-17".
// op is one of = != < <= > >= like contains (or not like, not contains);
// value is written by Literal (nil for null, a time.Time for a date
// field). Combine several with And.
func WhereCustomField(caption, op string, value any) Conditions {
	op = strings.ToLower(strings.TrimSpace(op))
	if !customFieldOps[op] {
		return Conditions{err: fmt.Errorf("connectwise: WhereCustomField(%q): operator %q is not one of = != < <= > >= like contains", caption, op)}
	}
	if caption == "" {
		return Conditions{err: fmt.Errorf("connectwise: WhereCustomField: empty caption")}
	}
	return Where("caption = ? AND value "+op+" ?", caption, value)
}

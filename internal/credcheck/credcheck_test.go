package credcheck_test

import (
	"strings"
	"testing"

	"github.com/psabridge/psabridge/internal/credcheck"
)

func TestSecret(t *testing.T) {
	const key = "K3y-value_0123"
	for in, want := range map[string]string{
		key:               "",
		"":                "is required",
		" \n":             "only whitespace",
		key + "\n":        "trailing whitespace (a line break)",
		key + "\r\n":      "trailing whitespace (a line break)",
		" " + key:         "leading whitespace (a space)",
		"\t" + key:        "leading whitespace (a tab)",
		" " + key + " \n": "leading whitespace (a space) and trailing whitespace (a space, a line break)",
		"K3y val":         "cannot be sent in an HTTP header",
		"K3y\x00val":      "cannot be sent in an HTTP header",
		"K3y\u00e9val":    "cannot be sent in an HTTP header",
	} {
		got := credcheck.Secret(in)
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("Secret(%q) = %q, want %q", in, got, want)
		}
		if in != "" && strings.TrimSpace(in) != "" && strings.Contains(got, strings.TrimSpace(in)) {
			t.Errorf("Secret(%q) echoes the value: %q", in, got)
		}
	}
}

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct {
		raw       string
		allowPath bool
		want      string // URL, or a fragment of the problem
		ok        bool
	}{
		{"https://app.infimasecapis.com", false, "https://app.infimasecapis.com", true},
		{"https://app.infimasecapis.com/", false, "https://app.infimasecapis.com", true},
		{"https://dashboard.heimdalsecurity.com/api/heimdalapi/", true, "https://dashboard.heimdalsecurity.com/api/heimdalapi", true},
		{"http://127.0.0.1:8080", false, "http://127.0.0.1:8080", true},
		{"http://localhost:1", false, "http://localhost:1", true},
		{"http://[::1]:1", false, "http://[::1]:1", true},
		{"http://app.infimasecapis.com", false, "plain http", false},
		{"http://10.0.0.1", false, "plain http", false},
		{"ftp://x.example", false, "scheme", false},
		{"https://app.infimasecapis.com/v1", false, "without a path", false},
		{"https://x.example/?a=1", true, "query", false},
		{"https://user:p4ss@x.example", false, "credentials", false},
		{"app.infimasecapis.com", false, "absolute URL", false},
		{" https://x.example", false, "whitespace", false},
		{"", false, "required", false},
	} {
		u, problem := credcheck.BaseURL(tc.raw, tc.allowPath)
		if tc.ok {
			if problem != "" || u.String() != tc.want {
				t.Errorf("BaseURL(%q) = %v, %q; want %s", tc.raw, u, problem, tc.want)
			}
			continue
		}
		if u != nil || !strings.Contains(problem, tc.want) {
			t.Errorf("BaseURL(%q) = %v, %q; want a problem mentioning %q", tc.raw, u, problem, tc.want)
		}
		if strings.Contains(problem, "p4ss") {
			t.Errorf("problem shows the password: %q", problem)
		}
	}
	if !credcheck.IsLoopback("LOCALHOST") || credcheck.IsLoopback("192.168.1.1") {
		t.Error("IsLoopback")
	}
}

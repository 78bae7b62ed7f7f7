package credcheck_test

import (
	"testing"

	"github.com/psabridge/psabridge/internal/credcheck"
)

func TestShowURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"https://api-na.myconnectwise.net":   "https://api-na.myconnectwise.net",
		"https://api-na.myconnectwise.net/":  "https://api-na.myconnectwise.net",
		"HTTPS://Host.example.com:8443":      "https://Host.example.com:8443",
		"api-eu.myconnectwise.net":           "api-eu.myconnectwise.net",
		"api-eu.myconnectwise.net/k3y":       "api-eu.myconnectwise.net/…",
		"https://u:p4ss@host.example.com":    "https://…@host.example.com",
		"https://host.example.com/?key=s3c":  "https://host.example.com/…",
		"https://host.example.com#s3c":       "https://host.example.com/…",
		"https://host.example.com/p/s3c":     "https://host.example.com/…",
		"http://127.0.0.1:9000/x":            "http://127.0.0.1:9000/…",
		"sk-live-123://host.example.com":     "…://host.example.com",
		"https://sklive123":                  "https://…",
		"sklive123":                          "…",
		"%zz-s3cret":                         "…",
		"https://[::1]:8080":                 "https://[::1]:8080",
		"https://host.example.com?":          "https://host.example.com/…",
		"https://host.example.com/%2Fs3cret": "https://host.example.com/…",
	} {
		if got := credcheck.ShowURL(in); got != want {
			t.Errorf("ShowURL(%q) = %q, want %q", in, got, want)
		}
	}
}

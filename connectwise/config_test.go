package connectwise_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
)

func TestNormalizeSite(t *testing.T) {
	for in, want := range map[string]string{
		"api-na.myconnectwise.net":         "https://api-na.myconnectwise.net",
		"na.myconnectwise.net":             "https://api-na.myconnectwise.net",
		"https://eu.myconnectwise.net/":    "https://api-eu.myconnectwise.net",
		"HTTPS://API-AU.MyConnectWise.net": "https://api-au.myconnectwise.net",
		"aus.myconnectwise.net":            "https://api-aus.myconnectwise.net",
		"za.myconnectwise.net":             "https://api-za.myconnectwise.net",
		"staging.connectwisedev.com":       "https://api-staging.connectwisedev.com",
		"psa.example.com":                  "https://psa.example.com",
		"psa.example.com:8443":             "https://psa.example.com:8443",
		"http://127.0.0.1:18080":           "http://127.0.0.1:18080",
		"http://localhost:9000":            "http://localhost:9000",
		"http://[::1]:9000":                "http://[::1]:9000",
	} {
		got, err := connectwise.NormalizeSite(in)
		if err != nil || got != want {
			t.Errorf("NormalizeSite(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestConfigValidateNamesTheField(t *testing.T) {
	base := testConfig()
	cases := []struct {
		name  string
		mod   func(*connectwise.Config)
		field string
		say   string
	}{
		{"empty site", func(c *connectwise.Config) { c.Site = "" }, "Site", "required"},
		{"plain http", func(c *connectwise.Config) { c.Site = "http://na.myconnectwise.net" }, "Site", "https"},
		{"plain http private range", func(c *connectwise.Config) { c.Site = "http://10.0.0.5" }, "Site", "https"},
		{"path", func(c *connectwise.Config) { c.Site = "https://na.myconnectwise.net/v4_6_release/apis/3.0" }, "Site", "path"},
		{"unknown region", func(c *connectwise.Config) { c.Site = "xx.myconnectwise.net" }, "Site", "region"},
		{"ftp scheme", func(c *connectwise.Config) { c.Site = "ftp://na.myconnectwise.net" }, "Site", "scheme"},
		{"credentials in URL", func(c *connectwise.Config) { c.Site = "https://u:p@na.myconnectwise.net" }, "Site", "credentials"},
		{"site whitespace", func(c *connectwise.Config) { c.Site = " na.myconnectwise.net" }, "Site", "whitespace"},
		{"a key pasted as the site", func(c *connectwise.Config) { c.Site = privKey }, "Site", "full host name"},
		{"empty company", func(c *connectwise.Config) { c.CompanyID = "" }, "CompanyID", "required"},
		{"company trailing space", func(c *connectwise.Config) { c.CompanyID = "acme " }, "CompanyID", "trailing"},
		{"public key newline", func(c *connectwise.Config) { c.PublicKey = "PUB\n" }, "PublicKey", "trailing"},
		{"private key leading", func(c *connectwise.Config) { c.PrivateKey = " " + privKey }, "PrivateKey", "leading"},
		{"private key trailing", func(c *connectwise.Config) { c.PrivateKey = privKey + "\t" }, "PrivateKey", "trailing"},
		{"private key inner space", func(c *connectwise.Config) { c.PrivateKey = "ab cd" }, "PrivateKey", "whitespace"},
		{"empty private key", func(c *connectwise.Config) { c.PrivateKey = "" }, "PrivateKey", "required"},
		{"empty client id", func(c *connectwise.Config) { c.ClientID = "" }, "ClientID", "required"},
		{"bad codebase", func(c *connectwise.Config) { c.Codebase = "/../x" }, "Codebase", "codebase"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.mod(&cfg)
			err := cfg.Validate()
			var ce *connectwise.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.say) {
				t.Fatalf("Validate() = %v; want ConfigError on %s mentioning %q", err, tc.field, tc.say)
			}
			if strings.Contains(err.Error(), privKey) {
				t.Fatalf("error echoes the private key: %v", err)
			}
			if _, err := connectwise.NewClient(cfg); err == nil {
				t.Fatal("NewClient accepted an invalid config")
			}
		})
	}
	if err := base.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
}

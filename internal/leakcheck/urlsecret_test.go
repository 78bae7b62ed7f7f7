package leakcheck_test

import (
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// urlSecret is a key pasted into a URL-shaped setting.
const urlSecret = "LEAK-URL-SECRET-0a1b2c3d"

// secretURLs put urlSecret in every part of a URL a paste can reach. Each
// is invalid for every setting, so each produces an error.
func secretURLs(host string) []string {
	return []string{
		"https://user:" + urlSecret + "@" + host,
		"https://" + urlSecret + "@" + host,
		"https://" + host + "/?key=" + urlSecret,
		"https://" + host + "?" + urlSecret,
		"https://" + host + "/" + urlSecret + "?x=1",
		"https://" + host + "/#" + urlSecret,
		"http://" + host + "/" + urlSecret,
		"http://" + host + "/?k=" + urlSecret,
		urlSecret + "://" + host,
		"ftp://" + host + "/" + urlSecret,
		host + "/" + urlSecret,
		host + "?key=" + urlSecret,
		"%zz" + urlSecret,
		urlSecret + "%",
	}
}

// Settings that take a URL used to quote the URL back in their validation
// errors, path, query, fragment and all, so a key pasted there (or typed
// into the wrong field) reached logs and screens.
func TestURLSettingsDoNotEchoSecrets(t *testing.T) {
	sc := newScanner(t)
	sc.addSecret(urlSecret)
	refuse := func(where string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: accepted", where)
			return
		}
		sc.err(where, err)
	}
	for _, u := range secretURLs("api-na.myconnectwise.net") {
		cfg := connectwise.Config{Site: u, CompanyID: psaCompany, PublicKey: psaPublic, PrivateKey: psaPrivate, ClientID: psaClientID}
		refuse("connectwise.Config.Validate", cfg.Validate())
		_, err := connectwise.NewClient(cfg)
		refuse("connectwise.NewClient", err)
		_, err = connectwise.NormalizeSite(u)
		refuse("connectwise.NormalizeSite", err)
		sc.value("connectwise.Config", cfg)
		settings := psaSettings(u)
		refuse("psasync.Settings.Validate", settings.Validate())
		sc.value("psasync.Settings", settings)
	}
	for _, u := range secretURLs("openapi.service.itsupport247.net") {
		_, err := security360.NewClient(security360.Credentials{ClientID: asioClientID, ClientSecret: asioSecret}, security360.WithBaseURL(u))
		if err == nil && pathPrefixOnly(u) {
			continue // a path prefix is allowed there
		}
		refuse("security360.NewClient", err)
	}
	for _, u := range secretURLs("dashboard.heimdalsecurity.com") {
		_, err := heimdal.NewClient(heimdalKey, heimdal.WithBaseURL(u))
		if err == nil && pathPrefixOnly(u) {
			continue // a path prefix is allowed there
		}
		refuse("heimdal.NewClient", err)
	}
	for _, u := range secretURLs("app.infimasecapis.com") {
		_, err := infima.NewClient(infimaKey, infima.WithBaseURL(u))
		refuse("infima.NewClient", err)
		s := infimasync.Settings{ServerURL: u, APIKey: infimaKey}
		refuse("infimasync.Settings.Validate", s.Validate())
		sc.value("infimasync.Settings", s)
		sc.log.Info("settings", "s", s)
	}
	if sc.scanned == 0 {
		t.Fatal("nothing scanned")
	}
}

func pathPrefixOnly(u string) bool {
	return strings.HasPrefix(u, "https://") && !strings.ContainsAny(u, "?#@")
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
)

func TestWholeAPIOnSimulator(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, func(string) string { return "" }); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"embedded PSA simulator", "Wile Coyote", "created the example contact",
		"ACME-DC01", "Server", "Preferred Channel", `set "Preferred Channel" = "Email"`,
		"verified delivery: contact updated", "by psabridge-api",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// With CW_* variables the example treats the PSA as real: pointed at a
// simulator, it finds the contact it created before instead of creating
// another, and without CALLBACK_URL it explains why it skips callbacks.
func TestWholeAPIWithCredentialsIsIdempotentAndSkipsCallbacks(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	env := map[string]string{"CW_SITE": cfg.Site, "CW_COMPANY_ID": cfg.CompanyID, "CW_PUBLIC_KEY": cfg.PublicKey,
		"CW_PRIVATE_KEY": cfg.PrivateKey, "CW_CLIENT_ID": cfg.ClientID, "CW_EXAMPLE_COMPANY": "Globex"}
	for i, want := range []string{"created the example contact", "found the example contact"} {
		var out bytes.Buffer
		if err := run(context.Background(), &out, func(k string) string { return env[k] }); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out.String())
		}
		for _, w := range []string{want, "GLOBEX-SRV01", "skipped: a real PSA delivers callbacks only to a URL it can reach"} {
			if !strings.Contains(out.String(), w) {
				t.Errorf("run %d lacks %q:\n%s", i, w, out.String())
			}
		}
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestTourOnSimulator(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, func(string) string { return "" }); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"embedded PSA simulator", "Service Tickets: Add = All (granted)", "Service Desk", "created", "closedFlag=true"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTourRejectsBadCredentialsBeforeSending(t *testing.T) {
	env := map[string]string{"CW_SITE": "http://na.myconnectwise.net", "CW_COMPANY_ID": "x", "CW_PUBLIC_KEY": "p", "CW_PRIVATE_KEY": "k", "CW_CLIENT_ID": "c"}
	err := run(context.Background(), &bytes.Buffer{}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "Site") {
		t.Fatalf("err = %v", err)
	}
}

// Package exampletest runs an example's program inside a test, on the
// embedded simulators or on an environment that points at them, and checks
// what it printed. Every example's main_test.go uses it, so that each
// example is tested the same way: in-process, with no network beyond
// loopback.
package exampletest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// RunFunc is the shape of an example's run: main calls it with os.Stdout
// and os.Getenv, tests with a buffer and a chosen environment.
type RunFunc func(ctx context.Context, out io.Writer, getenv func(string) string) error

// Env returns a getenv that sees only vars; a nil map is an empty
// environment, which makes every example pick its simulators.
func Env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// PSAEnv is the CW_* environment that names sim as a real PSA, as
// examples/sandbox prints it. extra adds or overrides variables.
func PSAEnv(sim *cwtest.Server, extra map[string]string) map[string]string {
	cfg := sim.Config()
	env := map[string]string{
		"CW_SITE": cfg.Site, "CW_COMPANY_ID": cfg.CompanyID, "CW_PUBLIC_KEY": cfg.PublicKey,
		"CW_PRIVATE_KEY": cfg.PrivateKey, "CW_CLIENT_ID": cfg.ClientID,
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// Run runs run with env and returns what it printed; an error fails the
// test at once and shows the output, since the output says how far it got.
func Run(t testing.TB, run RunFunc, env map[string]string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(t.Context(), &out, Env(env)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	return out.String()
}

// Prints runs run with env, checks that its output holds every one of
// wants, and returns the output for further checks.
func Prints(t testing.TB, run RunFunc, env map[string]string, wants ...string) string {
	t.Helper()
	out := Run(t, run, env)
	Contains(t, out, wants...)
	return out
}

// Fail runs run with env, which must fail, and returns the output and
// the error.
func Fail(t testing.TB, run RunFunc, env map[string]string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), &out, Env(env))
	if err == nil {
		t.Fatalf("run succeeded, want an error:\n%s", out.String())
	}
	return out.String(), err
}

// Contains reports each of wants that out lacks, then out once, so a
// failure shows every missing line and the whole output together.
func Contains(t testing.TB, out string, wants ...string) {
	t.Helper()
	missing := false
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
			missing = true
		}
	}
	if missing {
		t.Logf("output:\n%s", out)
	}
}

package officeprotect_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
)

const smtpPassword = "s3cret-Pa55"

func smtpConfig(srv *officeprotecttest.SMTPServer) officeprotect.SMTPConfig {
	return officeprotect.SMTPConfig{Host: srv.Host, Port: srv.Port, From: "alerts@psabridge.example.com", Username: "alerts", Password: smtpPassword}
}

// smtpNotifier starts a mail server that accepts user "alerts" with
// password, and a notifier configured for it with smtpPassword.
func smtpNotifier(t *testing.T, password string) (*officeprotecttest.SMTPServer, *officeprotect.SMTPNotifier) {
	t.Helper()
	srv := officeprotecttest.NewSMTPServer(officeprotecttest.WithSMTPAuth("alerts", password))
	t.Cleanup(srv.Close)
	n, err := officeprotect.NewSMTPNotifier(smtpConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	return srv, n
}

func TestSMTPNotifierDeliversOverSMTP(t *testing.T) {
	srv, n := smtpNotifier(t, smtpPassword)
	a := officeprotect.Alert{
		To:      "soc@msp.example.com",
		Subject: "Office Protect → ConnectWise integration broken: API keys rejected\r\nBcc: evil@example.com",
		Body:    "Problem: keys rejected.\n.\nA line with a lone dot above, and ünïcödé.\n",
	}
	if err := n.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "alerts@psabridge.example.com" || fmt.Sprint(m.To) != "[soc@msp.example.com]" || m.Username != "alerts" {
		t.Errorf("envelope %+v", m)
	}
	if got := m.Subject(); got != "Office Protect → ConnectWise integration broken: API keys rejected Bcc: evil@example.com" {
		t.Errorf("subject %q", got)
	}
	if strings.Contains(m.Data, "\r\nBcc:") {
		t.Errorf("header injected:\n%s", m.Data)
	}
	if got := m.Text(); got != strings.ReplaceAll(a.Body, "\r\n", "\n") {
		t.Errorf("body %q, want %q", got, a.Body)
	}
}

func TestSMTPNotifierRejectsWrongPassword(t *testing.T) {
	srv, n := smtpNotifier(t, "other")
	err := n.Notify(context.Background(), officeprotect.Alert{To: "soc@msp.example.com", Subject: "s", Body: "b"})
	if err == nil || !strings.Contains(err.Error(), "authenticating") || strings.Contains(err.Error(), smtpPassword) {
		t.Fatalf("err = %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("message accepted without authentication")
	}
}

func TestSMTPNotifierHonoursContext(t *testing.T) {
	// A server that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Read(make([]byte, 1)) // until the client hangs up
	}()
	addr := ln.Addr().(*net.TCPAddr)
	n, err := officeprotect.NewSMTPNotifier(officeprotect.SMTPConfig{Host: "127.0.0.1", Port: addr.Port, From: "alerts@psabridge.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = n.Notify(ctx, officeprotect.Alert{To: "soc@msp.example.com", Subject: "s", Body: "b"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
	<-done // the connection was closed: no goroutine left behind
}

func TestSMTPConfigValidateAndRedaction(t *testing.T) {
	good := officeprotect.SMTPConfig{Host: "smtp.example.com", From: "alerts@example.com", Username: "alerts", Password: smtpPassword}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*officeprotect.SMTPConfig)
	}{
		{"SMTP.Host", func(c *officeprotect.SMTPConfig) { c.Host = "" }},
		{"SMTP.Host", func(c *officeprotect.SMTPConfig) { c.Host = "smtp://smtp.example.com" }},
		{"SMTP.Host", func(c *officeprotect.SMTPConfig) { c.Host = "smtp.example.com " }},
		{"SMTP.Port", func(c *officeprotect.SMTPConfig) { c.Port = 70000 }},
		{"SMTP.From", func(c *officeprotect.SMTPConfig) { c.From = "Alerts <alerts@example.com>" }},
		{"SMTP.Password", func(c *officeprotect.SMTPConfig) { c.Password = "" }},
		{"SMTP.Password", func(c *officeprotect.SMTPConfig) { c.Password += "\n" }},
		{"SMTP.Username", func(c *officeprotect.SMTPConfig) { c.Username = " alerts" }},
	} {
		c := good
		tc.edit(&c)
		err := c.Validate()
		var se *bridge.ConfigError
		if !errors.As(err, &se) || se.Field != tc.field {
			t.Errorf("%+v: err = %v, want %s", c, err, tc.field)
		}
		if err != nil && strings.Contains(err.Error(), smtpPassword) {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	n, err := officeprotect.NewSMTPNotifier(good)
	if err != nil {
		t.Fatal(err)
	}
	type holder struct{ C officeprotect.SMTPConfig }
	for _, s := range []string{
		fmt.Sprint(good), fmt.Sprintf("%+v", good), fmt.Sprintf("%#v", good), fmt.Sprintf("%s %q", good, good),
		fmt.Sprintf("%+v", holder{good}), fmt.Sprintf("%#v", holder{good}),
		fmt.Sprint(n), fmt.Sprintf("%+v", n), fmt.Sprintf("%#v", n),
	} {
		if strings.Contains(s, smtpPassword) {
			t.Errorf("password printed: %s", s)
		}
	}
}

func TestEmergencyAlertByEmailEndToEnd(t *testing.T) {
	srv, n := smtpNotifier(t, smtpPassword)
	f := newFixture(t, officeprotect.WithNotifier(n))
	f.confirm()
	f.psa.RevokePermission("Service Tickets")
	for i := range 3 {
		_, _ = f.in.Process(f.ctx, batch(fmt.Sprint("m", i), "t-acme", 1))
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails, want 1", len(msgs))
	}
	if m := msgs[0]; fmt.Sprint(m.To) != "[soc@msp.example.com]" || !strings.Contains(m.Subject(), "permission removed") ||
		!strings.Contains(m.Text(), "Service Tickets: Add") || !strings.Contains(m.Text(), "Security Roles") {
		t.Fatalf("email %q\n%s", m.Subject(), m.Text())
	}
}

// A resend of the same failure's alert (after a crash between the mail
// server accepting it and the store recording it) is the same message to
// mail systems: same Message-ID. Another failure gets another one.
func TestAlertResendKeepsItsMessageID(t *testing.T) {
	srv, n := smtpNotifier(t, smtpPassword)
	f := newFixture(t)
	f.confirm()
	f.psa.RevokePermission("Service Tickets")
	rep, _ := f.in.Process(f.ctx, batch("x", "t-acme", 1))
	if len(rep.Notified) != 1 || rep.Notified[0].ID == "" {
		t.Fatalf("notified %+v", rep.Notified)
	}
	a := rep.Notified[0]
	other := a
	other.ID = "officeprotect-another"
	for _, x := range []officeprotect.Alert{a, a, other} {
		if err := n.Notify(f.ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d emails", len(msgs))
	}
	id := func(m officeprotecttest.SMTPMessage) string {
		for l := range strings.SplitSeq(m.Data, "\r\n") {
			if v, ok := strings.CutPrefix(l, "Message-ID: "); ok {
				return v
			}
		}
		return ""
	}
	if id(msgs[0]) == "" || id(msgs[0]) != id(msgs[1]) || id(msgs[0]) == id(msgs[2]) || !strings.Contains(id(msgs[0]), a.ID) {
		t.Errorf("Message-IDs %q %q %q", id(msgs[0]), id(msgs[1]), id(msgs[2]))
	}
}

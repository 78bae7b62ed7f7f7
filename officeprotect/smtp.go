package officeprotect

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// SMTPConfig is how SMTPNotifier reaches a mail server. Its String,
// GoString and Format never print the password.
type SMTPConfig struct {
	// Host is the mail server's host name (it is also the name the TLS
	// certificate must carry).
	Host string
	// Port defaults to 587 (submission with STARTTLS), or 465 with
	// ImplicitTLS.
	Port int
	// From is the sender address.
	From string
	// Username and Password, when Username is set, authenticate with
	// PLAIN, which net/smtp only sends over TLS or to localhost.
	Username string
	Password string
	// ImplicitTLS connects with TLS from the first byte (port 465)
	// instead of upgrading with STARTTLS.
	ImplicitTLS bool
	// TLSConfig overrides the TLS settings (for a private CA); ServerName
	// defaults to Host.
	TLSConfig *tls.Config
	// Timeout bounds one delivery when the context has no deadline;
	// 30 seconds by default.
	Timeout time.Duration
}

// Validate checks the configuration without touching the network and
// returns the first problem as a *bridge.ConfigError naming the field
// ("SMTP.Host").
func (c SMTPConfig) Validate() error {
	fail := func(field, problem string) error {
		return settingError("SMTP."+field, "", problem, nil)
	}
	switch {
	case strings.TrimSpace(c.Host) == "":
		return fail("Host", "is required")
	case c.Host != strings.TrimSpace(c.Host) || strings.ContainsAny(c.Host, " /:@"):
		return fail("Host", fmt.Sprintf("%q must be a bare host name, without spaces, scheme or port", c.Host))
	case c.Port < 0 || c.Port > 65535:
		return fail("Port", fmt.Sprintf("%d is not a TCP port", c.Port))
	case c.Username != strings.TrimSpace(c.Username):
		return fail("Username", "has leading or trailing whitespace")
	case c.Username != "" && c.Password == "":
		return fail("Password", "is required with a username")
	case c.Password != "" && c.Password != strings.TrimSpace(c.Password):
		return fail("Password", "has leading or trailing whitespace")
	}
	if a, err := mail.ParseAddress(c.From); err != nil || a.Name != "" || a.Address != c.From {
		return fail("From", fmt.Sprintf("%q must be a bare address such as alerts@example.com", c.From))
	}
	return nil
}

func (c SMTPConfig) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.ImplicitTLS:
		return 465
	}
	return 587
}

// String shows the configuration with the password redacted.
func (c SMTPConfig) String() string {
	pw := ""
	if c.Password != "" {
		pw = " password=REDACTED"
	}
	user := ""
	if c.Username != "" {
		user = " user=" + c.Username
	}
	return fmt.Sprintf("smtp://%s:%d from=%s%s%s", c.Host, c.port(), c.From, user, pw)
}

// GoString makes %#v as safe as %v.
func (c SMTPConfig) GoString() string { return "officeprotect.SMTPConfig{" + c.String() + "}" }

// Format makes every verb print the redacted form.
func (c SMTPConfig) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(c.GoString()))
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue keeps the password out of structured logs: without it slog's
// JSON handler marshals the fields and never calls Format.
func (c SMTPConfig) LogValue() slog.Value {
	pw := ""
	if c.Password != "" {
		pw = "REDACTED"
	}
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.port()),
		slog.String("from", c.From),
		slog.String("username", c.Username),
		slog.String("password", pw),
		slog.Bool("implicit_tls", c.ImplicitTLS),
	)
}

// SMTPNotifier sends emergency alerts by email with net/smtp. It uses
// STARTTLS whenever the server offers it and refuses to send to a server
// other than localhost without TLS, so neither the password nor the alert
// crosses a network in clear text.
type SMTPNotifier struct {
	// cfg sits behind a pointer: a caller's struct holding a notifier in
	// an unexported field prints its fields under %s, and the config holds
	// the SMTP password.
	cfg *SMTPConfig
}

// NewSMTPNotifier validates cfg and returns a notifier.
func NewSMTPNotifier(cfg SMTPConfig) (*SMTPNotifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTPNotifier{cfg: &cfg}, nil
}

// String identifies the notifier without the password.
func (n *SMTPNotifier) String() string { return "officeprotect.SMTPNotifier{" + n.cfg.String() + "}" }

// GoString makes %#v as safe as %v.
func (n *SMTPNotifier) GoString() string { return n.String() }

// Notify sends a as one plain-text email. The context bounds the whole
// conversation: cancelling it closes the connection at once.
func (n *SMTPNotifier) Notify(ctx context.Context, a Alert) error {
	if _, err := ValidateEmail(a.To); err != nil {
		return err
	}
	msg, err := n.message(a)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, n.cfg.Timeout)
		defer cancel()
	}
	addr := net.JoinHostPort(n.cfg.Host, strconv.Itoa(n.cfg.port()))
	tlsCfg := n.tlsConfig()
	var conn net.Conn
	if n.cfg.ImplicitTLS {
		d := &tls.Dialer{Config: tlsCfg}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("officeprotect: smtp: connecting to %s: %w", addr, err)
	}
	defer conn.Close()
	// Closing the connection when the context ends (cancelled or past
	// its deadline, which it always has here) interrupts any blocked
	// read or write at once, and makes the context's error the reason.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	err = n.send(conn, a.To, msg)
	if ctxErr := ctx.Err(); ctxErr != nil && err != nil {
		return fmt.Errorf("officeprotect: smtp: %w", ctxErr)
	}
	return err
}

func (n *SMTPNotifier) send(conn net.Conn, to string, msg []byte) error {
	c, err := smtp.NewClient(conn, n.cfg.Host)
	if err != nil {
		return fmt.Errorf("officeprotect: smtp: greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("officeprotect: smtp: EHLO: %w", err)
	}
	if !n.cfg.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(n.tlsConfig()); err != nil {
				return fmt.Errorf("officeprotect: smtp: STARTTLS: %w", err)
			}
		} else if !isLoopback(n.cfg.Host) {
			return errors.New("officeprotect: smtp: " + n.cfg.Host + " does not offer STARTTLS; refusing to send in clear text")
		}
	}
	if n.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", n.cfg.Username, n.cfg.Password, n.cfg.Host)); err != nil {
			return fmt.Errorf("officeprotect: smtp: authenticating as %s: %w", n.cfg.Username, err)
		}
	}
	if err := c.Mail(n.cfg.From); err != nil {
		return fmt.Errorf("officeprotect: smtp: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("officeprotect: smtp: RCPT TO %s: %w", to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("officeprotect: smtp: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("officeprotect: smtp: writing message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("officeprotect: smtp: message refused: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("officeprotect: smtp: QUIT: %w", err)
	}
	return nil
}

func (n *SMTPNotifier) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if n.cfg.TLSConfig != nil {
		cfg = n.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = n.cfg.Host
	}
	return cfg
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// message renders a as an RFC 5322 message. Header values are encoded,
// never pasted, so no alert text can inject a header.
func (n *SMTPNotifier) message(a Alert) ([]byte, error) {
	var id [12]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	subject := strings.Join(strings.Fields(a.Subject), " ")
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", n.cfg.From)
	fmt.Fprintf(&b, "To: %s\r\n", a.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	// The alert's ID makes a resend after a crash the same message.
	mid := hex.EncodeToString(id[:])
	if validMessageID(a.ID) {
		mid = a.ID
	}
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", mid, n.cfg.Host)
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(a.Body, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// validMessageID accepts the IDs alertFor makes (letters, digits, dashes),
// so no caller-made ID can break the header.
func validMessageID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

package officeprotecttest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
)

// SMTPMessage is one message an SMTPServer accepted.
type SMTPMessage struct {
	// From and To are the envelope addresses (MAIL FROM, RCPT TO).
	From string
	To   []string
	// Username is who authenticated, if anyone did.
	Username string
	// Data is the raw message, headers and body, as sent after DATA.
	Data string
}

// Subject returns the decoded Subject header.
func (m SMTPMessage) Subject() string {
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return ""
	}
	s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return msg.Header.Get("Subject")
	}
	return s
}

// Text returns the decoded body, with CRLF line ends turned into LF.
func (m SMTPMessage) Text() string {
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return ""
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, _ := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// SMTPOption configures an SMTPServer.
type SMTPOption func(*SMTPServer)

// WithSMTPAuth makes the server require AUTH PLAIN with these credentials
// before MAIL FROM.
func WithSMTPAuth(username, password string) SMTPOption {
	return func(s *SMTPServer) { s.user, s.pass = username, password }
}

// SMTPServer is a minimal SMTP server on 127.0.0.1 that keeps the messages
// it accepts, enough to test an SMTP client over a real connection. It
// offers no STARTTLS (clients allow clear text to loopback only).
type SMTPServer struct {
	// Host and Port are where the server listens.
	Host string
	Port int

	ln         net.Listener
	user, pass string

	mu    sync.Mutex
	msgs  []SMTPMessage
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// NewSMTPServer starts a server on a random loopback port. Close it when
// done.
func NewSMTPServer(opts ...SMTPOption) *SMTPServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("officeprotecttest: listening: " + err.Error())
	}
	addr := ln.Addr().(*net.TCPAddr)
	s := &SMTPServer{Host: addr.IP.String(), Port: addr.Port, ln: ln, conns: map[net.Conn]bool{}}
	for _, o := range opts {
		o(s)
	}
	s.wg.Add(1)
	go s.serve()
	return s
}

// Addr returns "host:port".
func (s *SMTPServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Messages returns the accepted messages, oldest first: empty, never nil,
// before the first.
func (s *SMTPServer) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SMTPMessage, len(s.msgs))
	copy(out, s.msgs)
	return out
}

// Close stops the server, drops open connections and waits for every
// goroutine it started.
func (s *SMTPServer) Close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *SMTPServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				_ = c.Close()
			}()
			s.session(c)
		})
	}
}

// session speaks just enough SMTP (RFC 5321) for net/smtp.
func (s *SMTPServer) session(c net.Conn) {
	r := bufio.NewReader(c)
	reply := func(lines ...string) bool {
		_, err := io.WriteString(c, strings.Join(lines, "\r\n")+"\r\n")
		return err == nil
	}
	if !reply("220 localhost ESMTP officeprotecttest") {
		return
	}
	var cur SMTPMessage
	authed := s.user == ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		ok := true
		switch strings.ToUpper(verb) {
		case "EHLO":
			ok = reply("250-localhost", "250-AUTH PLAIN", "250 8BITMIME")
		case "HELO":
			ok = reply("250 localhost")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, derr := base64.StdEncoding.DecodeString(resp)
			parts := bytes.Split(raw, []byte{0})
			if !strings.EqualFold(mech, "PLAIN") || derr != nil || len(parts) != 3 ||
				string(parts[1]) != s.user || string(parts[2]) != s.pass {
				ok = reply("535 5.7.8 Authentication credentials invalid")
				break
			}
			authed, cur.Username = true, string(parts[1])
			ok = reply("235 2.7.0 Authentication successful")
		case "MAIL":
			if !authed {
				ok = reply("530 5.7.0 Authentication required")
				break
			}
			cur.From = addrArg(arg)
			ok = reply("250 2.1.0 OK")
		case "RCPT":
			cur.To = append(cur.To, addrArg(arg))
			ok = reply("250 2.1.5 OK")
		case "DATA":
			if cur.From == "" || len(cur.To) == 0 {
				ok = reply("503 5.5.1 MAIL and RCPT first")
				break
			}
			if !reply("354 End data with <CR><LF>.<CR><LF>") {
				return
			}
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = data.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			cur = SMTPMessage{Username: cur.Username}
			ok = reply("250 2.0.0 OK queued")
		case "RSET":
			cur = SMTPMessage{Username: cur.Username}
			ok = reply("250 2.0.0 OK")
		case "NOOP":
			ok = reply("250 2.0.0 OK")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			ok = reply("502 5.5.2 Command not recognized")
		}
		if !ok {
			return
		}
	}
}

// addrArg extracts the address from "FROM:<a@b>" or "TO:<a@b> SIZE=1".
func addrArg(arg string) string {
	_, v, _ := strings.Cut(arg, ":")
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '>'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimPrefix(v, "<")
}

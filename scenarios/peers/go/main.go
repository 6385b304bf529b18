// harness-go-tls: Go's crypto/tls as a command peer of the conformance harness
// (scenarios/peers/go.toml). Standard library only.
//
//	harness-go-tls server -port P -cert CHAIN -key KEY [-ca ROOTS -clientauth request|require] ...
//	harness-go-tls client -connect HOST:PORT -servername NAME -ca ROOTS [-cert CHAIN -key KEY] ...
//
// Both modes print one line per fact, which the peer file's [read] patterns match:
//
//	handshake complete
//	version: TLS1.3
//	suite: TLS_AES_128_GCM_SHA256
//	alpn: h2                      (only when one was negotiated)
//	resumed: yes | resumed: no
//	alert sent: 42 (bad certificate)
//	alert received: 40 (handshake failure)
//	error: <Go's error text>
//
// The server serves every connection of a case with one tls.Config, so session tickets it
// issues on one connection resume the next (TLS 1.2 and 1.3). It prints what it receives
// and writes it back (echo). The client writes its stdin to the connection and prints what
// comes back; when stdin ends it sends close_notify and exits once the server has closed.
//
// Go 1.19 cannot set TLS 1.3 cipher suites or signature schemes, and a client session
// cannot be saved to a file: those cases are skipped by the peer file.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// list is a flag that may be repeated (-alpn h2 -alpn http/1.1).
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

var (
	mode       string
	port       = flag.Int("port", 0, "server: port to listen on (127.0.0.1)")
	connect    = flag.String("connect", "", "client: host:port to connect to")
	serverName = flag.String("servername", "", "client: SNI and the name the certificate must match")
	certFile   = flag.String("cert", "", "certificate chain PEM (leaf first)")
	keyFile    = flag.String("key", "", "private key PEM (PKCS#8)")
	caFile     = flag.String("ca", "", "trust anchors PEM (client: for the server; server: for client certificates)")
	minVer     = flag.String("min", "1.2", "lowest version: 1.2 or 1.3")
	maxVer     = flag.String("max", "1.3", "highest version: 1.2 or 1.3")
	suites     = flag.String("suites", "", "TLS 1.2 cipher suites, IANA names, comma-separated (Go cannot restrict TLS 1.3 suites)")
	groups     = flag.String("groups", "", "curve preferences, comma-separated: X25519,P256,P384,P521")
	clientAuth = flag.String("clientauth", "none", "server: none | request (verify if given) | require (and verify)")
	alpn       list
)

var outMu sync.Mutex

// say prints one line; lines of concurrent connections do not interleave.
func say(format string, args ...interface{}) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Printf(format+"\n", args...)
}

// raw prints received application data as it is, then ends the line.
func raw(b []byte) {
	if len(b) == 0 {
		return
	}
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(b)
	if b[len(b)-1] != '\n' {
		os.Stdout.Write([]byte("\n"))
	}
}

func fatal(format string, args ...interface{}) {
	say("error: "+format, args...)
	os.Exit(2)
}

func version(s string) uint16 {
	switch s {
	case "1.2":
		return tls.VersionTLS12
	case "1.3":
		return tls.VersionTLS13
	}
	fatal("unknown version %q (1.2 or 1.3)", s)
	return 0
}

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLS1.2"
	case tls.VersionTLS13:
		return "TLS1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// config builds the tls.Config both modes share from the flags.
// lookup maps each comma-separated name of list through byName, or stops naming the one
// it does not know.
func lookup[T any](byName map[string]T, list, what string) []T {
	var out []T
	for _, n := range strings.Split(list, ",") {
		id, ok := byName[n]
		if !ok {
			fatal("unknown %s %q", what, n)
		}
		out = append(out, id)
	}
	return out
}

func config() *tls.Config {
	cfg := &tls.Config{MinVersion: version(*minVer), MaxVersion: version(*maxVer), NextProtos: alpn}
	if *suites != "" {
		byName := map[string]uint16{}
		for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
			byName[s.Name] = s.ID
		}
		cfg.CipherSuites = lookup(byName, *suites, "cipher suite")
	}
	if *groups != "" {
		byName := map[string]tls.CurveID{"X25519": tls.X25519, "P256": tls.CurveP256, "P384": tls.CurveP384, "P521": tls.CurveP521}
		cfg.CurvePreferences = lookup(byName, *groups, "group")
	}
	if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fatal("loading %s / %s: %v", *certFile, *keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fatal("%v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			fatal("no certificate in %s", *caFile)
		}
		cfg.RootCAs, cfg.ClientCAs = pool, pool
	}
	return cfg
}

// alertIn returns the alert an error of crypto/tls carries: a *net.OpError whose Op is
// "local error" (this side sent it) or "remote error" (the peer sent it), holding a value
// of the unexported type tls.alert (a uint8).
func alertIn(err error, op string) (uint8, string, bool) {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == op && oe.Err != nil {
		if v := reflect.ValueOf(oe.Err); v.Kind() == reflect.Uint8 {
			return uint8(v.Uint()), strings.TrimPrefix(oe.Err.Error(), "tls: "), true
		}
	}
	return 0, "", false
}

// sentAlert returns the fatal alert this side sent on c. crypto/tls keeps it only in the
// unexported field Conn.out.err (set by sendAlert; the error Handshake returns is often
// another, e.g. the x509 one), so it is read by reflection. Field names of Go 1.19-1.22;
// should they change, nothing is reported and the harness reads plaintext alerts from the
// wire.
func sentAlert(c *tls.Conn) (uint8, string, bool) {
	f := reflect.ValueOf(c).Elem().FieldByName("out")
	if !f.IsValid() {
		return 0, "", false
	}
	f = f.FieldByName("err")
	if !f.IsValid() || f.Kind() != reflect.Interface || f.IsNil() {
		return 0, "", false
	}
	err, _ := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(error)
	return alertIn(err, "local error")
}

// report prints what ended a connection: the alerts either way and the error text.
func report(c *tls.Conn, err error) {
	if a, text, ok := sentAlert(c); ok {
		say("alert sent: %d (%s)", a, text)
	}
	if a, text, ok := alertIn(err, "remote error"); ok {
		say("alert received: %d (%s)", a, text)
	}
	say("error: %v", err)
}

// established prints the negotiated parameters. Go 1.19 does not say which group was
// used: the harness reads it from the plaintext ServerHello / ServerKeyExchange.
func established(c *tls.Conn) {
	st := c.ConnectionState()
	say("handshake complete")
	say("version: %s", versionName(st.Version))
	say("suite: %s", tls.CipherSuiteName(st.CipherSuite))
	if st.NegotiatedProtocol != "" {
		say("alpn: %s", st.NegotiatedProtocol)
	}
	if st.DidResume {
		say("resumed: yes")
	} else {
		say("resumed: no")
	}
}

// serveConn runs one server connection: handshake, then echo until the client closes.
func serveConn(tcp net.Conn, cfg *tls.Config) {
	c := tls.Server(tcp, cfg)
	// After an error the socket is closed as it is: tls.Conn.Close would still send a
	// close_notify after a fatal alert once the handshake had completed (RFC 8446 6.2: "both
	// parties MUST immediately close the connection").
	defer tcp.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if err := c.Handshake(); err != nil {
		report(c, err)
		return
	}
	established(c)
	buf := make([]byte, 1<<14)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			raw(buf[:n]) // the harness looks for the request in the output
			if _, werr := c.Write(buf[:n]); werr != nil {
				report(c, werr)
				return
			}
		}
		if err == io.EOF {
			say("peer closed (close_notify)")
			c.Close() // answers with close_notify
			return
		} else if err != nil {
			report(c, err)
			return
		}
	}
}

func server() {
	cfg := config()
	switch *clientAuth {
	case "none":
		cfg.ClientAuth = tls.NoClientCert
	case "request":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case "require":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		fatal("unknown -clientauth %q", *clientAuth)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fatal("%v", err)
	}
	say("listening on %s", ln.Addr())
	for {
		conn, err := ln.Accept()
		if err != nil {
			fatal("accept: %v", err)
		}
		go serveConn(conn, cfg)
	}
}

func client() {
	cfg := config()
	cfg.ServerName = *serverName
	tcp, err := net.Dial("tcp", *connect)
	if err != nil {
		fatal("%v", err)
	}
	c := tls.Client(tcp, cfg)
	if err := c.Handshake(); err != nil {
		report(c, err)
		tcp.Close() // no close_notify after a fatal alert (see serveConn)
		os.Exit(1)
	}
	established(c)
	// stdin -> connection; at its end close_notify (a half close: the echo may still come).
	// Not after a failure: CloseWrite would send close_notify after the fatal alert.
	var failed atomic.Bool
	go func() {
		if _, err := io.Copy(c, os.Stdin); err != nil {
			return // the read loop reports what went wrong
		}
		if !failed.Load() {
			c.CloseWrite()
		}
	}()
	buf := make([]byte, 1<<14)
	for {
		n, err := c.Read(buf)
		raw(buf[:n])
		if err == io.EOF {
			say("peer closed (close_notify)")
			break
		} else if err != nil {
			failed.Store(true)
			report(c, err)
			tcp.Close()
			os.Exit(1)
		}
	}
	c.Close()
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "client" && os.Args[1] != "server") {
		fmt.Fprintln(os.Stderr, "usage: harness-go-tls client|server [flags]")
		os.Exit(2)
	}
	mode = os.Args[1]
	flag.Var(&alpn, "alpn", "ALPN protocol, in preference order (repeat the flag)")
	flag.CommandLine.Parse(os.Args[2:])
	if mode == "server" {
		server()
	} else {
		client()
	}
}

// A TLS client and server on the JDK's own JSSE, for the harness's `java` command peer
// (scenarios/peers/java.toml). JDK 17 alone: no Maven, no third-party code.
//
//   java TlsShim server --port P --cert CHAIN.pem --key KEY.pem [--ca ROOTS.pem] [options]
//   java TlsShim client --connect HOST:PORT --servername NAME --ca ROOTS.pem [options]
//
// Options (lists are comma-separated, in preference order, in JSSE's spellings):
//   --protocols TLSv1.3,TLSv1.2   --suites TLS_AES_128_GCM_SHA256,...
//   --groups x25519,secp256r1     --sigalgs ecdsa_secp256r1_sha256,...
//   --alpn h2,http/1.1            --auth none|want|need (server)
//   --cert/--key on the client: the certificate it presents when asked.
//
// What it prints, one line each, for the peer file's [read] patterns:
//   shim: listening on 127.0.0.1:P                               (server ready)
//   shim: handshake complete: version=TLSv1.3 suite=... alpn=... resumed=yes|no
//   shim: sent alert: handshake_failure (diagnostic)            (from JSSE's debug log)
//   shim: error: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate
// and, raw, the application data it receives. The server echoes what it receives; the
// client sends its stdin once the handshake is complete, prints what comes back, and closes
// its side (close_notify) when stdin ends.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.security.*;
import java.security.cert.*;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.*;
import java.util.regex.*;
import javax.net.ssl.*;

public final class TlsShim {
    /** Everything goes to the real stdout, flushed per write, one writer at a time. */
    static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), true);

    static synchronized void say(String line) {
        OUT.println("shim: " + line);
        OUT.flush();
    }

    static synchronized void raw(byte[] b, int n) {
        OUT.write(b, 0, n);
        OUT.flush();
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1) usage("no mode");
        Map<String, String> a = new HashMap<>();
        for (int i = 1; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) usage("bad argument " + argv[i]);
            a.put(argv[i].substring(2), argv[++i]);
        }
        boolean server = argv[0].equals("server");
        if (!server && !argv[0].equals("client")) usage("mode must be client or server");

        // JDK 17 has no SSLParameters.setNamedGroups (JDK 20) and no per-socket signature
        // schemes: both come from system properties, read once when JSSE first initialises,
        // so they are set here, before any TLS class is touched.
        if (a.containsKey("groups")) System.setProperty("jdk.tls.namedGroups", a.get("groups"));
        if (a.containsKey("sigalgs")) {
            System.setProperty(server ? "jdk.tls.server.SignatureSchemes"
                    : "jdk.tls.client.SignatureSchemes", a.get("sigalgs"));
        }
        // JSSE says which alert it sends only in its debug log ("Fatal (HANDSHAKE_FAILURE):
        // ..."). With just "ssl" the log is short; stderr is filtered down to those lines.
        // "ssl,handshake" adds the handshake messages, for the peer's CertificateVerify
        // scheme (encrypted in TLS 1.3, and not in JSSE's API).
        System.setProperty("javax.net.debug", "ssl,handshake");
        if (System.getenv("SHIM_RAW_DEBUG") == null) System.setErr(new PrintStream(new AlertFilter(), true));

        try {
            SSLContext ctx = context(a); // a certificate JSSE cannot parse fails here
            if (server) serve(ctx, a); else connect(ctx, a);
        } catch (Exception e) {
            fail(e);
            System.exit(1);
        }
    }

    static void usage(String why) {
        say("error: usage: " + why);
        System.exit(2);
    }

    // ---- key material -------------------------------------------------------------------

    /** An SSLContext with our chain and key (when given) and the roots to verify the peer. */
    static SSLContext context(Map<String, String> a) throws Exception {
        KeyManager[] kms = null;
        if (a.containsKey("cert") && a.containsKey("key")) {
            List<X509Certificate> chain = certs(a.get("cert"));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "shim".toCharArray();
            ks.setKeyEntry("me", privateKey(a.get("key")), pw, chain.toArray(new X509Certificate[0]));
            // JSSE's default key manager (SunX509, per java.security): it picks the key by
            // type and sends its chain whatever signed it (RFC 8446 4.4.2.2: a chain "of
            // its choice" when none fits the peer's list). PKIX would send no certificate.
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            kms = kmf.getKeyManagers();
        }
        TrustManager[] tms = null;
        if (a.containsKey("ca")) {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (X509Certificate c : certs(a.get("ca"))) ts.setCertificateEntry("ca" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
            tms = tmf.getTrustManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kms, tms, null);
        return ctx;
    }

    /** Every certificate in a PEM file, in order (leaf first for a chain). */
    static List<X509Certificate> certs(String path) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        try (InputStream in = new FileInputStream(path)) {
            List<X509Certificate> out = new ArrayList<>();
            for (java.security.cert.Certificate c : cf.generateCertificates(in)) out.add((X509Certificate) c);
            if (out.isEmpty()) throw new IOException("no certificate in " + path);
            return out;
        }
    }

    /** A PKCS#8 PEM key ("BEGIN PRIVATE KEY"); the algorithm is whichever factory takes it. */
    static PrivateKey privateKey(String path) throws Exception {
        String pem = new String(java.nio.file.Files.readAllBytes(new File(path).toPath()), StandardCharsets.US_ASCII);
        Matcher m = Pattern.compile("-----BEGIN PRIVATE KEY-----([^-]*)-----END PRIVATE KEY-----").matcher(pem);
        if (!m.find()) throw new IOException(path + ": no PKCS#8 PRIVATE KEY block");
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String alg : new String[] {"EC", "RSA", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IOException(path + ": no key factory accepts this key");
    }

    // ---- connection settings ------------------------------------------------------------

    static String[] list(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toArray(String[]::new);
    }

    /** Protocols, suites and ALPN on a socket's parameters (groups/sigalgs: see main). */
    static void configure(SSLParameters p, Map<String, String> a) {
        if (a.containsKey("protocols")) p.setProtocols(list(a.get("protocols")));
        if (a.containsKey("suites")) p.setCipherSuites(list(a.get("suites")));
        if (a.containsKey("alpn")) p.setApplicationProtocols(list(a.get("alpn")));
    }

    /** The handshake's outcome as one line. `since`: when this connection began (ms). */
    static void report(SSLSocket s, long since) {
        SSLSession ss = s.getSession();
        String alpn = s.getApplicationProtocol();
        // Resumed: the session predates this connection. A resumed TLS 1.2 session is the
        // cached one; a TLS 1.3 PSK (or a ticket) restores the original's creation time,
        // while its session id is new, so the id alone cannot tell.
        boolean resumed = ss.getCreationTime() < since;
        say("handshake complete: version=" + ss.getProtocol() + " suite=" + ss.getCipherSuite()
                + " alpn=" + (alpn == null || alpn.isEmpty() ? "none" : alpn)
                + " resumed=" + (resumed ? "yes" : "no")
                + " session=" + hex(ss.getId()));
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.length() == 0 ? "-" : sb.toString();
    }

    /** The failure, with its causes (JSSE names a received alert in the message). */
    static void fail(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" | caused by ").append(c);
        }
        say("error: " + sb.toString().replace('\n', ' '));
    }

    // ---- server -------------------------------------------------------------------------

    /** Serves connections until killed, each on its own thread; echoes what it receives. */
    static void serve(SSLContext ctx, Map<String, String> a) throws Exception {
        int port = Integer.parseInt(a.getOrDefault("port", "0"));
        SSLServerSocket ls = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(port, 16, InetAddress.getByName("127.0.0.1"));
        SSLParameters p = ls.getSSLParameters();
        configure(p, a);
        String auth = a.getOrDefault("auth", "none");
        if (auth.equals("need")) p.setNeedClientAuth(true);
        else if (auth.equals("want")) p.setWantClientAuth(true);
        ls.setSSLParameters(p);
        say("listening on 127.0.0.1:" + ls.getLocalPort());
        while (true) {
            SSLSocket s = (SSLSocket) ls.accept();
            long since = System.currentTimeMillis();
            Thread t = new Thread(() -> serveOne(s, since));
            t.setDaemon(true);
            t.start();
        }
    }

    static void serveOne(SSLSocket s, long since) {
        try (SSLSocket sock = s) {
            sock.setSoTimeout(20000);
            sock.startHandshake();
            report(sock, since);
            InputStream in = sock.getInputStream();
            OutputStream out = sock.getOutputStream();
            byte[] buf = new byte[16384];
            for (int n; (n = in.read(buf)) > 0; ) {
                raw(buf, n);
                out.write(buf, 0, n);
                out.flush();
            }
            say("peer closed");
        } catch (Exception e) {
            fail(e);
        }
    }

    // ---- client -------------------------------------------------------------------------

    /** Connects, sends stdin, prints what it receives; close_notify once stdin ends. */
    static void connect(SSLContext ctx, Map<String, String> a) throws Exception {
        String hp = a.get("connect");
        if (hp == null) usage("--connect HOST:PORT");
        int colon = hp.lastIndexOf(':');
        String host = hp.substring(0, colon);
        int port = Integer.parseInt(hp.substring(colon + 1));
        String name = a.getOrDefault("servername", host);
        long since = System.currentTimeMillis();
        Socket tcp = new Socket(host, port);
        tcp.setTcpNoDelay(true);
        // The name given here is the one the certificate is checked against (HTTPS rules).
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(tcp, name, port, true);
        SSLParameters p = s.getSSLParameters();
        configure(p, a);
        p.setEndpointIdentificationAlgorithm("HTTPS");
        try {
            p.setServerNames(List.of(new SNIHostName(name)));
        } catch (IllegalArgumentException e) {
            say("no SNI: " + e.getMessage()); // an IP address or a name SNI cannot carry
        }
        s.setSSLParameters(p);
        s.setSoTimeout(20000);
        s.startHandshake();
        report(s, since);

        // stdin -> TLS on a thread; when stdin ends, our side closes (close_notify).
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[16384];
                for (int n; (n = System.in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                s.shutdownOutput();
            } catch (Exception e) {
                // the reader reports the connection's failure
            }
        });
        writer.setDaemon(true);
        writer.start();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[16384];
        for (int n; (n = in.read(buf)) > 0; ) raw(buf, n);
        say("peer closed");
        s.close();
    }

    // ---- sent alerts from JSSE's debug log ----------------------------------------------

    /**
     * stderr, line by line: JSSE's debug records are dropped except two facts.
     * "Fatal (ALERT): ..." is logged as JSSE sends a fatal alert (and also as it *receives*
     * one, with the diagnostic "Received fatal alert: ...": no alert is sent then).
     * "Consuming ... CertificateVerify handshake message" is followed by the peer's
     * "signature algorithm" (our own, "Produced ...", is not reported).
     */
    static final class AlertFilter extends OutputStream {
        static final Pattern FATAL = Pattern.compile("Fatal \\(([A-Z_]+)\\): (.*)");
        static final Pattern SCHEME = Pattern.compile("\"signature algorithm\": (\\w+)");
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean peerVerify;

        @Override public synchronized void write(int b) {
            if (b != '\n') {
                line.write(b);
                return;
            }
            String l = line.toString(StandardCharsets.UTF_8);
            line.reset();
            Matcher m = FATAL.matcher(l);
            if (m.find() && !m.group(2).startsWith("Received fatal alert")) {
                say("sent alert: " + m.group(1).toLowerCase(Locale.ROOT) + " (" + m.group(2) + ")");
            } else if (l.contains("CertificateVerify handshake message")) {
                peerVerify = l.contains("Consuming");
            } else if (peerVerify && (m = SCHEME.matcher(l)).find()) {
                say("peer signature: " + m.group(1));
                peerVerify = false;
            }
        }

        @Override public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }
    }
}

//! The server choices of `harness serve`: `--peer own` interoperates with TLS 1.2 clients
//! that do not offer extended_master_secret (RFC 7627 5.3 lets a server refuse them "if it
//! does not wish to interoperate with legacy clients"; a test server should interoperate),
//! and refuses them with handshake_failure under `--require-ems`; `--tickets N` makes own,
//! rustls and OpenSSL send N TLS 1.3 session tickets.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, UnixTime};
use tls_engine::{AlertDescription, ClientConfig, Connection, ProtocolVersion};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../certs/fixtures/ecdsa_p256")
}

/// Our engine as a client of `version` that trusts the fixtures' root.
fn client_config(version: ProtocolVersion) -> ClientConfig {
    let mut c = ClientConfig {
        versions: vec![version],
        server_name: Some("localhost".into()),
        ..ClientConfig::default()
    };
    c.roots = CertificateDer::pem_file_iter(fixtures().join("root.pem"))
        .expect("root.pem")
        .map(|r| r.expect("root"))
        .collect();
    c
}

/// A TLS 1.2 handshake by our engine without extended_master_secret, then an HTTP request:
/// the answer, or the error.
fn legacy_client(port: u16) -> Result<Vec<u8>, tls_engine::Error> {
    let mut c = client_config(ProtocolVersion::TLSv1_2);
    c.knobs
        .set("skip_extended_master_secret", "true")
        .expect("knob");
    http_client(c, port).map(|(answer, _)| answer)
}

/// A handshake by our engine with `c`, then an HTTP request: the answer and the number of
/// session tickets received, or the error.
fn http_client(c: ClientConfig, port: u16) -> Result<(Vec<u8>, usize), tls_engine::Error> {
    let mut tickets = 0;
    let mut conn = Connection::client(Arc::new(c), UnixTime::now())?;
    let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0u8; 16 * 1024];
    let mut sent = false;
    let mut answer = Vec::new();
    loop {
        let out = conn.take_output();
        if !out.is_empty() {
            sock.write_all(&out).expect("write");
        }
        if !conn.is_handshaking() && !sent {
            conn.send_application_data(b"GET / HTTP/1.0\r\n\r\n")?;
            sent = true;
            continue;
        }
        let n = sock.read(&mut buf).expect("read");
        if n == 0 {
            conn.handle_eof().ok();
            return Ok((answer, tickets));
        }
        conn.handle_input(&buf[..n], UnixTime::now())?;
        while let Some(e) = conn.poll_event() {
            match e {
                tls_engine::Event::ApplicationData(d) => answer.extend_from_slice(&d),
                tls_engine::Event::NewTicket(_) => tickets += 1,
                tls_engine::Event::PeerClosed => {
                    conn.send_close_notify();
                    let _ = sock.write_all(&conn.take_output());
                    return Ok((answer, tickets));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn serve_takes_legacy_tls12_clients_unless_told_to_require_ems() {
    let (_g, port) = common::harness_serve("own", "ecdsa_p256", &[]);
    let answer = legacy_client(port).expect("serve interoperates with a client without EMS");
    assert!(
        answer.starts_with(b"HTTP/1.0 200"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );

    let (_g, port) = common::harness_serve("own", "ecdsa_p256", &["--require-ems"]);
    let e = legacy_client(port).expect_err("--require-ems refuses it");
    assert_eq!(
        e.alert_received(),
        Some(AlertDescription::HandshakeFailure),
        "{e}"
    );
}

#[test]
fn serve_sends_as_many_tickets_as_told() {
    for peer in ["own", "rustls", "openssl"] {
        for n in [0usize, 3] {
            let (_g, port) =
                common::harness_serve(peer, "ecdsa_p256", &["--tickets", &n.to_string()]);
            let (answer, tickets) = http_client(client_config(ProtocolVersion::TLSv1_3), port)
                .unwrap_or_else(|e| panic!("{peer} --tickets {n}: {e}"));
            assert!(
                answer.starts_with(b"HTTP/1.0 200"),
                "{peer}: {:?}",
                String::from_utf8_lossy(&answer)
            );
            assert_eq!(tickets, n, "{peer} --tickets {n}");
        }
    }
}

#[test]
fn tickets_is_refused_for_a_peer_that_cannot_be_told() {
    let out = common::harness()
        .args([
            "serve",
            "--port",
            "0",
            "--peer",
            "gnutls",
            "--tickets",
            "1",
            "--cert",
        ])
        .arg(common::fixtures("ecdsa_p256").join("server-chain.pem"))
        .arg("--key")
        .arg(common::fixtures("ecdsa_p256").join("server.key.pem"))
        .output()
        .expect("run harness serve");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--tickets"), "{err}");
}

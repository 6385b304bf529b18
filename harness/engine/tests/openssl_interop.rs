//! Interoperability with the system OpenSSL (3.0), in memory through a non-blocking pipe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::Arc;

use common::*;
use openssl::pkey::PKey;
use openssl::ssl::{
    HandshakeError, MidHandshakeSslStream, Ssl, SslContext, SslContextBuilder, SslMethod, SslStream, SslVerifyMode,
    SslVersion,
};
use openssl::x509::X509;
use tls_engine::{AlertDescription, CipherSuite, ClientAuth, Connection, NamedGroup};

#[derive(Default, Debug)]
struct Pipe {
    inbound: VecDeque<u8>,
    outbound: Vec<u8>,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.inbound.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.inbound.len());
        for (i, b) in self.inbound.drain(..n).enumerate() {
            buf[i] = b;
        }
        Ok(n)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbound.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Ossl {
    Hs(MidHandshakeSslStream<Pipe>),
    Done(SslStream<Pipe>),
    Failed(String),
}

impl Ossl {
    fn start(r: Result<SslStream<Pipe>, HandshakeError<Pipe>>) -> Self {
        match r {
            Ok(s) => Ossl::Done(s),
            Err(HandshakeError::WouldBlock(m)) => Ossl::Hs(m),
            Err(e) => Ossl::Failed(e.to_string()),
        }
    }
    fn pipe(&mut self) -> Option<&mut Pipe> {
        match self {
            Ossl::Hs(m) => Some(m.get_mut()),
            Ossl::Done(s) => Some(s.get_mut()),
            Ossl::Failed(_) => None,
        }
    }
    fn stream(&mut self) -> &mut SslStream<Pipe> {
        match self {
            Ossl::Done(s) => s,
            Ossl::Hs(_) => panic!("OpenSSL still handshaking"),
            Ossl::Failed(e) => panic!("OpenSSL failed: {e}"),
        }
    }
}

/// Drive until idle; returns data OpenSSL read after its handshake.
fn drive_openssl(ours: &mut Side, o: &mut Ossl) -> Vec<u8> {
    let mut read = Vec::new();
    for _ in 0..100 {
        let out = ours.conn.take_output();
        let mut moved = !out.is_empty();
        if let Some(p) = o.pipe() {
            p.inbound.extend(out);
        }
        let st = std::mem::replace(o, Ossl::Failed(String::new()));
        *o = match st {
            Ossl::Hs(m) => match m.handshake() {
                Ok(s) => Ossl::Done(s),
                Err(HandshakeError::WouldBlock(m)) => Ossl::Hs(m),
                Err(e) => Ossl::Failed(e.to_string()),
            },
            Ossl::Done(mut s) => {
                let mut buf = [0u8; 4096];
                loop {
                    match s.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => read.extend_from_slice(&buf[..n]),
                        Err(_) => break,
                    }
                }
                Ossl::Done(s)
            }
            f => f,
        };
        let back = o.pipe().map(|p| std::mem::take(&mut p.outbound)).unwrap_or_default();
        moved |= !back.is_empty();
        if !back.is_empty() && ours.err.is_none()
            && let Err(e) = ours.conn.handle_input(&back, now()) {
                ours.err = Some(e);
            }
        while let Some(e) = ours.conn.poll_event() {
            ours.events.push(e);
        }
        if !moved {
            break;
        }
    }
    read
}

fn openssl_suite(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        _ => "TLS_AES_128_GCM_SHA256",
    }
}

fn openssl_group(g: NamedGroup) -> &'static str {
    match g {
        NamedGroup::Secp256r1 => "P-256",
        NamedGroup::Secp384r1 => "P-384",
        _ => "X25519",
    }
}

const SUITES: [CipherSuite; 3] =
    [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384, CipherSuite::TLS_CHACHA20_POLY1305_SHA256];
const GROUPS: [NamedGroup; 3] = [NamedGroup::X25519, NamedGroup::Secp256r1, NamedGroup::Secp384r1];
const KEYS: [&str; 4] = ["ecdsa_p256", "ecdsa_p384", "rsa2048", "ed25519"];

fn ctx_base(method: SslMethod, kind: &str) -> SslContextBuilder {
    let mut b = SslContext::builder(method).unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    b.set_max_proto_version(Some(SslVersion::TLS1_3)).unwrap();
    for r in roots(kind) {
        b.cert_store_mut().add_cert(X509::from_der(&r).unwrap()).unwrap();
    }
    b
}

fn set_identity(b: &mut SslContextBuilder, kind: &str, server: bool) {
    let m = certs::materials(kind).unwrap();
    let id = if server { &m.server } else { &m.client };
    b.set_certificate(&X509::from_der(&id.chain[0]).unwrap()).unwrap();
    for c in &id.chain[1..] {
        b.add_extra_chain_cert(X509::from_der(c).unwrap()).unwrap();
    }
    b.set_private_key(&PKey::private_key_from_pkcs8(id.key.secret_pkcs8_der()).unwrap()).unwrap();
}

fn openssl_server(kind: &str, suite: &str, groups: &str, client_auth: bool) -> SslContext {
    let mut b = ctx_base(SslMethod::tls_server(), kind);
    set_identity(&mut b, kind, true);
    b.set_ciphersuites(suite).unwrap();
    b.set_groups_list(groups).unwrap();
    if client_auth {
        b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    }
    b.set_session_id_context(b"tls-engine-test").unwrap();
    b.build()
}

fn openssl_client(kind: &str, suite: &str, groups: &str, client_auth: bool) -> Ssl {
    let mut b = ctx_base(SslMethod::tls_client(), kind);
    b.set_ciphersuites(suite).unwrap();
    b.set_groups_list(groups).unwrap();
    b.set_verify(SslVerifyMode::PEER);
    if client_auth {
        set_identity(&mut b, kind, false);
    }
    let mut ssl = Ssl::new(&b.build()).unwrap();
    ssl.set_hostname("localhost").unwrap();
    ssl.param_mut().set_host("localhost").unwrap();
    ssl
}

#[test]
fn our_client_openssl_server_grid() {
    for kind in KEYS {
        for suite in SUITES {
            for group in GROUPS {
                let ctx = openssl_server(kind, openssl_suite(suite), openssl_group(group), false);
                let mut o = Ossl::start(Ssl::new(&ctx).unwrap().accept(Pipe::default()));
                let mut cc = client_config(kind);
                cc.cipher_suites = vec![suite];
                cc.groups = vec![group];
                cc.key_share_groups = vec![group];
                let mut c = Side::new(Connection::client(Arc::new(cc), now()).unwrap());
                drive_openssl(&mut c, &mut o);
                assert!(c.err.is_none(), "{kind} {suite} {group}: {:?}", c.err);
                assert!(matches!(o, Ossl::Done(_)), "{kind} {suite} {group}: openssl not done");
                let n = c.conn.negotiated().unwrap();
                assert_eq!((n.cipher_suite, n.group), (suite, Some(group)));
                c.conn.send_application_data(b"hello openssl").unwrap();
                o.stream().write_all(b"hello engine").unwrap();
                let got = drive_openssl(&mut c, &mut o);
                assert_eq!(got, b"hello openssl");
                assert_eq!(c.app_data(), b"hello engine");
                assert!(!c.tickets().is_empty(), "OpenSSL sends tickets");
            }
        }
    }
}

#[test]
fn openssl_client_our_server_grid() {
    for kind in KEYS {
        for suite in SUITES {
            for group in GROUPS {
                let ssl = openssl_client(kind, openssl_suite(suite), openssl_group(group), false);
                let mut o = Ossl::start(ssl.connect(Pipe::default()));
                let mut s = Side::new(Connection::server(Arc::new(server_config(kind)), now()).unwrap());
                let first = std::mem::take(&mut o.pipe().unwrap().outbound);
                s.conn.handle_input(&first, now()).unwrap();
                drive_openssl(&mut s, &mut o);
                assert!(s.err.is_none(), "{kind} {suite} {group}: {:?}", s.err);
                assert!(matches!(o, Ossl::Done(_)), "{kind} {suite} {group}: openssl not done");
                let n = s.conn.negotiated().unwrap();
                assert_eq!((n.cipher_suite, n.group), (suite, Some(group)));
                s.conn.send_application_data(b"hello openssl").unwrap();
                o.stream().write_all(b"hello engine").unwrap();
                let got = drive_openssl(&mut s, &mut o);
                assert_eq!(got, b"hello openssl");
                assert_eq!(s.app_data(), b"hello engine");
            }
        }
    }
}

#[test]
fn openssl_hrr_client_auth_resumption_keyupdate() {
    // HRR: our client shares x25519, OpenSSL server only P-384
    let ctx = openssl_server("ecdsa_p384", "TLS_AES_256_GCM_SHA384", "P-384", true);
    let mut o = Ossl::start(Ssl::new(&ctx).unwrap().accept(Pipe::default()));
    let mut cc = client_config("ecdsa_p384");
    cc.key_share_groups = vec![NamedGroup::X25519];
    cc.client_auth = Some(client_identity("ecdsa_p384"));
    let cc = Arc::new(cc);
    let mut c = Side::new(Connection::client(cc.clone(), now()).unwrap());
    drive_openssl(&mut c, &mut o);
    assert!(c.err.is_none(), "{:?}", c.err);
    let n = c.conn.negotiated().unwrap();
    assert!(n.hrr);
    assert_eq!(n.group, Some(NamedGroup::Secp384r1));
    assert!(o.stream().ssl().peer_certificate().is_some());
    // KeyUpdate requested by us, answered by OpenSSL
    c.conn.request_key_update(true).unwrap();
    c.conn.send_application_data(b"after update").unwrap();
    assert_eq!(drive_openssl(&mut c, &mut o), b"after update");
    o.stream().write_all(b"reply").unwrap();
    drive_openssl(&mut c, &mut o);
    assert_eq!(c.app_data(), b"reply");
    // resumption with the ticket OpenSSL sent
    let ticket = c.tickets().pop().expect("ticket");
    let mut cc2 = (*cc).clone();
    cc2.resumption = Some(ticket);
    let mut o = Ossl::start(Ssl::new(&ctx).unwrap().accept(Pipe::default()));
    let mut c = Side::new(Connection::client(Arc::new(cc2), now()).unwrap());
    drive_openssl(&mut c, &mut o);
    assert!(c.err.is_none(), "{:?}", c.err);
    assert!(c.conn.negotiated().unwrap().resumed);
    assert!(o.stream().ssl().session_reused());

    // OpenSSL client with a certificate, our server requires one; HRR from our server
    let ssl = openssl_client("ed25519", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256", "X25519:P-256", true);
    let mut o = Ossl::start(ssl.connect(Pipe::default()));
    let mut sc = server_config("ed25519");
    sc.groups = vec![NamedGroup::Secp256r1];
    sc.client_auth = ClientAuth::Required { roots: roots("ed25519") };
    sc.send_cookie_on_hrr = true;
    let mut s = Side::new(Connection::server(Arc::new(sc), now()).unwrap());
    let first = std::mem::take(&mut o.pipe().unwrap().outbound);
    s.conn.handle_input(&first, now()).unwrap();
    drive_openssl(&mut s, &mut o);
    assert!(s.err.is_none(), "{:?}", s.err);
    let n = s.conn.negotiated().unwrap();
    assert!(n.hrr && !n.peer_certificates.is_empty());

    // OpenSSL client without a certificate -> certificate_required
    let ssl = openssl_client("ecdsa_p256", "TLS_AES_128_GCM_SHA256", "X25519", false);
    let mut o = Ossl::start(ssl.connect(Pipe::default()));
    let mut sc = server_config("ecdsa_p256");
    sc.client_auth = ClientAuth::Required { roots: roots("ecdsa_p256") };
    let mut s = Side::new(Connection::server(Arc::new(sc), now()).unwrap());
    let first = std::mem::take(&mut o.pipe().unwrap().outbound);
    s.conn.handle_input(&first, now()).unwrap();
    drive_openssl(&mut s, &mut o);
    assert_eq!(s.err.as_ref().map(|e| e.alert_sent), Some(Some(AlertDescription::CertificateRequired)));
}

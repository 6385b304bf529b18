//! The `fuzzing` build of the engine (BoringSSL's fuzzer mode): records are sealed with the
//! null cipher and every signature, chain, Finished and binder verifies, so the fuzz targets
//! reach every parser. Only compiled with `--features fuzzing` (`cargo xtask test` runs it).
#![cfg(feature = "fuzzing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use tls_engine::{Connection, ProtocolVersion};

#[test]
fn the_fuzzing_build_says_so() {
    assert!(tls_engine::FUZZING);
}

/// Handshakes complete in both versions, and what would be encrypted is on the wire in the
/// clear: the server's certificate and the application data.
#[test]
fn handshakes_complete_with_plaintext_records() {
    for v in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let mut cc = client_config("ecdsa_p256");
        let mut sc = server_config("ecdsa_p256");
        cc.versions = vec![v];
        sc.versions = vec![v];
        let leaf = sc.cert.chain[0].to_vec();
        let mut c = Connection::client(std::sync::Arc::new(cc), now()).unwrap();
        let mut s = Connection::server(std::sync::Arc::new(sc), now()).unwrap();
        let mut from_server = Vec::new();
        for _ in 0..10 {
            let out = c.take_output();
            if !out.is_empty() {
                s.handle_input(&out, now()).unwrap();
            }
            let out = s.take_output();
            from_server.extend_from_slice(&out);
            if !out.is_empty() {
                c.handle_input(&out, now()).unwrap();
            }
        }
        assert!(!c.is_handshaking() && !s.is_handshaking(), "{v:?}");
        s.send_application_data(b"plain as day").unwrap();
        from_server.extend_from_slice(&s.take_output());
        let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(
            contains(&from_server, &leaf),
            "{v:?}: the certificate is on the wire in the clear"
        );
        assert!(
            contains(&from_server, b"plain as day"),
            "{v:?}: application data in the clear"
        );
    }
}

/// What a real build refuses goes through: a wrong Finished, a bad CertificateVerify.
#[test]
fn checks_pass() {
    for knob in ["send_wrong_finished", "bad_certificate_verify"] {
        let mut sc = server_config("ecdsa_p256");
        sc.knobs.set(knob, "true").unwrap();
        handshake_ok(client_config("ecdsa_p256"), sc);
    }
}

#![allow(clippy::unwrap_used)]
//! `--seed` replay: a case between seeded peers (own, rustls) with an Ed25519 certificate
//! sends the same bytes in both directions when run again with the same seed, and other bytes
//! with another seed; cases with randomness the seed does not drive say so.

mod common;

use harness::model::{Direction, Role};
use harness::peer::{Capture, case_seed, side_seed};
use harness::run::{self, Case};
use reports::{CaseResult, Verdict};

use common::{peer, quick, variants};

/// TLS 1.3 with resumption (tickets, the clock, a PSK) and TLS 1.2 with resumption, both with
/// client authentication, Ed25519 certificates and one EC group, so no ML-KEM is involved.
fn replayable() -> String {
    [
        common::handshake_completes(
            "replay::tls13",
            "TLS 1.3, Ed25519, resumption, client authentication",
            "RFC 8446 2",
            &[
                r#"setup = { versions = ["TLS1.3"], cert = "ed25519", resumption = true, client_auth = "required" }"#,
                r#"matrix.group = ["x25519", "secp256r1", "secp384r1"]"#,
            ],
        ),
        common::handshake_completes(
            "replay::tls12",
            "TLS 1.2, Ed25519, resumption",
            "RFC 5246 7.3",
            &[
                r#"setup = { versions = ["TLS1.2"], cert = "ed25519", resumption = true, group = "x25519" }"#,
            ],
        ),
    ]
    .concat()
}

/// Each connection's two byte streams: what the client sent, what it received.
type Streams = Vec<(Vec<u8>, Vec<u8>)>;

fn streams(capture: &Capture) -> Streams {
    capture
        .connections
        .iter()
        .map(|conn| {
            let mut sent = Vec::new();
            let mut received = Vec::new();
            for (d, bytes) in conn {
                match d {
                    Direction::Sent => sent.extend_from_slice(bytes),
                    Direction::Received => received.extend_from_slice(bytes),
                }
            }
            (sent, received)
        })
        .collect()
}

fn cases(toml: &str, names: &[&str]) -> Vec<Case> {
    let peers: Vec<_> = names.iter().map(|n| peer(n)).collect();
    run::expand(&variants(toml), &peers)
}

fn run_seeded(case: &Case, seed: u64) -> (CaseResult, Streams) {
    let (result, capture) = run::run_case_seeded(case, &quick(), seed);
    (result, streams(&capture))
}

#[test]
fn case_seed_is_a_fixed_function_of_run_seed_and_id() {
    // SHA-256 based: the same on every platform and in every run, shard or order.
    assert_eq!(
        case_seed(0, "interop::tls13/own->rustls/aes128gcm-x25519-ed25519"),
        0x995e_1da2_aa87_1519
    );
    assert_eq!(
        case_seed(7, "interop::tls13/own->rustls/aes128gcm-x25519-ed25519"),
        0x9b9b_fb6f_a152_82d9
    );
    assert_ne!(case_seed(0, "a"), case_seed(1, "a"));
    assert_ne!(case_seed(0, "a"), case_seed(0, "b"));
    let s = case_seed(0, "a");
    assert_ne!(side_seed(s, Role::Client), side_seed(s, Role::Server));
}

#[test]
fn own_and_rustls_replay_byte_identically_from_the_seed() {
    let all = cases(&replayable(), &["own", "rustls"]);
    assert_eq!(all.len(), 16, "4 variants x 4 pairings");
    let mut firsts = Vec::new();
    for case in &all {
        let (first, bytes) = run_seeded(case, 42);
        assert_eq!(
            first.verdict,
            Verdict::Pass,
            "{}: {:?}",
            case.id,
            first.reason
        );
        assert_eq!(
            first.replayable,
            Some(true),
            "{}: {:?}",
            case.id,
            first.unseeded
        );
        assert!(
            first.unseeded.is_empty(),
            "{}: {:?}",
            case.id,
            first.unseeded
        );
        assert_eq!(
            bytes.len(),
            2,
            "{}: two connections (the second resumes)",
            case.id
        );
        assert!(
            bytes.iter().all(|(s, r)| !s.is_empty() && !r.is_empty()),
            "{}",
            case.id
        );
        firsts.push((first, bytes));
    }
    // Past the next second of the real clock: tickets carry times, which the seeded peers
    // take from the fixed case clock.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for (case, (first, bytes)) in all.iter().zip(&firsts) {
        let (again, bytes_again) = run_seeded(case, 42);
        assert_eq!(
            again.verdict,
            Verdict::Pass,
            "{}: {:?}",
            case.id,
            again.reason
        );
        for (n, (a, b)) in bytes.iter().zip(&bytes_again).enumerate() {
            assert!(
                a.0 == b.0,
                "{}: connection {}: the client's bytes differ with the same seed",
                case.id,
                n + 1
            );
            assert!(
                a.1 == b.1,
                "{}: connection {}: the server's bytes differ with the same seed",
                case.id,
                n + 1
            );
        }
        assert_eq!(first.transcript, again.transcript, "{}", case.id);

        let (other, bytes_other) = run_seeded(case, 43);
        assert_eq!(
            other.verdict,
            Verdict::Pass,
            "{}: {:?}",
            case.id,
            other.reason
        );
        let (a, b) = (&bytes[0], &bytes_other[0]);
        assert!(
            a.0 != b.0,
            "{}: another seed, the same ClientHello",
            case.id
        );
        assert!(
            a.1 != b.1,
            "{}: another seed, the same server bytes",
            case.id
        );
    }
}

fn not_replayable() -> String {
    [
        common::handshake_completes(
            "replay::ecdsa",
            "ECDSA certificate",
            "RFC 8446 2",
            &[r#"setup = { versions = ["TLS1.3"], cert = "ecdsa_p256", group = "x25519" }"#],
        ),
        common::handshake_completes(
            "replay::mlkem",
            "Ed25519 certificate, X25519MLKEM768",
            "RFC 8446 2",
            &[r#"setup = { versions = ["TLS1.3"], cert = "ed25519", group = "X25519MLKEM768" }"#],
        ),
        common::handshake_completes(
            "replay::openssl",
            "Ed25519 certificate, x25519",
            "RFC 8446 2",
            &[r#"setup = { versions = ["TLS1.3"], cert = "ed25519", group = "x25519" }"#],
        ),
    ]
    .concat()
}

/// The first TLS record of a stream (header and payload).
fn first_record(stream: &[u8]) -> &[u8] {
    let len = usize::from(u16::from_be_bytes([stream[3], stream[4]]));
    &stream[..5 + len]
}

fn find<'a>(all: &'a [Case], id: &str) -> &'a Case {
    all.iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

#[test]
fn cases_the_seed_does_not_drive_say_why() {
    let all = cases(&not_replayable(), &["own", "rustls", "openssl"]);

    // ECDSA: aws-lc draws the nonce itself; the bytes do differ with the same seed.
    let case = find(&all, "replay::ecdsa/rustls->own");
    let (r, bytes) = run_seeded(case, 42);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.reason);
    assert_eq!(r.replayable, Some(false));
    assert_eq!(r.unseeded.len(), 1, "{:?}", r.unseeded);
    assert!(
        r.unseeded[0].starts_with("ECDSA signatures of the server"),
        "{:?}",
        r.unseeded
    );
    let (_, again) = run_seeded(case, 42);
    assert_eq!(
        first_record(&bytes[0].0),
        first_record(&again[0].0),
        "the ClientHello is seeded"
    );
    assert_eq!(
        first_record(&bytes[0].1),
        first_record(&again[0].1),
        "the ServerHello is seeded"
    );
    assert_ne!(
        bytes[0].1, again[0].1,
        "the server's CertificateVerify is not"
    );

    // ML-KEM: keys and encapsulations come from aws-lc's own RNG, in both seeded peers.
    for id in ["replay::mlkem/own->rustls", "replay::mlkem/rustls->own"] {
        let (r, _) = run_seeded(find(&all, id), 42);
        assert_eq!(r.verdict, Verdict::Pass, "{id}: {:?}", r.reason);
        assert_eq!(r.replayable, Some(false), "{id}");
        assert!(
            r.unseeded.iter().any(|u| u.starts_with("X25519MLKEM768")),
            "{id}: {:?}",
            r.unseeded
        );
    }

    // OpenSSL cannot be seeded; the seeded side still is.
    let (r, _) = run_seeded(find(&all, "replay::openssl/own->openssl"), 42);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.reason);
    assert_eq!(r.replayable, Some(false));
    assert_eq!(
        r.unseeded,
        vec!["openssl (server): OpenSSL 3.0's DRBG has no seeded mode".to_string()]
    );

    // The same Ed25519 / x25519 case between seeded peers replays.
    let (r, _) = run_seeded(find(&all, "replay::openssl/rustls->own"), 42);
    assert_eq!(
        (r.verdict, r.replayable),
        (Verdict::Pass, Some(true)),
        "{:?}",
        r.unseeded
    );
}

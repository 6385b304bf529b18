//! Negative tests: wire mutations of one message, and the alert RFC 8446 names for each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rstest::rstest;
use tls_engine::{AlertDescription as A, CipherSuite, NamedGroup};
use tls_wire::{
    Codec, CompressionMethod, DecodeCtx, Deframer, Extension, ExtensionType, HandshakeMessage,
    HandshakePayload, Record,
};

/// Mutate the handshake message in the first record of `bytes` (one message per record).
fn mutate_first(bytes: &[u8], f: impl FnOnce(&mut HandshakeMessage)) -> Vec<u8> {
    let mut d = Deframer::new();
    d.push(bytes);
    let rec = d.next_record().unwrap().unwrap();
    let used = 5 + rec.payload.len();
    let mut msg = HandshakeMessage::decode_with(&rec.payload, &DecodeCtx::TLS13).unwrap();
    f(&mut msg);
    let mut out = Record::new(rec.content_type, rec.legacy_version, msg.to_bytes()).to_bytes();
    out.extend_from_slice(&bytes[used..]);
    out
}

fn sh_exts(m: &mut HandshakeMessage) -> &mut Vec<Extension> {
    match &mut m.payload {
        HandshakePayload::ServerHello(sh) => &mut sh.extensions,
        HandshakePayload::ClientHello(ch) => &mut ch.extensions,
        _ => panic!("not a hello"),
    }
}

/// `side` refuses `flight`, its peer's first flight with the first message mutated by `f`;
/// returns the alert it sent.
fn refuses(side: &mut Side, flight: &[u8], f: impl FnOnce(&mut HandshakeMessage)) -> A {
    let out = mutate_first(flight, f);
    let e = side
        .conn
        .handle_input(&out, now())
        .expect_err("must reject");
    e.alert().expect("an alert")
}

/// The side of a pair that is fed its peer's mutated first flight.
#[derive(Clone, Copy)]
enum Who {
    Client,
    Server,
}

/// Run `who` on its peer's first flight (the server's, or the ClientHello) mutated by `f`;
/// return the alert it sent.
fn rejects(
    who: Who,
    cc: tls_engine::ClientConfig,
    sc: tls_engine::ServerConfig,
    f: impl FnOnce(&mut HandshakeMessage),
) -> A {
    let (mut c, mut s) = pair(cc, sc);
    match who {
        Who::Server => refuses(&mut s, &c.conn.take_output(), f),
        Who::Client => {
            transfer(&mut c, &mut s);
            let alert = refuses(&mut c, &s.conn.take_output(), f);
            assert!(!c.conn.take_output().is_empty(), "alert queued");
            alert
        }
    }
}

// The TLS 1.3 rules: both sides TLS 1.3 only (TLS 1.2 rules are in tls12.rs).
fn cc() -> tls_engine::ClientConfig {
    let mut c = client_config("ecdsa_p256");
    c.versions = vec![tls_engine::ProtocolVersion::TLSv1_3];
    c
}
fn sc() -> tls_engine::ServerConfig {
    let mut s = server_config("ecdsa_p256");
    s.versions = vec![tls_engine::ProtocolVersion::TLSv1_3];
    s
}

/// A mutation of a hello, typed for the case tables.
fn edit(f: fn(&mut HandshakeMessage)) -> fn(&mut HandshakeMessage) {
    f
}

/// Drops the extensions of type `typ` from a hello.
fn drop_ext(m: &mut HandshakeMessage, typ: ExtensionType) {
    sh_exts(m).retain(|e| e.typ() != typ);
}

fn server_hello(m: &mut HandshakeMessage) -> &mut tls_wire::ServerHello {
    match &mut m.payload {
        HandshakePayload::ServerHello(sh) => sh,
        _ => panic!("not a ServerHello"),
    }
}

/// What our client refuses in a ServerHello (RFC 8446 section in the comment), and its alert.
#[rstest]
// 4.2: duplicate extensions
#[case::duplicate_extension(edit(|m| {
    let e = sh_exts(m)[0].clone();
    sh_exts(m).push(e)
}), A::IllegalParameter)]
// 4.1.3: legacy_compression_method must be 0
#[case::compression(edit(|m| server_hello(m).compression_method = CompressionMethod::Deflate),
    A::IllegalParameter)]
// 4.1.3: legacy_session_id_echo must match
#[case::session_id_echo(edit(|m| server_hello(m).session_id = vec![1, 2, 3]), A::IllegalParameter)]
// 4.2.1: no supported_versions -> a TLS 1.2 ServerHello, which we do not offer
#[case::no_supported_versions(edit(|m| drop_ext(m, ExtensionType::SupportedVersions)),
    A::ProtocolVersion)]
// 4.2: extension not offered -> unsupported_extension
#[case::unoffered_extension(edit(|m| sh_exts(m).push(Extension::Alpn(vec![b"h2".to_vec()]))),
    A::UnsupportedExtension)]
// 4.2: offered extension not allowed in ServerHello -> illegal_parameter
#[case::extension_not_for_server_hello(
    edit(|m| sh_exts(m).push(Extension::SupportedGroups(vec![NamedGroup::X25519]))),
    A::IllegalParameter)]
// 4.2.8: key share for a group the client did not share
#[case::key_share_for_another_group(edit(|m| for e in sh_exts(m).iter_mut() {
    if let Extension::KeyShareServer(k) = e {
        k.group = NamedGroup::Secp256r1;
    }
}), A::IllegalParameter)]
// 4.2.8: no key_share
#[case::no_key_share(edit(|m| drop_ext(m, ExtensionType::KeyShare)), A::MissingExtension)]
// 4.2.11: pre_shared_key selected though none was offered -> unsupported_extension (not offered)
#[case::unoffered_psk(edit(|m| sh_exts(m).push(Extension::PreSharedKeyServer(0))),
    A::UnsupportedExtension)]
fn server_hello_rules(#[case] f: fn(&mut HandshakeMessage), #[case] alert: A) {
    assert_eq!(rejects(Who::Client, cc(), sc(), f), alert);
}

#[test]
fn server_hello_with_an_unoffered_suite_is_illegal_parameter() {
    // 4.1.3: cipher suite not offered
    let mut c1 = cc();
    c1.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
    assert_eq!(
        rejects(Who::Client, c1, sc(), |m| server_hello(m).cipher_suite =
            CipherSuite::TLS_AES_256_GCM_SHA384),
        A::IllegalParameter
    );
}

fn hrr_configs() -> (tls_engine::ClientConfig, tls_engine::ServerConfig) {
    let mut c = cc();
    c.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1];
    c.key_share_groups = vec![NamedGroup::X25519];
    let mut s = sc();
    s.groups = vec![NamedGroup::Secp256r1];
    (c, s)
}

fn set_hrr_group(m: &mut HandshakeMessage, g: NamedGroup) {
    for e in sh_exts(m).iter_mut() {
        if let Extension::KeyShareHrr(x) = e {
            *x = g;
        }
    }
}

#[test]
fn hello_retry_request_rules() {
    // 4.1.4: selected_group already offered a key share
    let (c, s) = hrr_configs();
    assert_eq!(
        rejects(Who::Client, c, s, |m| set_hrr_group(m, NamedGroup::X25519)),
        A::IllegalParameter
    );
    // 4.1.4: selected_group not in supported_groups
    let (c, s) = hrr_configs();
    assert_eq!(
        rejects(Who::Client, c, s, |m| set_hrr_group(
            m,
            NamedGroup::Secp384r1
        )),
        A::IllegalParameter
    );
    // 4.1.4: an HRR that would not change the ClientHello
    let (c, s) = hrr_configs();
    assert_eq!(
        rejects(Who::Client, c, s, |m| drop_ext(m, ExtensionType::KeyShare)),
        A::IllegalParameter
    );
    // 4.1.4: a second HelloRetryRequest
    let (c, s) = hrr_configs();
    let (mut c, mut s) = pair(c, s);
    transfer(&mut c, &mut s);
    let hrr = s.conn.take_output();
    c.conn.handle_input(&hrr, now()).unwrap();
    let e = c.conn.handle_input(&hrr, now()).unwrap_err();
    assert_eq!(e.alert(), Some(A::UnexpectedMessage));
}

#[test]
fn second_client_hello_rules() {
    // 4.2.2: the cookie must be echoed
    let (c, mut s) = hrr_configs();
    s.send_cookie_on_hrr = true;
    let (mut c, mut s) = pair(c, s);
    transfer(&mut c, &mut s);
    transfer(&mut s, &mut c);
    let ch2 = c.conn.take_output();
    // skip the client's CCS record (6 bytes) in front of ClientHello2
    assert_eq!(&ch2[..6], &[20, 3, 3, 0, 1, 1]);
    let bad = mutate_first(&ch2[6..], |m| drop_ext(m, ExtensionType::Cookie));
    let e = s.conn.handle_input(&bad, now()).unwrap_err();
    assert_eq!(e.alert(), Some(A::IllegalParameter));

    // 4.1.2: ClientHello2 must carry a key share for the selected group
    let (c, s) = hrr_configs();
    let (mut c, mut s) = pair(c, s);
    transfer(&mut c, &mut s);
    transfer(&mut s, &mut c);
    let ch2 = c.conn.take_output();
    let bad = mutate_first(&ch2[6..], |m| {
        for e in sh_exts(m).iter_mut() {
            if let Extension::KeyShareClient(v) = e {
                for k in v.iter_mut() {
                    k.group = NamedGroup::X25519;
                    k.key_exchange = vec![9; 32];
                }
            }
        }
    });
    let e = s.conn.handle_input(&bad, now()).unwrap_err();
    assert_eq!(e.alert(), Some(A::IllegalParameter));
}

/// What our server refuses in a ClientHello (RFC 8446 section in the comment), and its alert.
#[rstest]
// 4.1.2: legacy_compression_methods must be exactly [null]
#[case::compression(edit(|m| if let HandshakePayload::ClientHello(ch) = &mut m.payload {
    ch.compression_methods = vec![CompressionMethod::Null, CompressionMethod::Deflate]
}), A::IllegalParameter)]
// 4.2: duplicate extension
#[case::duplicate_extension(edit(|m| {
    let e = sh_exts(m)[1].clone();
    sh_exts(m).insert(0, e)
}), A::IllegalParameter)]
// 4.2.1: no supported_versions -> TLS 1.2 client, not implemented
#[case::no_supported_versions(edit(|m| drop_ext(m, ExtensionType::SupportedVersions)),
    A::ProtocolVersion)]
// 4.2.8: key share for a group not in supported_groups
#[case::key_share_outside_supported_groups(edit(|m| for e in sh_exts(m).iter_mut() {
    if let Extension::SupportedGroups(g) = e {
        *g = vec![NamedGroup::Secp256r1];
    }
}), A::IllegalParameter)]
// 9.2: signature_algorithms is mandatory without PSK
#[case::no_signature_algorithms(edit(|m| drop_ext(m, ExtensionType::SignatureAlgorithms)),
    A::MissingExtension)]
// 9.2: key_share without supported_groups
#[case::no_supported_groups(edit(|m| drop_ext(m, ExtensionType::SupportedGroups)),
    A::MissingExtension)]
fn client_hello_rules(#[case] f: fn(&mut HandshakeMessage), #[case] alert: A) {
    assert_eq!(rejects(Who::Server, cc(), sc(), f), alert);
}

#[test]
fn client_hello_psk_rules() {
    // 4.2.11: pre_shared_key must be the last extension
    let (c, _s) = handshake_ok(cc(), sc());
    let mut c2 = cc();
    c2.resumption = Some(c.tickets()[0].clone());
    assert_eq!(
        rejects(Who::Server, c2, sc(), |m| {
            let psk = sh_exts(m).pop().unwrap();
            sh_exts(m).insert(0, psk);
        }),
        A::IllegalParameter
    );
    // 4.2.9: pre_shared_key without psk_key_exchange_modes
    let mut c3 = cc();
    c3.resumption = Some(c.tickets()[0].clone());
    assert_eq!(
        rejects(Who::Server, c3, sc(), |m| drop_ext(
            m,
            ExtensionType::PskKeyExchangeModes
        )),
        A::MissingExtension
    );
}

/// Record-layer input a fresh server refuses, with the alert it sends.
#[rstest]
#[case::plaintext_application_data(&[23, 3, 3, 0, 2, 1, 2], A::UnexpectedMessage)]
#[case::zero_length_handshake_record(&[22, 3, 3, 0, 0], A::UnexpectedMessage)]
#[case::malformed_handshake_message(&[22, 3, 1, 0, 5, 1, 0, 0, 1, 0xff], A::DecodeError)]
#[case::first_message_not_client_hello(&[22, 3, 3, 0, 5, 20, 0, 0, 1, 0], A::UnexpectedMessage)]
#[case::unknown_content_type(&[99, 3, 3, 0, 1, 0], A::UnexpectedMessage)]
fn record_layer_rules(#[case] input: &[u8], #[case] alert: A) {
    let (_c, mut s) = pair(cc(), sc());
    let e = s.conn.handle_input(input, now()).unwrap_err();
    assert_eq!(e.alert(), Some(alert));
}

#[test]
fn a_fatal_alert_from_the_peer_ends_the_server_silently() {
    let (_c, mut s) = pair(cc(), sc());
    let e = s
        .conn
        .handle_input(&[21, 3, 3, 0, 2, 2, 40], now())
        .unwrap_err();
    assert_eq!(e.alert_received(), Some(A::HandshakeFailure));
    assert_eq!(e.alert(), None);
    assert!(s.conn.take_output().is_empty());
}

#[test]
fn early_data_is_skipped_not_accepted() {
    let (mut c, mut s) = pair(cc(), sc());
    let ch = mutate_first(&c.conn.take_output(), |m| {
        sh_exts(m).push(Extension::EarlyData)
    });
    s.conn.handle_input(&ch, now()).unwrap();
    assert!(!s.conn.take_output().is_empty());
    // an undecryptable "early data" record is skipped
    let mut rec = vec![23, 3, 3, 0, 100];
    rec.extend([0x5a; 100]);
    s.conn.handle_input(&rec, now()).unwrap();
    assert!(
        s.conn
            .transcript()
            .iter()
            .any(|e| e.summary.contains("early data skipped"))
    );
    let _ = &mut c;
}

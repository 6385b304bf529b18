//! Unit tests of the mutations.

use super::*;
use crate::{
    CipherSuite, ClientHello, Codec, DecodeCtx, Extension, HandshakeMessage, HandshakePayload,
    KeyShareEntry, NamedGroup, ProtocolVersion, ServerNameEntry,
};

fn sample_ch() -> Vec<u8> {
    let ch = ClientHello {
        random: [0x11; 32],
        session_id: vec![0x22; 4],
        cipher_suites: vec![
            CipherSuite::TLS_AES_128_GCM_SHA256,
            CipherSuite::TLS_AES_256_GCM_SHA384,
        ],
        extensions: vec![
            Extension::ServerName(vec![ServerNameEntry::host_name(b"a.test".to_vec())]),
            Extension::SupportedVersionsClient(vec![ProtocolVersion::TLSv1_3]),
            Extension::SupportedGroups(vec![NamedGroup::X25519]),
            Extension::KeyShareClient(vec![KeyShareEntry::new(NamedGroup::X25519, vec![0x33; 4])]),
        ],
        ..ClientHello::default()
    };
    HandshakeMessage::new(HandshakePayload::ClientHello(ch)).to_bytes()
}

fn sample_sh() -> Vec<u8> {
    let sh = crate::ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: [0x44; 32],
        session_id: vec![0x22; 4],
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        compression_method: crate::CompressionMethod::Null,
        extensions: vec![
            Extension::SupportedVersionsServer(ProtocolVersion::TLSv1_3),
            Extension::KeyShareServer(KeyShareEntry::new(NamedGroup::X25519, vec![0x55; 4])),
        ],
        extensions_present: true,
    };
    HandshakeMessage::new(HandshakePayload::ServerHello(sh)).to_bytes()
}

fn mutated(base: &[u8], spec: &str) -> String {
    let muts = Mutation::parse_list(spec).expect("spec parses");
    let mut b = base.to_vec();
    apply_all(&muts, &mut b).expect("applies");
    hex::encode(b)
}

/// A snapshot line per spec: `{label}{spec}`, then `base` mutated by it (hex, indented).
fn mutated_lines(label: &str, base: &[u8], specs: &[&str]) -> Vec<String> {
    specs
        .iter()
        .map(|s| format!("{label}{s}\n  {}", mutated(base, s)))
        .collect()
}

#[test]
fn no_op_roundtrips() {
    let ch = sample_ch();
    let mut b = ch.clone();
    apply_all(
        &[Mutation::ReverseExtensions, Mutation::ReverseExtensions],
        &mut b,
    )
    .expect("applies");
    assert_eq!(b, ch);
    let sh = sample_sh();
    let mut b = sh.clone();
    apply_all(
        &[Mutation::SetBytes {
            offset: 0,
            bytes: vec![3, 3],
        }],
        &mut b,
    )
    .expect("applies");
    assert_eq!(b, sh);
}

#[test]
fn structural_mutations_decode() {
    let ch = sample_ch();
    for spec in [
        "drop_extension:key_share",
        "duplicate_extension:supported_groups",
        "move_extension:server_name:last",
        "add_extension:0x0a0a:-",
        "set_cipher_suites:0x0a0a,0x1301",
        "set_legacy_version:0x0301",
        "pad_extension:100",
    ] {
        let muts = Mutation::parse_list(spec).expect("parses");
        let mut b = ch.clone();
        apply_all(&muts, &mut b).expect("applies");
        HandshakeMessage::decode_with(&b, &DecodeCtx::TLS13)
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
    }
}

#[test]
fn pad_to_reaches_exact_size() {
    let mut b = sample_ch();
    apply_all(&[Mutation::PadTo(16384)], &mut b).expect("applies");
    assert_eq!(b.len(), 16384);
}

#[test]
fn lies_wrap_in_width() {
    assert_eq!(Lie::Delta(-1).value(0, 1), 255);
    assert_eq!(Lie::Delta(1).value(255, 1), 0);
    assert_eq!(Lie::Max.value(3, 3), 0xff_ffff);
    assert_eq!(Lie::Set(0x1_0001).value(0, 2), 1);
}

#[test]
fn parse_errors_name_the_problem() {
    for (spec, says) in [
        ("drop_extension:nonsense", "not an extension name"),
        ("length:bogus:+1", "not a length field"),
        ("extension_length:key_share:+x", "not a length lie"),
        ("frobnicate", "unknown operation"),
        ("set_random:00", "32 bytes"),
        ("fragment:0", "1..=65535"),
    ] {
        let e = Mutation::parse(spec).expect_err(spec);
        assert!(e.to_string().contains(says), "{spec}: {e}");
    }
}

#[test]
fn wrong_message_kind_is_an_error() {
    let fin = HandshakeMessage::new(HandshakePayload::Finished(vec![1; 32])).to_bytes();
    let mut b = fin.clone();
    assert!(apply_all(&[Mutation::SetLegacyVersion(0x0300)], &mut b).is_err());
    assert!(apply_all(&[Mutation::Truncate(Boundary::Random)], &mut b).is_err());
    apply_all(&[Mutation::Truncate(Boundary::Bytes(5))], &mut b).expect("applies");
    assert_eq!(b.len(), 9);
}

#[test]
fn record_plan_collects_record_ops() {
    let muts = Mutation::parse_list(
        "fragment:1; record_version:0x0300; record_before:20:01; record_after:99:-",
    )
    .expect("parses");
    let p = RecordPlan::of(&muts);
    assert_eq!(p.fragment, Some(1));
    assert_eq!(p.version, Some(0x0300));
    assert_eq!(p.before, vec![(20, vec![1])]);
    assert_eq!(p.after, vec![(99, vec![])]);
    let mut b = sample_ch();
    let orig = b.clone();
    apply_all(&muts, &mut b).expect("applies");
    assert_eq!(b, orig);
}

#[test]
fn snapshots_client_hello() {
    let ch = sample_ch();
    let specs = [
        "set_legacy_version:0x0300",
        "set_random_tail:444f574e47524401",
        "set_session_id:-",
        "set_session_id_len:33",
        "set_cipher_suites:",
        "set_compression:0,1",
        "drop_extension:supported_versions",
        "duplicate_extension:key_share",
        "move_extension:key_share:first",
        "reverse_extensions",
        "add_extension:0x0a0a:-",
        "add_extension_first:heartbeat:01",
        "set_extension:server_name:-",
        "drop_extensions_block",
        "empty_extensions",
        "length:handshake:+1",
        "length:handshake:max",
        "length:session_id:-1",
        "length:cipher_suites:0",
        "length:compression_methods:max",
        "length:extensions:+1",
        "extension_length:server_name:-1",
        "inner_length:key_share:0:2:+1",
        "inner_length:server_name:3:2:=300",
        "insert_extension_data:supported_groups:2:0a0a; inner_length:supported_groups:0:2:+2",
        "truncate:header",
        "truncate:legacy_version",
        "truncate:random",
        "truncate:session_id",
        "truncate:cipher_suites",
        "truncate:compression_methods",
        "truncate:extensions_length",
        "truncate:extension:supported_versions",
        "truncate:bytes:10",
        "pad_extension:8",
        "append:deadbeef",
        "set_bytes:0:0304",
        "set_random:0000000000000000000000000000000000000000000000000000000000000000",
        "move_extension:key_share:1",
        "pad_to:200",
        "add_extension:alpn:0003026832",
        "length:handshake:-1",
        "truncate:compression_methods",
    ];
    let lines = mutated_lines("", &ch, &specs);
    insta::assert_snapshot!(
        "mutate_client_hello",
        format!("base\n  {}\n{}", hex::encode(&ch), lines.join("\n"))
    );
}

#[test]
fn snapshots_server_hello_and_others() {
    let specs = [
        "set_cipher_suites:0x1304",
        "set_compression:1",
        "set_session_id:0102",
        "set_random_tail:444f574e47524401",
        "set_extension:supported_versions:0302",
        "set_extension:key_share:001e0000",
        "drop_extension:key_share",
        "add_extension:server_name:-",
        "truncate:cipher_suites",
        "extension_length:key_share:+1",
    ];
    let mut lines = mutated_lines("", &sample_sh(), &specs);
    let ee = HandshakeMessage::new(HandshakePayload::EncryptedExtensions(vec![
        Extension::ServerName(vec![]),
    ]))
    .to_bytes();
    lines.extend(mutated_lines(
        "ee ",
        &ee,
        &[
            "duplicate_extension:server_name",
            "length:extensions:-1",
            "add_extension:key_share:001d",
        ],
    ));
    let fin = HandshakeMessage::new(HandshakePayload::Finished(vec![7; 8])).to_bytes();
    lines.extend(mutated_lines(
        "finished ",
        &fin,
        &[
            "truncate:bytes:4",
            "length:handshake:-1",
            "append:00",
            "set_body:-",
        ],
    ));
    insta::assert_snapshot!("mutate_server_messages", lines.join("\n"));
}

#[test]
fn each_operation_is_defined_once_and_its_arity_error_gives_its_usage() {
    for (i, o) in OPS.iter().enumerate() {
        assert_eq!(OPERATIONS[i], o.name);
        assert_eq!(
            OPS.iter().filter(|p| p.name == o.name).count(),
            1,
            "{} twice",
            o.name
        );
        assert!(
            !o.doc.is_empty() && !o.usage.is_empty(),
            "{} undocumented",
            o.name
        );
        if let Some(n) = o.arity {
            // One argument too many is refused with the usage.
            let text = format!("{}{}", o.name, ":x".repeat(n + 1));
            let e = Mutation::parse(&text).unwrap_err();
            assert!(e.message.contains(o.usage), "{text}: {e}");
        }
    }
    let e = Mutation::parse("no_such_op:1").unwrap_err();
    assert!(
        e.message.contains("unknown operation `no_such_op`") && e.message.contains("pad_to"),
        "{e}"
    );
}

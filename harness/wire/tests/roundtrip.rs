//! Round trips of every message kind: decode(encode(m)) == m and re-encoding is
//! byte-identical, also inside records and through the joiner.
#![allow(clippy::unwrap_used)]

mod common;

use rstest::rstest;
use tls_wire::*;

fn sample(name: &str) -> (HandshakeMessage, DecodeCtx) {
    let (_, m, c) = common::samples()
        .into_iter()
        .find(|(n, _, _)| *n == name)
        .unwrap();
    (m, c)
}

#[rstest]
fn message_roundtrip(
    #[values(
        "hello_request",
        "client_hello_tls13",
        "client_hello_tls12",
        "client_hello_no_extensions",
        "client_hello_empty_extensions",
        "server_hello_tls13",
        "hello_retry_request",
        "server_hello_tls12",
        "server_hello_tls12_no_extensions",
        "new_session_ticket",
        "new_session_ticket_tls12",
        "end_of_early_data",
        "encrypted_extensions",
        "certificate_tls13",
        "certificate_tls12",
        "server_key_exchange",
        "certificate_request_tls13",
        "certificate_request_tls12",
        "server_hello_done",
        "certificate_verify",
        "client_key_exchange",
        "finished",
        "key_update",
        "message_hash",
        "unknown"
    )]
    name: &str,
) {
    let (m, ctx) = sample(name);
    let bytes = m.to_bytes();
    let (typ, len) = decode_handshake_header(&bytes).unwrap();
    assert_eq!(typ, m.typ);
    assert_eq!(len as usize + 4, bytes.len());
    let back = HandshakeMessage::decode_with(&bytes, &ctx).unwrap();
    assert_eq!(back, m, "{name}");
    assert_eq!(back.to_bytes(), bytes, "{name}");
    // Every strict prefix fails to decode, never panics.
    for cut in 0..bytes.len() {
        assert!(
            HandshakeMessage::decode_with(&bytes[..cut], &ctx).is_err(),
            "{name} cut {cut}"
        );
    }
    // Trailing byte is an error.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(HandshakeMessage::decode_with(&longer, &ctx).is_err());
}

#[test]
fn every_sample_in_records_and_joiner() {
    let samples = common::samples();
    for ctx in [DecodeCtx::TLS12, DecodeCtx::TLS13] {
        let mut flight = Vec::new();
        let wanted: Vec<_> = samples.iter().filter(|s| s.2 == ctx).collect();
        for (_, m, _) in &wanted {
            m.encode(&mut flight);
        }
        // Split the flight into records of 100 bytes, then deframe byte by byte.
        let mut wire = Vec::new();
        for chunk in flight.chunks(100) {
            Record::new(
                ContentType::Handshake,
                ProtocolVersion::TLSv1_2,
                chunk.to_vec(),
            )
            .encode(&mut wire);
        }
        let mut d = Deframer::new();
        let mut j = HandshakeJoiner::new();
        let mut got = Vec::new();
        for b in &wire {
            d.push(std::slice::from_ref(b));
            while let Some(rec) = d.next_record().unwrap() {
                assert_eq!(rec.content_type, ContentType::Handshake);
                j.push(&rec.payload);
                while let Some(raw) = j.next_message().unwrap() {
                    got.push(raw);
                }
            }
        }
        assert!(d.is_empty() && j.is_empty());
        assert_eq!(got.len(), wanted.len());
        for (raw, (name, m, _)) in got.iter().zip(&wanted) {
            assert_eq!(
                &HandshakeMessage::decode_with(raw, &ctx).unwrap(),
                m,
                "{name}"
            );
            assert_eq!(raw, &m.to_bytes());
        }
    }
}

#[test]
fn hrr_detected_by_random() {
    let (m, ctx) = sample("hello_retry_request");
    let back = HandshakeMessage::decode_with(&m.to_bytes(), &ctx).unwrap();
    let HandshakePayload::ServerHello(sh) = back.payload else {
        panic!()
    };
    assert!(sh.is_hrr());
    assert_eq!(sh.hrr_group(), Some(NamedGroup::Secp256r1));
    assert_eq!(sh.cookie().map(<[u8]>::len), Some(32));
}

#[test]
fn tls12_and_tls13_forms_differ() {
    // A TLS 1.2 Certificate read as TLS 1.3 is a different shape (or an error), never a panic.
    let (m, _) = sample("certificate_tls12");
    let bytes = m.to_bytes();
    if let Ok(other) = HandshakeMessage::decode_with(&bytes, &DecodeCtx::TLS13) {
        assert_eq!(other.to_bytes(), bytes);
    }
    let (m, _) = sample("new_session_ticket");
    let as12 = HandshakeMessage::decode_with(&m.to_bytes(), &DecodeCtx::TLS12);
    assert!(
        as12.is_err(),
        "TLS 1.3 ticket has trailing bytes in TLS 1.2 form"
    );
}

#[test]
fn accessors() {
    let ch = common::client_hello_tls13();
    assert_eq!(
        ch.supported_versions(),
        Some(&[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2][..])
    );
    assert_eq!(ch.key_shares().unwrap()[0].group, NamedGroup::X25519);
    assert_eq!(ch.server_name(), Some(&b"localhost"[..]));
    assert!(ch.psk_is_last());
    assert_eq!(ch.duplicate_extension(), None);
    let mut dup = ch.clone();
    dup.extensions
        .insert(0, Extension::SupportedGroups(vec![NamedGroup::X25519]));
    assert_eq!(
        dup.duplicate_extension(),
        Some(ExtensionType::SupportedGroups)
    );
    // Duplicates survive a round trip, in order.
    let m = HandshakeMessage::new(HandshakePayload::ClientHello(dup.clone()));
    let back = HandshakeMessage::decode_with(&m.to_bytes(), &DecodeCtx::TLS13).unwrap();
    assert_eq!(back.payload, HandshakePayload::ClientHello(dup));
}

#[test]
fn partial_client_hello_for_binders() {
    let m = HandshakeMessage::new(HandshakePayload::ClientHello(common::client_hello_tls13()));
    let full = m.to_bytes();
    let partial = m.partial_client_hello().unwrap();
    // binders: 2-byte list length, 1-byte binder length, 32 bytes.
    assert_eq!(full.len() - partial.len(), 2 + 1 + 32);
    assert_eq!(&full[..partial.len()], &partial[..]);
    assert_eq!(&full[partial.len()..partial.len() + 3], &[0, 33, 32]);
}

#[test]
fn invalid_values_can_be_built_and_encoded() {
    // Over-long session id, no suites, no compression: encodes, decode rejects the empty lists.
    let ch = ClientHello {
        session_id: vec![0; 40],
        cipher_suites: vec![],
        compression_methods: vec![],
        ..ClientHello::default()
    };
    let m = HandshakeMessage::new(HandshakePayload::ClientHello(ch));
    let err = HandshakeMessage::decode_with(&m.to_bytes(), &DecodeCtx::TLS13).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ClientHello.cipher_suites: length 0 is below the minimum 2"
    );
    // A message whose header type disagrees with its payload.
    let lie = HandshakeMessage {
        typ: HandshakeType::Finished,
        payload: HandshakePayload::ServerHelloDone,
    };
    assert_eq!(lie.to_bytes(), [20, 0, 0, 0]);
}

#[test]
fn error_messages_name_the_field() {
    // Cipher suites with odd length.
    let mut b = vec![1, 0, 0, 0, 3, 3];
    b.extend([0; 32]);
    b.extend([0, 0, 5, 0x13, 1, 0x13, 2, 0x13, 1, 0]);
    b[3] = (b.len() - 4) as u8;
    let e = HandshakeMessage::decode_with(&b, &DecodeCtx::TLS13).unwrap_err();
    assert_eq!(e.to_string(), "ClientHello.cipher_suites: length 5 is odd");
    assert_eq!(e.alert(), AlertDescription::DecodeError);

    // key_share in a ServerHello truncated.
    let mut sh = common::server_hello_tls13();
    sh.extensions = vec![Extension::Unknown {
        typ: ExtensionType::KeyShare,
        data: vec![0, 0x1d, 0, 32, 1, 2, 3],
    }];
    let bytes = HandshakeMessage::new(HandshakePayload::ServerHello(sh)).to_bytes();
    let e = HandshakeMessage::decode_with(&bytes, &DecodeCtx::TLS13).unwrap_err();
    assert_eq!(
        e.to_string(),
        "ServerHello.extensions: extension key_share (51) in ServerHello: truncated, needed 32 bytes, 3 left"
    );
}

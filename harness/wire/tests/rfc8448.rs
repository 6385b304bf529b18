//! RFC 8448 section 3 ("Simple 1-RTT Handshake") messages decode to the published
//! fields and re-encode byte-identically.
#![allow(clippy::unwrap_used)]

mod common;

use common::hex;
use tls_wire::*;

const CLIENT_HELLO: &str = "
01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01
00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00
26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69
1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01
05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";

const SERVER_HELLO: &str = "
02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1
56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";

const ENCRYPTED_EXTENSIONS: &str = "
08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02
40 01 00 00 00 00";

/// The ClientHello record as sent (RFC 8448 section 3, "complete record").
const CLIENT_HELLO_RECORD_HEADER: &str = "16 03 01 00 c4";

fn decode(h: &str) -> (Vec<u8>, HandshakeMessage) {
    let bytes = hex(h);
    let m = HandshakeMessage::decode_with(&bytes, &DecodeCtx::TLS13).unwrap();
    assert_eq!(m.to_bytes(), bytes, "re-encoding is byte-identical");
    (bytes, m)
}

#[test]
fn client_hello() {
    let (bytes, m) = decode(CLIENT_HELLO);
    assert_eq!(bytes.len(), 196);
    assert_eq!(m.typ, HandshakeType::ClientHello);
    let HandshakePayload::ClientHello(ch) = &m.payload else {
        panic!("not a ClientHello")
    };
    assert_eq!(ch.legacy_version, ProtocolVersion::TLSv1_2);
    assert_eq!(ch.random[..4], [0xcb, 0x34, 0xec, 0xb1]);
    assert!(ch.session_id.is_empty());
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite::TLS_AES_128_GCM_SHA256,
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_AES_256_GCM_SHA384
        ]
    );
    assert_eq!(ch.compression_methods, [CompressionMethod::Null]);
    let types: Vec<u16> = ch.extensions.iter().map(|e| e.typ().get()).collect();
    assert_eq!(types, [0, 0xff01, 10, 35, 51, 43, 13, 45, 28]);
    assert_eq!(ch.server_name(), Some(&b"server"[..]));
    assert_eq!(
        ch.supported_versions(),
        Some(&[ProtocolVersion::TLSv1_3][..])
    );
    assert_eq!(
        ch.supported_groups().unwrap(),
        [
            NamedGroup::X25519,
            NamedGroup::Secp256r1,
            NamedGroup::Secp384r1,
            NamedGroup::Secp521r1,
            NamedGroup::Ffdhe2048,
            NamedGroup::Ffdhe3072,
            NamedGroup::Ffdhe4096,
            NamedGroup::Ffdhe6144,
            NamedGroup::Ffdhe8192
        ]
    );
    let ks = ch.key_shares().unwrap();
    assert_eq!(ks.len(), 1);
    assert_eq!(ks[0].group, NamedGroup::X25519);
    assert_eq!(
        ks[0].key_exchange,
        hex("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")
    );
    let sigs = ch.signature_algorithms().unwrap();
    assert_eq!(sigs.len(), 15);
    assert_eq!(sigs[0], SignatureScheme::EcdsaSecp256r1Sha256);
    assert!(sigs.contains(&SignatureScheme::RsaPssRsaeSha256));
    assert!(!sigs.contains(&SignatureScheme::Ed25519));
    assert_eq!(ch.psk_modes(), Some(&[PskKeyExchangeMode::PskDheKe][..]));
    assert!(ch.extensions.contains(&Extension::RecordSizeLimit(0x4001)));
    assert!(
        ch.extensions
            .contains(&Extension::RenegotiationInfo(vec![]))
    );
    assert!(ch.extensions.contains(&Extension::SessionTicket(vec![])));
    assert!(ch.psk().is_none());
    insta::assert_snapshot!("rfc8448_client_hello", m.to_string());

    // Inside its record.
    let mut rec = hex(CLIENT_HELLO_RECORD_HEADER);
    rec.extend_from_slice(&bytes);
    let r = Record::decode(&rec).unwrap();
    assert_eq!(r.content_type, ContentType::Handshake);
    assert_eq!(r.legacy_version, ProtocolVersion::TLSv1_0);
    assert_eq!(r.payload, bytes);
    assert_eq!(r.to_bytes(), rec);
}

#[test]
fn server_hello() {
    let (_, m) = decode(SERVER_HELLO);
    let HandshakePayload::ServerHello(sh) = &m.payload else {
        panic!("not a ServerHello")
    };
    assert!(!sh.is_hrr());
    assert_eq!(sh.legacy_version, ProtocolVersion::TLSv1_2);
    assert_eq!(sh.cipher_suite, CipherSuite::TLS_AES_128_GCM_SHA256);
    assert_eq!(sh.compression_method, CompressionMethod::Null);
    assert_eq!(sh.supported_version(), Some(ProtocolVersion::TLSv1_3));
    assert_eq!(sh.selected_version(), ProtocolVersion::TLSv1_3);
    let ks = sh.key_share().unwrap();
    assert_eq!(ks.group, NamedGroup::X25519);
    assert_eq!(
        ks.key_exchange,
        hex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f")
    );
    insta::assert_snapshot!("rfc8448_server_hello", m.to_string());
}

#[test]
fn encrypted_extensions() {
    let (_, m) = decode(ENCRYPTED_EXTENSIONS);
    let HandshakePayload::EncryptedExtensions(e) = &m.payload else {
        panic!("not EE")
    };
    assert_eq!(e.len(), 3);
    assert_eq!(e[1], Extension::RecordSizeLimit(0x4001));
    assert_eq!(e[2], Extension::ServerName(vec![]));
    insta::assert_snapshot!("rfc8448_encrypted_extensions", m.to_string());
}

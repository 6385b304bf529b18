//! One-line summaries used in transcripts.
#![allow(clippy::unwrap_used)]

mod common;

use tls_wire::*;

#[test]
fn summaries_of_all_samples() {
    let mut lines: Vec<String> = common::samples()
        .iter()
        .map(|(name, m, _)| format!("{name}: {m}"))
        .collect();
    lines.push(format!(
        "alert: {}",
        Alert::fatal(AlertDescription::IllegalParameter)
    ));
    lines.push(format!(
        "record: {}",
        Record::new(
            ContentType::Handshake,
            ProtocolVersion::TLSv1_0,
            vec![0; 196]
        )
    ));
    insta::assert_snapshot!("sample_summaries", lines.join("\n"));
}

#[test]
fn documented_examples() {
    let ch = common::client_hello_tls13();
    let s = HandshakeMessage::new(HandshakePayload::ClientHello(ch)).to_string();
    assert!(
        s.starts_with(
            "ClientHello versions=[TLS1.3,TLS1.2] suites=[TLS_AES_128_GCM_SHA256,TLS_CHACHA20_POLY1305_SHA256,unknown(0x0a0a)] groups=[X25519MLKEM768,x25519,secp256r1] key_shares=[x25519]"
        ),
        "{s}"
    );
    assert!(s.contains(" sni=localhost alpn=[h2,http/1.1] psk=1"), "{s}");
    let hrr = HandshakeMessage::new(HandshakePayload::ServerHello(common::hrr()));
    assert_eq!(
        hrr.to_string(),
        "HelloRetryRequest group=secp256r1 cookie=32B"
    );
    let sh = HandshakeMessage::new(HandshakePayload::ServerHello(common::server_hello_tls13()));
    assert_eq!(
        sh.to_string(),
        "ServerHello TLS1.3 suite=TLS_AES_128_GCM_SHA256 key_share=x25519 psk=0"
    );
    // Peer-controlled text is escaped.
    let mut ch = common::client_hello_tls12();
    ch.extensions = vec![Extension::ServerName(vec![ServerNameEntry::host_name(
        &b"a\nb\x00"[..],
    )])];
    let s = HandshakeMessage::new(HandshakePayload::ClientHello(ch)).to_string();
    assert!(s.ends_with("sni=a\\nb\\0"), "{s}");
}

//! Sample messages shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use tls_wire::*;

/// Hex (whitespace ignored) to bytes.
pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(s).unwrap()
}

pub fn client_hello_tls13() -> ClientHello {
    ClientHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: [7; 32],
        session_id: vec![1; 32],
        cipher_suites: vec![
            CipherSuite::TLS_AES_128_GCM_SHA256,
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            CipherSuite::from(0x0a0a),
        ],
        compression_methods: vec![CompressionMethod::Null],
        extensions: vec![
            Extension::ServerName(vec![ServerNameEntry::host_name("localhost")]),
            Extension::SupportedVersionsClient(vec![
                ProtocolVersion::TLSv1_3,
                ProtocolVersion::TLSv1_2,
            ]),
            Extension::SupportedGroups(vec![
                NamedGroup::X25519MlKem768,
                NamedGroup::X25519,
                NamedGroup::Secp256r1,
            ]),
            Extension::SignatureAlgorithms(vec![
                SignatureScheme::EcdsaSecp256r1Sha256,
                SignatureScheme::RsaPssRsaeSha256,
                SignatureScheme::Ed25519,
            ]),
            Extension::SignatureAlgorithmsCert(vec![SignatureScheme::EcdsaSecp256r1Sha256]),
            Extension::KeyShareClient(vec![KeyShareEntry::new(NamedGroup::X25519, vec![9; 32])]),
            Extension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]),
            Extension::PskKeyExchangeModes(vec![PskKeyExchangeMode::PskDheKe]),
            Extension::StatusRequest(vec![1, 0, 0, 0, 0]),
            Extension::SignedCertificateTimestamp(vec![]),
            Extension::ExtendedMasterSecret,
            Extension::RecordSizeLimit(0x4001),
            Extension::CertificateAuthorities(vec![vec![0x30, 0x00]]),
            Extension::PostHandshakeAuth,
            Extension::Cookie(vec![5; 16]),
            Extension::EarlyData,
            Extension::Unknown {
                typ: ExtensionType::from(0x1a1a),
                data: vec![],
            },
            Extension::Padding(vec![0; 10]),
            Extension::PreSharedKeyClient(OfferedPsks {
                identities: vec![PskIdentity {
                    identity: vec![3; 20],
                    obfuscated_ticket_age: 0x01020304,
                }],
                binders: vec![vec![4; 32]],
            }),
        ],
        extensions_present: true,
    }
}

pub fn client_hello_tls12() -> ClientHello {
    ClientHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: [8; 32],
        session_id: vec![],
        cipher_suites: vec![
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
            CipherSuite::TLS_FALLBACK_SCSV,
        ],
        compression_methods: vec![CompressionMethod::Null, CompressionMethod::Deflate],
        extensions: vec![
            Extension::EcPointFormats(vec![ECPointFormat::Uncompressed]),
            Extension::SupportedGroups(vec![NamedGroup::Secp256r1]),
            Extension::SessionTicket(vec![]),
            Extension::EncryptThenMac,
            Extension::RenegotiationInfo(vec![]),
        ],
        extensions_present: true,
    }
}

pub fn server_hello_tls13() -> ServerHello {
    ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: [2; 32],
        session_id: vec![1; 32],
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        compression_method: CompressionMethod::Null,
        extensions: vec![
            Extension::SupportedVersionsServer(ProtocolVersion::TLSv1_3),
            Extension::KeyShareServer(KeyShareEntry::new(NamedGroup::X25519, vec![6; 32])),
            Extension::PreSharedKeyServer(0),
        ],
        extensions_present: true,
    }
}

pub fn hrr() -> ServerHello {
    ServerHello {
        random: HRR_RANDOM,
        extensions: vec![
            Extension::SupportedVersionsServer(ProtocolVersion::TLSv1_3),
            Extension::KeyShareHrr(NamedGroup::Secp256r1),
            Extension::Cookie(vec![0xcc; 32]),
        ],
        ..server_hello_tls13()
    }
}

pub fn server_hello_tls12() -> ServerHello {
    ServerHello {
        random: [3; 32],
        session_id: vec![4; 32],
        cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        extensions: vec![
            Extension::RenegotiationInfo(vec![]),
            Extension::EcPointFormats(vec![ECPointFormat::Uncompressed]),
            Extension::ExtendedMasterSecret,
            Extension::Alpn(vec![b"h2".to_vec()]),
        ],
        ..server_hello_tls13()
    }
}

/// (name, message, context) for every payload kind.
pub fn samples() -> Vec<(&'static str, HandshakeMessage, DecodeCtx)> {
    use HandshakePayload as P;
    let t13 = DecodeCtx::TLS13;
    let t12 = DecodeCtx::TLS12;
    let m = HandshakeMessage::new;
    // the TLS 1.2 hellos without extensions: the list absent, or present and empty
    let bare_ch = |present| ClientHello {
        extensions: vec![],
        extensions_present: present,
        ..client_hello_tls12()
    };
    let bare_sh = |present| ServerHello {
        extensions: vec![],
        extensions_present: present,
        ..server_hello_tls12()
    };
    let ch = |hello| m(P::ClientHello(hello));
    let sh = |hello| m(P::ServerHello(hello));
    vec![
        ("hello_request", m(P::HelloRequest), t12),
        ("client_hello_tls13", ch(client_hello_tls13()), t13),
        ("client_hello_tls12", ch(client_hello_tls12()), t12),
        ("client_hello_no_extensions", ch(bare_ch(false)), t12),
        ("client_hello_empty_extensions", ch(bare_ch(true)), t12),
        ("server_hello_tls13", sh(server_hello_tls13()), t13),
        ("hello_retry_request", sh(hrr()), t13),
        ("server_hello_tls12", sh(server_hello_tls12()), t12),
        ("server_hello_tls12_no_extensions", sh(bare_sh(false)), t12),
        (
            "new_session_ticket",
            m(P::NewSessionTicket(NewSessionTicket {
                lifetime: 7200,
                age_add: 0xdeadbeef,
                nonce: vec![0, 1],
                ticket: vec![0xab; 64],
                extensions: vec![Extension::EarlyDataMax(16384)],
            })),
            t13,
        ),
        (
            "new_session_ticket_tls12",
            m(P::NewSessionTicketTls12(NewSessionTicketTls12 {
                lifetime_hint: 300,
                ticket: vec![1; 100],
            })),
            t12,
        ),
        ("end_of_early_data", m(P::EndOfEarlyData), t13),
        (
            "encrypted_extensions",
            m(P::EncryptedExtensions(vec![
                Extension::ServerName(vec![]),
                Extension::Alpn(vec![b"h2".to_vec()]),
                Extension::SupportedGroups(vec![NamedGroup::X25519]),
                Extension::RecordSizeLimit(16385),
                Extension::EarlyData,
            ])),
            t13,
        ),
        (
            "certificate_tls13",
            m(P::Certificate(CertificateTls13 {
                context: vec![],
                entries: vec![
                    CertificateEntry {
                        cert: vec![0x30, 0x82, 1, 2, 3],
                        extensions: vec![Extension::StatusRequest(vec![1, 0, 0, 1, 0x30])],
                    },
                    CertificateEntry {
                        cert: vec![0x30, 5],
                        extensions: vec![],
                    },
                    CertificateEntry {
                        cert: vec![0x30, 6],
                        extensions: vec![],
                    },
                ],
            })),
            t13,
        ),
        (
            "certificate_tls12",
            m(P::CertificateTls12(vec![vec![0x30, 1], vec![0x30, 2]])),
            t12,
        ),
        (
            "server_key_exchange",
            m(P::ServerKeyExchange(ServerKeyExchange {
                curve_type: ECCurveType::NamedCurve,
                named_group: NamedGroup::X25519,
                public: vec![5; 32],
                scheme: SignatureScheme::EcdsaSecp256r1Sha256,
                signature: vec![0x30; 70],
            })),
            t12,
        ),
        (
            "certificate_request_tls13",
            m(P::CertificateRequest(CertificateRequestTls13 {
                context: vec![],
                extensions: vec![
                    Extension::SignatureAlgorithms(vec![SignatureScheme::EcdsaSecp256r1Sha256]),
                    Extension::CertificateAuthorities(vec![vec![0x30, 0]]),
                    Extension::OidFilters(vec![0, 0]),
                ],
            })),
            t13,
        ),
        (
            "certificate_request_tls12",
            m(P::CertificateRequestTls12(CertificateRequestTls12 {
                certificate_types: vec![
                    ClientCertificateType::EcdsaSign,
                    ClientCertificateType::RsaSign,
                ],
                signature_schemes: vec![SignatureScheme::RsaPkcs1Sha256],
                ca_names: vec![vec![0x30, 0]],
            })),
            t12,
        ),
        ("server_hello_done", m(P::ServerHelloDone), t12),
        (
            "certificate_verify",
            m(P::CertificateVerify(CertificateVerify {
                scheme: SignatureScheme::RsaPssRsaeSha256,
                signature: vec![1; 256],
            })),
            t13,
        ),
        (
            "client_key_exchange",
            m(P::ClientKeyExchange(vec![4; 65])),
            t12,
        ),
        ("finished", m(P::Finished(vec![0xf1; 32])), t13),
        (
            "key_update",
            m(P::KeyUpdate(KeyUpdateRequest::UpdateRequested)),
            t13,
        ),
        ("message_hash", m(P::MessageHash(vec![0x11; 32])), t13),
        (
            "unknown",
            m(P::Unknown(
                HandshakeType::CertificateStatus,
                vec![1, 0, 0, 1, 0],
            )),
            t12,
        ),
    ]
}

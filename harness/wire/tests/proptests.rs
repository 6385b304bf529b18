//! Property tests: decoders never panic; generated valid messages round-trip; any byte
//! string that decodes re-encodes to the identical bytes (also mutated encodings).
#![allow(clippy::unwrap_used)]

mod common;

use proptest::collection::vec;
use proptest::prelude::*;
use tls_wire::*;

const CTXS: [DecodeCtx; 2] = [DecodeCtx::TLS12, DecodeCtx::TLS13];

/// If `bytes` decodes as a handshake message, it re-encodes identically.
fn check_lossless(bytes: &[u8]) {
    for ctx in CTXS {
        if let Ok(m) = HandshakeMessage::decode_with(bytes, &ctx) {
            assert_eq!(m.to_bytes(), bytes, "lossless {ctx:?}: {m:?}");
            let _ = m.to_string();
        }
    }
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn nonempty(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 1..max)
}

fn group() -> impl Strategy<Value = NamedGroup> {
    prop_oneof![
        Just(NamedGroup::X25519),
        Just(NamedGroup::Secp256r1),
        Just(NamedGroup::X25519MlKem768),
        any::<u16>().prop_map(NamedGroup::from)
    ]
}

fn scheme() -> impl Strategy<Value = SignatureScheme> {
    any::<u16>().prop_map(SignatureScheme::from)
}

fn key_share() -> impl Strategy<Value = KeyShareEntry> {
    (group(), nonempty(40)).prop_map(|(g, k)| KeyShareEntry::new(g, k))
}

fn unknown_ext() -> impl Strategy<Value = Extension> {
    (
        any::<u16>().prop_filter("unknown type", |t| !ExtensionType::from(*t).is_known()),
        bytes(20),
    )
        .prop_map(|(t, data)| Extension::Unknown {
            typ: ExtensionType::from(t),
            data,
        })
}

/// Extensions whose form does not depend on the message.
fn plain_ext() -> BoxedStrategy<Extension> {
    prop_oneof![
        vec((any::<u8>(), nonempty(20)), 1..3).prop_map(|v| Extension::ServerName(
            v.into_iter()
                .map(|(t, n)| ServerNameEntry {
                    name_type: t.into(),
                    name: n
                })
                .collect()
        )),
        Just(Extension::ServerName(vec![])),
        vec(group(), 1..5).prop_map(Extension::SupportedGroups),
        vec(scheme(), 1..5).prop_map(Extension::SignatureAlgorithms),
        vec(scheme(), 1..5).prop_map(Extension::SignatureAlgorithmsCert),
        vec(nonempty(10), 1..4).prop_map(Extension::Alpn),
        nonempty(40).prop_map(Extension::Cookie),
        any::<u16>().prop_map(Extension::RecordSizeLimit),
        bytes(20).prop_map(Extension::Padding),
        vec(nonempty(10), 1..3).prop_map(Extension::CertificateAuthorities),
        bytes(10).prop_map(Extension::OidFilters),
        Just(Extension::PostHandshakeAuth),
        bytes(10).prop_map(Extension::StatusRequest),
        bytes(10).prop_map(Extension::SignedCertificateTimestamp),
        Just(Extension::ExtendedMasterSecret),
        Just(Extension::EncryptThenMac),
        bytes(12).prop_map(Extension::RenegotiationInfo),
        vec(any::<u8>().prop_map(ECPointFormat::from), 1..3).prop_map(Extension::EcPointFormats),
        bytes(10).prop_map(Extension::SessionTicket),
        vec(any::<u8>().prop_map(PskKeyExchangeMode::from), 1..3)
            .prop_map(Extension::PskKeyExchangeModes),
        unknown_ext(),
    ]
    .boxed()
}

fn ext_in(ctx: ExtensionContext) -> BoxedStrategy<Extension> {
    use ExtensionContext as C;
    let specific: BoxedStrategy<Extension> = match ctx {
        C::ClientHello => prop_oneof![
            vec(any::<u16>().prop_map(ProtocolVersion::from), 1..4)
                .prop_map(Extension::SupportedVersionsClient),
            vec(key_share(), 0..3).prop_map(Extension::KeyShareClient),
            Just(Extension::EarlyData),
            (
                vec((nonempty(20), any::<u32>()), 1..3),
                vec(vec(any::<u8>(), 32..49), 1..3)
            )
                .prop_map(|(ids, binders)| Extension::PreSharedKeyClient(
                    OfferedPsks {
                        identities: ids
                            .into_iter()
                            .map(|(identity, obfuscated_ticket_age)| PskIdentity {
                                identity,
                                obfuscated_ticket_age
                            })
                            .collect(),
                        binders,
                    }
                )),
        ]
        .boxed(),
        C::ServerHello => prop_oneof![
            any::<u16>().prop_map(|v| Extension::SupportedVersionsServer(v.into())),
            key_share().prop_map(Extension::KeyShareServer),
            any::<u16>().prop_map(Extension::PreSharedKeyServer),
        ]
        .boxed(),
        C::HelloRetryRequest => prop_oneof![
            any::<u16>().prop_map(|v| Extension::SupportedVersionsServer(v.into())),
            group().prop_map(Extension::KeyShareHrr),
        ]
        .boxed(),
        C::NewSessionTicket => any::<u32>().prop_map(Extension::EarlyDataMax).boxed(),
        _ => Just(Extension::EarlyData).boxed(),
    };
    prop_oneof![3 => plain_ext(), 1 => specific].boxed()
}

fn exts(ctx: ExtensionContext) -> impl Strategy<Value = Vec<Extension>> {
    vec(ext_in(ctx), 0..6)
}

fn client_hello() -> impl Strategy<Value = ClientHello> {
    (
        any::<u16>(),
        any::<[u8; 32]>(),
        bytes(40),
        vec(any::<u16>().prop_map(CipherSuite::from), 1..6),
        vec(any::<u8>().prop_map(CompressionMethod::from), 1..3),
        exts(ExtensionContext::ClientHello),
        any::<bool>(),
    )
        .prop_map(
            |(v, random, session_id, cipher_suites, compression_methods, extensions, present)| {
                ClientHello {
                    legacy_version: v.into(),
                    random,
                    session_id,
                    cipher_suites,
                    compression_methods,
                    extensions_present: present || !extensions.is_empty(),
                    extensions,
                }
            },
        )
}

fn server_hello(hrr: bool) -> impl Strategy<Value = ServerHello> {
    let ctx = if hrr {
        ExtensionContext::HelloRetryRequest
    } else {
        ExtensionContext::ServerHello
    };
    (
        any::<u16>(),
        any::<[u8; 32]>(),
        bytes(40),
        any::<u16>(),
        any::<u8>(),
        exts(ctx),
        any::<bool>(),
    )
        .prop_map(
            move |(v, random, session_id, cs, cm, extensions, present)| ServerHello {
                legacy_version: v.into(),
                random: if hrr { HRR_RANDOM } else { random },
                session_id,
                cipher_suite: cs.into(),
                compression_method: cm.into(),
                extensions_present: present || !extensions.is_empty(),
                extensions,
            },
        )
}

fn message() -> impl Strategy<Value = (HandshakeMessage, DecodeCtx)> {
    use HandshakePayload as P;
    let t13 = |p: P| (HandshakeMessage::new(p), DecodeCtx::TLS13);
    let t12 = |p: P| (HandshakeMessage::new(p), DecodeCtx::TLS12);
    prop_oneof![
        client_hello().prop_map(move |c| t13(P::ClientHello(c))),
        server_hello(false).prop_map(move |s| t13(P::ServerHello(s))),
        server_hello(true).prop_map(move |s| t13(P::ServerHello(s))),
        (
            any::<u32>(),
            any::<u32>(),
            bytes(10),
            nonempty(60),
            exts(ExtensionContext::NewSessionTicket)
        )
            .prop_map(move |(lifetime, age_add, nonce, ticket, extensions)| t13(
                P::NewSessionTicket(NewSessionTicket {
                    lifetime,
                    age_add,
                    nonce,
                    ticket,
                    extensions
                })
            )),
        (any::<u32>(), bytes(60)).prop_map(move |(lifetime_hint, ticket)| t12(
            P::NewSessionTicketTls12(NewSessionTicketTls12 {
                lifetime_hint,
                ticket
            })
        )),
        exts(ExtensionContext::EncryptedExtensions)
            .prop_map(move |e| t13(P::EncryptedExtensions(e))),
        (
            bytes(5),
            vec((nonempty(30), exts(ExtensionContext::Certificate)), 0..4)
        )
            .prop_map(move |(context, es)| t13(P::Certificate(CertificateTls13 {
                context,
                entries: es
                    .into_iter()
                    .map(|(cert, extensions)| CertificateEntry { cert, extensions })
                    .collect(),
            }))),
        vec(nonempty(30), 0..4).prop_map(move |c| t12(P::CertificateTls12(c))),
        (group(), nonempty(70), scheme(), bytes(80)).prop_map(
            move |(named_group, public, scheme, signature)| t12(P::ServerKeyExchange(
                ServerKeyExchange {
                    curve_type: ECCurveType::NamedCurve,
                    named_group,
                    public,
                    scheme,
                    signature
                }
            ))
        ),
        (bytes(5), exts(ExtensionContext::CertificateRequest)).prop_map(
            move |(context, extensions)| t13(P::CertificateRequest(CertificateRequestTls13 {
                context,
                extensions
            }))
        ),
        (
            vec(any::<u8>(), 1..4),
            vec(scheme(), 1..4),
            vec(nonempty(10), 0..3)
        )
            .prop_map(move |(t, s, c)| t12(P::CertificateRequestTls12(
                CertificateRequestTls12 {
                    certificate_types: t.into_iter().map(Into::into).collect(),
                    signature_schemes: s,
                    ca_names: c,
                }
            ))),
        (scheme(), bytes(100)).prop_map(move |(scheme, signature)| t13(P::CertificateVerify(
            CertificateVerify { scheme, signature }
        ))),
        nonempty(70).prop_map(move |p| t12(P::ClientKeyExchange(p))),
        bytes(48).prop_map(move |d| t13(P::Finished(d))),
        any::<u8>().prop_map(move |k| t13(P::KeyUpdate(k.into()))),
        bytes(48).prop_map(move |d| t13(P::MessageHash(d))),
        prop_oneof![
            Just(P::HelloRequest),
            Just(P::EndOfEarlyData),
            Just(P::ServerHelloDone)
        ]
        .prop_map(t13),
        (
            prop_oneof![
                Just(3u8),
                Just(9),
                Just(21),
                Just(22),
                Just(23),
                Just(25),
                Just(200)
            ],
            bytes(20)
        )
            .prop_map(move |(t, d)| t13(P::Unknown(t.into(), d))),
    ]
}

/// A byte mutation of an encoding.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Remove(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
    ]
}

fn apply(mut b: Vec<u8>, muts: &[Mutation], fix_len: bool) -> Vec<u8> {
    for m in muts {
        let n = b.len().max(1);
        match *m {
            Mutation::Flip(i, x) => {
                if let Some(v) = b.get_mut(i % n) {
                    *v ^= x;
                }
            }
            Mutation::Truncate(i) => b.truncate(i % n),
            Mutation::Insert(i, x) => b.insert(i % (b.len() + 1), x),
            Mutation::Remove(i) => {
                if !b.is_empty() {
                    b.remove(i % n);
                }
            }
        }
    }
    if fix_len && b.len() >= 4 {
        let len = b.len() - 4;
        b[1] = (len >> 16) as u8;
        b[2] = (len >> 8) as u8;
        b[3] = len as u8;
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in bytes(300)) {
        check_lossless(&data);
        let _ = Record::decode(&data);
        let _ = RecordHeader::decode(&data);
        let _ = Alert::decode(&data);
        let _ = decode_handshake_header(&data);
        for ctx in ExtensionContext::ALL {
            let mut r = Reader::new(&data);
            while let Ok(_e) = Extension::read_in(&mut r, ctx) {}
        }
        let _ = ProtocolVersion::decode(&data);
        let _ = CipherSuite::decode(&data);
        let _ = NamedGroup::decode(&data);
        let _ = SignatureScheme::decode(&data);
        let _ = ExtensionType::decode(&data);
        let _ = AlertDescription::decode(&data);
        let _ = HandshakeType::decode(&data);
        let _ = ContentType::decode(&data);
    }

    #[test]
    fn typed_random_bodies_are_lossless(typ in 0u8..=30, body in bytes(200)) {
        // A valid header around a random body reaches every body decoder.
        let mut b = vec![typ, 0, (body.len() >> 8) as u8, body.len() as u8];
        b.extend_from_slice(&body);
        check_lossless(&b);
        for t in [1u8, 2, 4, 8, 11, 12, 13, 15, 16, 24, 254] {
            b[0] = t;
            check_lossless(&b);
        }
    }

    #[test]
    fn random_extension_bodies_are_lossless(t in prop_oneof![
            proptest::sample::select(ExtensionType::KNOWN.to_vec()),
            any::<u16>().prop_map(ExtensionType::from)
        ], body in bytes(60)) {
        for ctx in ExtensionContext::ALL {
            if let Ok(e) = Extension::decode_body(t, &body, ctx) {
                prop_assert_eq!(e.typ(), t);
                prop_assert_eq!(e.body_bytes(), body.clone(), "{:?} in {}", e, ctx);
            }
        }
    }

    #[test]
    fn generated_messages_roundtrip((m, ctx) in message()) {
        let b = m.to_bytes();
        let back = HandshakeMessage::decode_with(&b, &ctx);
        prop_assert!(back.is_ok(), "{:?}: {}", m, back.unwrap_err());
        let back = back.unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.to_bytes(), b);
        let _ = m.to_string();
    }

    #[test]
    fn mutated_encodings_are_lossless_or_rejected(
        (m, _ctx) in message(),
        muts in vec(mutation(), 1..4),
        fix_len in any::<bool>(),
    ) {
        let b = apply(m.to_bytes(), &muts, fix_len);
        check_lossless(&b);
    }

    #[test]
    fn mutated_samples_are_lossless_or_rejected(
        idx in any::<usize>(),
        muts in vec(mutation(), 1..4),
        fix_len in any::<bool>(),
    ) {
        let samples = common::samples();
        let (_, m, _) = &samples[idx % samples.len()];
        let b = apply(m.to_bytes(), &muts, fix_len);
        check_lossless(&b);
    }

    #[test]
    fn deframer_and_joiner_never_panic(data in bytes(400), chunk in 1usize..50, cap in 0usize..300) {
        let mut d = Deframer::with_max_payload(cap);
        let mut j = HandshakeJoiner::with_max_message(cap);
        for c in data.chunks(chunk) {
            d.push(c);
            while let Ok(Some(r)) = d.next_record() {
                prop_assert!(r.payload.len() <= cap);
                j.push(&r.payload);
                while let Ok(Some(m)) = j.next_message() {
                    prop_assert!(m.len() <= cap + 4);
                    check_lossless(&m);
                }
            }
        }
    }

    #[test]
    fn records_roundtrip(ct in any::<u8>(), v in any::<u16>(), payload in bytes(300)) {
        let r = Record::new(ct.into(), v.into(), payload);
        let b = r.to_bytes();
        prop_assert_eq!(Record::decode(&b), Ok(r.clone()));
        let mut d = Deframer::new();
        d.push(&b);
        prop_assert_eq!(d.next_record(), Ok(Some(r)));
    }
}

//! Handshake messages (RFC 8446 4, RFC 5246 7.4).

use std::fmt;

use crate::codec::{
    Codec, Context, DecodeError, Reader, put_list, put_opaque, put_prefixed, put_u32,
};
use crate::enums::{
    CipherSuite, ClientCertificateType, CompressionMethod, ECCurveType, ExtensionType,
    HandshakeType, KeyUpdateRequest, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};
use crate::extension::{
    Extension, ExtensionContext, ExtensionList, KeyShareEntry, OfferedPsks, encode_extensions,
    printable, read_extensions,
};

/// The ServerHello.random that marks a HelloRetryRequest (RFC 8446 4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Last 8 bytes of ServerHello.random of a TLS 1.3 server negotiating TLS 1.2.
pub const DOWNGRADE_TLS12: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01];
/// Last 8 bytes of ServerHello.random of a TLS 1.3 server negotiating TLS 1.1 or below.
pub const DOWNGRADE_TLS11: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00];

/// What a decoder must know besides the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecodeCtx {
    /// Whether TLS 1.3 was negotiated: decides the form of Certificate,
    /// CertificateRequest and NewSessionTicket. ServerHello/HRR need no context.
    pub tls13: bool,
}

impl DecodeCtx {
    /// TLS 1.3 forms.
    pub const TLS13: Self = Self { tls13: true };
    /// TLS 1.2 forms.
    pub const TLS12: Self = Self { tls13: false };
}

/// Default: TLS 1.3 forms (used by `Codec::read` of [`HandshakeMessage`]).
impl Default for DecodeCtx {
    fn default() -> Self {
        Self::TLS13
    }
}

/// ClientHello. Plain data: any value can be built, including invalid ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientHello {
    /// `legacy_version` (0x0303 in TLS 1.3).
    pub legacy_version: ProtocolVersion,
    /// `random`.
    pub random: [u8; 32],
    /// `legacy_session_id` (the wire allows 0..=255 bytes; the RFC 0..=32).
    pub session_id: Vec<u8>,
    /// `cipher_suites`.
    pub cipher_suites: Vec<CipherSuite>,
    /// `legacy_compression_methods`.
    pub compression_methods: Vec<CompressionMethod>,
    /// Extensions in wire order, duplicates kept.
    pub extensions: Vec<Extension>,
    /// Whether the extensions block is written (an empty block is `00 00`); decoding
    /// sets it. When false and `extensions` is empty, the block is omitted entirely.
    pub extensions_present: bool,
}

impl Default for ClientHello {
    fn default() -> Self {
        Self {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: [0; 32],
            session_id: Vec::new(),
            cipher_suites: Vec::new(),
            compression_methods: vec![CompressionMethod::Null],
            extensions: Vec::new(),
            extensions_present: true,
        }
    }
}

impl ClientHello {
    /// The first extension of type `typ`.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&Extension> {
        self.extensions.find_extension(typ)
    }

    /// The first extension of type `typ`, mutably.
    pub fn find_extension_mut(&mut self, typ: ExtensionType) -> Option<&mut Extension> {
        self.extensions.iter_mut().find(|e| e.typ() == typ)
    }

    /// The first extension type that appears twice.
    pub fn duplicate_extension(&self) -> Option<ExtensionType> {
        self.extensions.duplicate_extension()
    }

    /// supported_versions list.
    pub fn supported_versions(&self) -> Option<&[ProtocolVersion]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::SupportedVersionsClient(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// key_share entries.
    pub fn key_shares(&self) -> Option<&[KeyShareEntry]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::KeyShareClient(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// supported_groups list.
    pub fn supported_groups(&self) -> Option<&[NamedGroup]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::SupportedGroups(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// signature_algorithms list.
    pub fn signature_algorithms(&self) -> Option<&[SignatureScheme]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::SignatureAlgorithms(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// signature_algorithms_cert list.
    pub fn signature_algorithms_cert(&self) -> Option<&[SignatureScheme]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::SignatureAlgorithmsCert(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// The first host_name of server_name.
    pub fn server_name(&self) -> Option<&[u8]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::ServerName(v) => v
                .iter()
                .find(|n| n.name_type == crate::enums::ServerNameType::HostName)
                .map(|n| n.name.as_slice()),
            _ => None,
        })
    }

    /// ALPN protocol list.
    pub fn alpn(&self) -> Option<&[Vec<u8>]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::Alpn(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// pre_shared_key offer.
    pub fn psk(&self) -> Option<&OfferedPsks> {
        self.extensions.iter().find_map(|e| match e {
            Extension::PreSharedKeyClient(p) => Some(p),
            _ => None,
        })
    }

    /// psk_key_exchange_modes.
    pub fn psk_modes(&self) -> Option<&[PskKeyExchangeMode]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::PskKeyExchangeModes(v) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// cookie.
    pub fn cookie(&self) -> Option<&[u8]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::Cookie(c) => Some(c.as_slice()),
            _ => None,
        })
    }

    /// Whether early_data is offered.
    pub fn early_data(&self) -> bool {
        self.find_extension(ExtensionType::EarlyData).is_some()
    }

    /// Whether the last extension is pre_shared_key (RFC 8446 4.2.11).
    pub fn psk_is_last(&self) -> bool {
        matches!(
            self.extensions.last(),
            Some(Extension::PreSharedKeyClient(_))
        )
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_opaque(out, 1, &self.session_id);
        put_list(out, 2, &self.cipher_suites);
        put_list(out, 1, &self.compression_methods);
        if self.extensions_present || !self.extensions.is_empty() {
            encode_extensions(out, &self.extensions);
        }
    }

    fn read_body(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let legacy_version = ProtocolVersion::read(r).context("ClientHello.legacy_version")?;
        let random = r.array::<32>().context("ClientHello.random")?;
        let session_id = r
            .opaque_u8()
            .context("ClientHello.legacy_session_id")?
            .to_vec();
        let cipher_suites = r.list(2, 2, 2).context("ClientHello.cipher_suites")?;
        let compression_methods = r
            .list(1, 1, 1)
            .context("ClientHello.legacy_compression_methods")?;
        let extensions_present = r.any_left();
        let extensions = if extensions_present {
            read_extensions(r, ExtensionContext::ClientHello)?
        } else {
            Vec::new()
        };
        Ok(Self {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
            extensions_present,
        })
    }
}

/// ServerHello, also HelloRetryRequest (random = [`HRR_RANDOM`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerHello {
    /// `legacy_version`.
    pub legacy_version: ProtocolVersion,
    /// `random`.
    pub random: [u8; 32],
    /// `legacy_session_id_echo`.
    pub session_id: Vec<u8>,
    /// `cipher_suite`.
    pub cipher_suite: CipherSuite,
    /// `legacy_compression_method`.
    pub compression_method: CompressionMethod,
    /// Extensions in wire order, duplicates kept.
    pub extensions: Vec<Extension>,
    /// Whether the extensions block is written (TLS 1.2 may omit it); see
    /// [`ClientHello::extensions_present`].
    pub extensions_present: bool,
}

impl Default for ServerHello {
    fn default() -> Self {
        Self {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: [0; 32],
            session_id: Vec::new(),
            cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            compression_method: CompressionMethod::Null,
            extensions: Vec::new(),
            extensions_present: true,
        }
    }
}

impl ServerHello {
    /// Whether this is a HelloRetryRequest.
    pub fn is_hrr(&self) -> bool {
        self.random == HRR_RANDOM
    }

    /// The extension context this message's extensions were decoded in.
    pub fn extension_context(&self) -> ExtensionContext {
        if self.is_hrr() {
            ExtensionContext::HelloRetryRequest
        } else {
            ExtensionContext::ServerHello
        }
    }

    /// The first extension of type `typ`.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&Extension> {
        self.extensions.find_extension(typ)
    }

    /// The first extension of type `typ`, mutably.
    pub fn find_extension_mut(&mut self, typ: ExtensionType) -> Option<&mut Extension> {
        self.extensions.iter_mut().find(|e| e.typ() == typ)
    }

    /// The first extension type that appears twice.
    pub fn duplicate_extension(&self) -> Option<ExtensionType> {
        self.extensions.duplicate_extension()
    }

    /// supported_versions.selected_version.
    pub fn supported_version(&self) -> Option<ProtocolVersion> {
        self.extensions.iter().find_map(|e| match e {
            Extension::SupportedVersionsServer(v) => Some(*v),
            _ => None,
        })
    }

    /// The version this ServerHello selects: supported_versions if present, else
    /// `legacy_version`.
    pub fn selected_version(&self) -> ProtocolVersion {
        self.supported_version().unwrap_or(self.legacy_version)
    }

    /// key_share (ServerHello form).
    pub fn key_share(&self) -> Option<&KeyShareEntry> {
        self.extensions.iter().find_map(|e| match e {
            Extension::KeyShareServer(k) => Some(k),
            _ => None,
        })
    }

    /// key_share.selected_group (HelloRetryRequest form).
    pub fn hrr_group(&self) -> Option<NamedGroup> {
        self.extensions.iter().find_map(|e| match e {
            Extension::KeyShareHrr(g) => Some(*g),
            _ => None,
        })
    }

    /// cookie.
    pub fn cookie(&self) -> Option<&[u8]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::Cookie(c) => Some(c.as_slice()),
            _ => None,
        })
    }

    /// pre_shared_key.selected_identity.
    pub fn psk_index(&self) -> Option<u16> {
        self.extensions.iter().find_map(|e| match e {
            Extension::PreSharedKeyServer(i) => Some(*i),
            _ => None,
        })
    }

    /// ALPN selection (the first protocol of the list).
    pub fn alpn(&self) -> Option<&[u8]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::Alpn(v) => v.first().map(Vec::as_slice),
            _ => None,
        })
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_opaque(out, 1, &self.session_id);
        self.cipher_suite.encode(out);
        self.compression_method.encode(out);
        if self.extensions_present || !self.extensions.is_empty() {
            encode_extensions(out, &self.extensions);
        }
    }

    fn read_body(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let legacy_version = ProtocolVersion::read(r).context("ServerHello.legacy_version")?;
        let random = r.array::<32>().context("ServerHello.random")?;
        let what = if random == HRR_RANDOM {
            "HelloRetryRequest"
        } else {
            "ServerHello"
        };
        let session_id = r
            .opaque_u8()
            .with_context(|| format!("{what}.legacy_session_id_echo"))?
            .to_vec();
        let cipher_suite = CipherSuite::read(r).with_context(|| format!("{what}.cipher_suite"))?;
        let compression_method = CompressionMethod::read(r)
            .with_context(|| format!("{what}.legacy_compression_method"))?;
        let ctx = if random == HRR_RANDOM {
            ExtensionContext::HelloRetryRequest
        } else {
            ExtensionContext::ServerHello
        };
        let extensions_present = r.any_left();
        let extensions = if extensions_present {
            read_extensions(r, ctx)?
        } else {
            Vec::new()
        };
        Ok(Self {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
            extensions_present,
        })
    }
}

/// A TLS 1.3 CertificateEntry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateEntry {
    /// DER certificate (or raw public key).
    pub cert: Vec<u8>,
    /// Per-entry extensions (status_request, signed_certificate_timestamp, ...).
    pub extensions: Vec<Extension>,
}

/// TLS 1.3 Certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CertificateTls13 {
    /// `certificate_request_context`.
    pub context: Vec<u8>,
    /// The chain, end-entity first.
    pub entries: Vec<CertificateEntry>,
}

impl CertificateTls13 {
    fn encode_body(&self, out: &mut Vec<u8>) {
        put_opaque(out, 1, &self.context);
        put_prefixed(out, 3, |o| {
            for e in &self.entries {
                put_opaque(o, 3, &e.cert);
                encode_extensions(o, &e.extensions);
            }
        });
    }

    fn read_body(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let context = r
            .opaque_u8()
            .context("Certificate.certificate_request_context")?
            .to_vec();
        let mut i = 0usize;
        let entries = r
            .list_with(3, 0, 0, |r| {
                i += 1;
                let cert = r.opaque_u24()?;
                if cert.is_empty() {
                    return Err(DecodeError::invalid("empty cert_data"));
                }
                let extensions = read_extensions(r, ExtensionContext::Certificate)?;
                Ok(CertificateEntry {
                    cert: cert.to_vec(),
                    extensions,
                })
            })
            .with_context(|| format!("Certificate.certificate_list[{}]", i.saturating_sub(1)))?;
        Ok(Self { context, entries })
    }
}

/// TLS 1.3 CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CertificateRequestTls13 {
    /// `certificate_request_context`.
    pub context: Vec<u8>,
    /// Extensions (signature_algorithms is mandatory; the engine checks).
    pub extensions: Vec<Extension>,
}

/// TLS 1.2 CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CertificateRequestTls12 {
    /// `certificate_types<1..2^8-1>`.
    pub certificate_types: Vec<ClientCertificateType>,
    /// `supported_signature_algorithms<2..2^16-2>`.
    pub signature_schemes: Vec<SignatureScheme>,
    /// `certificate_authorities<0..2^16-1>`: DER DistinguishedNames.
    pub ca_names: Vec<Vec<u8>>,
}

/// TLS 1.3 NewSessionTicket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NewSessionTicket {
    /// `ticket_lifetime` (seconds).
    pub lifetime: u32,
    /// `ticket_age_add`.
    pub age_add: u32,
    /// `ticket_nonce<0..255>`.
    pub nonce: Vec<u8>,
    /// `ticket<1..2^16-1>`.
    pub ticket: Vec<u8>,
    /// Extensions (early_data as [`Extension::EarlyDataMax`]).
    pub extensions: Vec<Extension>,
}

impl NewSessionTicket {
    /// max_early_data_size, if the early_data extension is present.
    pub fn max_early_data(&self) -> Option<u32> {
        self.extensions.iter().find_map(|e| match e {
            Extension::EarlyDataMax(v) => Some(*v),
            _ => None,
        })
    }
}

/// TLS 1.2 NewSessionTicket (RFC 5077).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NewSessionTicketTls12 {
    /// `ticket_lifetime_hint`.
    pub lifetime_hint: u32,
    /// `ticket<0..2^16-1>`.
    pub ticket: Vec<u8>,
}

/// TLS 1.2 ECDHE ServerKeyExchange: `ServerECDHParams` then a digitally-signed struct.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerKeyExchange {
    /// Always `named_curve` when decoded (other curve types are not parsed).
    pub curve_type: ECCurveType,
    /// The group.
    pub named_group: NamedGroup,
    /// The server's public point / key (`opaque point<1..2^8-1>`).
    pub public: Vec<u8>,
    /// `SignatureAndHashAlgorithm`.
    pub scheme: SignatureScheme,
    /// `signature<0..2^16-1>`.
    pub signature: Vec<u8>,
}

impl ServerKeyExchange {
    /// The encoded `ServerECDHParams` (what the signature covers, after the randoms).
    pub fn params_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.curve_type.encode(&mut out);
        self.named_group.encode(&mut out);
        put_opaque(&mut out, 1, &self.public);
        out
    }

    fn read_body(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let curve_type = ECCurveType::read(r).context("ServerKeyExchange.curve_type")?;
        if curve_type != ECCurveType::NamedCurve {
            return Err(
                DecodeError::invalid(format!("unsupported curve_type {curve_type}"))
                    .context("ServerKeyExchange.curve_type"),
            );
        }
        let named_group = NamedGroup::read(r).context("ServerKeyExchange.named_curve")?;
        let public = r.opaque_u8().context("ServerKeyExchange.public")?;
        if public.is_empty() {
            return Err(DecodeError::invalid("empty point").context("ServerKeyExchange.public"));
        }
        let scheme = SignatureScheme::read(r).context("ServerKeyExchange.algorithm")?;
        let signature = r
            .opaque_u16()
            .context("ServerKeyExchange.signature")?
            .to_vec();
        Ok(Self {
            curve_type,
            named_group,
            public: public.to_vec(),
            scheme,
            signature,
        })
    }
}

/// CertificateVerify (TLS 1.2 and 1.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateVerify {
    /// `algorithm`.
    pub scheme: SignatureScheme,
    /// `signature<0..2^16-1>`.
    pub signature: Vec<u8>,
}

/// A handshake message body, in the form for its type and version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HandshakePayload {
    /// hello_request (TLS 1.2), empty.
    HelloRequest,
    /// client_hello.
    ClientHello(ClientHello),
    /// server_hello, also HelloRetryRequest.
    ServerHello(ServerHello),
    /// new_session_ticket, TLS 1.3.
    NewSessionTicket(NewSessionTicket),
    /// new_session_ticket, TLS 1.2.
    NewSessionTicketTls12(NewSessionTicketTls12),
    /// end_of_early_data, empty.
    EndOfEarlyData,
    /// encrypted_extensions.
    EncryptedExtensions(Vec<Extension>),
    /// certificate, TLS 1.3.
    Certificate(CertificateTls13),
    /// certificate, TLS 1.2: DER chain.
    CertificateTls12(Vec<Vec<u8>>),
    /// server_key_exchange (TLS 1.2 ECDHE).
    ServerKeyExchange(ServerKeyExchange),
    /// certificate_request, TLS 1.3.
    CertificateRequest(CertificateRequestTls13),
    /// certificate_request, TLS 1.2.
    CertificateRequestTls12(CertificateRequestTls12),
    /// server_hello_done, empty.
    ServerHelloDone,
    /// certificate_verify.
    CertificateVerify(CertificateVerify),
    /// client_key_exchange (TLS 1.2 ECDHE): the public value, u8-length prefixed.
    ClientKeyExchange(Vec<u8>),
    /// finished: verify_data.
    Finished(Vec<u8>),
    /// key_update.
    KeyUpdate(KeyUpdateRequest),
    /// message_hash (synthetic, for the transcript after HRR): the hash.
    MessageHash(Vec<u8>),
    /// Any other type (or one this crate does not parse): raw body.
    Unknown(HandshakeType, Vec<u8>),
}

impl HandshakePayload {
    /// The handshake type this payload is sent as.
    pub fn typ(&self) -> HandshakeType {
        use HandshakeType as T;
        match self {
            Self::HelloRequest => T::HelloRequest,
            Self::ClientHello(_) => T::ClientHello,
            Self::ServerHello(_) => T::ServerHello,
            Self::NewSessionTicket(_) | Self::NewSessionTicketTls12(_) => T::NewSessionTicket,
            Self::EndOfEarlyData => T::EndOfEarlyData,
            Self::EncryptedExtensions(_) => T::EncryptedExtensions,
            Self::Certificate(_) | Self::CertificateTls12(_) => T::Certificate,
            Self::ServerKeyExchange(_) => T::ServerKeyExchange,
            Self::CertificateRequest(_) | Self::CertificateRequestTls12(_) => T::CertificateRequest,
            Self::ServerHelloDone => T::ServerHelloDone,
            Self::CertificateVerify(_) => T::CertificateVerify,
            Self::ClientKeyExchange(_) => T::ClientKeyExchange,
            Self::Finished(_) => T::Finished,
            Self::KeyUpdate(_) => T::KeyUpdate,
            Self::MessageHash(_) => T::MessageHash,
            Self::Unknown(t, _) => *t,
        }
    }

    /// Writes the body (without the 4-byte header).
    pub fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::HelloRequest | Self::EndOfEarlyData | Self::ServerHelloDone => {}
            Self::ClientHello(ch) => ch.encode_body(out),
            Self::ServerHello(sh) => sh.encode_body(out),
            Self::NewSessionTicket(t) => {
                put_u32(out, t.lifetime);
                put_u32(out, t.age_add);
                put_opaque(out, 1, &t.nonce);
                put_opaque(out, 2, &t.ticket);
                encode_extensions(out, &t.extensions);
            }
            Self::NewSessionTicketTls12(t) => {
                put_u32(out, t.lifetime_hint);
                put_opaque(out, 2, &t.ticket);
            }
            Self::EncryptedExtensions(e) => encode_extensions(out, e),
            Self::Certificate(c) => c.encode_body(out),
            Self::CertificateTls12(chain) => put_prefixed(out, 3, |o| {
                for c in chain {
                    put_opaque(o, 3, c);
                }
            }),
            Self::ServerKeyExchange(s) => {
                out.extend_from_slice(&s.params_bytes());
                s.scheme.encode(out);
                put_opaque(out, 2, &s.signature);
            }
            Self::CertificateRequest(c) => {
                put_opaque(out, 1, &c.context);
                encode_extensions(out, &c.extensions);
            }
            Self::CertificateRequestTls12(c) => {
                put_list(out, 1, &c.certificate_types);
                put_list(out, 2, &c.signature_schemes);
                put_prefixed(out, 2, |o| {
                    for n in &c.ca_names {
                        put_opaque(o, 2, n);
                    }
                });
            }
            Self::CertificateVerify(cv) => {
                cv.scheme.encode(out);
                put_opaque(out, 2, &cv.signature);
            }
            Self::ClientKeyExchange(p) => put_opaque(out, 1, p),
            Self::Finished(d) | Self::MessageHash(d) | Self::Unknown(_, d) => {
                out.extend_from_slice(d)
            }
            Self::KeyUpdate(k) => k.encode(out),
        }
    }

    /// Decodes a body of type `typ`; the body must be consumed entirely.
    pub fn decode_body(
        typ: HandshakeType,
        body: &[u8],
        ctx: &DecodeCtx,
    ) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let p = Self::read_body(typ, &mut r, ctx)?;
        r.expect_end()
            .with_context(|| format!("{} body", type_label(typ)))?;
        Ok(p)
    }

    fn read_body(
        typ: HandshakeType,
        r: &mut Reader<'_>,
        ctx: &DecodeCtx,
    ) -> Result<Self, DecodeError> {
        use HandshakeType as T;
        Ok(match typ {
            T::HelloRequest => Self::HelloRequest,
            T::ClientHello => Self::ClientHello(ClientHello::read_body(r)?),
            T::ServerHello => Self::ServerHello(ServerHello::read_body(r)?),
            T::NewSessionTicket if ctx.tls13 => {
                let lifetime = r.u32().context("NewSessionTicket.ticket_lifetime")?;
                let age_add = r.u32().context("NewSessionTicket.ticket_age_add")?;
                let nonce = r
                    .opaque_u8()
                    .context("NewSessionTicket.ticket_nonce")?
                    .to_vec();
                let ticket = r.opaque_u16().context("NewSessionTicket.ticket")?;
                if ticket.is_empty() {
                    return Err(
                        DecodeError::invalid("empty ticket").context("NewSessionTicket.ticket")
                    );
                }
                let extensions = read_extensions(r, ExtensionContext::NewSessionTicket)?;
                Self::NewSessionTicket(NewSessionTicket {
                    lifetime,
                    age_add,
                    nonce,
                    ticket: ticket.to_vec(),
                    extensions,
                })
            }
            T::NewSessionTicket => {
                let lifetime_hint = r.u32().context("NewSessionTicket.ticket_lifetime_hint")?;
                let ticket = r.opaque_u16().context("NewSessionTicket.ticket")?.to_vec();
                Self::NewSessionTicketTls12(NewSessionTicketTls12 {
                    lifetime_hint,
                    ticket,
                })
            }
            T::EndOfEarlyData => Self::EndOfEarlyData,
            T::EncryptedExtensions => Self::EncryptedExtensions(read_extensions(
                r,
                ExtensionContext::EncryptedExtensions,
            )?),
            T::Certificate if ctx.tls13 => Self::Certificate(CertificateTls13::read_body(r)?),
            T::Certificate => {
                let chain = r
                    .list_with(3, 0, 0, |r| {
                        let c = r.opaque_u24()?;
                        if c.is_empty() {
                            return Err(DecodeError::invalid("empty ASN.1Cert"));
                        }
                        Ok(c.to_vec())
                    })
                    .context("Certificate.certificate_list")?;
                Self::CertificateTls12(chain)
            }
            T::ServerKeyExchange => Self::ServerKeyExchange(ServerKeyExchange::read_body(r)?),
            T::CertificateRequest if ctx.tls13 => {
                let context = r
                    .opaque_u8()
                    .context("CertificateRequest.certificate_request_context")?
                    .to_vec();
                let extensions = read_extensions(r, ExtensionContext::CertificateRequest)?;
                Self::CertificateRequest(CertificateRequestTls13 {
                    context,
                    extensions,
                })
            }
            T::CertificateRequest => {
                let certificate_types = r
                    .list(1, 1, 1)
                    .context("CertificateRequest.certificate_types")?;
                let signature_schemes = r
                    .list(2, 2, 2)
                    .context("CertificateRequest.supported_signature_algorithms")?;
                let ca_names = r
                    .list_with(2, 0, 0, |r| {
                        let n = r.opaque_u16()?;
                        if n.is_empty() {
                            return Err(DecodeError::invalid("empty DistinguishedName"));
                        }
                        Ok(n.to_vec())
                    })
                    .context("CertificateRequest.certificate_authorities")?;
                Self::CertificateRequestTls12(CertificateRequestTls12 {
                    certificate_types,
                    signature_schemes,
                    ca_names,
                })
            }
            T::ServerHelloDone => Self::ServerHelloDone,
            T::CertificateVerify => {
                let scheme = SignatureScheme::read(r).context("CertificateVerify.algorithm")?;
                let signature = r
                    .opaque_u16()
                    .context("CertificateVerify.signature")?
                    .to_vec();
                Self::CertificateVerify(CertificateVerify { scheme, signature })
            }
            T::ClientKeyExchange => {
                let p = r.opaque_u8().context("ClientKeyExchange.public")?;
                if p.is_empty() {
                    return Err(DecodeError::invalid("empty public value")
                        .context("ClientKeyExchange.public"));
                }
                Self::ClientKeyExchange(p.to_vec())
            }
            T::Finished => Self::Finished(r.rest().to_vec()),
            T::KeyUpdate => {
                Self::KeyUpdate(KeyUpdateRequest::read(r).context("KeyUpdate.request_update")?)
            }
            T::MessageHash => Self::MessageHash(r.rest().to_vec()),
            other => Self::Unknown(other, r.rest().to_vec()),
        })
    }
}

fn type_label(typ: HandshakeType) -> String {
    match typ {
        HandshakeType::Unknown(v) => format!("handshake type {v}"),
        t => camel(t.name()),
    }
}

/// `client_hello` -> `ClientHello`.
fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A handshake message: type and body; the encoding is the 4-byte header with the
/// true body length, then the body.
///
/// `typ` is written as is, so a message can claim another type than its payload on
/// purpose; [`HandshakeMessage::new`] keeps them consistent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HandshakeMessage {
    /// The type written in the header.
    pub typ: HandshakeType,
    /// The body.
    pub payload: HandshakePayload,
}

impl From<HandshakePayload> for HandshakeMessage {
    fn from(payload: HandshakePayload) -> Self {
        Self::new(payload)
    }
}

impl HandshakeMessage {
    /// A message whose type is the payload's.
    pub fn new(payload: HandshakePayload) -> Self {
        Self {
            typ: payload.typ(),
            payload,
        }
    }

    /// Reads one message (header and body) with the given context.
    pub fn read_with(r: &mut Reader<'_>, ctx: &DecodeCtx) -> Result<Self, DecodeError> {
        let typ = HandshakeType::read(r).context("handshake header")?;
        let body = r
            .opaque_u24()
            .with_context(|| format!("{} message", type_label(typ)))?;
        let payload = HandshakePayload::decode_body(typ, body, ctx)?;
        Ok(Self { typ, payload })
    }

    /// Decodes exactly one message spanning all of `bytes`.
    pub fn decode_with(bytes: &[u8], ctx: &DecodeCtx) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let m = Self::read_with(&mut r, ctx)?;
        r.expect_end().context("after handshake message")?;
        Ok(m)
    }

    /// One-line summary (same as `Display`).
    pub fn describe(&self) -> String {
        self.to_string()
    }

    /// For a ClientHello with pre_shared_key: the encoded message minus the binders
    /// list (the bytes the binders are computed over, RFC 8446 4.2.11.2).
    pub fn partial_client_hello(&self) -> Option<Vec<u8>> {
        let HandshakePayload::ClientHello(ch) = &self.payload else {
            return None;
        };
        let psk = ch.psk()?;
        let mut bytes = self.to_bytes();
        bytes.truncate(bytes.len().saturating_sub(psk.binders_len()));
        Some(bytes)
    }
}

/// `Codec::read` decodes with [`DecodeCtx::default()`] (TLS 1.3 forms); use
/// [`HandshakeMessage::read_with`] for TLS 1.2.
impl Codec for HandshakeMessage {
    fn encode(&self, out: &mut Vec<u8>) {
        self.typ.encode(out);
        put_prefixed(out, 3, |o| self.payload.encode_body(o));
    }

    /// Most handshake messages fit in 1 KiB: one allocation instead of a growing vector.
    fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(1024);
        self.encode(&mut v);
        v
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Self::read_with(r, &DecodeCtx::default())
    }
}

fn join<T: fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn size(n: usize) -> String {
    format!("{n}B")
}

impl fmt::Display for ClientHello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientHello")?;
        match self.supported_versions() {
            Some(v) => write!(f, " versions=[{}]", join(v))?,
            None => write!(f, " version={}", self.legacy_version)?,
        }
        write!(f, " suites=[{}]", join(&self.cipher_suites))?;
        if let Some(g) = self.supported_groups() {
            write!(f, " groups=[{}]", join(g))?;
        }
        if let Some(k) = self.key_shares() {
            let groups: Vec<_> = k.iter().map(|k| k.group).collect();
            write!(f, " key_shares=[{}]", join(&groups))?;
        }
        if let Some(s) = self.signature_algorithms() {
            write!(f, " sig_algs={}", s.len())?;
        }
        if let Some(n) = self.server_name() {
            write!(f, " sni={}", printable(n))?;
        }
        if let Some(a) = self.alpn() {
            let names: Vec<_> = a.iter().map(|p| printable(p)).collect();
            write!(f, " alpn=[{}]", names.join(","))?;
        }
        if let Some(p) = self.psk() {
            write!(f, " psk={}", p.identities.len())?;
        }
        if self.early_data() {
            f.write_str(" early_data")?;
        }
        if let Some(c) = self.cookie() {
            write!(f, " cookie={}", size(c.len()))?;
        }
        Ok(())
    }
}

impl fmt::Display for ServerHello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_hrr() {
            f.write_str("HelloRetryRequest")?;
            if let Some(v) = self
                .supported_version()
                .filter(|v| *v != ProtocolVersion::TLSv1_3)
            {
                write!(f, " version={v}")?;
            }
            if let Some(g) = self.hrr_group() {
                write!(f, " group={g}")?;
            }
            if let Some(c) = self.cookie() {
                write!(f, " cookie={}", size(c.len()))?;
            }
            return Ok(());
        }
        write!(
            f,
            "ServerHello {} suite={}",
            self.selected_version(),
            self.cipher_suite
        )?;
        if let Some(k) = self.key_share() {
            write!(f, " key_share={}", k.group)?;
        }
        if let Some(i) = self.psk_index() {
            write!(f, " psk={i}")?;
        }
        if let Some(a) = self.alpn() {
            write!(f, " alpn={}", printable(a))?;
        }
        Ok(())
    }
}

/// One line with the key fields, e.g.
/// `ClientHello versions=[TLS1.3] suites=[TLS_AES_128_GCM_SHA256] groups=[x25519] key_shares=[x25519] sni=localhost`.
impl fmt::Display for HandshakeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HandshakePayload as P;
        if self.typ != self.payload.typ() {
            write!(f, "[type {}] ", self.typ)?;
        }
        match &self.payload {
            P::HelloRequest => f.write_str("HelloRequest"),
            P::ClientHello(ch) => ch.fmt(f),
            P::ServerHello(sh) => sh.fmt(f),
            P::NewSessionTicket(t) => {
                write!(
                    f,
                    "NewSessionTicket lifetime={} ticket={}",
                    t.lifetime,
                    size(t.ticket.len())
                )?;
                if let Some(m) = t.max_early_data() {
                    write!(f, " early_data={m}")?;
                }
                Ok(())
            }
            P::NewSessionTicketTls12(t) => write!(
                f,
                "NewSessionTicket lifetime_hint={} ticket={}",
                t.lifetime_hint,
                size(t.ticket.len())
            ),
            P::EndOfEarlyData => f.write_str("EndOfEarlyData"),
            P::EncryptedExtensions(e) => {
                f.write_str("EncryptedExtensions")?;
                if !e.is_empty() {
                    let d: Vec<_> = e.iter().map(Extension::describe).collect();
                    write!(f, " {}", d.join(" "))?;
                }
                Ok(())
            }
            P::Certificate(c) => write!(f, "Certificate {}", entries(c.entries.len())),
            P::CertificateTls12(c) => write!(f, "Certificate {}", entries(c.len())),
            P::ServerKeyExchange(s) => write!(
                f,
                "ServerKeyExchange group={} scheme={} sig={}",
                s.named_group,
                s.scheme,
                size(s.signature.len())
            ),
            P::CertificateRequest(c) => {
                f.write_str("CertificateRequest")?;
                for e in &c.extensions {
                    write!(f, " {}", e.describe())?;
                }
                Ok(())
            }
            P::CertificateRequestTls12(c) => write!(
                f,
                "CertificateRequest types=[{}] sig_algs=[{}] cas={}",
                join(&c.certificate_types),
                join(&c.signature_schemes),
                c.ca_names.len()
            ),
            P::ServerHelloDone => f.write_str("ServerHelloDone"),
            P::CertificateVerify(cv) => write!(
                f,
                "CertificateVerify {} sig={}",
                cv.scheme,
                size(cv.signature.len())
            ),
            P::ClientKeyExchange(p) => write!(f, "ClientKeyExchange {}", size(p.len())),
            P::Finished(d) => write!(f, "Finished {}", size(d.len())),
            P::KeyUpdate(k) => write!(f, "KeyUpdate {k}"),
            P::MessageHash(d) => write!(f, "MessageHash {}", size(d.len())),
            P::Unknown(t, d) => write!(f, "{} {}", t, size(d.len())),
        }
    }
}

fn entries(n: usize) -> String {
    if n == 1 {
        "1 entry".into()
    } else {
        format!("{n} entries")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn empty_bodies_must_be_empty() {
        assert!(HandshakeMessage::decode_with(&[14, 0, 0, 0], &DecodeCtx::TLS12).is_ok());
        let e = HandshakeMessage::decode_with(&[14, 0, 0, 1, 0], &DecodeCtx::TLS12).unwrap_err();
        assert_eq!(e.to_string(), "ServerHelloDone body: 1 trailing bytes");
    }

    #[test]
    fn trailing_after_message() {
        assert!(HandshakeMessage::decode_with(&[20, 0, 0, 1, 0, 9], &DecodeCtx::TLS13).is_err());
    }

    #[test]
    fn camel_case() {
        assert_eq!(camel("client_hello"), "ClientHello");
    }
}

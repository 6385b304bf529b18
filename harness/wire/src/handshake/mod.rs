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

/// Getters over a message's `extensions`: each reads the first extension of one variant.
/// An entry is `name -> Type { Variant(binding) => value }`, the value an `Option<Type>`.
macro_rules! extension_getters {
    ($( $(#[$doc:meta])* $name:ident -> $ty:ty { $var:ident($b:ident) => $val:expr } )*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self) -> Option<$ty> {
                self.extensions.iter().find_map(|e| match e {
                    Extension::$var($b) => $val,
                    _ => None,
                })
            }
        )*
    };
}

/// A hello's lookups by extension type: the first of a type, mutably, and the first type
/// that appears twice.
macro_rules! extension_lookups {
    () => {
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
    };
}

mod display;
mod hello;

pub use hello::{ClientHello, ServerHello};

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
    extension_getters! {
        /// max_early_data_size, if the early_data extension is present.
        max_early_data -> u32 { EarlyDataMax(v) => Some(*v) }
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

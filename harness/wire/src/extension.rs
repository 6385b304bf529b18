//! Extensions (RFC 8446 4.2 and friends). The form a context-dependent extension takes
//! depends on the message that carries it, see [`ExtensionContext`].

use std::fmt;

use crate::codec::{
    Codec, Context, DecodeError, DecodeErrorKind, Reader, put_list, put_opaque, put_prefixed,
    put_u16, put_u32,
};
use crate::enums::{
    ECPointFormat, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, ServerNameType,
    SignatureScheme,
};

/// The message an extension list belongs to; decides the form of context-dependent
/// extensions (supported_versions, key_share, pre_shared_key, early_data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionContext {
    /// ClientHello.
    ClientHello,
    /// ServerHello (TLS 1.3, or not yet known).
    ServerHello,
    /// HelloRetryRequest (a ServerHello with [`crate::HRR_RANDOM`]).
    HelloRetryRequest,
    /// EncryptedExtensions.
    EncryptedExtensions,
    /// A CertificateEntry of a TLS 1.3 Certificate.
    Certificate,
    /// TLS 1.3 CertificateRequest.
    CertificateRequest,
    /// TLS 1.3 NewSessionTicket.
    NewSessionTicket,
}

impl ExtensionContext {
    /// Every context.
    pub const ALL: [ExtensionContext; 7] = [
        Self::ClientHello,
        Self::ServerHello,
        Self::HelloRetryRequest,
        Self::EncryptedExtensions,
        Self::Certificate,
        Self::CertificateRequest,
        Self::NewSessionTicket,
    ];

    /// The message name, as used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClientHello => "ClientHello",
            Self::ServerHello => "ServerHello",
            Self::HelloRetryRequest => "HelloRetryRequest",
            Self::EncryptedExtensions => "EncryptedExtensions",
            Self::Certificate => "Certificate",
            Self::CertificateRequest => "CertificateRequest",
            Self::NewSessionTicket => "NewSessionTicket",
        }
    }

    fn is_server_hello(self) -> bool {
        self == Self::ServerHello
    }
}

impl fmt::Display for ExtensionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One entry of a server_name list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerNameEntry {
    /// `host_name` (0) normally.
    pub name_type: ServerNameType,
    /// The name bytes (a DNS host name for `host_name`).
    pub name: Vec<u8>,
}

impl ServerNameEntry {
    /// A `host_name` entry.
    pub fn host_name(name: impl Into<Vec<u8>>) -> Self {
        Self {
            name_type: ServerNameType::HostName,
            name: name.into(),
        }
    }
}

impl Codec for ServerNameEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.name_type.encode(out);
        put_opaque(out, 2, &self.name);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let name_type = ServerNameType::read(r)?;
        let name = r.opaque_u16()?.to_vec();
        Ok(Self { name_type, name })
    }
}

/// A `KeyShareEntry`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyShareEntry {
    /// The group.
    pub group: NamedGroup,
    /// The public value (`key_exchange<1..2^16-1>`).
    pub key_exchange: Vec<u8>,
}

impl KeyShareEntry {
    /// An entry.
    pub fn new(group: NamedGroup, key_exchange: impl Into<Vec<u8>>) -> Self {
        Self {
            group,
            key_exchange: key_exchange.into(),
        }
    }
}

impl Codec for KeyShareEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.group.encode(out);
        put_opaque(out, 2, &self.key_exchange);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let group = NamedGroup::read(r)?;
        let key_exchange = r.opaque_u16()?;
        if key_exchange.is_empty() {
            return Err(DecodeError::invalid(format!(
                "key share for {group}: empty key_exchange"
            )));
        }
        Ok(Self {
            group,
            key_exchange: key_exchange.to_vec(),
        })
    }
}

/// A `PskIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PskIdentity {
    /// `identity<1..2^16-1>`.
    pub identity: Vec<u8>,
    /// `obfuscated_ticket_age`.
    pub obfuscated_ticket_age: u32,
}

impl Codec for PskIdentity {
    fn encode(&self, out: &mut Vec<u8>) {
        put_opaque(out, 2, &self.identity);
        put_u32(out, self.obfuscated_ticket_age);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let identity = r.opaque_u16()?;
        if identity.is_empty() {
            return Err(DecodeError::invalid("empty PSK identity"));
        }
        let obfuscated_ticket_age = r.u32()?;
        Ok(Self {
            identity: identity.to_vec(),
            obfuscated_ticket_age,
        })
    }
}

/// The ClientHello pre_shared_key body: `OfferedPsks`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct OfferedPsks {
    /// `identities<7..2^16-1>`.
    pub identities: Vec<PskIdentity>,
    /// `binders<33..2^16-1>`, each `PskBinderEntry<32..255>`.
    pub binders: Vec<Vec<u8>>,
}

impl OfferedPsks {
    /// Encoded size of the binders vector including its 2-byte length: the number of
    /// bytes to cut off the end of an encoded ClientHello (pre_shared_key is last) to get
    /// the partial ClientHello that binders are computed over (RFC 8446 4.2.11.2).
    pub fn binders_len(&self) -> usize {
        2 + self.binders.iter().map(|b| 1 + b.len()).sum::<usize>()
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        put_list(out, 2, &self.identities);
        put_prefixed(out, 2, |o| {
            for b in &self.binders {
                put_opaque(o, 1, b);
            }
        });
    }

    fn read_body(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let identities = r.list::<PskIdentity>(2, 7, 0).context("identities")?;
        let binders = r
            .list_with(2, 33, 0, |r| {
                let b = r.opaque_u8()?;
                if b.len() < 32 {
                    return Err(DecodeError::new(DecodeErrorKind::TooShort {
                        len: b.len(),
                        min: 32,
                    }));
                }
                Ok(b.to_vec())
            })
            .context("binders")?;
        Ok(Self {
            identities,
            binders,
        })
    }
}

/// An extension, typed where this crate knows the body, raw otherwise.
///
/// All fields are plain data: invalid values can be built on purpose. A known type
/// that appears in a message where it has no defined form here (e.g. key_share in
/// EncryptedExtensions) decodes as [`Extension::Unknown`] with its real `typ`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Extension {
    /// server_name (0). An empty list encodes as an empty body (the server's ack).
    ServerName(Vec<ServerNameEntry>),
    /// status_request (5), raw body (CertificateStatusRequest, or in a TLS 1.3
    /// CertificateEntry the CertificateStatus).
    StatusRequest(Vec<u8>),
    /// supported_groups (10).
    SupportedGroups(Vec<NamedGroup>),
    /// ec_point_formats (11).
    EcPointFormats(Vec<ECPointFormat>),
    /// signature_algorithms (13).
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// application_layer_protocol_negotiation (16).
    Alpn(Vec<Vec<u8>>),
    /// signed_certificate_timestamp (18), raw body.
    SignedCertificateTimestamp(Vec<u8>),
    /// padding (21), raw body (normally zeros).
    Padding(Vec<u8>),
    /// encrypt_then_mac (22), empty.
    EncryptThenMac,
    /// extended_master_secret (23), empty.
    ExtendedMasterSecret,
    /// record_size_limit (28).
    RecordSizeLimit(u16),
    /// session_ticket (35), raw body (the ticket, or empty).
    SessionTicket(Vec<u8>),
    /// pre_shared_key (41) in ClientHello.
    PreSharedKeyClient(OfferedPsks),
    /// pre_shared_key (41) in ServerHello: selected identity.
    PreSharedKeyServer(u16),
    /// early_data (42), empty (ClientHello, EncryptedExtensions).
    EarlyData,
    /// early_data (42) in NewSessionTicket: max_early_data_size.
    EarlyDataMax(u32),
    /// supported_versions (43) in ClientHello.
    SupportedVersionsClient(Vec<ProtocolVersion>),
    /// supported_versions (43) in ServerHello / HelloRetryRequest.
    SupportedVersionsServer(ProtocolVersion),
    /// cookie (44).
    Cookie(Vec<u8>),
    /// psk_key_exchange_modes (45).
    PskKeyExchangeModes(Vec<PskKeyExchangeMode>),
    /// certificate_authorities (47): DER DistinguishedNames.
    CertificateAuthorities(Vec<Vec<u8>>),
    /// oid_filters (48), raw body.
    OidFilters(Vec<u8>),
    /// post_handshake_auth (49), empty.
    PostHandshakeAuth,
    /// signature_algorithms_cert (50).
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// key_share (51) in ClientHello.
    KeyShareClient(Vec<KeyShareEntry>),
    /// key_share (51) in ServerHello.
    KeyShareServer(KeyShareEntry),
    /// key_share (51) in HelloRetryRequest: selected_group.
    KeyShareHrr(NamedGroup),
    /// renegotiation_info (0xff01): `renegotiated_connection<0..255>`.
    RenegotiationInfo(Vec<u8>),
    /// Any other extension, raw.
    Unknown {
        /// Its type.
        typ: ExtensionType,
        /// Its body.
        data: Vec<u8>,
    },
}

impl Extension {
    /// The extension type.
    pub fn typ(&self) -> ExtensionType {
        use ExtensionType as T;
        match self {
            Self::ServerName(_) => T::ServerName,
            Self::StatusRequest(_) => T::StatusRequest,
            Self::SupportedGroups(_) => T::SupportedGroups,
            Self::EcPointFormats(_) => T::EcPointFormats,
            Self::SignatureAlgorithms(_) => T::SignatureAlgorithms,
            Self::Alpn(_) => T::Alpn,
            Self::SignedCertificateTimestamp(_) => T::SignedCertificateTimestamp,
            Self::Padding(_) => T::Padding,
            Self::EncryptThenMac => T::EncryptThenMac,
            Self::ExtendedMasterSecret => T::ExtendedMasterSecret,
            Self::RecordSizeLimit(_) => T::RecordSizeLimit,
            Self::SessionTicket(_) => T::SessionTicket,
            Self::PreSharedKeyClient(_) | Self::PreSharedKeyServer(_) => T::PreSharedKey,
            Self::EarlyData | Self::EarlyDataMax(_) => T::EarlyData,
            Self::SupportedVersionsClient(_) | Self::SupportedVersionsServer(_) => {
                T::SupportedVersions
            }
            Self::Cookie(_) => T::Cookie,
            Self::PskKeyExchangeModes(_) => T::PskKeyExchangeModes,
            Self::CertificateAuthorities(_) => T::CertificateAuthorities,
            Self::OidFilters(_) => T::OidFilters,
            Self::PostHandshakeAuth => T::PostHandshakeAuth,
            Self::SignatureAlgorithmsCert(_) => T::SignatureAlgorithmsCert,
            Self::KeyShareClient(_) | Self::KeyShareServer(_) | Self::KeyShareHrr(_) => T::KeyShare,
            Self::RenegotiationInfo(_) => T::RenegotiationInfo,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    /// Writes the extension body (without type and length).
    pub fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::ServerName(list) => {
                if !list.is_empty() {
                    put_list(out, 2, list);
                }
            }
            Self::StatusRequest(d)
            | Self::SignedCertificateTimestamp(d)
            | Self::Padding(d)
            | Self::SessionTicket(d)
            | Self::OidFilters(d) => out.extend_from_slice(d),
            Self::Unknown { data, .. } => out.extend_from_slice(data),
            Self::SupportedGroups(v) => put_list(out, 2, v),
            Self::EcPointFormats(v) => put_list(out, 1, v),
            Self::SignatureAlgorithms(v) | Self::SignatureAlgorithmsCert(v) => put_list(out, 2, v),
            Self::Alpn(names) => put_prefixed(out, 2, |o| {
                for n in names {
                    put_opaque(o, 1, n);
                }
            }),
            Self::EncryptThenMac
            | Self::ExtendedMasterSecret
            | Self::EarlyData
            | Self::PostHandshakeAuth => {}
            Self::RecordSizeLimit(v) | Self::PreSharedKeyServer(v) => put_u16(out, *v),
            Self::PreSharedKeyClient(p) => p.encode_body(out),
            Self::EarlyDataMax(v) => put_u32(out, *v),
            Self::SupportedVersionsClient(v) => put_list(out, 1, v),
            Self::SupportedVersionsServer(v) => v.encode(out),
            Self::Cookie(c) => put_opaque(out, 2, c),
            Self::PskKeyExchangeModes(v) => put_list(out, 1, v),
            Self::CertificateAuthorities(names) => put_prefixed(out, 2, |o| {
                for n in names {
                    put_opaque(o, 2, n);
                }
            }),
            Self::KeyShareClient(v) => put_list(out, 2, v),
            Self::KeyShareServer(e) => e.encode(out),
            Self::KeyShareHrr(g) => g.encode(out),
            Self::RenegotiationInfo(d) => put_opaque(out, 1, d),
        }
    }

    /// The body bytes.
    pub fn body_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode_body(&mut v);
        v
    }

    /// Writes type, 2-byte length and body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.typ().encode(out);
        put_prefixed(out, 2, |o| self.encode_body(o));
    }

    /// The encoding (type, length, body).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }

    /// Reads one extension (type, length, body) as found in a `ctx` message.
    pub fn read_in(r: &mut Reader<'_>, ctx: ExtensionContext) -> Result<Self, DecodeError> {
        let typ = ExtensionType::read(r).context("extension type")?;
        let body = r
            .opaque_u16()
            .with_context(|| format!("extension {} ({}) in {ctx}", typ, typ.get()))?;
        Self::decode_body(typ, body, ctx)
    }

    /// Decodes an extension body of type `typ` found in a `ctx` message.
    /// The body must be consumed entirely.
    pub fn decode_body(
        typ: ExtensionType,
        body: &[u8],
        ctx: ExtensionContext,
    ) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        Self::read_body(typ, &mut r, ctx)
            .and_then(|e| r.expect_end().map(|()| e))
            .with_context(|| format!("extension {} ({}) in {ctx}", typ, typ.get()))
    }

    fn read_body(
        typ: ExtensionType,
        r: &mut Reader<'_>,
        ctx: ExtensionContext,
    ) -> Result<Self, DecodeError> {
        use ExtensionContext as C;
        use ExtensionType as T;
        let raw = |r: &mut Reader<'_>| r.rest().to_vec();
        Ok(match typ {
            T::ServerName => {
                if r.any_left() {
                    Self::ServerName(r.list::<ServerNameEntry>(2, 1, 0)?)
                } else {
                    Self::ServerName(Vec::new())
                }
            }
            T::StatusRequest => Self::StatusRequest(raw(r)),
            T::SupportedGroups => Self::SupportedGroups(r.list(2, 2, 2)?),
            T::EcPointFormats => Self::EcPointFormats(r.list(1, 1, 1)?),
            T::SignatureAlgorithms => Self::SignatureAlgorithms(r.list(2, 2, 2)?),
            T::SignatureAlgorithmsCert => Self::SignatureAlgorithmsCert(r.list(2, 2, 2)?),
            T::Alpn => Self::Alpn(r.list_with(2, 2, 0, |r| {
                let n = r.opaque_u8()?;
                if n.is_empty() {
                    return Err(DecodeError::invalid("empty protocol name"));
                }
                Ok(n.to_vec())
            })?),
            T::SignedCertificateTimestamp => Self::SignedCertificateTimestamp(raw(r)),
            T::Padding => Self::Padding(raw(r)),
            T::EncryptThenMac => Self::EncryptThenMac,
            T::ExtendedMasterSecret => Self::ExtendedMasterSecret,
            T::RecordSizeLimit => Self::RecordSizeLimit(r.u16()?),
            T::SessionTicket => Self::SessionTicket(raw(r)),
            T::PreSharedKey if ctx == C::ClientHello => {
                Self::PreSharedKeyClient(OfferedPsks::read_body(r)?)
            }
            T::PreSharedKey if ctx.is_server_hello() => Self::PreSharedKeyServer(r.u16()?),
            T::EarlyData if ctx == C::NewSessionTicket => Self::EarlyDataMax(r.u32()?),
            T::EarlyData => Self::EarlyData,
            T::SupportedVersions if ctx == C::ClientHello => {
                Self::SupportedVersionsClient(r.list(1, 2, 2)?)
            }
            T::SupportedVersions if ctx.is_server_hello() || ctx == C::HelloRetryRequest => {
                Self::SupportedVersionsServer(ProtocolVersion::read(r)?)
            }
            T::Cookie => {
                let c = r.opaque_u16()?;
                if c.is_empty() {
                    return Err(DecodeError::invalid("empty cookie"));
                }
                Self::Cookie(c.to_vec())
            }
            T::PskKeyExchangeModes => Self::PskKeyExchangeModes(r.list(1, 1, 1)?),
            T::CertificateAuthorities => {
                Self::CertificateAuthorities(r.list_with(2, 3, 0, |r| {
                    let n = r.opaque_u16()?;
                    if n.is_empty() {
                        return Err(DecodeError::invalid("empty DistinguishedName"));
                    }
                    Ok(n.to_vec())
                })?)
            }
            T::OidFilters => Self::OidFilters(raw(r)),
            T::PostHandshakeAuth => Self::PostHandshakeAuth,
            T::KeyShare if ctx == C::ClientHello => Self::KeyShareClient(r.list(2, 0, 0)?),
            T::KeyShare if ctx.is_server_hello() => Self::KeyShareServer(KeyShareEntry::read(r)?),
            T::KeyShare if ctx == C::HelloRetryRequest => Self::KeyShareHrr(NamedGroup::read(r)?),
            T::RenegotiationInfo => Self::RenegotiationInfo(r.opaque_u8()?.to_vec()),
            _ => Self::Unknown { typ, data: raw(r) },
        })
    }

    /// A short human-readable form, e.g. `server_name=localhost`, `key_share=[x25519]`.
    pub fn describe(&self) -> String {
        let list = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(",");
        match self {
            Self::ServerName(l) if l.is_empty() => "server_name".into(),
            Self::ServerName(l) => format!(
                "server_name={}",
                list(&mut l.iter().map(|e| printable(&e.name)))
            ),
            Self::SupportedGroups(v) => {
                format!("groups=[{}]", list(&mut v.iter().map(|g| g.to_string())))
            }
            Self::SignatureAlgorithms(v) => {
                format!("sig_algs=[{}]", list(&mut v.iter().map(|g| g.to_string())))
            }
            Self::SignatureAlgorithmsCert(v) => {
                format!(
                    "sig_algs_cert=[{}]",
                    list(&mut v.iter().map(|g| g.to_string()))
                )
            }
            Self::Alpn(v) => format!("alpn=[{}]", list(&mut v.iter().map(|p| printable(p)))),
            Self::SupportedVersionsClient(v) => {
                format!("versions=[{}]", list(&mut v.iter().map(|g| g.to_string())))
            }
            Self::SupportedVersionsServer(v) => format!("version={v}"),
            Self::KeyShareClient(v) => {
                format!(
                    "key_shares=[{}]",
                    list(&mut v.iter().map(|k| k.group.to_string()))
                )
            }
            Self::KeyShareServer(k) => format!("key_share={}", k.group),
            Self::KeyShareHrr(g) => format!("group={g}"),
            Self::PreSharedKeyClient(p) => format!("psk={}", p.identities.len()),
            Self::PreSharedKeyServer(i) => format!("psk_selected={i}"),
            Self::EarlyDataMax(v) => format!("early_data={v}"),
            Self::Cookie(c) => format!("cookie={}B", c.len()),
            Self::RecordSizeLimit(v) => format!("record_size_limit={v}"),
            Self::PskKeyExchangeModes(v) => {
                format!("psk_modes=[{}]", list(&mut v.iter().map(|g| g.to_string())))
            }
            Self::Unknown { typ, data } => format!("{typ}({}B)", data.len()),
            other => other.typ().to_string(),
        }
    }
}

/// Bytes as text for a transcript: UTF-8 (lossy) with control characters escaped.
pub(crate) fn printable(b: &[u8]) -> String {
    String::from_utf8_lossy(b).escape_debug().to_string()
}

impl fmt::Display for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Reads a u16-length-prefixed extension list in a `ctx` message (order and
/// duplicates kept).
pub fn read_extensions(
    r: &mut Reader<'_>,
    ctx: ExtensionContext,
) -> Result<Vec<Extension>, DecodeError> {
    r.list_with(2, 0, 0, |r| Extension::read_in(r, ctx))
        .with_context(|| format!("{ctx}.extensions"))
}

/// Writes a u16-length-prefixed extension list.
pub fn encode_extensions(out: &mut Vec<u8>, exts: &[Extension]) {
    put_prefixed(out, 2, |o| {
        for e in exts {
            e.encode(o);
        }
    });
}

/// Lookups on an extension list.
pub trait ExtensionList {
    /// The first extension of type `typ`.
    fn find_extension(&self, typ: ExtensionType) -> Option<&Extension>;
    /// The first extension type that appears more than once.
    fn duplicate_extension(&self) -> Option<ExtensionType>;
}

impl ExtensionList for [Extension] {
    fn find_extension(&self, typ: ExtensionType) -> Option<&Extension> {
        self.iter().find(|e| e.typ() == typ)
    }

    fn duplicate_extension(&self) -> Option<ExtensionType> {
        let mut seen = std::collections::HashSet::new();
        self.iter().map(Extension::typ).find(|t| !seen.insert(*t))
    }
}

impl ExtensionList for Vec<Extension> {
    fn find_extension(&self, typ: ExtensionType) -> Option<&Extension> {
        self.as_slice().find_extension(typ)
    }
    fn duplicate_extension(&self) -> Option<ExtensionType> {
        self.as_slice().duplicate_extension()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn key_share_truncated_names_extension_and_message() {
        // key_share in ServerHello: group x25519, length 32, but 3 bytes.
        let bytes = [0, 51, 0, 7, 0, 0x1d, 0, 32, 1, 2, 3];
        let e = Extension::read_in(&mut Reader::new(&bytes), ExtensionContext::ServerHello)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "extension key_share (51) in ServerHello: truncated, needed 32 bytes, 3 left"
        );
    }

    #[test]
    fn context_dependent_forms() {
        let body = [0x00, 0x17];
        assert_eq!(
            Extension::decode_body(
                ExtensionType::KeyShare,
                &body,
                ExtensionContext::HelloRetryRequest
            ),
            Ok(Extension::KeyShareHrr(NamedGroup::Secp256r1))
        );
        assert_eq!(
            Extension::decode_body(
                ExtensionType::KeyShare,
                &body,
                ExtensionContext::EncryptedExtensions
            ),
            Ok(Extension::Unknown {
                typ: ExtensionType::KeyShare,
                data: body.to_vec()
            })
        );
        assert_eq!(
            Extension::decode_body(
                ExtensionType::EarlyData,
                &[0, 0, 4, 0],
                ExtensionContext::NewSessionTicket
            ),
            Ok(Extension::EarlyDataMax(1024))
        );
        assert!(
            Extension::decode_body(
                ExtensionType::EarlyData,
                &[0],
                ExtensionContext::ClientHello
            )
            .is_err()
        );
    }

    #[test]
    fn binders_len_matches_encoding() {
        let p = OfferedPsks {
            identities: vec![PskIdentity {
                identity: vec![1; 10],
                obfuscated_ticket_age: 7,
            }],
            binders: vec![vec![9; 32], vec![8; 48]],
        };
        let body = Extension::PreSharedKeyClient(p.clone()).body_bytes();
        assert_eq!(body.len(), 2 + 2 + 10 + 4 + p.binders_len());
        assert_eq!(p.binders_len(), 2 + 33 + 49);
    }
}

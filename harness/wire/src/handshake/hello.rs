//! ClientHello and ServerHello (RFC 8446 4.1.2, 4.1.3; RFC 5246 7.4.1.2, 7.4.1.3).

use super::*;

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
    extension_lookups!();

    extension_getters! {
        /// supported_versions list.
        supported_versions -> &[ProtocolVersion] { SupportedVersionsClient(v) => Some(v.as_slice()) }
        /// key_share entries.
        key_shares -> &[KeyShareEntry] { KeyShareClient(v) => Some(v.as_slice()) }
        /// supported_groups list.
        supported_groups -> &[NamedGroup] { SupportedGroups(v) => Some(v.as_slice()) }
        /// signature_algorithms list.
        signature_algorithms -> &[SignatureScheme] { SignatureAlgorithms(v) => Some(v.as_slice()) }
        /// signature_algorithms_cert list.
        signature_algorithms_cert -> &[SignatureScheme] { SignatureAlgorithmsCert(v) => Some(v.as_slice()) }
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

    extension_getters! {
        /// ALPN protocol list.
        alpn -> &[Vec<u8>] { Alpn(v) => Some(v.as_slice()) }
        /// pre_shared_key offer.
        psk -> &OfferedPsks { PreSharedKeyClient(p) => Some(p) }
        /// psk_key_exchange_modes.
        psk_modes -> &[PskKeyExchangeMode] { PskKeyExchangeModes(v) => Some(v.as_slice()) }
        /// cookie.
        cookie -> &[u8] { Cookie(c) => Some(c.as_slice()) }
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

    pub(super) fn encode_body(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_opaque(out, 1, &self.session_id);
        put_list(out, 2, &self.cipher_suites);
        put_list(out, 1, &self.compression_methods);
        encode_hello_extensions(out, &self.extensions, self.extensions_present);
    }

    pub(super) fn read_body(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
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
        let (extensions, extensions_present) =
            read_hello_extensions(r, ExtensionContext::ClientHello)?;
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

    extension_lookups!();

    extension_getters! {
        /// supported_versions.selected_version.
        supported_version -> ProtocolVersion { SupportedVersionsServer(v) => Some(*v) }
    }

    /// The version this ServerHello selects: supported_versions if present, else
    /// `legacy_version`.
    pub fn selected_version(&self) -> ProtocolVersion {
        self.supported_version().unwrap_or(self.legacy_version)
    }

    extension_getters! {
        /// key_share (ServerHello form).
        key_share -> &KeyShareEntry { KeyShareServer(k) => Some(k) }
        /// key_share.selected_group (HelloRetryRequest form).
        hrr_group -> NamedGroup { KeyShareHrr(g) => Some(*g) }
        /// cookie.
        cookie -> &[u8] { Cookie(c) => Some(c.as_slice()) }
        /// pre_shared_key.selected_identity.
        psk_index -> u16 { PreSharedKeyServer(i) => Some(*i) }
        /// ALPN selection (the first protocol of the list).
        alpn -> &[u8] { Alpn(v) => v.first().map(Vec::as_slice) }
    }

    pub(super) fn encode_body(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_opaque(out, 1, &self.session_id);
        self.cipher_suite.encode(out);
        self.compression_method.encode(out);
        encode_hello_extensions(out, &self.extensions, self.extensions_present);
    }

    pub(super) fn read_body(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
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
        let (extensions, extensions_present) = read_hello_extensions(r, ctx)?;
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

/// A hello's extensions block, written when it is marked present or holds any extension.
fn encode_hello_extensions(out: &mut Vec<u8>, extensions: &[Extension], present: bool) {
    if present || !extensions.is_empty() {
        encode_extensions(out, extensions);
    }
}

/// A hello's extensions block, which may be absent (RFC 5246 7.4.1.2): the extensions and
/// whether the block was there.
fn read_hello_extensions(
    r: &mut Reader<'_>,
    ctx: ExtensionContext,
) -> Result<(Vec<Extension>, bool), DecodeError> {
    if r.any_left() {
        Ok((read_extensions(r, ctx)?, true))
    } else {
        Ok((Vec::new(), false))
    }
}

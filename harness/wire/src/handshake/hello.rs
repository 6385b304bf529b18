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

    pub(super) fn encode_body(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_opaque(out, 1, &self.session_id);
        put_list(out, 2, &self.cipher_suites);
        put_list(out, 1, &self.compression_methods);
        if self.extensions_present || !self.extensions.is_empty() {
            encode_extensions(out, &self.extensions);
        }
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

    pub(super) fn encode_body(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_opaque(out, 1, &self.session_id);
        self.cipher_suite.encode(out);
        self.compression_method.encode(out);
        if self.extensions_present || !self.extensions.is_empty() {
            encode_extensions(out, &self.extensions);
        }
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

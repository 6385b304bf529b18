//! Code-point enums. Every enum keeps values it has no name for in `Unknown`, so any
//! byte string decodes and re-encodes unchanged. Equality and hashing go by the wire
//! value: `CipherSuite::Unknown(0x1301) == CipherSuite::TLS_AES_128_GCM_SHA256`.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::codec::{Codec, DecodeError, Reader};

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $ty:ident {
            $( $var:ident = $val:literal => $iana:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy)]
        pub enum $name {
            $(
                #[doc = concat!("`", $iana, "` (", stringify!($val), ")")]
                $var,
            )*
            /// A value without a name here, kept as is.
            Unknown($ty),
        }

        impl $name {
            /// Every named value, in code-point order of declaration.
            pub const KNOWN: &'static [$name] = &[$($name::$var),*];

            /// The wire value.
            pub const fn get(self) -> $ty {
                match self {
                    $( $name::$var => $val, )*
                    $name::Unknown(v) => v,
                }
            }

            /// The variant for a wire value (`Unknown` if it has no name here).
            pub const fn from_value(v: $ty) -> Self {
                match v {
                    $( $val => $name::$var, )*
                    other => $name::Unknown(other),
                }
            }

            /// The IANA name, or `"unknown"`.
            pub fn name(&self) -> &'static str {
                match Self::from_value(self.get()) {
                    $( $name::$var => $iana, )*
                    $name::Unknown(_) => "unknown",
                }
            }

            /// Whether this value has a name here.
            pub fn is_known(&self) -> bool {
                !matches!(Self::from_value(self.get()), $name::Unknown(_))
            }

            /// Looks a value up by its IANA name (as [`Self::name`] gives it).
            pub fn from_name(name: &str) -> Option<Self> {
                Self::KNOWN.iter().copied().find(|v| v.name() == name)
            }
        }

        impl From<$ty> for $name {
            fn from(v: $ty) -> Self {
                Self::from_value(v)
            }
        }

        impl From<$name> for $ty {
            fn from(v: $name) -> $ty {
                v.get()
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.get() == other.get()
            }
        }

        impl Eq for $name {}

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.get().hash(state)
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.get().cmp(&other.get())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match Self::from_value(self.get()) {
                    $( $name::$var => f.write_str(stringify!($var)), )*
                    $name::Unknown(v) => {
                        write!(f, "Unknown({:#0w$x})", v, w = 2 + 2 * std::mem::size_of::<$ty>())
                    }
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.is_known() {
                    f.write_str(self.name())
                } else {
                    write!(f, "unknown({:#0w$x})", self.get(), w = 2 + 2 * std::mem::size_of::<$ty>())
                }
            }
        }

        impl Codec for $name {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.get().to_be_bytes());
            }
            fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                r.$ty().map(Self::from_value)
            }
        }
    };
}

macro_rules! grease {
    ($($name:ident),*) => {$(
        impl $name {
            /// Whether this is a GREASE value (RFC 8701): `0x?a?a` with equal bytes.
            pub const fn is_grease(self) -> bool {
                let v = self.get();
                (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff)
            }
        }
    )*};
}

wire_enum! {
    /// `ProtocolVersion` (record and hello `legacy_version`, supported_versions).
    /// Display / name: `TLS1.3`, `SSLv3`, ...
    pub enum ProtocolVersion: u16 {
        SSLv2 = 0x0200 => "SSLv2",
        SSLv3 = 0x0300 => "SSLv3",
        TLSv1_0 = 0x0301 => "TLS1.0",
        TLSv1_1 = 0x0302 => "TLS1.1",
        TLSv1_2 = 0x0303 => "TLS1.2",
        TLSv1_3 = 0x0304 => "TLS1.3",
        DTLSv1_0 = 0xfeff => "DTLS1.0",
        DTLSv1_2 = 0xfefd => "DTLS1.2",
        DTLSv1_3 = 0xfefc => "DTLS1.3",
    }
}

wire_enum! {
    /// `ContentType` of a record.
    pub enum ContentType: u8 {
        Invalid = 0 => "invalid",
        ChangeCipherSpec = 20 => "change_cipher_spec",
        Alert = 21 => "alert",
        Handshake = 22 => "handshake",
        ApplicationData = 23 => "application_data",
        Heartbeat = 24 => "heartbeat",
        Tls12Cid = 25 => "tls12_cid",
        Ack = 26 => "ACK",
    }
}

wire_enum! {
    /// `HandshakeType`.
    pub enum HandshakeType: u8 {
        HelloRequest = 0 => "hello_request",
        ClientHello = 1 => "client_hello",
        ServerHello = 2 => "server_hello",
        HelloVerifyRequest = 3 => "hello_verify_request",
        NewSessionTicket = 4 => "new_session_ticket",
        EndOfEarlyData = 5 => "end_of_early_data",
        HelloRetryRequest = 6 => "hello_retry_request",
        EncryptedExtensions = 8 => "encrypted_extensions",
        RequestConnectionId = 9 => "request_connection_id",
        NewConnectionId = 10 => "new_connection_id",
        Certificate = 11 => "certificate",
        ServerKeyExchange = 12 => "server_key_exchange",
        CertificateRequest = 13 => "certificate_request",
        ServerHelloDone = 14 => "server_hello_done",
        CertificateVerify = 15 => "certificate_verify",
        ClientKeyExchange = 16 => "client_key_exchange",
        ClientCertificateRequest = 17 => "client_certificate_request",
        Finished = 20 => "finished",
        CertificateUrl = 21 => "certificate_url",
        CertificateStatus = 22 => "certificate_status",
        SupplementalData = 23 => "supplemental_data",
        KeyUpdate = 24 => "key_update",
        CompressedCertificate = 25 => "compressed_certificate",
        EktKey = 26 => "ekt_key",
        MessageHash = 254 => "message_hash",
    }
}

wire_enum! {
    /// `CipherSuite` (variants carry the IANA names).
    #[allow(non_camel_case_types)]
    pub enum CipherSuite: u16 {
        TLS_NULL_WITH_NULL_NULL = 0x0000 => "TLS_NULL_WITH_NULL_NULL",
        TLS_RSA_WITH_RC4_128_SHA = 0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        TLS_RSA_WITH_3DES_EDE_CBC_SHA = 0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        TLS_RSA_WITH_AES_128_CBC_SHA = 0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        TLS_RSA_WITH_AES_128_CBC_SHA256 = 0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        TLS_RSA_WITH_AES_256_CBC_SHA256 = 0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 = 0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 = 0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        TLS_AES_128_GCM_SHA256 = 0x1301 => "TLS_AES_128_GCM_SHA256",
        TLS_AES_256_GCM_SHA384 = 0x1302 => "TLS_AES_256_GCM_SHA384",
        TLS_CHACHA20_POLY1305_SHA256 = 0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        TLS_AES_128_CCM_SHA256 = 0x1304 => "TLS_AES_128_CCM_SHA256",
        TLS_AES_128_CCM_8_SHA256 = 0x1305 => "TLS_AES_128_CCM_8_SHA256",
        TLS_FALLBACK_SCSV = 0x5600 => "TLS_FALLBACK_SCSV",
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA = 0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 = 0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 = 0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 = 0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 = 0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    }
}

impl CipherSuite {
    /// Whether this is one of the TLS 1.3 suites (0x1301..=0x1305).
    pub fn is_tls13(self) -> bool {
        (0x1301..=0x1305).contains(&self.get())
    }
}

wire_enum! {
    /// `NamedGroup` (supported_groups, key_share, ServerKeyExchange).
    pub enum NamedGroup: u16 {
        Secp256r1 = 0x0017 => "secp256r1",
        Secp384r1 = 0x0018 => "secp384r1",
        Secp521r1 = 0x0019 => "secp521r1",
        X25519 = 0x001d => "x25519",
        X448 = 0x001e => "x448",
        BrainpoolP256r1Tls13 = 0x001f => "brainpoolP256r1tls13",
        BrainpoolP384r1Tls13 = 0x0020 => "brainpoolP384r1tls13",
        BrainpoolP512r1Tls13 = 0x0021 => "brainpoolP512r1tls13",
        Ffdhe2048 = 0x0100 => "ffdhe2048",
        Ffdhe3072 = 0x0101 => "ffdhe3072",
        Ffdhe4096 = 0x0102 => "ffdhe4096",
        Ffdhe6144 = 0x0103 => "ffdhe6144",
        Ffdhe8192 = 0x0104 => "ffdhe8192",
        MlKem512 = 0x0200 => "MLKEM512",
        MlKem768 = 0x0201 => "MLKEM768",
        MlKem1024 = 0x0202 => "MLKEM1024",
        SecP256r1MlKem768 = 0x11eb => "SecP256r1MLKEM768",
        X25519MlKem768 = 0x11ec => "X25519MLKEM768",
        SecP384r1MlKem1024 = 0x11ed => "SecP384r1MLKEM1024",
    }
}

wire_enum! {
    /// `SignatureScheme` (TLS 1.2 `SignatureAndHashAlgorithm` has the same encoding).
    pub enum SignatureScheme: u16 {
        RsaPkcs1Sha1 = 0x0201 => "rsa_pkcs1_sha1",
        EcdsaSha1 = 0x0203 => "ecdsa_sha1",
        RsaPkcs1Sha256 = 0x0401 => "rsa_pkcs1_sha256",
        EcdsaSecp256r1Sha256 = 0x0403 => "ecdsa_secp256r1_sha256",
        RsaPkcs1Sha384 = 0x0501 => "rsa_pkcs1_sha384",
        EcdsaSecp384r1Sha384 = 0x0503 => "ecdsa_secp384r1_sha384",
        RsaPkcs1Sha512 = 0x0601 => "rsa_pkcs1_sha512",
        EcdsaSecp521r1Sha512 = 0x0603 => "ecdsa_secp521r1_sha512",
        RsaPssRsaeSha256 = 0x0804 => "rsa_pss_rsae_sha256",
        RsaPssRsaeSha384 = 0x0805 => "rsa_pss_rsae_sha384",
        RsaPssRsaeSha512 = 0x0806 => "rsa_pss_rsae_sha512",
        Ed25519 = 0x0807 => "ed25519",
        Ed448 = 0x0808 => "ed448",
        RsaPssPssSha256 = 0x0809 => "rsa_pss_pss_sha256",
        RsaPssPssSha384 = 0x080a => "rsa_pss_pss_sha384",
        RsaPssPssSha512 = 0x080b => "rsa_pss_pss_sha512",
        EcdsaBrainpoolP256r1Tls13Sha256 = 0x081a => "ecdsa_brainpoolP256r1tls13_sha256",
        EcdsaBrainpoolP384r1Tls13Sha384 = 0x081b => "ecdsa_brainpoolP384r1tls13_sha384",
        EcdsaBrainpoolP512r1Tls13Sha512 = 0x081c => "ecdsa_brainpoolP512r1tls13_sha512",
        MlDsa44 = 0x0904 => "mldsa44",
        MlDsa65 = 0x0905 => "mldsa65",
        MlDsa87 = 0x0906 => "mldsa87",
    }
}

wire_enum! {
    /// `ExtensionType`.
    pub enum ExtensionType: u16 {
        ServerName = 0 => "server_name",
        MaxFragmentLength = 1 => "max_fragment_length",
        ClientCertificateUrl = 2 => "client_certificate_url",
        TrustedCaKeys = 3 => "trusted_ca_keys",
        TruncatedHmac = 4 => "truncated_hmac",
        StatusRequest = 5 => "status_request",
        UserMapping = 6 => "user_mapping",
        CertType = 9 => "cert_type",
        SupportedGroups = 10 => "supported_groups",
        EcPointFormats = 11 => "ec_point_formats",
        Srp = 12 => "srp",
        SignatureAlgorithms = 13 => "signature_algorithms",
        UseSrtp = 14 => "use_srtp",
        Heartbeat = 15 => "heartbeat",
        Alpn = 16 => "application_layer_protocol_negotiation",
        StatusRequestV2 = 17 => "status_request_v2",
        SignedCertificateTimestamp = 18 => "signed_certificate_timestamp",
        ClientCertificateType = 19 => "client_certificate_type",
        ServerCertificateType = 20 => "server_certificate_type",
        Padding = 21 => "padding",
        EncryptThenMac = 22 => "encrypt_then_mac",
        ExtendedMasterSecret = 23 => "extended_master_secret",
        TokenBinding = 24 => "token_binding",
        CachedInfo = 25 => "cached_info",
        CompressCertificate = 27 => "compress_certificate",
        RecordSizeLimit = 28 => "record_size_limit",
        DelegatedCredential = 34 => "delegated_credential",
        SessionTicket = 35 => "session_ticket",
        PreSharedKey = 41 => "pre_shared_key",
        EarlyData = 42 => "early_data",
        SupportedVersions = 43 => "supported_versions",
        Cookie = 44 => "cookie",
        PskKeyExchangeModes = 45 => "psk_key_exchange_modes",
        CertificateAuthorities = 47 => "certificate_authorities",
        OidFilters = 48 => "oid_filters",
        PostHandshakeAuth = 49 => "post_handshake_auth",
        SignatureAlgorithmsCert = 50 => "signature_algorithms_cert",
        KeyShare = 51 => "key_share",
        TransparencyInfo = 52 => "transparency_info",
        ConnectionId = 54 => "connection_id",
        QuicTransportParameters = 57 => "quic_transport_parameters",
        TicketRequest = 58 => "ticket_request",
        ApplicationSettings = 17513 => "application_settings",
        EchOuterExtensions = 0xfd00 => "ech_outer_extensions",
        EncryptedClientHello = 0xfe0d => "encrypted_client_hello",
        RenegotiationInfo = 0xff01 => "renegotiation_info",
    }
}

wire_enum! {
    /// `AlertLevel`.
    pub enum AlertLevel: u8 {
        Warning = 1 => "warning",
        Fatal = 2 => "fatal",
    }
}

wire_enum! {
    /// `AlertDescription` (RFC 8446 6 plus TLS 1.2 and registry additions).
    pub enum AlertDescription: u8 {
        CloseNotify = 0 => "close_notify",
        UnexpectedMessage = 10 => "unexpected_message",
        BadRecordMac = 20 => "bad_record_mac",
        DecryptionFailed = 21 => "decryption_failed",
        RecordOverflow = 22 => "record_overflow",
        DecompressionFailure = 30 => "decompression_failure",
        HandshakeFailure = 40 => "handshake_failure",
        NoCertificate = 41 => "no_certificate",
        BadCertificate = 42 => "bad_certificate",
        UnsupportedCertificate = 43 => "unsupported_certificate",
        CertificateRevoked = 44 => "certificate_revoked",
        CertificateExpired = 45 => "certificate_expired",
        CertificateUnknown = 46 => "certificate_unknown",
        IllegalParameter = 47 => "illegal_parameter",
        UnknownCa = 48 => "unknown_ca",
        AccessDenied = 49 => "access_denied",
        DecodeError = 50 => "decode_error",
        DecryptError = 51 => "decrypt_error",
        ExportRestriction = 60 => "export_restriction",
        ProtocolVersion = 70 => "protocol_version",
        InsufficientSecurity = 71 => "insufficient_security",
        InternalError = 80 => "internal_error",
        InappropriateFallback = 86 => "inappropriate_fallback",
        UserCanceled = 90 => "user_canceled",
        NoRenegotiation = 100 => "no_renegotiation",
        MissingExtension = 109 => "missing_extension",
        UnsupportedExtension = 110 => "unsupported_extension",
        CertificateUnobtainable = 111 => "certificate_unobtainable",
        UnrecognizedName = 112 => "unrecognized_name",
        BadCertificateStatusResponse = 113 => "bad_certificate_status_response",
        BadCertificateHashValue = 114 => "bad_certificate_hash_value",
        UnknownPskIdentity = 115 => "unknown_psk_identity",
        CertificateRequired = 116 => "certificate_required",
        GeneralError = 117 => "general_error",
        NoApplicationProtocol = 120 => "no_application_protocol",
        EchRequired = 121 => "ech_required",
    }
}

wire_enum! {
    /// `CompressionMethod`.
    pub enum CompressionMethod: u8 {
        Null = 0 => "null",
        Deflate = 1 => "DEFLATE",
        Lzs = 64 => "LZS",
    }
}

wire_enum! {
    /// `PskKeyExchangeMode`.
    pub enum PskKeyExchangeMode: u8 {
        PskKe = 0 => "psk_ke",
        PskDheKe = 1 => "psk_dhe_ke",
    }
}

wire_enum! {
    /// `CertificateType` (RFC 7250 / RFC 8446 4.4.2: X509, RawPublicKey).
    pub enum CertificateType: u8 {
        X509 = 0 => "X509",
        OpenPgp = 1 => "OpenPGP",
        RawPublicKey = 2 => "RawPublicKey",
        Ieee1609Dot2 = 3 => "1609Dot2",
    }
}

wire_enum! {
    /// `ClientCertificateType` (TLS 1.2 CertificateRequest `certificate_types`).
    pub enum ClientCertificateType: u8 {
        RsaSign = 1 => "rsa_sign",
        DssSign = 2 => "dss_sign",
        RsaFixedDh = 3 => "rsa_fixed_dh",
        DssFixedDh = 4 => "dss_fixed_dh",
        EcdsaSign = 64 => "ecdsa_sign",
        RsaFixedEcdh = 65 => "rsa_fixed_ecdh",
        EcdsaFixedEcdh = 66 => "ecdsa_fixed_ecdh",
    }
}

wire_enum! {
    /// `KeyUpdateRequest`.
    pub enum KeyUpdateRequest: u8 {
        UpdateNotRequested = 0 => "update_not_requested",
        UpdateRequested = 1 => "update_requested",
    }
}

wire_enum! {
    /// `ECPointFormat` (ec_point_formats).
    pub enum ECPointFormat: u8 {
        Uncompressed = 0 => "uncompressed",
        AnsiX962CompressedPrime = 1 => "ansiX962_compressed_prime",
        AnsiX962CompressedChar2 = 2 => "ansiX962_compressed_char2",
    }
}

wire_enum! {
    /// `ECCurveType` (TLS 1.2 ServerKeyExchange).
    pub enum ECCurveType: u8 {
        ExplicitPrime = 1 => "explicit_prime",
        ExplicitChar2 = 2 => "explicit_char2",
        NamedCurve = 3 => "named_curve",
    }
}

wire_enum! {
    /// `NameType` of a server_name entry.
    pub enum ServerNameType: u8 {
        HostName = 0 => "host_name",
    }
}

grease!(
    CipherSuite,
    NamedGroup,
    SignatureScheme,
    ExtensionType,
    ProtocolVersion
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        assert_eq!(
            CipherSuite::TLS_AES_128_GCM_SHA256.name(),
            "TLS_AES_128_GCM_SHA256"
        );
        assert_eq!(NamedGroup::from(0x11ec).name(), "X25519MLKEM768");
        assert_eq!(NamedGroup::X25519.to_string(), "x25519");
        assert_eq!(u16::from(NamedGroup::Secp256r1), 0x17);
        assert_eq!(ProtocolVersion::TLSv1_3.to_string(), "TLS1.3");
        assert_eq!(
            SignatureScheme::from(0x0403).name(),
            "ecdsa_secp256r1_sha256"
        );
        assert_eq!(AlertDescription::from(47).to_string(), "illegal_parameter");
        assert_eq!(CipherSuite::from(0x1234).to_string(), "unknown(0x1234)");
        assert_eq!(
            format!("{:?}", CipherSuite::from(0x1234)),
            "Unknown(0x1234)"
        );
        assert_eq!(format!("{:?}", ContentType::from(99)), "Unknown(0x63)");
        assert_eq!(
            CipherSuite::Unknown(0x1301),
            CipherSuite::TLS_AES_128_GCM_SHA256
        );
        assert_eq!(
            CipherSuite::Unknown(0x1301).name(),
            "TLS_AES_128_GCM_SHA256"
        );
        assert!(CipherSuite::from(0x0a0a).is_grease());
        assert!(!CipherSuite::from(0x0a1a).is_grease());
        assert_eq!(NamedGroup::from_name("x25519"), Some(NamedGroup::X25519));
    }

    #[test]
    fn known_values_roundtrip() {
        for v in ExtensionType::KNOWN {
            assert_eq!(ExtensionType::decode(&v.to_bytes()), Ok(*v));
            assert_ne!(v.name(), "unknown");
        }
        for v in 0..=255u8 {
            assert_eq!(AlertDescription::from(v).get(), v);
        }
    }
}

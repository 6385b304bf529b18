//! The profile table. Good profiles first (one per key type), then bad server chains
//! (`server`), then bad client chains (`client`).
//!
//! To add a bad profile: add an entry to `server::BAD_SERVER` or `client::BAD_CLIENT`,
//! normally the standard chain
//! ([`standard_chain`] shape: root -> intermediate -> server / client, from [`crate::chains`])
//! with one certificate changed through struct update syntax (the `server_leaf!` and
//! `p256_*!` macros below), and say in `breaks` which rule it violates.

use std::sync::LazyLock;

use crate::KeyType;
use crate::chains::{CLIENT, INTERMEDIATE, ROOT, SERVER, SERVER_RSA, standard_chain};
use crate::spec::{ChainSpec, Profile};

/// A bad profile: its name, what it is, the rule it breaks, its key type and its chain.
const fn bad(
    name: &'static str,
    description: &'static str,
    breaks: &'static str,
    key_type: KeyType,
    chain: ChainSpec,
) -> Profile {
    Profile {
        name,
        description,
        breaks: Some(breaks),
        key_type,
        chain,
    }
}

/// The standard chain (root, intermediate, `$server`, `$client`) as a bad profile.
macro_rules! standard_bad {
    ($key:ident, $name:literal, $desc:literal, $breaks:expr, $server:expr, $client:expr) => {
        bad(
            $name,
            $desc,
            $breaks,
            KeyType::$key,
            standard_chain(&[ROOT, INTERMEDIATE, $server, $client]),
        )
    };
}

/// The standard chain with the server leaf (`$base`, normally [`SERVER`]) changed in the
/// fields given.
macro_rules! server_leaf {
    ($key:ident, $base:ident, $name:literal, $desc:literal, $breaks:expr,
     $($field:ident : $value:expr),+ $(,)?) => {
        standard_bad!($key, $name, $desc, $breaks, CertSpec { $($field: $value,)+ ..$base }, CLIENT)
    };
}

/// The standard chain with the client leaf changed in the fields given, beside the server
/// leaf `$server`.
macro_rules! client_leaf {
    ($key:ident, $server:ident, $name:literal, $desc:literal, $breaks:expr,
     $($field:ident : $value:expr),+ $(,)?) => {
        standard_bad!($key, $name, $desc, $breaks, $server, CertSpec { $($field: $value,)+ ..CLIENT })
    };
}

/// The server leaf with one field changed, on the standard P-256 chain.
macro_rules! p256_server {
    ($($rest:tt)*) => { server_leaf!(EcdsaP256, SERVER, $($rest)*) };
}

/// The client leaf with one field changed, on the standard P-256 chain.
macro_rules! p256_client {
    ($($rest:tt)*) => { client_leaf!(EcdsaP256, SERVER, $($rest)*) };
}

/// A P-256 client chain of its own (the certificates after the standard root, intermediate
/// and server leaf, and the chain the client sends) beside the standard server chain.
macro_rules! p256_client_chain {
    ($name:literal, $desc:literal, $breaks:expr, [$($cert:expr),+ $(,)?], $sent:expr $(,)?) => {
        bad($name, $desc, $breaks, KeyType::EcdsaP256, chain(
            &[ROOT, INTERMEDIATE, SERVER, $($cert),+],
            &["server", "intermediate"],
            $sent,
        ))
    };
}

/// The server's CA changed (root -> server_ca -> server), P-256.
macro_rules! p256_server_ca {
    ($name:literal, $desc:literal, $breaks:expr, $($field:ident : $value:expr),+ $(,)?) => {
        bad($name, $desc, $breaks, KeyType::EcdsaP256, server_ca_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec { $($field: $value,)+ ..SERVER_CA },
            SERVER_VIA_CA,
            CLIENT,
        ]))
    };
}

/// The client's CA changed (root -> client_ca -> client), P-256.
macro_rules! p256_client_ca {
    ($name:literal, $desc:literal, $breaks:expr, $($field:ident : $value:expr),+ $(,)?) => {
        bad($name, $desc, $breaks, KeyType::EcdsaP256, client_ca_chain(&[
            ROOT,
            INTERMEDIATE,
            SERVER,
            CertSpec { $($field: $value,)+ ..CLIENT_CA },
            CLIENT_VIA_CA,
        ]))
    };
}

/// The rules that more than one profile breaks, as the profiles' `breaks` quote them.
mod rule {
    pub const SIGNATURE_VERIFIES: &str =
        "RFC 5280 6.1.3 (a)(1): the signature on the certificate must verify";
    pub const TRUST_ANCHOR: &str = "RFC 5280 6.1: the path must start at a trust anchor";
    pub const EKU_PURPOSE: &str = "RFC 5280 4.2.1.12: if the extension is present, the certificate MUST only be used for one of the purposes indicated";
    pub const UNKNOWN_CRITICAL_EXTENSION: &str = "RFC 5280 4.2: a certificate-using system MUST reject the certificate if it encounters a critical extension it does not recognize";
    pub const LEAF_VALIDITY: &str = "RFC 5280 6.1.3 (a)(2): the certificate validity period (4.1.2.5) must include the current time";
    pub const PATH_VALIDITY: &str = "RFC 5280 6.1.3 (a)(2): the validity period of every certificate in the path must include the current time";
    pub const INTERMEDIATE_IS_CA: &str = "RFC 5280 4.2.1.9 and 6.1.4 (k): every intermediate must have basicConstraints with cA TRUE";
    pub const PATH_LEN: &str =
        "RFC 5280 4.2.1.9 and 6.1.4 (l): pathLenConstraint 0 allows no further intermediate";
    pub const DIGITAL_SIGNATURE_BIT: &str = "RFC 8446 4.4.2.2: the digitalSignature bit MUST be set if the Key Usage extension is present; RFC 5280 4.2.1.3";
    pub const ISSUER_KEY: &str =
        "RFC 5280 6.1.3 (a)(1): the signature must verify with the issuer's public key";
    pub const RSA_MODULUS: &str = "CABF BR 6.1.5: RSA moduli of at least 2048 bits; RFC 8446 4.4.2.2: a client that cannot accept the chain aborts (by default unsupported_certificate)";
    pub const SERIAL_POSITIVE: &str = "RFC 5280 4.1.2.2: the serial number MUST be a positive integer (users SHOULD be prepared to handle non-conforming ones gracefully)";
    pub const V1_INTERMEDIATE: &str = "RFC 5280 6.1.4 (k): a version 1 or 2 intermediate MUST be verified as a CA out of band or rejected";
    pub const EMPTY_SUBJECT_SAN_CRITICAL: &str =
        "RFC 5280 4.2.1.6: with an empty subject the subjectAltName extension MUST be critical";
    pub const VALIDITY_PERIOD: &str =
        "RFC 5280 6.1.3 (a)(2): the certificate validity period must include the current time";
}

mod client;
mod server;

/// Every profile: the good ones, then the bad server chains, then the bad client chains.
pub fn all() -> &'static [Profile] {
    static ALL: LazyLock<Vec<Profile>> =
        LazyLock::new(|| [GOOD, server::BAD_SERVER, client::BAD_CLIENT].concat());
    &ALL
}

/// The good profiles, one per key type.
static GOOD: &[Profile] = &[
    // ---- good: one per key type --------------------------------------------------------
    Profile {
        name: "ecdsa_p256",
        description: "Good chain root -> intermediate -> leaf, ECDSA P-256 keys, ecdsa-with-SHA256",
        breaks: None,
        key_type: KeyType::EcdsaP256,
        chain: standard_chain(&[ROOT, INTERMEDIATE, SERVER, CLIENT]),
    },
    Profile {
        name: "ecdsa_p384",
        description: "Good chain root -> intermediate -> leaf, ECDSA P-384 keys, ecdsa-with-SHA384",
        breaks: None,
        key_type: KeyType::EcdsaP384,
        chain: standard_chain(&[ROOT, INTERMEDIATE, SERVER, CLIENT]),
    },
    Profile {
        name: "rsa2048",
        description: "Good chain root -> intermediate -> leaf, RSA 2048 keys, sha256WithRSAEncryption",
        breaks: None,
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[ROOT, INTERMEDIATE, SERVER_RSA, CLIENT]),
    },
    Profile {
        name: "ed25519",
        description: "Good chain root -> intermediate -> leaf, Ed25519 keys",
        breaks: None,
        key_type: KeyType::Ed25519,
        chain: standard_chain(&[ROOT, INTERMEDIATE, SERVER, CLIENT]),
    },
];

//! Turns a [`Profile`] (data) into certificates, the one code path for every profile.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use crate::keys::{KeySel, KeyStore};
use crate::spec::{
    Basic, CertSpec, DnAttr, ExtKeyUsage, Hash, KeyUsage, Profile, San, SigAlg, Tamper,
};
use crate::{CertError, Identity, Materials, SERVER_NAME, der, pem};

/// A generated profile: the materials plus every certificate by id, in generation order.
pub(crate) struct Built {
    pub(crate) materials: Materials,
    pub(crate) certs: Vec<(&'static str, CertificateDer<'static>)>,
}

struct Done {
    id: &'static str,
    key: KeySel,
    params: CertificateParams,
    der: CertificateDer<'static>,
}

pub(crate) fn build(profile: &Profile, keys: &KeyStore) -> Result<Built, CertError> {
    let mut done: Vec<Done> = Vec::with_capacity(profile.chain.certs.len());
    for spec in profile.chain.certs {
        let err = |reason: String| CertError::Spec {
            profile: profile.name.to_string(),
            cert: spec.id.to_string(),
            reason,
        };
        if done.iter().any(|d| d.id == spec.id) {
            return Err(err("duplicate certificate id".into()));
        }
        let mut params = params(profile, spec).map_err(|e| err(e.to_string()))?;
        let subject_sel = spec.odd_key.map_or(KeySel::Std(spec.key), KeySel::Odd);
        // Key identifiers from the real public key (what rcgen derives for grid keys).
        let real_spki = keys.spki(profile.key_type, subject_sel)?;
        params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &real_spki)
                .as_ref()
                .get(..20)
                .unwrap_or_default()
                .to_vec(),
        );
        // For an odd key rcgen gets the grid key of the role as a stand-in; the SPKI is
        // replaced below.
        let subject_key = keys.key_pair(profile.key_type, spec.key, SigAlg::Default)?;

        let (issuer_params, issuer_key) = if spec.issuer == spec.id {
            (&params, subject_sel)
        } else {
            let issuer = done.iter().find(|d| d.id == spec.issuer).ok_or_else(|| {
                err(format!(
                    "issuer {:?} is not a certificate generated before this one",
                    spec.issuer
                ))
            })?;
            (&issuer.params, issuer.key)
        };
        let signer_sel = spec.signing_key.map_or(issuer_key, KeySel::Std);
        let resign = spec.odd_key.is_some()
            || matches!(signer_sel, KeySel::Odd(_))
            || !spec.signature.rcgen_native()
            || !spec.edits.is_empty();
        let rcgen_signer = match signer_sel {
            KeySel::Std(role) if !resign => {
                keys.key_pair(profile.key_type, role, spec.signature)?
            }
            // Stand-in signer: the signature is replaced.
            _ => keys.key_pair(profile.key_type, spec.key, SigAlg::Default)?,
        };
        let issuer = Issuer::from_params(issuer_params, &rcgen_signer);
        let cert = params
            .signed_by(&subject_key, &issuer)
            .map_err(|e| CertError::Generate {
                profile: profile.name.to_string(),
                cert: spec.id.to_string(),
                source: e,
            })?;
        let mut der = if resign {
            let pkey = keys.pkey(profile.key_type, signer_sel)?;
            resign_der(
                cert.der(),
                &pkey,
                spec.signature,
                spec.odd_key.map(|_| real_spki.as_slice()),
                spec.edits,
            )
            .map_err(err)?
        } else {
            cert.der().to_vec()
        };
        for tamper in spec.tamper {
            apply(*tamper, &mut der);
        }
        done.push(Done {
            id: spec.id,
            key: subject_sel,
            params,
            der: CertificateDer::from(der),
        });
    }

    let pick = |ids: &[&'static str], what: &str| -> Result<Vec<&Done>, CertError> {
        ids.iter()
            .map(|id| {
                done.iter()
                    .find(|d| d.id == *id)
                    .ok_or_else(|| CertError::Spec {
                        profile: profile.name.to_string(),
                        cert: (*id).to_string(),
                        reason: format!("listed in {what} but not among the certificates"),
                    })
            })
            .collect()
    };
    let identity = |ids: &[&'static str], what: &str| -> Result<Identity, CertError> {
        let certs = pick(ids, what)?;
        let leaf = certs.first().ok_or_else(|| CertError::Spec {
            profile: profile.name.to_string(),
            cert: String::new(),
            reason: format!("{what} is empty"),
        })?;
        let key: PrivatePkcs8KeyDer<'static> = keys.der_of(profile.key_type, leaf.key)?.clone_key();
        let chain: Vec<CertificateDer<'static>> = certs.iter().map(|d| d.der.clone()).collect();
        Ok(Identity {
            chain_pem: pem::certs(&chain),
            key_pem: keys.pem_of(profile.key_type, leaf.key)?,
            chain,
            key,
            key_type: profile.key_type,
        })
    };
    let server = identity(profile.chain.server_chain, "server_chain")?;
    let client = identity(profile.chain.client_chain, "client_chain")?;
    let roots: Vec<CertificateDer<'static>> = pick(profile.chain.trusted, "trusted")?
        .iter()
        .map(|d| d.der.clone())
        .collect();
    let materials = Materials {
        profile: profile.name.to_string(),
        server,
        client,
        roots_pem: pem::certs(&roots),
        roots,
        server_name: SERVER_NAME.to_string(),
    };
    Ok(Built {
        materials,
        certs: done.into_iter().map(|d| (d.id, d.der)).collect(),
    })
}

fn params(profile: &Profile, spec: &CertSpec) -> Result<CertificateParams, rcgen::Error> {
    let mut p = CertificateParams::default();
    p.not_before = spec.validity.not_before;
    p.not_after = spec.validity.not_after;
    p.serial_number = Some(SerialNumber::from_slice(spec.serial));

    let mut dn = DistinguishedName::new();
    for (attr, value) in spec.subject {
        let ty = match attr {
            DnAttr::CommonName => DnType::CommonName,
            DnAttr::Organization => DnType::OrganizationName,
            DnAttr::OrganizationalUnit => DnType::OrganizationalUnitName,
            DnAttr::Country => DnType::CountryName,
            DnAttr::StateOrProvince => DnType::StateOrProvinceName,
            DnAttr::Locality => DnType::LocalityName,
        };
        dn.push(ty, value.replace("{profile}", profile.name));
    }
    p.distinguished_name = dn;

    p.subject_alt_names = spec
        .sans
        .iter()
        .map(|san| {
            Ok(match san {
                San::Dns(name) => SanType::DnsName((*name).try_into()?),
                San::Ip(ip) => SanType::IpAddress(*ip),
                San::Email(name) => SanType::Rfc822Name((*name).try_into()?),
                San::Uri(uri) => SanType::URI((*uri).try_into()?),
            })
        })
        .collect::<Result<_, rcgen::Error>>()?;

    p.is_ca = match spec.basic_constraints {
        Basic::Absent => IsCa::NoCa,
        Basic::NotCa => IsCa::ExplicitNoCa,
        Basic::Ca { path_len: None } => IsCa::Ca(BasicConstraints::Unconstrained),
        Basic::Ca { path_len: Some(n) } => IsCa::Ca(BasicConstraints::Constrained(n)),
    };

    p.key_usages = spec.key_usage.iter().map(key_usage).collect();
    p.extended_key_usages = spec.ext_key_usage.iter().map(ext_key_usage).collect();

    p.custom_extensions = spec
        .extensions
        .iter()
        .map(|ext| {
            let mut custom = CustomExtension::from_oid_content(ext.oid, ext.value.to_vec());
            custom.set_criticality(ext.critical);
            custom
        })
        .collect();

    p.use_authority_key_identifier_extension = spec.authority_key_id;
    Ok(p)
}

/// `$value` (a spec enum) as the rcgen variant of the same name, each named once; arms
/// for the variants without a namesake follow the list.
macro_rules! namesake {
    ($value:expr, $from:ident => $to:ident { $($var:ident),+ $(,)? } $($pat:pat => $out:expr),* $(,)?) => {
        match $value {
            $($from::$var => $to::$var,)+
            $($pat => $out,)*
        }
    };
}

fn key_usage(ku: &KeyUsage) -> KeyUsagePurpose {
    namesake!(ku, KeyUsage => KeyUsagePurpose {
        DigitalSignature, ContentCommitment, KeyEncipherment, DataEncipherment, KeyAgreement,
        KeyCertSign, CrlSign, EncipherOnly, DecipherOnly,
    })
}

fn ext_key_usage(eku: &ExtKeyUsage) -> ExtendedKeyUsagePurpose {
    namesake!(eku, ExtKeyUsage => ExtendedKeyUsagePurpose {
        Any, ServerAuth, ClientAuth, CodeSigning, EmailProtection, TimeStamping, OcspSigning,
    } ExtKeyUsage::Other(oid) => ExtendedKeyUsagePurpose::Other(oid.to_vec()))
}

fn apply(tamper: Tamper, der: &mut [u8]) {
    match tamper {
        Tamper::FlipLastSignatureByte => {
            if let Some(last) = der.last_mut() {
                *last ^= 0x01;
            }
        }
    }
}

/// Re-signs a certificate rcgen made: sets the signature algorithm, the SPKI (odd keys) and
/// the [`crate::spec::Edit`]s in the to-be-signed part, signs that with OpenSSL and puts the
/// certificate back together.
fn resign_der(
    cert: &[u8],
    key: &openssl::pkey::PKey<openssl::pkey::Private>,
    alg: SigAlg,
    spki: Option<&[u8]>,
    edits: &[crate::spec::Edit],
) -> Result<Vec<u8>, String> {
    use openssl::hash::MessageDigest;
    use openssl::pkey::Id;
    use openssl::rsa::Padding;
    use openssl::sign::{RsaPssSaltlen, Signer};

    let parts = der::split(cert)?;
    let null = [0x05u8, 0x00];
    let rsa_pkcs1 = |n: u64| der::seq(&[&der::oid(&[1, 2, 840, 113_549, 1, 1, n]), &null]);
    let ecdsa = |arcs: &[u64]| der::seq(&[&der::oid(arcs)]);
    let md_of = |h: Hash| match h {
        Hash::Sha1 => MessageDigest::sha1(),
        Hash::Sha256 => MessageDigest::sha256(),
        Hash::Sha384 => MessageDigest::sha384(),
        Hash::Sha512 => MessageDigest::sha512(),
    };
    let is_p384 = key
        .ec_key()
        .is_ok_and(|k| k.group().curve_name() == Some(openssl::nid::Nid::SECP384R1));
    let alg = match alg {
        SigAlg::Default => match key.id() {
            Id::RSA => SigAlg::RsaPkcs1Sha256,
            Id::EC if is_p384 => SigAlg::EcdsaP384Sha384,
            Id::EC => SigAlg::EcdsaP256Sha256,
            Id::ED25519 => SigAlg::Ed25519,
            other => return Err(format!("no default signature for key type {other:?}")),
        },
        a => a,
    };
    // (AlgorithmIdentifier, digest, PSS salt length)
    let (alg_id, md, pss): (Vec<u8>, Option<MessageDigest>, Option<u32>) = match alg {
        SigAlg::Default => return Err("unreachable default".into()),
        SigAlg::RsaPkcs1Sha1 => (rsa_pkcs1(5), Some(MessageDigest::sha1()), None),
        SigAlg::RsaPkcs1Sha256 => (rsa_pkcs1(11), Some(MessageDigest::sha256()), None),
        SigAlg::RsaPkcs1Sha384 => (rsa_pkcs1(12), Some(MessageDigest::sha384()), None),
        SigAlg::RsaPkcs1Sha512 => (rsa_pkcs1(13), Some(MessageDigest::sha512()), None),
        SigAlg::EcdsaSha1 => (
            ecdsa(&[1, 2, 840, 10045, 4, 1]),
            Some(MessageDigest::sha1()),
            None,
        ),
        SigAlg::EcdsaP256Sha256 => (
            ecdsa(&[1, 2, 840, 10045, 4, 3, 2]),
            Some(MessageDigest::sha256()),
            None,
        ),
        SigAlg::EcdsaP384Sha384 => (
            ecdsa(&[1, 2, 840, 10045, 4, 3, 3]),
            Some(MessageDigest::sha384()),
            None,
        ),
        SigAlg::EcdsaSha3_256 => (
            ecdsa(&[2, 16, 840, 1, 101, 3, 4, 3, 10]),
            Some(MessageDigest::sha3_256()),
            None,
        ),
        SigAlg::Ed25519 => (der::seq(&[&der::oid(&[1, 3, 101, 112])]), None, None),
        SigAlg::RsaPss(p) => {
            let hash_oid: &[u64] = match p.hash {
                Hash::Sha1 => &[1, 3, 14, 3, 2, 26],
                Hash::Sha256 => &[2, 16, 840, 1, 101, 3, 4, 2, 1],
                Hash::Sha384 => &[2, 16, 840, 1, 101, 3, 4, 2, 2],
                Hash::Sha512 => &[2, 16, 840, 1, 101, 3, 4, 2, 3],
            };
            let hash_alg = der::seq(&[&der::oid(hash_oid), &null]);
            let mgf1 = der::seq(&[&der::oid(&[1, 2, 840, 113_549, 1, 1, 8]), &hash_alg]);
            let int = |n: u32| {
                let bytes: Vec<u8> = n
                    .to_be_bytes()
                    .into_iter()
                    .skip_while(|b| *b == 0)
                    .collect();
                let mut bytes = if bytes.is_empty() { vec![0] } else { bytes };
                if bytes.first().is_some_and(|b| b & 0x80 != 0) {
                    bytes.insert(0, 0);
                }
                der::encode(0x02, &bytes)
            };
            let mut params = vec![
                der::encode(0xa0, &hash_alg),
                der::encode(0xa1, &mgf1),
                der::encode(0xa2, &int(p.salt_len)),
            ];
            if let Some(t) = p.trailer_field {
                params.push(der::encode(0xa3, &int(t)));
            }
            let params: Vec<&[u8]> = params.iter().map(Vec::as_slice).collect();
            let pss_oid = der::oid(&[1, 2, 840, 113_549, 1, 1, 10]);
            let id = if p.omit_params {
                der::seq(&[&pss_oid])
            } else {
                der::seq(&[&pss_oid, &der::seq(&params)])
            };
            (id, Some(md_of(p.hash)), Some(p.salt_len))
        }
    };
    let tbs = der::edit_tbs(parts.tbs, &alg_id, spki, edits)?;
    let ossl = |e: openssl::error::ErrorStack| format!("OpenSSL signing: {e}");
    let mut signer = match md {
        Some(md) => Signer::new(md, key).map_err(ossl)?,
        None => Signer::new_without_digest(key).map_err(ossl)?,
    };
    if let (Some(salt), Some(md)) = (pss, md) {
        signer.set_rsa_padding(Padding::PKCS1_PSS).map_err(ossl)?;
        signer
            .set_rsa_pss_saltlen(RsaPssSaltlen::custom(
                i32::try_from(salt).map_err(|_| "salt length too large".to_string())?,
            ))
            .map_err(ossl)?;
        signer.set_rsa_mgf1_md(md).map_err(ossl)?;
    }
    let signature = signer.sign_oneshot_to_vec(&tbs).map_err(ossl)?;
    Ok(der::assemble(&tbs, &alg_id, &signature))
}

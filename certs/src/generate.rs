//! Turns a [`Profile`] (data) into certificates, the one code path for every profile.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use crate::keys::KeyStore;
use crate::spec::{
    Basic, CertSpec, DnAttr, ExtKeyUsage, KeyRole, KeyUsage, Profile, San, SigAlg, Tamper,
};
use crate::{CertError, Identity, Materials, SERVER_NAME, pem};

/// A generated profile: the materials plus every certificate by id, in generation order.
pub(crate) struct Built {
    pub(crate) materials: Materials,
    pub(crate) certs: Vec<(&'static str, CertificateDer<'static>)>,
}

struct Done {
    id: &'static str,
    key: KeyRole,
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
        let params = params(profile, spec).map_err(|e| err(e.to_string()))?;
        let subject_key = keys.key_pair(profile.key_type, spec.key, SigAlg::Default)?;

        let (issuer_params, issuer_key) = if spec.issuer == spec.id {
            (&params, spec.key)
        } else {
            let issuer = done.iter().find(|d| d.id == spec.issuer).ok_or_else(|| {
                err(format!(
                    "issuer {:?} is not a certificate generated before this one",
                    spec.issuer
                ))
            })?;
            (&issuer.params, issuer.key)
        };
        let signer = keys.key_pair(
            profile.key_type,
            spec.signing_key.unwrap_or(issuer_key),
            spec.signature,
        )?;
        let issuer = Issuer::from_params(issuer_params, &signer);
        let cert = params
            .signed_by(&subject_key, &issuer)
            .map_err(|e| CertError::Generate {
                profile: profile.name.to_string(),
                cert: spec.id.to_string(),
                source: e,
            })?;
        let mut der = cert.der().to_vec();
        for tamper in spec.tamper {
            apply(*tamper, &mut der);
        }
        done.push(Done {
            id: spec.id,
            key: spec.key,
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
        let key: PrivatePkcs8KeyDer<'static> = keys.der(profile.key_type, leaf.key)?.clone_key();
        let chain: Vec<CertificateDer<'static>> = certs.iter().map(|d| d.der.clone()).collect();
        Ok(Identity {
            chain_pem: pem::certs(&chain),
            key_pem: keys.pem(profile.key_type, leaf.key)?,
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

    p.key_usages = spec
        .key_usage
        .iter()
        .map(|ku| match ku {
            KeyUsage::DigitalSignature => KeyUsagePurpose::DigitalSignature,
            KeyUsage::ContentCommitment => KeyUsagePurpose::ContentCommitment,
            KeyUsage::KeyEncipherment => KeyUsagePurpose::KeyEncipherment,
            KeyUsage::DataEncipherment => KeyUsagePurpose::DataEncipherment,
            KeyUsage::KeyAgreement => KeyUsagePurpose::KeyAgreement,
            KeyUsage::KeyCertSign => KeyUsagePurpose::KeyCertSign,
            KeyUsage::CrlSign => KeyUsagePurpose::CrlSign,
            KeyUsage::EncipherOnly => KeyUsagePurpose::EncipherOnly,
            KeyUsage::DecipherOnly => KeyUsagePurpose::DecipherOnly,
        })
        .collect();

    p.extended_key_usages = spec
        .ext_key_usage
        .iter()
        .map(|eku| match eku {
            ExtKeyUsage::Any => ExtendedKeyUsagePurpose::Any,
            ExtKeyUsage::ServerAuth => ExtendedKeyUsagePurpose::ServerAuth,
            ExtKeyUsage::ClientAuth => ExtendedKeyUsagePurpose::ClientAuth,
            ExtKeyUsage::CodeSigning => ExtendedKeyUsagePurpose::CodeSigning,
            ExtKeyUsage::EmailProtection => ExtendedKeyUsagePurpose::EmailProtection,
            ExtKeyUsage::TimeStamping => ExtendedKeyUsagePurpose::TimeStamping,
            ExtKeyUsage::OcspSigning => ExtendedKeyUsagePurpose::OcspSigning,
            ExtKeyUsage::Other(oid) => ExtendedKeyUsagePurpose::Other(oid.to_vec()),
        })
        .collect();

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

fn apply(tamper: Tamper, der: &mut [u8]) {
    match tamper {
        Tamper::FlipLastSignatureByte => {
            if let Some(last) = der.last_mut() {
                *last ^= 0x01;
            }
        }
    }
}

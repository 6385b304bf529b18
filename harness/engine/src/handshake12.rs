//! TLS 1.2 steps that client and server share (RFC 5246 7.4, 8.1; RFC 7627): the secrets,
//! key block, ChangeCipherSpec and Finished both ways, signature scheme checks, and what a
//! ServerHello negotiated.

use rustls_pki_types::CertificateDer;
use tls_wire::{CipherSuite, ProtocolVersion, SignatureScheme};

use crate::config::{CertifiedKey, Step};
use crate::conn::Common;
use crate::crypto::tls12::{self as t12, KeyBlock};
use crate::crypto::{Auth12, RecordProtection12, Suite12, sign};
use crate::error::{Error, Misbehaviour as M, misbehave};
use crate::handshake::{check_verify_data, internal, send_finished};
use crate::keyschedule::Transcript;
use crate::knobs::Knobs;

/// Default lifetime of a TLS 1.2 session without a ticket lifetime hint (seconds).
pub(crate) const DEFAULT_SESSION_LIFETIME: u32 = 7200;

/// The suite, both randoms and the master secret of a TLS 1.2 handshake, from which both
/// roles derive the same keys.
pub(crate) struct Secrets12 {
    pub(crate) suite: Suite12,
    pub(crate) client_random: [u8; 32],
    pub(crate) server_random: [u8; 32],
    /// Empty until the key exchange (or the resumed session) provides it.
    pub(crate) master: Vec<u8>,
}

/// What both roles keep through a TLS 1.2 handshake: the secrets, the transcript, the session
/// and, once derived, the key block.
pub(crate) struct Handshake12 {
    pub(crate) sec: Secrets12,
    pub(crate) transcript: Transcript,
    /// The session id: the server's (a full handshake) or the resumed one.
    pub(crate) session_id: Vec<u8>,
    pub(crate) resumed: bool,
    /// The extended master secret is in use (RFC 7627).
    pub(crate) ems: bool,
    pub(crate) keys: Option<KeyBlock>,
}

impl Handshake12 {
    /// The peer's Finished, checked against the transcript and added to it.
    pub(crate) fn receive_finished(
        &mut self,
        c: &mut Common,
        vd: &[u8],
        raw: &[u8],
        from_client: bool,
    ) -> Result<(), Error> {
        let transcript = &mut self.transcript;
        self.sec
            .receive_finished(c, transcript, vd, raw, from_client)
    }

    /// Our Finished after the peer's (the server's in a full handshake, the client's when
    /// resuming), with the key block derived earlier.
    pub(crate) fn send_second_finished(
        &mut self,
        c: &mut Common,
        client: bool,
    ) -> Result<(), Error> {
        let kb = self
            .keys
            .as_ref()
            .ok_or_else(|| Error::internal("no keys"))?;
        self.sec.send_finished(c, kb, &mut self.transcript, client)
    }
}

impl Secrets12 {
    /// The master secret from the ECDHE premaster secret: the extended master secret over
    /// the session hash so far (RFC 7627 4) or RFC 5246 8.1's; logged under CLIENT_RANDOM.
    pub(crate) fn derive_master(
        &mut self,
        c: &Common,
        pms: &[u8],
        ems: bool,
        transcript: &Transcript,
    ) -> Result<(), Error> {
        let h = self.suite.hash();
        self.master = if ems {
            t12::extended_master_secret(h, pms, &transcript.hash(h))
        } else {
            t12::master_secret(h, pms, &self.client_random, &self.server_random)
        }
        .map_err(internal)?;
        c.log_secret("CLIENT_RANDOM", &self.master);
        Ok(())
    }

    /// The key block (RFC 5246 6.3).
    pub(crate) fn key_block(&self) -> Result<KeyBlock, Error> {
        t12::key_block(
            self.suite,
            &self.master,
            &self.client_random,
            &self.server_random,
        )
        .map_err(internal)
    }

    /// The record protection of what the client (`client`) or the server writes.
    pub(crate) fn protection(
        &self,
        kb: &KeyBlock,
        client: bool,
    ) -> Result<RecordProtection12, Error> {
        let (key, iv) = if client {
            (&kb.client_key, &kb.client_iv)
        } else {
            (&kb.server_key, &kb.server_iv)
        };
        RecordProtection12::new(self.suite, key, iv).map_err(internal)
    }

    /// The ServerKeyExchange signature's content (RFC 8422 5.4): both randoms, the params.
    pub(crate) fn signed_params(&self, params: &[u8]) -> Vec<u8> {
        let mut signed = self.client_random.to_vec();
        signed.extend_from_slice(&self.server_random);
        signed.extend_from_slice(params);
        signed
    }

    /// Our ChangeCipherSpec and Finished (knob `send_wrong_finished` flips a byte); `client`
    /// says which side we are.
    pub(crate) fn send_finished(
        &self,
        c: &mut Common,
        kb: &KeyBlock,
        transcript: &mut Transcript,
        client: bool,
    ) -> Result<(), Error> {
        let h = self.suite.hash();
        c.send_ccs12(self.protection(kb, client)?);
        let fin =
            t12::verify_data(h, &self.master, client, &transcript.hash(h)).map_err(internal)?;
        send_finished(c, fin, transcript)
    }

    /// The peer's Finished (`from_client` says whose), which must follow its
    /// ChangeCipherSpec; added to the transcript.
    pub(crate) fn receive_finished(
        &self,
        c: &mut Common,
        transcript: &mut Transcript,
        vd: &[u8],
        raw: &[u8],
        from_client: bool,
    ) -> Result<(), Error> {
        if !c.read_protected() {
            misbehave!(M::UnexpectedMessage, "Finished before ChangeCipherSpec");
        }
        let h = self.suite.hash();
        let expect = t12::verify_data(h, &self.master, from_client, &transcript.hash(h))
            .map_err(internal)?;
        let peer = if from_client { "client" } else { "server" };
        if !c.knobs.bug_skip_finished_check {
            let length_checked = !c.knobs.ignores(M::BadFinishedLength);
            check_finished12(&expect, vd, peer, length_checked)?;
        }
        c.reach(Step::KeyExchange);
        c.reach(Step::Finished);
        transcript.add(raw);
        Ok(())
    }

    /// Both Finished are done: the exporter (RFC 5705), application data both ways, and the
    /// handshake complete.
    pub(crate) fn start_traffic(&self, c: &mut Common) -> Result<(), Error> {
        let mut randoms = self.client_random.to_vec();
        randoms.extend_from_slice(&self.server_random);
        c.set_exporter12(self.suite.hash(), self.master.clone(), randoms);
        c.set_app12();
        c.complete_handshake()
    }
}

/// A TLS 1.2 signature by our `key` (knob `bad_certificate_verify` flips a byte).
pub(crate) fn sign12(
    c: &Common,
    key: &CertifiedKey,
    scheme: u16,
    msg: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut sig = key.signer.sign_tls12(scheme, msg).map_err(internal)?;
    if c.knobs.bad_certificate_verify
        && let Some(b) = sig.last_mut()
    {
        *b ^= 1;
    }
    Ok(sig)
}

/// A TLS 1.2 Certificate message: the DER of each certificate of `chain`.
pub(crate) fn chain12(chain: &[CertificateDer<'static>]) -> Vec<Vec<u8>> {
    chain.iter().map(|d| d.as_ref().to_vec()).collect()
}

/// Record what a TLS 1.2 ServerHello negotiated.
pub(crate) fn set_negotiated12(
    c: &mut Common,
    suite: Suite12,
    resumed: bool,
    ems: bool,
    alpn: Option<Vec<u8>>,
    server_name: Option<String>,
) {
    let n = c.negotiated_mut();
    n.version = ProtocolVersion::TLSv1_2;
    n.cipher_suite = CipherSuite::from(suite.to_u16());
    n.resumed = resumed;
    n.extended_master_secret = ems;
    n.alpn = alpn;
    n.server_name = server_name;
}

/// A TLS 1.2 signature scheme must be one we offered, one we implement, and fit the suite's
/// authentication (RFC 5246 7.4.1.4.1, RFC 8422 5.4).
/// With `bug_ignore = "signature_scheme_not_offered"` a scheme we implement need not have
/// been offered.
pub(crate) fn check_scheme(
    k: &Knobs,
    suite: Suite12,
    scheme: SignatureScheme,
    allowed: &[SignatureScheme],
    what: &str,
) -> Result<(), Error> {
    let offered = allowed.contains(&scheme) || k.ignores(M::SignatureSchemeNotOffered);
    if !offered || !sign::TLS12_SCHEMES.contains(&scheme.get()) {
        misbehave!(
            M::SignatureSchemeNotOffered,
            "{what} uses {scheme} which was not offered"
        );
    }
    let ecdsa_like = matches!(scheme.get(), 0x0403 | 0x0503 | 0x0807);
    if ecdsa_like != (suite.auth() == Auth12::Ecdsa) {
        misbehave!(
            M::SignatureSchemeNotOffered,
            "{what} uses {scheme}, which does not fit the cipher suite"
        );
    }
    Ok(())
}

/// The peer's TLS 1.2 Finished: verify_data_length (12) bytes (RFC 5246 7.4.9), equal to
/// what we expect.
pub(crate) fn check_finished12(
    expect: &[u8],
    vd: &[u8],
    peer: &str,
    length_checked: bool,
) -> Result<(), Error> {
    check_verify_data(
        vd,
        expect.len(),
        || constant_time_eq(expect, vd),
        peer,
        length_checked,
    )
}

/// Constant-time comparison of two byte strings.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if crate::FUZZING {
        return a.len() == b.len();
    }
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

//! The sending half of the record layer: handshake messages (with the knobs' mutations and
//! record plans), ChangeCipherSpec and alerts, fragmented and protected.

use tls_wire::mutate::{Mutation, RecordPlan, apply_all};
use tls_wire::{
    Alert, AlertDescription, Codec, ContentType, HandshakeMessage, HandshakePayload, HandshakeType,
    ProtocolVersion,
};

use crate::config::{Direction, Step};
use crate::crypto::RecordProtection12;
use crate::error::Error;

use super::{Common, Protect};

impl Common {
    /// Write one record of `typ` (fragmenting), protected if write keys are set.
    pub(super) fn write_records(&mut self, typ: ContentType, payload: &[u8]) -> Result<(), Error> {
        self.flush_pending()?;
        self.write_records_plan(typ, payload, None, None)
    }

    /// Knob `coalesce_handshake`: write the handshake messages held back so far.
    pub(super) fn flush_pending(&mut self) -> Result<(), Error> {
        if self.pending_handshake.is_empty() {
            return Ok(());
        }
        let p = std::mem::take(&mut self.pending_handshake);
        self.write_records_plan(ContentType::Handshake, &p, None, None)
    }

    /// Write `payload` as records of `typ`: `fragment` bytes per record (a mutation's
    /// `fragment:N`, which may exceed 2^14) or our normal size; `version` overrides the
    /// legacy_record_version of plaintext records.
    pub(super) fn write_records_plan(
        &mut self,
        typ: ContentType,
        payload: &[u8],
        fragment: Option<usize>,
        version: Option<u16>,
    ) -> Result<(), Error> {
        let frag = match fragment {
            Some(n) => n.max(1),
            None => self
                .max_send_fragment
                .saturating_sub(if self.write.is_some() {
                    self.knobs.record_padding
                } else {
                    0
                })
                .max(1),
        };
        let mut chunks: Vec<&[u8]> = payload.chunks(frag).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        for chunk in chunks {
            match &mut self.write {
                Some(Protect::V13(w)) => {
                    let limit = if fragment.is_some() {
                        usize::from(u16::MAX)
                    } else {
                        crate::crypto::aead::MAX_CIPHERTEXT
                    };
                    w.seal_into(
                        &mut self.out,
                        u8::from(typ),
                        chunk,
                        self.knobs.record_padding,
                        limit,
                    )
                    .map_err(|e| Error::internal(format!("record protection failed: {e}")))?;
                }
                Some(Protect::V12(w)) => {
                    let rec = w
                        .seal(u8::from(typ), chunk)
                        .map_err(|e| Error::internal(format!("record protection failed: {e}")))?;
                    self.out.extend_from_slice(&rec);
                }
                None => {
                    let version = if let Some(v) = version {
                        ProtocolVersion::from(v)
                    } else if typ == ContentType::Handshake
                        && self.step <= Step::ClientHello
                        && self.is_client
                    {
                        ProtocolVersion::TLSv1_0
                    } else {
                        ProtocolVersion::TLSv1_2
                    };
                    typ.encode(&mut self.out);
                    version.encode(&mut self.out);
                    self.out
                        .extend_from_slice(&(chunk.len() as u16).to_be_bytes());
                    self.out.extend_from_slice(chunk);
                }
            }
        }
        Ok(())
    }

    /// The `mutate_*` knob for a message we are about to send.
    pub(super) fn mutations_for(&self, msg: &HandshakeMessage) -> Vec<Mutation> {
        let k = &self.knobs;
        match (&msg.payload, msg.typ) {
            (_, HandshakeType::ClientHello) if self.client_hellos_sent == 0 => {
                k.mutate_client_hello.clone()
            }
            (_, HandshakeType::ClientHello) => k.mutate_second_client_hello.clone(),
            (HandshakePayload::ServerHello(sh), _) if sh.is_hrr() => {
                k.mutate_hello_retry_request.clone()
            }
            (_, HandshakeType::ServerHello) => k.mutate_server_hello.clone(),
            (_, HandshakeType::EncryptedExtensions) => k.mutate_encrypted_extensions.clone(),
            (_, HandshakeType::Certificate) => k.mutate_certificate.clone(),
            (_, HandshakeType::CertificateVerify) => k.mutate_certificate_verify.clone(),
            (_, HandshakeType::Finished) => k.mutate_finished.clone(),
            (_, HandshakeType::KeyUpdate) => k.mutate_key_update.clone(),
            _ => Vec::new(),
        }
    }

    /// Send a handshake message; returns its encoding as sent (for the transcript): the
    /// knobs' wire mutations are applied here, right before the message is written.
    pub fn send_handshake(&mut self, msg: &HandshakeMessage) -> Result<Vec<u8>, Error> {
        let mut bytes = msg.to_bytes();
        let muts = self.mutations_for(msg);
        if msg.typ == HandshakeType::ClientHello {
            self.client_hellos_sent += 1;
        }
        if !muts.is_empty() {
            apply_all(&muts, &mut bytes).map_err(|error| Error::Mutation {
                message: msg.typ,
                error,
            })?;
        }
        self.log_entry(
            Direction::Sent,
            ContentType::Handshake,
            Some(msg),
            None,
            || {
                if muts.is_empty() {
                    msg.describe()
                } else {
                    format!("{} [mutated: {muts:?}]", msg.describe())
                }
            },
        );
        let plan = RecordPlan::of(&muts);
        if self.knobs.coalesce_handshake && plan == RecordPlan::default() {
            self.pending_handshake.extend_from_slice(&bytes);
            return Ok(bytes);
        }
        self.flush_pending()?;
        for (t, p) in &plan.before {
            self.write_records_plan(ContentType::from(*t), p, None, plan.version)?;
        }
        self.write_records_plan(ContentType::Handshake, &bytes, plan.fragment, plan.version)?;
        for (t, p) in &plan.after {
            self.write_records_plan(ContentType::from(*t), p, None, plan.version)?;
        }
        Ok(bytes)
    }

    /// Send the middlebox-compatibility ChangeCipherSpec (always plaintext).
    pub fn send_ccs(&mut self) {
        // Knob `coalesce_handshake`: what was held back goes first.
        let _ = self.flush_pending();
        self.log_entry(
            Direction::Sent,
            ContentType::ChangeCipherSpec,
            None,
            None,
            || "ChangeCipherSpec".into(),
        );
        self.out.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
    }

    /// Send a warning alert (TLS 1.2 no_renegotiation).
    pub fn send_warning(&mut self, d: AlertDescription) {
        self.send_alert(Alert::warning(d));
    }

    /// TLS 1.2: send ChangeCipherSpec and switch our write keys.
    pub fn send_ccs12(&mut self, w: RecordProtection12) {
        self.send_ccs();
        self.write = Some(Protect::V12(w));
    }

    pub(super) fn send_alert(&mut self, a: Alert) {
        self.log_entry(Direction::Sent, ContentType::Alert, None, Some(a), || {
            a.to_string()
        });
        let payload = a.to_bytes();
        // Failure here (sequence exhausted) leaves nothing more we can send.
        let _ = self.write_records(ContentType::Alert, &payload);
    }
}

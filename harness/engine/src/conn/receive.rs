//! The receiving half of the record layer: records opened, ChangeCipherSpec, alerts and
//! application data, with the hostile-peer limits.

use tls_wire::{Alert, AlertDescription, AlertLevel, Codec, ContentType};

use crate::config::{Direction, Event};
use crate::crypto::RecordError;
use crate::error::{Decoding, Error, Misbehaviour as M, invalid, misbehave, misbehaved};

use super::{Common, MAX_EMPTY_RECORDS, Protect, count_run};

/// The receiving half of the record layer: ChangeCipherSpec, record protection, the
/// hostile-peer limits, alerts and application data.
impl Common {
    /// A ChangeCipherSpec record: TLS 1.2 switches the read keys, TLS 1.3 drops it while the
    /// handshake allows it (middlebox compatibility, RFC 8446 D.4).
    pub(super) fn handle_ccs_record(&mut self, payload: &[u8]) -> Result<(), Error> {
        // With `bug_ignore = "bad_change_cipher_spec"` any content is read as the byte 0x01.
        let well_formed = payload == [1] || self.knobs.ignores(M::BadChangeCipherSpec);
        if self.tls12 {
            if !well_formed {
                return Err(bad_ccs());
            }
            if !self.joiner.is_empty() {
                misbehave!(
                    M::InterleavedWithHandshake,
                    "ChangeCipherSpec inside a fragmented handshake message"
                );
            }
            let Some(r) = self.pending_read12.take() else {
                if self.knobs.bug_accept_early_ccs
                    || self.knobs.ignores(M::UnexpectedChangeCipherSpec)
                {
                    // The negative controls: dropped, the handshake goes on.
                    self.log_ccs(Direction::Received);
                    return Ok(());
                }
                misbehave!(
                    M::UnexpectedChangeCipherSpec,
                    "ChangeCipherSpec at an unexpected point of the TLS 1.2 handshake"
                );
            };
            self.log_ccs(Direction::Received);
            self.read = Some(Protect::V12(r));
            return Ok(());
        }
        if !self.ccs_ok {
            if self.knobs.ignores(M::UnexpectedChangeCipherSpec) {
                self.log_ccs(Direction::Received);
                return Ok(());
            }
            misbehave!(
                M::UnexpectedChangeCipherSpec,
                "ChangeCipherSpec record outside the handshake"
            );
        }
        if !well_formed {
            return Err(bad_ccs());
        }
        self.log_ccs(Direction::Received);
        Ok(())
    }

    pub(super) fn log_ccs(&mut self, direction: Direction) {
        self.log_entry(direction, ContentType::ChangeCipherSpec, None, None, || {
            "ChangeCipherSpec".into()
        });
    }

    /// Remove the record protection: the content type and plaintext, or `None` for a record
    /// skipped as early data.
    pub(super) fn open_record(
        &mut self,
        rec: tls_wire::Record,
    ) -> Result<Option<(ContentType, Vec<u8>)>, Error> {
        match &mut self.read {
            Some(Protect::V12(rp)) => match rp.open(u8::from(rec.content_type), &rec.payload) {
                Ok(d) => Ok(Some((rec.content_type, d))),
                // With `bug_ignore = "bad_record_mac"` a record that fails authentication is
                // dropped unread and the connection waits for the next.
                Err(RecordError::BadRecordMac) if self.knobs.ignores(M::BadRecordMac) => Ok(None),
                Err(RecordError::BadRecordMac) => Err(bad_record_mac()),
                Err(RecordError::Overflow) => Err(record_overflow()),
                Err(RecordError::SequenceExhausted) => {
                    Err(Error::internal("read sequence number exhausted"))
                }
                Err(RecordError::NoContentType) => Err(Error::internal("no content type")),
            },
            Some(Protect::V13(_))
                if rec.content_type != ContentType::Alert || self.handshake_complete =>
            {
                self.open13(rec)
            }
            // Here without read protection, or a TLS 1.3 alert in the clear during the
            // handshake: a peer that fails before it has derived its handshake keys (e.g. on a
            // bad ServerHello) can only send its alert unprotected, and it is its alert that
            // ends the connection.
            _ => self.plaintext_record(rec),
        }
    }

    /// A TLS 1.3 protected record (RFC 8446 5.2).
    pub(super) fn open13(
        &mut self,
        rec: tls_wire::Record,
    ) -> Result<Option<(ContentType, Vec<u8>)>, Error> {
        if rec.content_type != ContentType::ApplicationData {
            if self.knobs.ignores(M::UnprotectedRecord) {
                // Dropped unread.
                return Ok(None);
            }
            misbehave!(
                M::UnprotectedRecord,
                "unprotected {} record after keys were established",
                rec.content_type
            );
        }
        let Some(Protect::V13(rp)) = &mut self.read else {
            return Err(Error::internal("no TLS 1.3 read protection"));
        };
        let len = rec.payload.len();
        let header: [u8; 5] = [
            23,
            (rec.legacy_version.get() >> 8) as u8,
            rec.legacy_version.get() as u8,
            (len >> 8) as u8,
            len as u8,
        ];
        // With `bug_ignore = "record_overflow"` a plaintext of any length is taken.
        let limit = match self.knobs.ignores(M::RecordOverflow) {
            true => usize::MAX,
            false => self.recv_limit,
        };
        match rp.open(&header, &rec.payload, limit) {
            Ok((t, d)) => {
                self.early_data_skip = 0;
                let t = ContentType::from(t);
                if d.is_empty() && matches!(t, ContentType::Handshake | ContentType::Alert) {
                    if self.knobs.ignores(M::ZeroLengthRecord) {
                        return Ok(None);
                    }
                    // RFC 8446 5.4.
                    misbehave!(
                        M::ZeroLengthRecord,
                        "protected {t} record with zero-length content"
                    );
                }
                Ok(Some((t, d)))
            }
            Err(RecordError::BadRecordMac) if self.early_data_skip > 0 => {
                if len > self.early_data_skip {
                    misbehave!(M::TooMuchEarlyData, "too much undecryptable early data");
                }
                self.early_data_skip -= len;
                self.log_entry(
                    Direction::Received,
                    ContentType::ApplicationData,
                    None,
                    None,
                    || format!("early data skipped ({len}B)"),
                );
                Ok(None)
            }
            Err(RecordError::BadRecordMac) if self.knobs.ignores(M::BadRecordMac) => Ok(None),
            Err(RecordError::BadRecordMac) => Err(bad_record_mac()),
            Err(RecordError::NoContentType) => Err(misbehaved(
                M::NoContentType,
                "protected record has no non-zero content type",
            )),
            Err(RecordError::Overflow) => Err(record_overflow()),
            Err(RecordError::SequenceExhausted) => {
                Err(Error::internal("read sequence number exhausted"))
            }
        }
    }

    /// A record without protection.
    pub(super) fn plaintext_record(
        &mut self,
        rec: tls_wire::Record,
    ) -> Result<Option<(ContentType, Vec<u8>)>, Error> {
        if rec.payload.len() > tls_wire::MAX_PLAINTEXT && !self.knobs.ignores(M::RecordOverflow) {
            misbehave!(
                M::RecordOverflow,
                "plaintext record of {} bytes",
                rec.payload.len()
            );
        }
        if rec.content_type == ContentType::ApplicationData && self.skip_plain_early_data {
            self.log_entry(
                Direction::Received,
                ContentType::ApplicationData,
                None,
                None,
                || "early data skipped".into(),
            );
            return Ok(None);
        }
        Ok(Some((rec.content_type, rec.payload)))
    }

    /// Hostile-peer limits: a run of empty records, a run of ignored warning alerts.
    pub(super) fn count_record(&mut self, typ: ContentType, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            count_run(
                &self.knobs,
                &mut self.empty_records_in_row,
                MAX_EMPTY_RECORDS,
                M::TooManyEmptyRecords,
                "empty records",
            )?;
        } else {
            self.empty_records_in_row = 0;
        }
        if typ != ContentType::Alert {
            self.warning_alerts_in_row = 0;
        }
        Ok(())
    }

    /// An alert record: close_notify, an ignored warning, or the error it ends us with.
    pub(super) fn handle_alert_record(&mut self, data: &[u8]) -> Result<(), Error> {
        if !self.joiner.is_empty() {
            misbehave!(
                M::InterleavedWithHandshake,
                "alert interleaved with a fragmented handshake message"
            );
        }
        let a = match Alert::decode(data) {
            Ok(a) => a,
            // `bug_drop_undecodable`: the alert is dropped.
            Err(_) if self.knobs.bug_drop_undecodable => return Ok(()),
            Err(e) => return Err(invalid(Decoding::Alert)(e)),
        };
        self.log_entry(
            Direction::Received,
            ContentType::Alert,
            None,
            Some(a),
            || a.to_string(),
        );
        match a.description {
            AlertDescription::CloseNotify => {
                self.peer_closed = true;
                self.events.push_back(Event::PeerClosed);
                Ok(())
            }
            AlertDescription::UserCanceled if a.level == AlertLevel::Warning => {
                self.warning_ignored()
            }
            // TLS 1.2: the peer declines a renegotiation (RFC 5246 7.2.2: always a
            // warning); we never start one except on a knob, and go on.
            AlertDescription::NoRenegotiation if a.level == AlertLevel::Warning && self.tls12 => {
                self.warning_ignored()
            }
            alert => Err(Error::AlertReceived {
                level: a.level,
                alert,
            }),
        }
    }

    /// An application data record.
    pub(super) fn handle_app_data_record(&mut self, data: Vec<u8>) -> Result<(), Error> {
        if !self.joiner.is_empty() {
            misbehave!(
                M::InterleavedWithHandshake,
                "application data interleaved with a handshake message"
            );
        }
        if !self.app_read {
            if self.knobs.ignores(M::ApplicationDataBeforeHandshake) {
                // Dropped unread; the handshake goes on.
                return Ok(());
            }
            misbehave!(
                M::ApplicationDataBeforeHandshake,
                "application data before the handshake completed"
            );
        }
        self.key_updates_in_row = 0;
        self.log_entry(
            Direction::Received,
            ContentType::ApplicationData,
            None,
            None,
            || format!("ApplicationData {}B", data.len()),
        );
        if !data.is_empty() {
            self.events.push_back(Event::ApplicationData(data));
        }
        Ok(())
    }
}

fn bad_ccs() -> Error {
    misbehaved(
        M::BadChangeCipherSpec,
        "ChangeCipherSpec record is not the single byte 0x01",
    )
}

fn bad_record_mac() -> Error {
    misbehaved(
        M::BadRecordMac,
        "record authentication failed (bad_record_mac)",
    )
}

fn record_overflow() -> Error {
    misbehaved(M::RecordOverflow, "protected record plaintext too long")
}

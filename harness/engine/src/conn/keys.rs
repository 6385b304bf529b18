//! Key changes: TLS 1.3 traffic keys (installed, updated by KeyUpdate, RFC 8446 4.6.3), the
//! TLS 1.2 keys that take effect with ChangeCipherSpec, and the end of the handshake.

use tls_wire::{
    Alert, AlertDescription, AlertLevel, Codec, ContentType, HandshakeMessage, HandshakePayload,
    KeyUpdateRequest,
};

use crate::config::{Direction, Event, Step};
use crate::crypto::{RecordProtection, RecordProtection12, Suite};
use crate::error::{Error, Misbehaviour as M, misbehave};
use crate::keyschedule::KeySchedule;

use super::{Common, DEFAULT_MAX_KEY_UPDATES, Protect, count_run};

impl Common {
    /// Logs a TLS 1.3 traffic secret installed for reading or writing.
    pub(super) fn log_traffic(&self, write: bool, app: bool, secret: &[u8]) {
        let label = match (self.is_client == write, app) {
            (true, false) => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            (true, true) => "CLIENT_TRAFFIC_SECRET_0",
            (false, false) => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            (false, true) => "SERVER_TRAFFIC_SECRET_0",
        };
        self.log_secret(label, secret);
    }

    /// TLS 1.2: read keys to install when the peer's ChangeCipherSpec arrives.
    pub fn expect_ccs12(&mut self, r: RecordProtection12) {
        self.pending_read12 = Some(r);
    }

    /// TLS 1.2: whether the peer's ChangeCipherSpec has switched our read keys.
    pub fn read_protected(&self) -> bool {
        self.read.is_some()
    }

    /// TLS 1.2: application data may flow both ways.
    pub fn set_app12(&mut self) {
        self.app_read = true;
        self.app_write = true;
    }

    /// Install new read keys. A handshake message must not span the key change.
    pub fn set_read_key(&mut self, suite: Suite, secret: Vec<u8>, app: bool) -> Result<(), Error> {
        if !self.joiner.is_empty() {
            misbehave!(
                M::KeyChangeMidMessage,
                "handshake message spans a key change"
            );
        }
        self.install13(false, suite, secret, app)
    }

    /// Install new write keys.
    pub fn set_write_key(&mut self, suite: Suite, secret: Vec<u8>, app: bool) -> Result<(), Error> {
        self.flush_pending()?;
        self.install13(true, suite, secret, app)
    }

    /// TLS 1.3 record protection from `secret`, for writing or for reading.
    fn install13(
        &mut self,
        write: bool,
        suite: Suite,
        secret: Vec<u8>,
        app: bool,
    ) -> Result<(), Error> {
        let protect = RecordProtection::from_secret(suite, &secret)
            .map_err(|e| Error::internal(e.to_string()))?;
        self.log_traffic(write, app, &secret);
        let (key, stored, app_flag) = if write {
            (&mut self.write, &mut self.write_secret, &mut self.app_write)
        } else {
            (&mut self.read, &mut self.read_secret, &mut self.app_read)
        };
        *key = Some(Protect::V13(protect));
        *stored = secret;
        *app_flag = app;
        self.suite = Some(suite);
        Ok(())
    }

    /// Received KeyUpdate (RFC 8446 4.6.3).
    pub fn handle_key_update(&mut self, req: KeyUpdateRequest) -> Result<(), Error> {
        if !self.handshake_complete {
            misbehave!(
                M::UnexpectedMessage,
                "KeyUpdate before the handshake completed"
            );
        }
        let update_requested = match req {
            KeyUpdateRequest::UpdateRequested => true,
            KeyUpdateRequest::UpdateNotRequested => false,
            // With `bug_ignore = "bad_key_update_request"`: read as update_not_requested.
            KeyUpdateRequest::Unknown(_) if self.knobs.ignores(M::BadKeyUpdateRequest) => false,
            KeyUpdateRequest::Unknown(v) => {
                misbehave!(M::BadKeyUpdateRequest, "KeyUpdate request_update value {v}");
            }
        };
        let max = if self.knobs.max_key_updates == 0 {
            DEFAULT_MAX_KEY_UPDATES
        } else {
            self.knobs.max_key_updates
        };
        let things = "KeyUpdates without application data";
        count_run(
            &self.knobs,
            &mut self.key_updates_in_row,
            max,
            M::TooManyKeyUpdates,
            things,
        )?;
        let suite = self.suite.ok_or_else(|| Error::internal("no suite"))?;
        let next = KeySchedule::next_traffic_secret(suite.hash(), &self.read_secret);
        self.set_read_key(suite, next, true)?;
        self.events.push_back(Event::KeyUpdated {
            direction: Direction::Received,
            update_requested,
        });
        if update_requested && !self.sent_close {
            self.send_key_update(false)?;
        }
        Ok(())
    }

    /// Send a KeyUpdate and switch our write keys.
    pub fn send_key_update(&mut self, update_requested: bool) -> Result<(), Error> {
        let suite = self.suite.ok_or_else(|| Error::internal("no suite"))?;
        let req = if update_requested {
            KeyUpdateRequest::UpdateRequested
        } else {
            KeyUpdateRequest::UpdateNotRequested
        };
        self.send_handshake(&HandshakeMessage::new(HandshakePayload::KeyUpdate(req)))?;
        let next = KeySchedule::next_traffic_secret(suite.hash(), &self.write_secret);
        self.set_write_key(suite, next, true)?;
        self.events.push_back(Event::KeyUpdated {
            direction: Direction::Sent,
            update_requested,
        });
        Ok(())
    }

    /// Mark the handshake as complete (write keys are the application keys by now), then
    /// send the knobs' post-handshake floods.
    pub fn complete_handshake(&mut self) -> Result<(), Error> {
        self.handshake_complete = true;
        self.ccs_ok = false;
        self.reach(Step::AppData);
        self.events.push_back(Event::HandshakeComplete);
        for _ in 0..self.knobs.send_empty_records {
            self.write_records(ContentType::ApplicationData, &[])?;
        }
        for _ in 0..self.knobs.send_warning_alerts {
            let a = Alert {
                level: AlertLevel::Warning,
                description: AlertDescription::UserCanceled,
            };
            self.log_entry(Direction::Sent, ContentType::Alert, None, Some(a), || {
                a.to_string()
            });
            self.write_records(ContentType::Alert, &a.to_bytes())?;
        }
        Ok(())
    }
}

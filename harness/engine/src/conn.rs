//! The connection: the state shared by both roles (`Common`) and the public sans-IO API
//! (`Connection`). The record layer is in `send`, `receive` and `keys`.

use std::collections::VecDeque;
use std::sync::Arc;

use rustls_pki_types::UnixTime;
use tls_wire::{
    Alert, ContentType, DecodeCtx, Deframer, HandshakeJoiner, HandshakeMessage, ProtocolVersion,
};

use crate::client::ClientState;

/// What the knob `send_data_after_close_notify` sends after our close_notify.
const DATA_AFTER_CLOSE_NOTIFY: &[u8] = b"data after close_notify";

/// Logs and writes application data as records (`note` follows the transcript summary).
fn write_app_data(c: &mut Common, data: &[u8], note: &str) -> Result<(), Error> {
    c.log_entry(
        Direction::Sent,
        ContentType::ApplicationData,
        None,
        None,
        || format!("ApplicationData {}B{note}", data.len()),
    );
    c.write_records(ContentType::ApplicationData, data)
}
use crate::config::{
    ClientConfig, Direction, Event, Knobs, Negotiated, ServerConfig, Step, TranscriptEntry,
};
use crate::crypto::{RecordProtection, RecordProtection12, Suite};
use crate::error::{
    ClosedReason, Decoding, Error, Misbehaviour as M, invalid, misbehave, misbehaved,
};
use crate::handshake::Received;
use crate::keyschedule::KeySchedule;
use crate::random::RandomSource;
use crate::server::ServerState;

mod keys;
mod receive;
mod send;

/// Default limit of consecutive KeyUpdates without application data.
const DEFAULT_MAX_KEY_UPDATES: u32 = 32;
/// Consecutive empty records accepted (zero-length application data is legal, RFC 8446 5.1,
/// RFC 5246 6.2.1; an endless stream of them is a denial of service). BoringSSL's and
/// OpenSSL's limit.
pub const MAX_EMPTY_RECORDS: u32 = 32;
/// Consecutive warning alerts accepted and ignored (user_canceled; TLS 1.2 no_renegotiation).
/// BoringSSL's limit.
pub const MAX_WARNING_ALERTS: u32 = 4;

/// Record protection of one direction: TLS 1.3 (inner content type, padding) or TLS 1.2
/// (AEAD with the real content type outside).
enum Protect {
    V13(RecordProtection),
    V12(RecordProtection12),
}

/// State shared by both roles: record layer, output, events, transcript log.
pub(crate) struct Common {
    is_client: bool,
    pub random: Arc<dyn RandomSource>,
    pub knobs: Knobs,
    deframer: Deframer,
    joiner: HandshakeJoiner,
    out: Vec<u8>,
    events: VecDeque<Event>,
    read: Option<Protect>,
    write: Option<Protect>,
    /// TLS 1.2: read keys that take effect with the peer's ChangeCipherSpec.
    pending_read12: Option<RecordProtection12>,
    /// TLS 1.2 was negotiated: records and messages take their TLS 1.2 forms.
    tls12: bool,
    /// TLS 1.2 exporter (RFC 5705): PRF hash, master secret, client_random + server_random.
    exporter12: Option<(crate::crypto::HashAlg, Vec<u8>, Vec<u8>)>,
    suite: Option<Suite>,
    read_secret: Vec<u8>,
    write_secret: Vec<u8>,
    /// Application data may be received (read keys are application keys).
    app_read: bool,
    /// Application data may be sent (write keys are application keys).
    app_write: bool,
    negotiated: Option<Negotiated>,
    step: Step,
    log: Vec<TranscriptEntry>,
    /// Whether transcript entries carry their one-line summary (config `transcript_summaries`).
    summaries: bool,
    pub now: UnixTime,
    max_send_fragment: usize,
    /// Largest inner plaintext content we accept (from the record_size_limit we sent).
    recv_limit: usize,
    handshake_complete: bool,
    peer_closed: bool,
    sent_close: bool,
    /// A ChangeCipherSpec record may be received and dropped.
    ccs_ok: bool,
    /// Server: bytes of undecryptable (early data) records we may still skip.
    early_data_skip: usize,
    /// Server: skip plaintext application_data records (early data after HRR).
    skip_plain_early_data: bool,
    key_updates_in_row: u32,
    /// Consecutive empty records received (limit [`MAX_EMPTY_RECORDS`]).
    empty_records_in_row: u32,
    /// Consecutive warning alerts received and ignored (limit [`MAX_WARNING_ALERTS`]).
    warning_alerts_in_row: u32,
    failed: Option<Error>,
    /// The control `bug_stall_on` hit: nothing more is read or sent.
    stalled: bool,
    /// exporter_master_secret and its hash, once known.
    exporter: Option<(crate::crypto::HashAlg, Vec<u8>)>,
    /// The config's key log and the ClientHello.random it is keyed by.
    key_log: Option<(crate::config::KeyLog, [u8; 32])>,
    /// ClientHellos sent so far (which `mutate_*client_hello` knob applies).
    client_hellos_sent: u32,
    /// Knob `coalesce_handshake`: handshake bytes waiting to be written together.
    pending_handshake: Vec<u8>,
}

impl Common {
    fn new(
        is_client: bool,
        random: &Arc<dyn RandomSource>,
        knobs: &Knobs,
        max_fragment: usize,
        now: UnixTime,
    ) -> Self {
        Self {
            is_client,
            random: random.clone(),
            deframer: Deframer::new(),
            joiner: HandshakeJoiner::new(),
            out: Vec::new(),
            events: VecDeque::new(),
            read: None,
            write: None,
            pending_read12: None,
            tls12: false,
            exporter12: None,
            suite: None,
            read_secret: Vec::new(),
            write_secret: Vec::new(),
            app_read: false,
            app_write: false,
            negotiated: None,
            step: Step::Start,
            log: Vec::new(),
            summaries: true,
            now,
            max_send_fragment: max_fragment.clamp(1, 16384),
            recv_limit: match knobs.record_size_limit {
                Some(v) if v >= 64 => usize::from(v).saturating_sub(1).min(16384),
                _ => 16384,
            },
            handshake_complete: false,
            peer_closed: false,
            sent_close: false,
            ccs_ok: false,
            early_data_skip: 0,
            skip_plain_early_data: false,
            key_updates_in_row: 0,
            empty_records_in_row: 0,
            warning_alerts_in_row: 0,
            failed: None,
            stalled: false,
            exporter: None,
            key_log: None,
            client_hellos_sent: 0,
            pending_handshake: Vec::new(),
            knobs: knobs.clone(),
        }
    }

    /// Logs a secret under `label` (see [`crate::config::KeyLog`]).
    pub fn log_secret(&self, label: &str, secret: &[u8]) {
        if let Some((log, client_random)) = &self.key_log {
            log(label, client_random, secret);
        }
    }

    /// Whether a middlebox-compatibility ChangeCipherSpec may be received and dropped.
    pub fn allow_compat_ccs(&mut self, ok: bool) {
        self.ccs_ok = ok;
    }

    /// Server: skip plaintext application_data records (early data after HRR).
    pub fn skip_plaintext_early_data(&mut self, skip: bool) {
        self.skip_plain_early_data = skip;
    }

    /// Server: skip up to `bytes` of undecryptable (early data) records.
    pub fn skip_early_data(&mut self, bytes: usize) {
        self.early_data_skip = bytes;
    }

    /// TLS 1.2 was negotiated: records and messages take their TLS 1.2 forms.
    pub fn use_tls12(&mut self) {
        self.tls12 = true;
    }

    /// Whether the handshake has completed.
    pub fn is_handshake_complete(&self) -> bool {
        self.handshake_complete
    }

    /// Queue an event for [`Connection::poll_event`].
    pub fn emit(&mut self, e: Event) {
        self.events.push_back(e);
    }

    /// The peer's record_size_limit (or TLS 1.2 equivalent) bounds what we send.
    pub fn limit_send_fragment(&mut self, max: usize) {
        self.max_send_fragment = self.max_send_fragment.min(max);
    }

    /// Key log of the config, keyed by this connection's ClientHello.random.
    pub fn set_key_log(&mut self, log: Option<crate::config::KeyLog>, client_random: [u8; 32]) {
        self.key_log = log.map(|k| (k, client_random));
    }

    /// TLS 1.3 exporter_master_secret (RFC 8446 7.5).
    pub fn set_exporter(&mut self, h: crate::crypto::HashAlg, secret: Vec<u8>) {
        self.exporter = Some((h, secret));
    }

    /// TLS 1.2 exporter (RFC 5705): PRF hash, master secret, client_random + server_random.
    pub fn set_exporter12(&mut self, h: crate::crypto::HashAlg, master: Vec<u8>, randoms: Vec<u8>) {
        self.exporter12 = Some((h, master, randoms));
    }

    /// Advance the reported step (monotonic).
    pub fn reach(&mut self, step: Step) {
        if step > self.step {
            self.step = step;
        }
    }

    pub fn now_secs(&self) -> u64 {
        self.now.as_secs()
    }

    pub fn random_bytes<const N: usize>(&self) -> Result<[u8; N], Error> {
        let mut b = [0u8; N];
        self.random.fill(&mut b)?;
        Ok(b)
    }

    /// Appends a transcript entry; `summary` is rendered only when summaries are on.
    fn log_entry(
        &mut self,
        direction: Direction,
        content_type: ContentType,
        hs: Option<&HandshakeMessage>,
        alert: Option<Alert>,
        summary: impl FnOnce() -> String,
    ) {
        self.log.push(TranscriptEntry {
            direction,
            content_type,
            handshake_type: hs.map(|m| m.typ),
            alert: alert.map(|a| a.description),
            summary: if self.summaries {
                summary()
            } else {
                String::new()
            },
        });
    }

    /// Update the negotiated record.
    pub fn negotiated_mut(&mut self) -> &mut Negotiated {
        self.negotiated.get_or_insert_with(|| Negotiated {
            version: ProtocolVersion::TLSv1_3,
            cipher_suite: tls_wire::CipherSuite::Unknown(0),
            group: None,
            signature_scheme: None,
            alpn: None,
            resumed: false,
            extended_master_secret: false,
            hrr: false,
            peer_certificates: Vec::new(),
            server_name: None,
        })
    }

    /// A warning alert was received and is ignored: counts towards [`MAX_WARNING_ALERTS`].
    fn warning_ignored(&mut self) -> Result<(), Error> {
        count_run(
            &self.knobs,
            &mut self.warning_alerts_in_row,
            MAX_WARNING_ALERTS,
            M::TooManyWarningAlerts,
            "warning alerts",
        )
    }
}

/// One more message of a run that a hostile-peer limit bounds: counted in `run`; a run longer
/// than `max` is the misbehaviour `what` ("more than `max` consecutive `things`"), unless
/// `bug_ignore` names it (then there is no limit).
fn count_run(k: &Knobs, run: &mut u32, max: u32, what: M, things: &str) -> Result<(), Error> {
    *run = run.saturating_add(1);
    if *run > max && !k.ignores(what) {
        let detail = format!("more than {max} consecutive {things}");
        misbehave!(what, "{}", detail);
    }
    Ok(())
}

enum HsState {
    Client(ClientState),
    Server(ServerState),
}

/// A TLS 1.3 or TLS 1.2 connection, client or server. Sans-IO: feed received bytes with
/// [`Connection::handle_input`], send what [`Connection::take_output`] returns, and drain
/// [`Connection::poll_event`].
pub struct Connection {
    common: Common,
    state: Option<HsState>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("client", &self.common.is_client)
            .field("step", &self.common.step)
            .field("handshake_complete", &self.common.handshake_complete)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A client; the ClientHello is queued in the output immediately.
    pub fn client(config: Arc<ClientConfig>, now: UnixTime) -> Result<Self, Error> {
        let c = &config;
        let mut common = Common::new(true, &c.random, &c.knobs, c.max_fragment, now);
        common.summaries = config.transcript_summaries;
        let state = ClientState::start(config, &mut common)?;
        Ok(Self::with(common, HsState::Client(state)))
    }

    /// A server, waiting for a ClientHello.
    pub fn server(config: Arc<ServerConfig>, now: UnixTime) -> Result<Self, Error> {
        let c = &config;
        let mut common = Common::new(false, &c.random, &c.knobs, c.max_fragment, now);
        common.summaries = config.transcript_summaries;
        let state = ServerState::start(config)?;
        Ok(Self::with(common, HsState::Server(state)))
    }

    fn with(common: Common, state: HsState) -> Self {
        Self {
            common,
            state: Some(state),
        }
    }

    /// Feed received bytes (any chunking). On a fatal error the alert record is queued in
    /// the output and the error returned; the connection is then dead.
    pub fn handle_input(&mut self, bytes: &[u8], now: UnixTime) -> Result<(), Error> {
        if let Some(e) = &self.common.failed {
            return Err(closed_error(e));
        }
        if self.common.stalled {
            return Ok(());
        }
        self.common.now = now;
        let deliver_after_close = self.common.knobs.bug_deliver_after_close_notify;
        if self.common.peer_closed && !deliver_after_close {
            // Data after close_notify is ignored (RFC 8446 6.1).
            return Ok(());
        }
        self.common.deframer.push(bytes);
        match self.process() {
            Ok(()) => Ok(()),
            // The control `bug_stall_on`: the check fails, and the connection neither aborts
            // nor goes on; it reads and says nothing more.
            Err(e)
                if e.misbehaviour().is_some()
                    && e.misbehaviour() == self.common.knobs.bug_stall_on =>
            {
                self.common.stalled = true;
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        if let Some(desc) = e.alert() {
            self.common.send_alert(Alert::fatal(desc));
        }
        self.common.failed = Some(e.clone());
        self.state = None;
        e
    }

    /// The next record or message, if complete; framing that does not decode is a decode
    /// error, or, with `bug_drop_undecodable`, stops the reading.
    fn decoded<T>(
        &self,
        next: Result<Option<T>, tls_wire::DecodeError>,
        what: Decoding,
    ) -> Result<Option<T>, Error> {
        match next {
            Err(_) if self.common.knobs.bug_drop_undecodable => Ok(None),
            next => next.map_err(invalid(what)),
        }
    }

    fn process(&mut self) -> Result<(), Error> {
        while !self.common.peer_closed || self.common.knobs.bug_deliver_after_close_notify {
            let next = self.common.deframer.next_record();
            let Some(rec) = self.decoded(next, Decoding::Record)? else {
                break;
            };
            self.handle_record(rec)?;
        }
        Ok(())
    }

    fn handle_record(&mut self, rec: tls_wire::Record) -> Result<(), Error> {
        if rec.content_type == ContentType::ChangeCipherSpec {
            return self.common.handle_ccs_record(&rec.payload);
        }
        let Some((typ, data)) = self.common.open_record(rec)? else {
            return Ok(());
        };
        self.common.count_record(typ, &data)?;
        match typ {
            ContentType::Handshake => self.handle_handshake_data(&data),
            ContentType::Alert => self.common.handle_alert_record(&data),
            ContentType::ApplicationData => self.common.handle_app_data_record(data),
            // With `bug_ignore = "unexpected_record_type"`: dropped.
            _ if self.common.knobs.ignores(M::UnexpectedRecordType) => Ok(()),
            other => Err(misbehaved(
                M::UnexpectedRecordType,
                format!("unexpected {other} record"),
            )),
        }
    }

    /// Handshake record content: join it and dispatch every complete message.
    fn handle_handshake_data(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            if self.common.knobs.ignores(M::ZeroLengthRecord) {
                return Ok(());
            }
            misbehave!(M::ZeroLengthRecord, "zero-length handshake record");
        }
        self.common.joiner.push(data);
        loop {
            let next = self.common.joiner.next_message();
            let Some(raw) = self.decoded(next, Decoding::HandshakeFraming)? else {
                break;
            };
            self.dispatch(raw)?;
        }
        Ok(())
    }

    fn dispatch(&mut self, raw: Vec<u8>) -> Result<(), Error> {
        let ctx = if self.common.tls12 {
            DecodeCtx::TLS12
        } else {
            DecodeCtx::TLS13
        };
        let msg = match HandshakeMessage::decode_with(&raw, &ctx) {
            Ok(msg) => msg,
            // `bug_drop_undecodable`: the message is dropped (not in the transcript, the state
            // unchanged) and the next one awaited.
            Err(_) if self.common.knobs.bug_drop_undecodable => return Ok(()),
            Err(e) => return Err(invalid(Decoding::HandshakeMessage)(e)),
        };
        self.common.log_entry(
            Direction::Received,
            ContentType::Handshake,
            Some(&msg),
            None,
            || msg.describe(),
        );
        let state = self
            .state
            .take()
            .ok_or_else(|| Error::internal("no handshake state"))?;
        let m = Received { msg, raw };
        let next = match state {
            HsState::Client(s) => HsState::Client(s.handle(&mut self.common, m)?),
            HsState::Server(s) => HsState::Server(s.handle(&mut self.common, m)?),
        };
        self.state = Some(next);
        Ok(())
    }

    /// Bytes to send (possibly empty).
    pub fn take_output(&mut self) -> Vec<u8> {
        if let Err(e) = self.common.flush_pending() {
            let _ = self.fail(e);
        }
        std::mem::take(&mut self.common.out)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.common.events.pop_front()
    }

    /// Queue application data (fragmented to the negotiated maximum).
    pub fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
        if let Some(e) = &self.common.failed {
            return Err(closed_error(e));
        }
        if !self.common.app_write {
            return Err(Error::Closed(ClosedReason::AppDataBeforeHandshake));
        }
        if self.common.sent_close {
            return Err(Error::Closed(ClosedReason::CloseNotifySent));
        }
        let r = write_app_data(&mut self.common, data, "");
        r.map_err(|e| self.fail(e))
    }

    /// Queue a close_notify alert.
    pub fn send_close_notify(&mut self) {
        if self.common.failed.is_some() || self.common.sent_close {
            return;
        }
        self.common.sent_close = true;
        if !self.common.knobs.bug_skip_close_notify {
            self.common.send_alert(Alert::close_notify());
        }
        if self.common.knobs.send_data_after_close_notify {
            let _ = write_app_data(
                &mut self.common,
                DATA_AFTER_CLOSE_NOTIFY,
                " (after close_notify)",
            );
        }
    }

    /// Send a KeyUpdate (RFC 8446 4.6.3) and switch our write keys.
    pub fn request_key_update(&mut self, update_requested: bool) -> Result<(), Error> {
        if let Some(e) = &self.common.failed {
            return Err(closed_error(e));
        }
        if !self.common.handshake_complete {
            return Err(Error::Closed(ClosedReason::KeyUpdateBeforeHandshake));
        }
        let r = self.common.send_key_update(update_requested);
        r.map_err(|e| self.fail(e))
    }

    /// Transport EOF. `Err(Truncated)` unless a close_notify was received.
    pub fn handle_eof(&mut self) -> Result<(), Error> {
        if self.common.peer_closed {
            return Ok(());
        }
        if let Some(e) = &self.common.failed {
            return Err(closed_error(e));
        }
        let e = Error::Truncated {
            during_handshake: !self.common.handshake_complete,
        };
        self.common.failed = Some(e.clone());
        Err(e)
    }

    /// Whether the handshake is still in progress.
    pub fn is_handshaking(&self) -> bool {
        !self.common.handshake_complete
    }

    /// What was negotiated so far (set from ServerHello on).
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.common.negotiated.as_ref()
    }

    /// The last handshake step reached.
    pub fn step(&self) -> Step {
        self.common.step
    }

    /// The knobs this connection runs with (some, such as `bug_keep_open_after_alert`, are
    /// read by the driver that owns the socket).
    pub fn knobs(&self) -> &crate::Knobs {
        &self.common.knobs
    }

    /// Every record/message sent and received, decoded.
    pub fn transcript(&self) -> &[TranscriptEntry] {
        &self.common.log
    }

    /// TLS-Exporter (RFC 8446 7.5; RFC 5705 semantics): `len` bytes for `label` and
    /// `context` (absent and empty context are the same in TLS 1.3).
    pub fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        len: usize,
    ) -> Result<Vec<u8>, Error> {
        if let Some((h, master, randoms)) = &self.common.exporter12 {
            // RFC 5705 4: PRF(master_secret, label, client_random + server_random
            // [+ context_value_length + context_value])[length].
            let mut seed = randoms.clone();
            if let Some(ctx) = context {
                let l = u16::try_from(ctx.len())
                    .map_err(|_| Error::config("exporter context too long"))?;
                seed.extend_from_slice(&l.to_be_bytes());
                seed.extend_from_slice(ctx);
            }
            return crate::crypto::tls12::prf(*h, master, label, &seed, len)
                .map_err(|e| Error::internal(e.to_string()));
        }
        let Some((h, secret)) = &self.common.exporter else {
            return Err(Error::Closed(ClosedReason::ExporterBeforeHandshake));
        };
        if len > 255 * h.len() {
            return Err(Error::config("exporter output too long"));
        }
        Ok(KeySchedule::export(
            *h,
            secret,
            label,
            context.unwrap_or(&[]),
            len,
        ))
    }

    /// The error that killed the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.common.failed.as_ref()
    }

    /// Whether we are the client.
    pub fn is_client(&self) -> bool {
        self.common.is_client
    }
}

fn closed_error(e: &Error) -> Error {
    Error::Closed(ClosedReason::Failed(Box::new(e.clone())))
}

//! rustls as a [`pump::Endpoint`](crate::pump::Endpoint): `read_tls`/`process_new_packets`
//! in, `write_tls` out, with the peer's mapping of rustls's errors onto outcomes.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::{Connection, Error, HandshakeKind};

use super::{
    SchemeTap, alert_for_error, group_from_rustls, suite_from_rustls, version_from_rustls,
};
use crate::model::{AlertSeen, Direction, Failure, Negotiated, Outcome, Step};
use crate::pump::{AppData, Endpoint, Observed};

/// One rustls connection, client or server.
pub(crate) struct RustlsEndpoint {
    conn: Connection,
    /// The peer's signature scheme, when the verifiers record it.
    tap: Option<Arc<SchemeTap>>,
    /// `Tcp`, then `ClientHello` once input was handled; what a transport failure reports
    /// (rustls's own errors report [`progress`] from there).
    reached: Step,
}

impl RustlsEndpoint {
    pub(crate) fn new(conn: Connection, tap: Option<Arc<SchemeTap>>) -> Self {
        RustlsEndpoint {
            conn,
            tap,
            reached: Step::Tcp,
        }
    }

    /// The outcome of a `process_new_packets` error. rustls queued its alert (the pump
    /// sends it before reporting); some errors (its hostile-peer limits:
    /// TooManyEmptyFragments, ...) end the connection without one; an alert received is
    /// answered with none.
    fn processing_failed(&self, e: &Error) -> Outcome {
        let reached = progress(&self.conn, self.reached);
        if !self.conn.wants_write() && !matches!(e, Error::AlertReceived(_)) {
            return Outcome::failed(
                Failure::Closed,
                error_step(e, reached),
                format!("rustls: {e} (closed without sending an alert)"),
            );
        }
        fail_outcome(e, reached)
    }
}

/// A reader that has nothing, noting how much rustls asked for.
struct Probe(usize);

impl Read for Probe {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0 = buf.len();
        Err(std::io::ErrorKind::WouldBlock.into())
    }
}

/// rustls refusing to buffer more (a handshake message past what it holds): its decision,
/// not a transport error.
fn buffer_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::InvalidData && e.to_string().contains("buffer full")
}

impl Endpoint for RustlsEndpoint {
    /// As much as `read_tls` would read from a socket now.
    fn want_input(&mut self) -> Result<usize, Outcome> {
        let mut probe = Probe(0);
        match self.conn.read_tls(&mut probe) {
            Err(e) if buffer_full(&e) => Err(Outcome::failed(
                Failure::Closed,
                progress(&self.conn, self.reached),
                format!("rustls: read_tls: {e} (closed without sending an alert)"),
            )),
            _ if probe.0 > 0 => Ok(probe.0),
            _ => Ok(crate::pump::READ_SIZE),
        }
    }

    fn handle_input(&mut self, mut bytes: &[u8]) -> Result<(), Outcome> {
        while !bytes.is_empty() {
            match self.conn.read_tls(&mut bytes) {
                Ok(_) => {}
                Err(e) if buffer_full(&e) => {
                    return Err(Outcome::failed(
                        Failure::Closed,
                        progress(&self.conn, self.reached),
                        format!("rustls: read_tls: {e} (closed without sending an alert)"),
                    ));
                }
                Err(e) => {
                    return Err(Outcome::internal(
                        self.reached,
                        format!("rustls: read_tls: {e}"),
                    ));
                }
            }
            if let Err(e) = self.conn.process_new_packets() {
                return Err(self.processing_failed(&e));
            }
        }
        self.reached = self.reached.max(Step::ClientHello);
        Ok(())
    }

    /// rustls is not told: its reader would report EOF without close_notify, which the
    /// pump tells from its own state.
    fn handle_eof(&mut self) -> Result<(), Outcome> {
        Ok(())
    }

    fn take_output(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut out).is_err() {
                break;
            }
        }
        out
    }

    fn send_app_data(&mut self, data: &[u8]) -> Result<(), Outcome> {
        self.conn
            .writer()
            .write_all(data)
            .map_err(|e| Outcome::internal(Step::Finished, format!("rustls writer: {e}")))
    }

    fn poll_app_data(&mut self, into: &mut Vec<u8>) -> Result<AppData, Outcome> {
        let mut buf = [0u8; 4096];
        match self.conn.reader().read(&mut buf) {
            Ok(0) => Ok(AppData::Closed),
            Ok(n) => {
                into.extend_from_slice(buf.get(..n).unwrap_or_default());
                Ok(AppData::Read)
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(AppData::Pending),
            Err(e) => Err(Outcome::failed(
                Failure::Closed,
                Step::Finished,
                format!("rustls reader: {e}"),
            )),
        }
    }

    fn send_close_notify(&mut self) {
        self.conn.send_close_notify();
    }

    fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    fn step(&self) -> Step {
        self.reached
    }

    fn negotiated(&self) -> Negotiated {
        let conn = &self.conn;
        let kind = conn.handshake_kind();
        Negotiated {
            version: conn.protocol_version().and_then(version_from_rustls),
            suite: conn.negotiated_cipher_suite().and_then(suite_from_rustls),
            group: conn
                .negotiated_key_exchange_group()
                .and_then(group_from_rustls),
            sig_scheme: self.tap.as_ref().and_then(|t| t.seen()),
            alpn: conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            resumed: kind == Some(HandshakeKind::Resumed),
            hrr: kind == Some(HandshakeKind::FullWithHelloRetryRequest),
        }
    }

    fn observed(&self) -> Observed {
        let kind = self.conn.handshake_kind();
        Observed {
            done: !self.conn.is_handshaking(),
            resumed: kind.map(|k| k == HandshakeKind::Resumed),
            hrr: kind.map(|k| k == HandshakeKind::FullWithHelloRetryRequest),
            version: self.conn.protocol_version().and_then(version_from_rustls),
        }
    }
}

/// The step a connection has reached, from what rustls has negotiated: past the handshake
/// once it no longer handshakes (an error in the same batch of records as the peer's
/// Finished still comes after it), past the ServerHello once a suite is chosen.
fn progress(conn: &Connection, reached: Step) -> Step {
    if !conn.is_handshaking() {
        reached.max(Step::Finished)
    } else if conn.negotiated_cipher_suite().is_some() {
        reached.max(Step::ServerHello)
    } else {
        reached
    }
}

fn error_step(e: &Error, reached: Step) -> Step {
    match e {
        Error::InvalidCertificate(_) | Error::NoCertificatesPresented => {
            reached.max(Step::Certificate)
        }
        _ => reached,
    }
}

fn fail_outcome(e: &Error, reached: Step) -> Outcome {
    let step = error_step(e, reached);
    match alert_for_error(e) {
        Some((direction, alert)) => Outcome::failed(
            Failure::Alert { direction, alert },
            step,
            format!("rustls: {e}"),
        ),
        // rustls sent an alert we cannot name from the error alone; the runner fills it in
        // from what the peer received, or from the wire.
        None => Outcome::failed(
            Failure::Alert {
                direction: Direction::Sent,
                alert: AlertSeen::Unnamed,
            },
            step,
            format!("rustls: {e}"),
        ),
    }
}

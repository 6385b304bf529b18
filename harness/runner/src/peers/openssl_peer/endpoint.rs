//! OpenSSL as a [`pump::Endpoint`](crate::pump::Endpoint): an `SslStream` over an
//! in-memory duplex, with the peer's recovery of the alerts from the message callback.

use std::io::{Read, Write};

use openssl::ssl::{ErrorCode, ShutdownState, Ssl, SslRef, SslStream, SslVersion};

use super::{failure, negotiated_group, peek_log, peer_sig_scheme, take_log};
use crate::model::{Negotiated, Outcome, ProtocolVersion, Step};
use crate::peer::CaseCtx;
use crate::pump::{AppData, Endpoint, Observed};
use crate::steps::step_of;

/// An in-memory duplex for an `SslStream`: reads what was fed (`WouldBlock` when empty,
/// EOF once the peer closed), collects writes.
#[derive(Debug, Default)]
pub(crate) struct Mem {
    rx: Vec<u8>,
    pos: usize,
    eof: bool,
    tx: Vec<u8>,
    /// How much OpenSSL last asked for when there was nothing.
    wanted: usize,
}

impl Read for Mem {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.rx.get(self.pos..).unwrap_or_default();
        if avail.is_empty() {
            self.wanted = buf.len();
            return if self.eof {
                Ok(0)
            } else {
                Err(std::io::ErrorKind::WouldBlock.into())
            };
        }
        let n = avail.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), avail.get(..n)) {
            to.copy_from_slice(from);
        }
        self.pos += n;
        Ok(n)
    }
}

impl Write for Mem {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tx.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// OpenSSL as an [`Endpoint`]: an `SslStream` over [`Mem`], driven until it wants
/// more input. After the handshake, records are read lazily, one `SSL_read` at a time, as
/// a blocking reader would. Its alerts and handshake messages come from the message
/// callback's log of this thread (one OpenSSL endpoint with the callback per thread).
pub(crate) struct OpensslEndpoint<'a> {
    stream: SslStream<Mem>,
    /// For the cancellation check (`None` in the benchmarks).
    ctx: Option<&'a CaseCtx>,
    handshaking: bool,
    closing: bool,
    /// Mark the connection closed when dropped (see [`Self::keep_session`]).
    keep_session: bool,
}

fn wants_more(e: &openssl::ssl::Error) -> bool {
    matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE)
}

impl<'a> OpensslEndpoint<'a> {
    /// Starts the handshake of `ssl` (its connect or accept state set): a client's first
    /// flight is then in the output.
    pub(crate) fn new(ssl: Ssl, ctx: Option<&'a CaseCtx>) -> Result<Self, Outcome> {
        let _ = take_log();
        let stream = SslStream::new(ssl, Mem::default())
            .map_err(|e| Outcome::internal(Step::Tcp, format!("openssl stream: {e}")))?;
        let mut ep = OpensslEndpoint {
            stream,
            ctx,
            handshaking: true,
            closing: false,
            keep_session: false,
        };
        ep.advance()?;
        Ok(ep)
    }

    /// Freed without a shutdown, OpenSSL marks the connection's session not resumable
    /// (`SSL_free` -> `ssl_clear_bad_session`), and with it a shared ticket: with this, the
    /// drop marks the connection closed, as `SSL_shutdown` would, without a close_notify.
    pub(crate) fn keep_session(mut self) -> Self {
        self.keep_session = true;
        self
    }

    pub(crate) fn ssl(&self) -> &SslRef {
        self.stream.ssl()
    }

    fn advance(&mut self) -> Result<(), Outcome> {
        if !self.handshaking {
            return Ok(());
        }
        match self.stream.do_handshake() {
            Ok(()) => {
                self.handshaking = false;
                Ok(())
            }
            Err(e) if wants_more(&e) => Ok(()),
            Err(e) => Err(self.failure(&e)),
        }
    }

    fn failure(&self, err: &openssl::ssl::Error) -> Outcome {
        let log = peek_log();
        if !self.handshaking {
            let what = if self.closing {
                "close"
            } else {
                "application data"
            };
            return failure(err, &log, self.ctx, what);
        }
        let mut o = failure(err, &log, self.ctx, "handshake");
        // The verifier's own reason, when certificate verification is what failed.
        let verify = self.stream.ssl().verify_result();
        if verify != openssl::x509::X509VerifyResult::OK {
            let reason = format!(
                "; verify result {}: {}",
                verify.as_raw(),
                verify.error_string()
            );
            o.detail = Some(o.detail.unwrap_or_default() + &reason);
        }
        o
    }
}

impl Drop for OpensslEndpoint<'_> {
    fn drop(&mut self) {
        if self.keep_session {
            self.stream
                .set_shutdown(ShutdownState::SENT | ShutdownState::RECEIVED);
        }
    }
}

impl Endpoint for OpensslEndpoint<'_> {
    /// What OpenSSL asked for (without read-ahead: a record header, then the record).
    fn want_input(&mut self) -> Result<usize, Outcome> {
        let mem = self.stream.get_ref();
        let buffered = mem.rx.len().saturating_sub(mem.pos);
        Ok(match mem.wanted.saturating_sub(buffered) {
            0 => crate::pump::READ_SIZE,
            n => n,
        })
    }

    fn handle_input(&mut self, bytes: &[u8]) -> Result<(), Outcome> {
        let mem = self.stream.get_mut();
        if mem.pos >= mem.rx.len() {
            mem.rx.clear();
            mem.pos = 0;
        }
        mem.rx.extend_from_slice(bytes);
        self.advance()
    }

    fn handle_eof(&mut self) -> Result<(), Outcome> {
        self.stream.get_mut().eof = true;
        self.advance()
    }

    fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.stream.get_mut().tx)
    }

    fn send_app_data(&mut self, data: &[u8]) -> Result<(), Outcome> {
        match self.stream.ssl_write(data) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.failure(&e)),
        }
    }

    fn poll_app_data(&mut self, into: &mut Vec<u8>) -> Result<AppData, Outcome> {
        if self.handshaking {
            return Ok(AppData::Pending);
        }
        let mut buf = [0u8; 4096];
        match self.stream.ssl_read(&mut buf) {
            Ok(0) => Ok(AppData::Closed),
            Ok(n) => {
                into.extend_from_slice(buf.get(..n).unwrap_or_default());
                Ok(AppData::Read)
            }
            Err(e) if wants_more(&e) => Ok(AppData::Pending),
            Err(e) if e.code() == ErrorCode::ZERO_RETURN => Ok(AppData::Closed),
            Err(e) => Err(self.failure(&e)),
        }
    }

    fn send_close_notify(&mut self) {
        self.closing = true;
        let _ = self.stream.shutdown();
    }

    fn is_handshaking(&self) -> bool {
        self.handshaking
    }

    fn step(&self) -> Step {
        step_of(&peek_log().handshake)
    }

    fn negotiated(&self) -> Negotiated {
        let ssl = self.stream.ssl();
        Negotiated {
            version: match ssl.version2() {
                Some(SslVersion::TLS1_2) => Some(ProtocolVersion::TLSv1_2),
                Some(SslVersion::TLS1_3) => Some(ProtocolVersion::TLSv1_3),
                _ => None,
            },
            suite: ssl
                .current_cipher()
                .and_then(|c| c.standard_name())
                .and_then(|n| crate::vocab::parse(n).ok()),
            group: negotiated_group(ssl),
            sig_scheme: peer_sig_scheme(ssl),
            alpn: ssl
                .selected_alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            resumed: ssl.session_reused(),
            hrr: peek_log().hrr,
        }
    }

    /// Whether a HelloRetryRequest happened is not told without the message callback.
    fn observed(&self) -> Observed {
        let ssl = self.stream.ssl();
        let done = !self.handshaking;
        Observed {
            done,
            resumed: done.then(|| ssl.session_reused()),
            hrr: None,
            version: match ssl.version2() {
                Some(SslVersion::TLS1_3) => Some(ProtocolVersion::TLSv1_3),
                Some(SslVersion::TLS1_2) => Some(ProtocolVersion::TLSv1_2),
                _ => None,
            },
        }
    }
}

//! Records (RFC 8446 5.1), the [`Deframer`] that cuts a byte stream into records and
//! the [`HandshakeJoiner`] that cuts record payloads into handshake messages.

use crate::codec::{Codec, Context, DecodeError, DecodeErrorKind, Reader, put_u16};
use crate::enums::{ContentType, HandshakeType, ProtocolVersion};

/// Bytes in a record header.
pub const RECORD_HEADER_LEN: usize = 5;
/// Maximum plaintext fragment: 2^14.
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// Maximum TLS 1.3 ciphertext payload: 2^14 + 256.
pub const MAX_CIPHERTEXT_TLS13: usize = MAX_PLAINTEXT + 256;
/// Maximum TLS 1.2 ciphertext payload: 2^14 + 2048.
pub const MAX_CIPHERTEXT_TLS12: usize = MAX_PLAINTEXT + 2048;
/// Bytes in a handshake message header.
pub const HANDSHAKE_HEADER_LEN: usize = 4;
/// Default cap on a handshake message body: 131396 bytes, the largest ClientHello the
/// encoding allows (RFC 8446 4.1.2: a 32-byte random, a 32-byte session id, 65534 bytes of
/// cipher suites, 255 compression methods and 65535 bytes of extensions, with their length
/// prefixes), so that no valid ClientHello is refused for its size (OpenSSL's
/// CLIENT_HELLO_MAX_LENGTH is the same bound). It bounds every other message too.
pub const DEFAULT_MAX_HANDSHAKE: usize = 2 + 32 + 1 + 32 + 2 + 65534 + 1 + 255 + 2 + 65535;

/// The 5-byte record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordHeader {
    /// The record's content type.
    pub content_type: ContentType,
    /// `legacy_record_version`.
    pub legacy_version: ProtocolVersion,
    /// Payload length as written (may lie, on purpose).
    pub length: u16,
}

impl Codec for RecordHeader {
    fn encode(&self, out: &mut Vec<u8>) {
        self.content_type.encode(out);
        self.legacy_version.encode(out);
        put_u16(out, self.length);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let content_type = ContentType::read(r).context("record header")?;
        let legacy_version = ProtocolVersion::read(r).context("record header")?;
        let length = r.u16().context("record header")?;
        Ok(Self {
            content_type,
            legacy_version,
            length,
        })
    }
}

/// A whole record: header fields and the payload (plaintext or ciphertext).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// The record's (outer) content type.
    pub content_type: ContentType,
    /// `legacy_record_version`.
    pub legacy_version: ProtocolVersion,
    /// The payload.
    pub payload: Vec<u8>,
}

impl Record {
    /// A record with the given fields.
    pub fn new(
        content_type: ContentType,
        legacy_version: ProtocolVersion,
        payload: Vec<u8>,
    ) -> Self {
        Self {
            content_type,
            legacy_version,
            payload,
        }
    }

    /// The header [`Codec::encode`] writes (length truncated to 16 bits if the payload is
    /// longer than 65535 bytes).
    pub fn header(&self) -> RecordHeader {
        RecordHeader {
            content_type: self.content_type,
            legacy_version: self.legacy_version,
            length: self.payload.len() as u16,
        }
    }
}

/// `handshake TLS1.0 196B`.
impl std::fmt::Display for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}B",
            self.content_type,
            self.legacy_version,
            self.payload.len()
        )
    }
}

impl Codec for Record {
    /// Writes the header with the true payload length, then the payload.
    fn encode(&self, out: &mut Vec<u8>) {
        self.header().encode(out);
        out.extend_from_slice(&self.payload);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let h = RecordHeader::read(r)?;
        let payload = r
            .take(usize::from(h.length))
            .with_context(|| format!("{} record payload", h.content_type))?;
        Ok(Self {
            content_type: h.content_type,
            legacy_version: h.legacy_version,
            payload: payload.to_vec(),
        })
    }
}

/// Cuts a byte stream, fed in arbitrary chunks, into [`Record`]s.
///
/// A header announcing more than `max_payload` bytes is an error
/// ([`DecodeErrorKind::RecordOverflow`], alert `record_overflow`) as soon as the
/// header is complete, before the payload is buffered. The error is sticky.
#[derive(Debug, Clone)]
pub struct Deframer {
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf` (records are taken by advancing it; the consumed
    /// prefix is dropped when the buffer empties or on the next push).
    pos: usize,
    max_payload: usize,
    failed: Option<DecodeError>,
}

impl Default for Deframer {
    fn default() -> Self {
        Self::new()
    }
}

impl Deframer {
    /// A deframer with the TLS 1.3 cap (2^14 + 256).
    pub fn new() -> Self {
        Self::with_max_payload(MAX_CIPHERTEXT_TLS13)
    }

    /// A deframer with a custom payload cap.
    pub fn with_max_payload(max_payload: usize) -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            max_payload,
            failed: None,
        }
    }

    /// Changes the payload cap (e.g. after negotiating TLS 1.2 or record_size_limit).
    pub fn set_max_payload(&mut self, max_payload: usize) {
        self.max_payload = max_payload;
    }

    /// The payload cap.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    fn unread(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Bytes buffered and not yet returned as records.
    pub fn buffered(&self) -> usize {
        self.unread().len()
    }

    /// Whether nothing is buffered (e.g. at close: leftover bytes are a truncated record).
    pub fn is_empty(&self) -> bool {
        self.unread().is_empty()
    }

    /// The header of the next record, if its 5 bytes have arrived.
    pub fn peek_header(&self) -> Option<RecordHeader> {
        let h = self.unread().get(..RECORD_HEADER_LEN)?;
        RecordHeader::decode(h).ok()
    }

    /// The next complete record, `Ok(None)` if more bytes are needed.
    pub fn next_record(&mut self) -> Result<Option<Record>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Some(h) = self.peek_header() else {
            return Ok(None);
        };
        let len = usize::from(h.length);
        if len > self.max_payload {
            let e = DecodeError::new(DecodeErrorKind::RecordOverflow {
                len,
                max: self.max_payload,
            })
            .context(format!("{} record", h.content_type));
            self.failed = Some(e.clone());
            return Err(e);
        }
        let total = RECORD_HEADER_LEN + len;
        let Some(payload) = self.unread().get(RECORD_HEADER_LEN..total) else {
            return Ok(None);
        };
        let rec = Record {
            content_type: h.content_type,
            legacy_version: h.legacy_version,
            payload: payload.to_vec(),
        };
        self.pos += total;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        Ok(Some(rec))
    }
}

/// Reassembles handshake messages from record payloads: a message may span records,
/// and one record may hold several messages.
///
/// The 4-byte header's length is checked against `max_message` before the body is
/// buffered ([`DecodeErrorKind::MessageTooLarge`]). Messages are returned as raw bytes,
/// header included (what the transcript hash needs). The error is sticky.
#[derive(Debug, Clone)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    max_message: usize,
    failed: Option<DecodeError>,
}

impl Default for HandshakeJoiner {
    fn default() -> Self {
        Self::new()
    }
}

impl HandshakeJoiner {
    /// A joiner with the default cap (`DEFAULT_MAX_HANDSHAKE`).
    pub fn new() -> Self {
        Self::with_max_message(DEFAULT_MAX_HANDSHAKE)
    }

    /// A joiner with a custom cap on the message body length.
    pub fn with_max_message(max_message: usize) -> Self {
        Self {
            buf: Vec::new(),
            max_message,
            failed: None,
        }
    }

    /// Changes the cap.
    pub fn set_max_message(&mut self, max_message: usize) {
        self.max_message = max_message;
    }

    /// Appends one handshake record's payload.
    pub fn push(&mut self, payload: &[u8]) {
        self.buf.extend_from_slice(payload);
    }

    /// Bytes of an incomplete message still buffered (must be 0 at a key change).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The next complete message (header included), `Ok(None)` if more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Some(h) = self.buf.get(..HANDSHAKE_HEADER_LEN) else {
            return Ok(None);
        };
        let (typ, len) = decode_handshake_header(h)?;
        let len = len as usize;
        if len > self.max_message {
            let e = DecodeError::new(DecodeErrorKind::MessageTooLarge {
                len,
                max: self.max_message,
            })
            .context(format!("{typ} message"));
            self.failed = Some(e.clone());
            return Err(e);
        }
        let total = HANDSHAKE_HEADER_LEN + len;
        let Some(msg) = self.buf.get(..total) else {
            return Ok(None);
        };
        let msg = msg.to_vec();
        self.buf.drain(..total);
        Ok(Some(msg))
    }
}

/// Reads the 4-byte handshake header at the start of `bytes`: type and body length.
pub fn decode_handshake_header(bytes: &[u8]) -> Result<(HandshakeType, u32), DecodeError> {
    let mut r = Reader::new(bytes);
    let typ = HandshakeType::read(&mut r).context("handshake header")?;
    let len = r.u24().context("handshake header")?;
    Ok((typ, len))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn record_roundtrip() {
        let rec = Record::new(
            ContentType::Handshake,
            ProtocolVersion::TLSv1_2,
            vec![1, 2, 3],
        );
        let b = rec.to_bytes();
        assert_eq!(b, [22, 3, 3, 0, 3, 1, 2, 3]);
        assert_eq!(Record::decode(&b), Ok(rec));
        assert!(Record::decode(&b[..7]).is_err());
    }

    #[test]
    fn deframer_overflow_before_payload() {
        let mut d = Deframer::with_max_payload(10);
        d.push(&[23, 3, 3, 0, 11]);
        let e = d.next_record().unwrap_err();
        assert!(matches!(
            e.kind,
            DecodeErrorKind::RecordOverflow { len: 11, max: 10 }
        ));
        assert_eq!(e.alert(), crate::AlertDescription::RecordOverflow);
        assert!(d.next_record().is_err());
    }
}

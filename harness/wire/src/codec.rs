//! The [`Codec`] trait, the bounds-checked [`Reader`] and [`DecodeError`].
//!
//! Every read from wire data goes through [`Reader`]; it never panics and every
//! failure says what was being read (pushed as context while the error bubbles up).

use std::borrow::Cow;
use std::fmt;

/// What went wrong while decoding (without the "where", see [`DecodeError::context`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The input ended early.
    Truncated {
        /// Bytes the field needed.
        needed: usize,
        /// Bytes that were left.
        left: usize,
    },
    /// Bytes were left after a complete value.
    TrailingBytes {
        /// How many bytes were left.
        left: usize,
    },
    /// A vector length that is not a multiple of its element size.
    BadLength {
        /// The length read.
        len: usize,
        /// The element size.
        item: usize,
    },
    /// A vector shorter than the RFC's minimum.
    TooShort {
        /// The length read.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// A record whose payload length exceeds the configured cap (`record_overflow`).
    RecordOverflow {
        /// The length from the header.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// A handshake message whose length exceeds the configured cap.
    MessageTooLarge {
        /// The length from the header.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// Any other syntactic problem.
    Invalid(Cow<'static, str>),
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, left } => {
                write!(f, "truncated, needed {needed} bytes, {left} left")
            }
            Self::TrailingBytes { left } => write!(f, "{left} trailing bytes"),
            Self::BadLength { len, item: 2 } => write!(f, "length {len} is odd"),
            Self::BadLength { len, item } => {
                write!(f, "length {len} is not a multiple of {item}")
            }
            Self::TooShort { len, min } => write!(f, "length {len} is below the minimum {min}"),
            Self::RecordOverflow { len, max } => {
                write!(f, "record payload length {len} exceeds the maximum {max}")
            }
            Self::MessageTooLarge { len, max } => {
                write!(
                    f,
                    "handshake message length {len} exceeds the maximum {max}"
                )
            }
            Self::Invalid(s) => f.write_str(s),
        }
    }
}

/// A decoding failure: what went wrong and what was being read.
///
/// Displayed as `outer: inner: what went wrong`, e.g.
/// `ClientHello.extensions: extension key_share (51) in ClientHello: truncated, needed 32 bytes, 3 left`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// What was being read, innermost first (use [`DecodeError::path`] for display order).
    pub context: Vec<Cow<'static, str>>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.context.iter().rev() {
            write!(f, "{c}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl DecodeError {
    /// A new error without context.
    pub fn new(kind: DecodeErrorKind) -> Self {
        Self {
            kind,
            context: Vec::new(),
        }
    }

    /// An [`DecodeErrorKind::Invalid`] error with a message.
    pub fn invalid(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::new(DecodeErrorKind::Invalid(msg.into()))
    }

    /// Adds an outer context frame (what was being read).
    #[must_use]
    pub fn context(mut self, what: impl Into<Cow<'static, str>>) -> Self {
        self.context.push(what.into());
        self
    }

    /// The context frames, outermost first, joined with `": "`.
    pub fn path(&self) -> String {
        let v: Vec<&str> = self.context.iter().rev().map(|c| c.as_ref()).collect();
        v.join(": ")
    }

    /// The alert RFC 8446 names for this failure: `record_overflow` for an oversized
    /// record, `decode_error` otherwise.
    pub fn alert(&self) -> crate::enums::AlertDescription {
        match self.kind {
            DecodeErrorKind::RecordOverflow { .. } => {
                crate::enums::AlertDescription::RecordOverflow
            }
            _ => crate::enums::AlertDescription::DecodeError,
        }
    }
}

/// Adds context to a `Result<_, DecodeError>`.
pub trait Context<T> {
    /// Pushes `what` as context on error.
    fn context(self, what: impl Into<Cow<'static, str>>) -> Result<T, DecodeError>;
    /// Pushes a lazily built context on error.
    fn with_context<S: Into<Cow<'static, str>>>(
        self,
        f: impl FnOnce() -> S,
    ) -> Result<T, DecodeError>;
}

impl<T> Context<T> for Result<T, DecodeError> {
    fn context(self, what: impl Into<Cow<'static, str>>) -> Result<T, DecodeError> {
        self.map_err(|e| e.context(what))
    }
    fn with_context<S: Into<Cow<'static, str>>>(
        self,
        f: impl FnOnce() -> S,
    ) -> Result<T, DecodeError> {
        self.map_err(|e| e.context(f()))
    }
}

/// A value with a wire encoding (in the spirit of rustls `msgs/codec.rs`).
pub trait Codec: Sized {
    /// Appends the encoding to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads one value from `r`, leaving the rest.
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// The encoding as a new vector.
    fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }

    /// Decodes a value that must span all of `bytes` (trailing bytes are an error).
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.expect_end()?;
        Ok(v)
    }
}

/// A cursor over input bytes; every read is bounds-checked.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn left(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Whether any bytes are left.
    pub fn any_left(&self) -> bool {
        self.left() > 0
    }

    /// Bytes consumed so far.
    pub fn used(&self) -> usize {
        self.pos
    }

    /// Takes exactly `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let left = self.left();
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.buf.get(self.pos..end)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(DecodeError::new(DecodeErrorKind::Truncated {
                needed: n,
                left,
            })),
        }
    }

    /// Takes all remaining bytes.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or_default();
        self.pos = self.buf.len();
        s
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array::<1>()?))
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array::<2>()?))
    }

    /// Reads a big-endian 24-bit integer.
    pub fn u24(&mut self) -> Result<u32, DecodeError> {
        let [a, b, c] = self.array::<3>()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array::<4>()?))
    }

    /// Reads a length of `len_bytes` (1..=4) bytes.
    pub fn length(&mut self, len_bytes: usize) -> Result<usize, DecodeError> {
        let v = match len_bytes {
            1 => u32::from(self.u8()?),
            2 => u32::from(self.u16()?),
            3 => self.u24()?,
            4 => self.u32()?,
            _ => return Err(DecodeError::invalid("unsupported length prefix size")),
        };
        usize::try_from(v).map_err(|_| DecodeError::invalid("length does not fit usize"))
    }

    /// Reads a `len_bytes`-byte length, then returns a sub-reader over that many bytes.
    pub fn sub(&mut self, len_bytes: usize) -> Result<Reader<'a>, DecodeError> {
        let n = self.length(len_bytes)?;
        Ok(Reader::new(self.take(n)?))
    }

    /// `sub(2)`.
    pub fn sub_u16(&mut self) -> Result<Reader<'a>, DecodeError> {
        self.sub(2)
    }

    /// An opaque vector with a `len_bytes`-byte length prefix.
    pub fn opaque(&mut self, len_bytes: usize) -> Result<&'a [u8], DecodeError> {
        let n = self.length(len_bytes)?;
        self.take(n)
    }

    /// `opaque<0..2^8-1>`.
    pub fn opaque_u8(&mut self) -> Result<&'a [u8], DecodeError> {
        self.opaque(1)
    }

    /// `opaque<0..2^16-1>`.
    pub fn opaque_u16(&mut self) -> Result<&'a [u8], DecodeError> {
        self.opaque(2)
    }

    /// `opaque<0..2^24-1>`.
    pub fn opaque_u24(&mut self) -> Result<&'a [u8], DecodeError> {
        self.opaque(3)
    }

    /// Errors if any bytes are left.
    pub fn expect_end(&self) -> Result<(), DecodeError> {
        match self.left() {
            0 => Ok(()),
            left => Err(DecodeError::new(DecodeErrorKind::TrailingBytes { left })),
        }
    }

    /// Reads a list of `T` with a `len_bytes` length prefix: the body length must be
    /// at least `min_len` bytes and, if `item_size > 0`, a multiple of `item_size`.
    pub fn list<T: Codec>(
        &mut self,
        len_bytes: usize,
        min_len: usize,
        item_size: usize,
    ) -> Result<Vec<T>, DecodeError> {
        self.list_with(len_bytes, min_len, item_size, T::read)
    }

    /// Like [`Reader::list`] with a custom item reader.
    pub fn list_with<T>(
        &mut self,
        len_bytes: usize,
        min_len: usize,
        item_size: usize,
        mut f: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let mut sub = self.sub(len_bytes)?;
        let len = sub.left();
        if item_size > 1 && len % item_size != 0 {
            return Err(DecodeError::new(DecodeErrorKind::BadLength {
                len,
                item: item_size,
            }));
        }
        if len < min_len {
            return Err(DecodeError::new(DecodeErrorKind::TooShort {
                len,
                min: min_len,
            }));
        }
        let mut v = Vec::new();
        while sub.any_left() {
            v.push(f(&mut sub)?);
        }
        Ok(v)
    }
}

/// Appends one byte.
pub fn put_u8(out: &mut Vec<u8>, v: u8) {
    out.push(v);
}

/// Appends a big-endian u16.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends the low 24 bits of `v`, big-endian.
pub fn put_u24(out: &mut Vec<u8>, v: u32) {
    let [_, a, b, c] = v.to_be_bytes();
    out.extend_from_slice(&[a, b, c]);
}

/// Appends a big-endian u32.
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Writes a `len_bytes` length prefix (1..=4) followed by what `f` writes.
///
/// A body longer than the prefix can express gets a truncated (wrong) length: encoding
/// never fails, so invalid messages can be built on purpose.
pub fn put_prefixed(out: &mut Vec<u8>, len_bytes: usize, f: impl FnOnce(&mut Vec<u8>)) {
    let len_bytes = len_bytes.clamp(1, 4);
    let at = out.len();
    out.extend(std::iter::repeat_n(0u8, len_bytes));
    f(out);
    let body = out.len().saturating_sub(at + len_bytes);
    let be = (body as u64).to_be_bytes();
    let src = be.get(8 - len_bytes..).unwrap_or_default();
    if let Some(dst) = out.get_mut(at..at + len_bytes) {
        dst.copy_from_slice(src);
    }
}

/// Writes an opaque vector with a `len_bytes` length prefix.
pub fn put_opaque(out: &mut Vec<u8>, len_bytes: usize, data: &[u8]) {
    put_prefixed(out, len_bytes, |o| o.extend_from_slice(data));
}

/// Writes a list of `T` with a `len_bytes` length prefix.
pub fn put_list<T: Codec>(out: &mut Vec<u8>, len_bytes: usize, items: &[T]) {
    put_prefixed(out, len_bytes, |o| {
        for i in items {
            i.encode(o);
        }
    });
}

impl Codec for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u8()
    }
}

impl Codec for u16 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, *self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u16()
    }
}

impl Codec for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_u32(out, *self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.u32()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reader_basics() {
        let mut r = Reader::new(&[1, 0, 2, 0, 0, 3, 0, 0, 0, 4, 9]);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16(), Ok(2));
        assert_eq!(r.u24(), Ok(3));
        assert_eq!(r.u32(), Ok(4));
        assert_eq!(r.left(), 1);
        let e = r.u16().unwrap_err();
        assert_eq!(e.to_string(), "truncated, needed 2 bytes, 1 left");
        assert_eq!(r.rest(), &[9]);
        assert!(!r.any_left());
    }

    #[test]
    fn context_renders_outermost_first() {
        let e = Reader::new(&[0, 5, 1, 2, 3, 4, 5])
            .list::<u16>(2, 2, 2)
            .context("ClientHello.cipher_suites")
            .unwrap_err();
        assert_eq!(e.to_string(), "ClientHello.cipher_suites: length 5 is odd");
        let e = e.context("outer");
        assert_eq!(e.path(), "outer: ClientHello.cipher_suites");
    }

    #[test]
    fn prefixed_lengths() {
        let mut v = Vec::new();
        put_opaque(&mut v, 3, &[7; 5]);
        assert_eq!(v, [0, 0, 5, 7, 7, 7, 7, 7]);
        let mut r = Reader::new(&v);
        assert_eq!(r.opaque_u24(), Ok(&[7u8; 5][..]));
    }

    #[test]
    fn huge_take_does_not_panic() {
        let mut r = Reader::new(&[1, 2]);
        assert!(r.take(usize::MAX).is_err());
        assert_eq!(r.left(), 2);
    }
}

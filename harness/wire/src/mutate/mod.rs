//! Wire mutations: faults applied to an encoded handshake message after it was built
//! (the second of the two fault layers; the first is the engine's knobs), and the
//! record-layer framing it is sent with.
//!
//! A mutation spec is text, so scenarios stay data: operations separated by `;`, each
//! `name:arg:arg`, applied in order by [`apply_all`]. Example:
//! `"drop_extension:signature_algorithms; extension_length:server_name:+1; fragment:1"`.
//!
//! Message operations edit the message: ClientHello, ServerHello / HelloRetryRequest and
//! EncryptedExtensions are parsed into their fields; any other message is an opaque body.
//! Record operations (`fragment`, `record_version`, `record_before`, `record_after`) are
//! read by the sender when it writes the message (see [`RecordPlan`]). Every operation,
//! with its arguments and effect, is one entry of [`OPS`], from which the parser,
//! [`OPERATIONS`] and the table in its documentation come.
//!
//! `LIE` is `+N`, `-N`, `0`, `max` (all ones in the field's width) or `=N`; results wrap
//! into the field's width. `E` is an extension name (`key_share`) or number (`0x0a0a`).
//! An extension operation on an extension the message does not carry does nothing (a
//! resumption scenario mutates the pre_shared_key of the second connection only).
//! Length lies and truncation apply when the message is re-encoded, after every other
//! operation, whatever their order in the spec.

use std::fmt;

use crate::enums::ExtensionType;

/// A mutation spec that does not parse, or a message a mutation cannot be applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mutation `{op}`: {message}")]
pub struct MutateError {
    /// The operation at fault, as written.
    pub op: String,
    /// What is wrong and what was expected.
    pub message: String,
}

fn merr(op: &str, message: impl Into<String>) -> MutateError {
    MutateError {
        op: op.to_string(),
        message: message.into(),
    }
}

/// How a length field lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lie {
    /// The correct value plus (or minus) this.
    Delta(i64),
    /// Zero.
    Zero,
    /// The largest value the field can hold.
    Max,
    /// Exactly this value.
    Set(u64),
}

impl Lie {
    fn parse(op: &str, s: &str) -> Result<Self, MutateError> {
        let s = s.trim();
        let bad = || {
            merr(
                op,
                format!("{s:?} is not a length lie (accepted: +N, -N, 0, max, =N)"),
            )
        };
        match s {
            "0" => Ok(Lie::Zero),
            "max" => Ok(Lie::Max),
            _ => {
                if let Some(v) = s.strip_prefix('=') {
                    return parse_u64(v).map(Lie::Set).ok_or_else(bad);
                }
                if let Some(v) = s.strip_prefix('+') {
                    return parse_u64(v)
                        .and_then(|v| i64::try_from(v).ok())
                        .map(Lie::Delta)
                        .ok_or_else(bad);
                }
                if let Some(v) = s.strip_prefix('-') {
                    return parse_u64(v)
                        .and_then(|v| i64::try_from(v).ok())
                        .map(|v| Lie::Delta(-v))
                        .ok_or_else(bad);
                }
                Err(bad())
            }
        }
    }

    /// The value written for a field of `width` bytes whose correct value is `correct`.
    pub fn value(self, correct: u64, width: usize) -> u64 {
        let max = if width >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * width)) - 1
        };
        match self {
            Lie::Zero => 0,
            Lie::Max => max,
            Lie::Set(v) => v & max,
            Lie::Delta(d) => {
                (correct as i128 + i128::from(d)).rem_euclid(i128::from(max) + 1) as u64
            }
        }
    }
}

impl fmt::Display for Lie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lie::Delta(d) if *d >= 0 => write!(f, "+{d}"),
            Lie::Delta(d) => write!(f, "{d}"),
            Lie::Zero => f.write_str("0"),
            Lie::Max => f.write_str("max"),
            Lie::Set(v) => write!(f, "={v}"),
        }
    }
}

/// A length field of a hello (or the handshake header of any message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthField {
    /// The 24-bit handshake message length.
    Handshake,
    /// legacy_session_id (u8).
    SessionId,
    /// cipher_suites (u16, ClientHello).
    CipherSuites,
    /// legacy_compression_methods (u8, ClientHello).
    CompressionMethods,
    /// The extensions block (u16).
    Extensions,
    /// The length of one extension.
    Extension(ExtensionType),
}

/// Where a truncation cuts (after this field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// Right after the handshake header: an empty body.
    Header,
    /// After legacy_version.
    LegacyVersion,
    /// After random.
    Random,
    /// After legacy_session_id.
    SessionId,
    /// After cipher_suites (cipher_suite in a ServerHello).
    CipherSuites,
    /// After the compression method(s).
    CompressionMethods,
    /// After the 2-byte extensions length.
    ExtensionsLength,
    /// After this extension.
    Extension(ExtensionType),
    /// After this many body bytes.
    Bytes(usize),
}

/// Where `move_extension` puts an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// First.
    First,
    /// Last.
    Last,
    /// At this index (clamped to the list).
    Index(usize),
}

/// One operation of a mutation spec (see the module documentation for the text forms).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Mutation {
    SetLegacyVersion(u16),
    SetRandom(Vec<u8>),
    SetRandomTail(Vec<u8>),
    SetSessionId(Vec<u8>),
    SetCipherSuites(Vec<u16>),
    SetCompression(Vec<u8>),
    DropExtension(ExtensionType),
    DuplicateExtension(ExtensionType),
    MoveExtension(ExtensionType, Position),
    ReverseExtensions,
    AddExtension {
        typ: ExtensionType,
        data: Vec<u8>,
        first: bool,
    },
    SetExtension(ExtensionType, Vec<u8>),
    InsertExtensionData {
        ext: ExtensionType,
        offset: usize,
        bytes: Vec<u8>,
    },
    DropExtensionsBlock,
    EmptyExtensions,
    Length(LengthField, Lie),
    InnerLength {
        ext: ExtensionType,
        offset: usize,
        width: usize,
        lie: Lie,
    },
    Truncate(Boundary),
    PadExtension(usize),
    PadTo(usize),
    Append(Vec<u8>),
    SetBody(Vec<u8>),
    SetBytes {
        offset: usize,
        bytes: Vec<u8>,
    },
    /// Record layer: bytes of message per record.
    Fragment(usize),
    /// Record layer: legacy_record_version of the message's records.
    RecordVersion(u16),
    /// Record layer: an extra record (content type, payload) before the message.
    RecordBefore(u8, Vec<u8>),
    /// Record layer: an extra record after the message.
    RecordAfter(u8, Vec<u8>),
}

fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else {
        s.parse().ok()
    }
}

fn num<T: TryFrom<u64>>(op: &str, s: &str, what: &str) -> Result<T, MutateError> {
    parse_u64(s)
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| {
            merr(
                op,
                format!("{:?} is not {what} (decimal or 0x hex)", s.trim()),
            )
        })
}

fn hex(op: &str, s: &str) -> Result<Vec<u8>, MutateError> {
    let s = s.trim();
    if s == "-" || s.is_empty() {
        return Ok(Vec::new());
    }
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .collect();
    if !s.len().is_multiple_of(2) {
        return Err(merr(
            op,
            format!("{s:?} is not hex bytes (odd number of digits)"),
        ));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| merr(op, format!("{s:?} is not hex bytes")))
        })
        .collect()
}

fn ext_type(op: &str, s: &str) -> Result<ExtensionType, MutateError> {
    let s = s.trim();
    if let Some(v) = parse_u64(s).and_then(|v| u16::try_from(v).ok()) {
        return Ok(ExtensionType::from(v));
    }
    let alias = match s {
        "alpn" => "application_layer_protocol_negotiation",
        "sni" => "server_name",
        other => other,
    };
    ExtensionType::from_name(alias).ok_or_else(|| {
        merr(op, format!("{s:?} is not an extension name or number (e.g. key_share, server_name, alpn, 0x0a0a)"))
    })
}

fn arity<'a>(
    op: &str,
    args: &'a [&'a str],
    n: usize,
    usage: &str,
) -> Result<&'a [&'a str], MutateError> {
    if args.len() == n {
        Ok(args)
    } else {
        Err(merr(op, format!("takes {n} argument(s): {usage}")))
    }
}

/// One operation of the text form: its name, arguments and effect, and its parser. [`OPS`]
/// holds them all; the parser, [`OPERATIONS`] and the documentation all come from it.
#[derive(Clone, Copy)]
pub struct Operation {
    /// The name before the first `:`.
    pub name: &'static str,
    /// How many `:`-separated arguments it takes (`None`: the parser checks).
    pub arity: Option<usize>,
    /// Its arguments, as written in the docs and in the arity error.
    pub usage: &'static str,
    /// What it does.
    pub doc: &'static str,
    parse: fn(&str, &[&str]) -> Result<Mutation, MutateError>,
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("name", &self.name)
            .field("usage", &self.usage)
            .finish()
    }
}

macro_rules! operations {
    ($( $name:literal ($arity:expr, $usage:literal) $doc:literal => $parse:expr; )*) => {
        /// Every operation of a mutation spec:
        ///
        /// | operation | arguments | effect |
        /// |---|---|---|
        $( #[doc = concat!("| `", $name, "` | `", $usage, "` | ", $doc, " |")] )*
        pub const OPS: &[Operation] = &[$(Operation {
            name: $name,
            arity: $arity,
            usage: $usage,
            doc: $doc,
            parse: $parse,
        }),*];
    };
}

fn num_list<T: TryFrom<u64>>(op: &str, a: &str, what: &str) -> Result<Vec<T>, MutateError> {
    a.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| num(op, t, what))
        .collect()
}

fn record_extra(op: &str, a: &[&str]) -> Result<(u8, Vec<u8>), MutateError> {
    Ok((num(op, a[0], "a u8 content type")?, hex(op, a[1])?))
}

operations! {
    "set_legacy_version" (Some(1), "VERSION") "legacy_version (hello)" => |op, a| {
        Ok(Mutation::SetLegacyVersion(num(op, a[0], "a u16")?))
    };
    "set_random" (Some(1), "HEX (32 bytes)") "the whole random" => |op, a| {
        let r = hex(op, a[0])?;
        if r.len() != 32 {
            return Err(merr(op, format!("random must be 32 bytes, got {}", r.len())));
        }
        Ok(Mutation::SetRandom(r))
    };
    "set_random_tail" (Some(1), "HEX") "the last bytes of the random" => |op, a| {
        let r = hex(op, a[0])?;
        if r.len() > 32 {
            return Err(merr(op, "at most 32 bytes"));
        }
        Ok(Mutation::SetRandomTail(r))
    };
    "set_session_id" (Some(1), "HEX or -") "the session id bytes (`-` = empty)" => |op, a| {
        Ok(Mutation::SetSessionId(hex(op, a[0])?))
    };
    "set_session_id_len" (Some(1), "N") "a session id of N bytes of 0x5a" => |op, a| {
        let n: usize = num(op, a[0], "a byte count")?;
        if n > 255 {
            return Err(merr(op, "at most 255 bytes fit the u8 length (use length:session_id to lie)"));
        }
        Ok(Mutation::SetSessionId(vec![0x5a; n]))
    };
    "set_cipher_suites" (Some(1), "V,V,... (may be empty)") "ClientHello suites, ServerHello suite" => |op, a| {
        Ok(Mutation::SetCipherSuites(num_list(op, a[0], "a u16 cipher suite")?))
    };
    "set_compression" (Some(1), "B,B,... (may be empty)") "compression method(s)" => |op, a| {
        Ok(Mutation::SetCompression(num_list(op, a[0], "a u8 compression method")?))
    };
    "drop_extension" (Some(1), "EXTENSION") "remove an extension" => |op, a| {
        Ok(Mutation::DropExtension(ext_type(op, a[0])?))
    };
    "duplicate_extension" (Some(1), "EXTENSION") "repeat an extension (right after it)" => |op, a| {
        Ok(Mutation::DuplicateExtension(ext_type(op, a[0])?))
    };
    "move_extension" (Some(2), "EXTENSION:first|last|INDEX") "move an extension" => |op, a| {
        let pos = match a[1].trim() {
            "first" => Position::First,
            "last" => Position::Last,
            n => Position::Index(num(op, n, "first, last or an index")?),
        };
        Ok(Mutation::MoveExtension(ext_type(op, a[0])?, pos))
    };
    "reverse_extensions" (Some(0), "no arguments") "reverse the extension order" => |_, _| {
        Ok(Mutation::ReverseExtensions)
    };
    "add_extension" (Some(2), "EXTENSION:HEX (- = empty)") "append an extension" => |op, a| {
        Ok(Mutation::AddExtension { typ: ext_type(op, a[0])?, data: hex(op, a[1])?, first: false })
    };
    "add_extension_first" (Some(2), "EXTENSION:HEX (- = empty)") "prepend an extension" => |op, a| {
        Ok(Mutation::AddExtension { typ: ext_type(op, a[0])?, data: hex(op, a[1])?, first: true })
    };
    "set_extension" (Some(2), "EXTENSION:HEX (- = empty)") "replace an extension's data" => |op, a| {
        Ok(Mutation::SetExtension(ext_type(op, a[0])?, hex(op, a[1])?))
    };
    "insert_extension_data" (Some(3), "EXTENSION:OFFSET:HEX") "insert bytes into an extension's data (pair with `inner_length`)" => |op, a| {
        Ok(Mutation::InsertExtensionData {
            ext: ext_type(op, a[0])?,
            offset: num(op, a[1], "an offset")?,
            bytes: hex(op, a[2])?,
        })
    };
    "drop_extensions_block" (Some(0), "no arguments") "no extensions field" => |_, _| {
        Ok(Mutation::DropExtensionsBlock)
    };
    "empty_extensions" (Some(0), "no arguments") "an empty extensions field" => |_, _| {
        Ok(Mutation::EmptyExtensions)
    };
    "length" (Some(2), "FIELD:LIE") "lie in a length: FIELD = `handshake`, `session_id`, `cipher_suites`, `compression_methods`, `extensions`" => |op, a| {
        let field = match a[0].trim() {
            "handshake" => LengthField::Handshake,
            "session_id" => LengthField::SessionId,
            "cipher_suites" => LengthField::CipherSuites,
            "compression_methods" => LengthField::CompressionMethods,
            "extensions" => LengthField::Extensions,
            other => {
                return Err(merr(
                    op,
                    format!(
                        "{other:?} is not a length field (accepted: handshake, session_id, cipher_suites, compression_methods, extensions; extension_length:E for one extension)"
                    ),
                ));
            }
        };
        Ok(Mutation::Length(field, Lie::parse(op, a[1])?))
    };
    "extension_length" (Some(2), "EXTENSION:LIE") "lie in the length of one extension" => |op, a| {
        Ok(Mutation::Length(LengthField::Extension(ext_type(op, a[0])?), Lie::parse(op, a[1])?))
    };
    "inner_length" (Some(4), "EXTENSION:OFFSET:WIDTH:LIE") "lie in a length inside an extension's data (WIDTH 1..=3 bytes at OFFSET)" => |op, a| {
        let width: usize = num(op, a[2], "a width")?;
        if !(1..=3).contains(&width) {
            return Err(merr(op, "WIDTH must be 1, 2 or 3 bytes"));
        }
        Ok(Mutation::InnerLength {
            ext: ext_type(op, a[0])?,
            offset: num(op, a[1], "an offset")?,
            width,
            lie: Lie::parse(op, a[3])?,
        })
    };
    "truncate" (None, "BOUNDARY") "cut the body after a boundary, the handshake length following: `header`, `legacy_version`, `random`, `session_id`, `cipher_suites`, `compression_methods`, `extensions_length`, `extension:E`, `bytes:N`" => |op, a| {
        let b = match a {
            ["header"] => Boundary::Header,
            ["legacy_version"] => Boundary::LegacyVersion,
            ["random"] => Boundary::Random,
            ["session_id"] => Boundary::SessionId,
            ["cipher_suites"] | ["cipher_suite"] => Boundary::CipherSuites,
            ["compression_methods"] | ["compression_method"] => Boundary::CompressionMethods,
            ["extensions_length"] => Boundary::ExtensionsLength,
            ["extension", e] => Boundary::Extension(ext_type(op, e)?),
            ["bytes", n] => Boundary::Bytes(num(op, n, "a byte count")?),
            _ => {
                return Err(merr(
                    op,
                    "expected a boundary: header, legacy_version, random, session_id, cipher_suites, compression_methods, extensions_length, extension:E, bytes:N",
                ));
            }
        };
        Ok(Mutation::Truncate(b))
    };
    "pad_extension" (Some(1), "N") "a padding (21) extension of N bytes" => |op, a| {
        Ok(Mutation::PadExtension(num(op, a[0], "a byte count")?))
    };
    "pad_to" (Some(1), "N") "a padding extension making the message N bytes" => |op, a| {
        Ok(Mutation::PadTo(num(op, a[0], "a byte count")?))
    };
    "append" (Some(1), "HEX") "trailing bytes after the last field" => |op, a| {
        Ok(Mutation::Append(hex(op, a[0])?))
    };
    "append_zeros" (Some(1), "N") "N trailing zero bytes after the last field" => |op, a| {
        let n: usize = num(op, a[0], "a byte count")?;
        if n > 1 << 24 {
            return Err(merr(op, "at most 2^24 bytes"));
        }
        Ok(Mutation::Append(vec![0; n]))
    };
    "set_body" (Some(1), "HEX") "replace the body" => |op, a| {
        Ok(Mutation::SetBody(hex(op, a[0])?))
    };
    "set_bytes" (Some(2), "OFFSET:HEX") "overwrite body bytes" => |op, a| {
        Ok(Mutation::SetBytes { offset: num(op, a[0], "an offset")?, bytes: hex(op, a[1])? })
    };
    "fragment" (Some(1), "N") "record operation: N bytes of the message per record (may exceed 2^14)" => |op, a| {
        let n: usize = num(op, a[0], "a byte count")?;
        if n == 0 || n > 65535 {
            return Err(merr(op, "N must be 1..=65535 (a record length is a u16)"));
        }
        Ok(Mutation::Fragment(n))
    };
    "record_version" (Some(1), "VERSION") "record operation: the records' legacy_record_version" => |op, a| {
        Ok(Mutation::RecordVersion(num(op, a[0], "a u16")?))
    };
    "record_before" (Some(2), "TYPE:HEX (- = empty)") "record operation: an extra record before the message" => |op, a| {
        let (t, p) = record_extra(op, a)?;
        Ok(Mutation::RecordBefore(t, p))
    };
    "record_after" (Some(2), "TYPE:HEX (- = empty)") "record operation: an extra record after the message" => |op, a| {
        let (t, p) = record_extra(op, a)?;
        Ok(Mutation::RecordAfter(t, p))
    };
}

/// Operation names [`Mutation::parse`] accepts, in the order of [`OPS`].
pub const OPERATIONS: [&str; OPS.len()] = {
    let mut names = [""; OPS.len()];
    let mut i = 0;
    while i < OPS.len() {
        names[i] = OPS[i].name;
        i += 1;
    }
    names
};

impl Mutation {
    /// Parses one operation (`name:arg:...`).
    pub fn parse(text: &str) -> Result<Self, MutateError> {
        let text = text.trim();
        let mut parts = text.split(':');
        let name = parts.next().unwrap_or("").trim();
        let args: Vec<&str> = parts.collect();
        let op = text;
        if name.is_empty() {
            return Err(merr(op, "empty operation"));
        }
        let Some(o) = OPS.iter().find(|o| o.name == name) else {
            return Err(merr(
                op,
                format!(
                    "unknown operation `{name}` (known: {})",
                    OPERATIONS.join(", ")
                ),
            ));
        };
        if let Some(n) = o.arity {
            arity(op, &args, n, o.usage)?;
        }
        (o.parse)(op, &args)
    }

    /// Parses a spec: operations separated by `;` (empty spec = no operation).
    pub fn parse_list(spec: &str) -> Result<Vec<Self>, MutateError> {
        spec.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Mutation::parse)
            .collect()
    }

    /// Whether the operation is about record framing rather than the message bytes.
    pub fn is_record_op(&self) -> bool {
        matches!(
            self,
            Mutation::Fragment(_)
                | Mutation::RecordVersion(_)
                | Mutation::RecordBefore(..)
                | Mutation::RecordAfter(..)
        )
    }
}

mod apply;
#[cfg(test)]
mod tests;

pub use apply::{RecordPlan, apply_all};

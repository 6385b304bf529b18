//! Wire mutations: faults applied to an encoded handshake message after it was built
//! (the second of the two fault layers; the first is the engine's knobs), and the
//! record-layer framing it is sent with.
//!
//! A mutation spec is text, so scenarios stay data: operations separated by `;`, each
//! `name:arg:arg`, applied in order by [`apply_all`]. Example:
//! `"drop_extension:signature_algorithms; extension_length:server_name:+1; fragment:1"`.
//!
//! Message operations (ClientHello, ServerHello / HelloRetryRequest and EncryptedExtensions
//! are parsed into their fields; any other message is an opaque body):
//!
//! | spec | effect |
//! |---|---|
//! | `set_legacy_version:V` | legacy_version (hello) |
//! | `set_random:HEX64` / `set_random_tail:HEX` | the whole random / its last bytes |
//! | `set_session_id:HEX` (`-` = empty) / `set_session_id_len:N` | session id bytes / N bytes of 0x5a |
//! | `set_cipher_suites:V,V,..` (empty allowed) | ClientHello suites, ServerHello suite |
//! | `set_compression:B,B,..` | compression method(s) |
//! | `drop_extension:E`, `duplicate_extension:E` | remove / repeat (right after it) |
//! | `move_extension:E:first\|last\|N`, `reverse_extensions` | extension order |
//! | `add_extension:E:HEX`, `add_extension_first:E:HEX` | append / prepend an extension |
//! | `set_extension:E:HEX` | replace an extension's data |
//! | `insert_extension_data:E:OFFSET:HEX` | insert bytes into E's data (pair with `inner_length`) |
//! | `drop_extensions_block`, `empty_extensions` | no extensions field / an empty one |
//! | `length:F:LIE` | F = `handshake`, `session_id`, `cipher_suites`, `compression_methods`, `extensions` |
//! | `extension_length:E:LIE` | the length of extension E |
//! | `inner_length:E:OFFSET:WIDTH:LIE` | a length inside E's data (WIDTH 1..=3 bytes at OFFSET) |
//! | `truncate:B` | cut the body after boundary B, handshake length follows: `header`, `legacy_version`, `random`, `session_id`, `cipher_suites`, `compression_methods`, `extensions_length`, `extension:E`, `bytes:N` |
//! | `pad_extension:N` / `pad_to:N` | a padding (21) extension of N bytes / making the message N bytes |
//! | `append:HEX`, `append_zeros:N` | trailing bytes after the last field |
//! | `set_body:HEX`, `set_bytes:OFFSET:HEX` | replace the body / overwrite body bytes |
//!
//! Record operations (read by the sender when it writes the message, see [`RecordPlan`]):
//! `fragment:N` (N bytes per record, may exceed 2^14), `record_version:V`,
//! `record_before:TYPE:HEX`, `record_after:TYPE:HEX` (extra records, HEX `-` = empty).
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

/// Operation names [`Mutation::parse`] accepts.
pub const OPERATIONS: &[&str] = &[
    "set_legacy_version",
    "set_random",
    "set_random_tail",
    "set_session_id",
    "set_session_id_len",
    "set_cipher_suites",
    "set_compression",
    "drop_extension",
    "duplicate_extension",
    "move_extension",
    "reverse_extensions",
    "add_extension",
    "add_extension_first",
    "set_extension",
    "insert_extension_data",
    "drop_extensions_block",
    "empty_extensions",
    "length",
    "extension_length",
    "inner_length",
    "truncate",
    "pad_extension",
    "pad_to",
    "append",
    "append_zeros",
    "set_body",
    "set_bytes",
    "fragment",
    "record_version",
    "record_before",
    "record_after",
];

impl Mutation {
    /// Parses one operation (`name:arg:...`).
    pub fn parse(text: &str) -> Result<Self, MutateError> {
        let text = text.trim();
        let mut parts = text.split(':');
        let name = parts.next().unwrap_or("").trim();
        let args: Vec<&str> = parts.collect();
        let op = text;
        Ok(match name {
            "set_legacy_version" => {
                Mutation::SetLegacyVersion(num(op, arity(op, &args, 1, "VERSION")?[0], "a u16")?)
            }
            "set_random" => {
                let r = hex(op, arity(op, &args, 1, "HEX (32 bytes)")?[0])?;
                if r.len() != 32 {
                    return Err(merr(
                        op,
                        format!("random must be 32 bytes, got {}", r.len()),
                    ));
                }
                Mutation::SetRandom(r)
            }
            "set_random_tail" => {
                let r = hex(op, arity(op, &args, 1, "HEX")?[0])?;
                if r.len() > 32 {
                    return Err(merr(op, "at most 32 bytes"));
                }
                Mutation::SetRandomTail(r)
            }
            "set_session_id" => {
                Mutation::SetSessionId(hex(op, arity(op, &args, 1, "HEX or -")?[0])?)
            }
            "set_session_id_len" => {
                let n: usize = num(op, arity(op, &args, 1, "N")?[0], "a byte count")?;
                if n > 255 {
                    return Err(merr(
                        op,
                        "at most 255 bytes fit the u8 length (use length:session_id to lie)",
                    ));
                }
                Mutation::SetSessionId(vec![0x5a; n])
            }
            "set_cipher_suites" => {
                let a = arity(op, &args, 1, "V,V,... (may be empty)")?[0];
                let mut v = Vec::new();
                for t in a.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    v.push(num(op, t, "a u16 cipher suite")?);
                }
                Mutation::SetCipherSuites(v)
            }
            "set_compression" => {
                let a = arity(op, &args, 1, "B,B,... (may be empty)")?[0];
                let mut v = Vec::new();
                for t in a.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    v.push(num(op, t, "a u8 compression method")?);
                }
                Mutation::SetCompression(v)
            }
            "drop_extension" => {
                Mutation::DropExtension(ext_type(op, arity(op, &args, 1, "EXTENSION")?[0])?)
            }
            "duplicate_extension" => {
                Mutation::DuplicateExtension(ext_type(op, arity(op, &args, 1, "EXTENSION")?[0])?)
            }
            "move_extension" => {
                let a = arity(op, &args, 2, "EXTENSION:first|last|INDEX")?;
                let pos = match a[1].trim() {
                    "first" => Position::First,
                    "last" => Position::Last,
                    n => Position::Index(num(op, n, "first, last or an index")?),
                };
                Mutation::MoveExtension(ext_type(op, a[0])?, pos)
            }
            "reverse_extensions" => {
                arity(op, &args, 0, "no arguments")?;
                Mutation::ReverseExtensions
            }
            "add_extension" | "add_extension_first" => {
                let a = arity(op, &args, 2, "EXTENSION:HEX (- = empty)")?;
                Mutation::AddExtension {
                    typ: ext_type(op, a[0])?,
                    data: hex(op, a[1])?,
                    first: name == "add_extension_first",
                }
            }
            "set_extension" => {
                let a = arity(op, &args, 2, "EXTENSION:HEX (- = empty)")?;
                Mutation::SetExtension(ext_type(op, a[0])?, hex(op, a[1])?)
            }
            "insert_extension_data" => {
                let a = arity(op, &args, 3, "EXTENSION:OFFSET:HEX")?;
                Mutation::InsertExtensionData {
                    ext: ext_type(op, a[0])?,
                    offset: num(op, a[1], "an offset")?,
                    bytes: hex(op, a[2])?,
                }
            }
            "drop_extensions_block" => {
                arity(op, &args, 0, "no arguments")?;
                Mutation::DropExtensionsBlock
            }
            "empty_extensions" => {
                arity(op, &args, 0, "no arguments")?;
                Mutation::EmptyExtensions
            }
            "length" => {
                let a = arity(op, &args, 2, "FIELD:LIE")?;
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
                Mutation::Length(field, Lie::parse(op, a[1])?)
            }
            "extension_length" => {
                let a = arity(op, &args, 2, "EXTENSION:LIE")?;
                Mutation::Length(
                    LengthField::Extension(ext_type(op, a[0])?),
                    Lie::parse(op, a[1])?,
                )
            }
            "inner_length" => {
                let a = arity(op, &args, 4, "EXTENSION:OFFSET:WIDTH:LIE")?;
                let width: usize = num(op, a[2], "a width")?;
                if !(1..=3).contains(&width) {
                    return Err(merr(op, "WIDTH must be 1, 2 or 3 bytes"));
                }
                Mutation::InnerLength {
                    ext: ext_type(op, a[0])?,
                    offset: num(op, a[1], "an offset")?,
                    width,
                    lie: Lie::parse(op, a[3])?,
                }
            }
            "truncate" => {
                let b = match args.as_slice() {
                    ["header"] => Boundary::Header,
                    ["legacy_version"] => Boundary::LegacyVersion,
                    ["random"] => Boundary::Random,
                    ["session_id"] => Boundary::SessionId,
                    ["cipher_suites"] | ["cipher_suite"] => Boundary::CipherSuites,
                    ["compression_methods"] | ["compression_method"] => {
                        Boundary::CompressionMethods
                    }
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
                Mutation::Truncate(b)
            }
            "pad_extension" => {
                Mutation::PadExtension(num(op, arity(op, &args, 1, "N")?[0], "a byte count")?)
            }
            "pad_to" => Mutation::PadTo(num(op, arity(op, &args, 1, "N")?[0], "a byte count")?),
            "append" => Mutation::Append(hex(op, arity(op, &args, 1, "HEX")?[0])?),
            "append_zeros" => {
                let n: usize = num(op, arity(op, &args, 1, "N")?[0], "a byte count")?;
                if n > 1 << 24 {
                    return Err(merr(op, "at most 2^24 bytes"));
                }
                Mutation::Append(vec![0; n])
            }
            "set_body" => Mutation::SetBody(hex(op, arity(op, &args, 1, "HEX")?[0])?),
            "set_bytes" => {
                let a = arity(op, &args, 2, "OFFSET:HEX")?;
                Mutation::SetBytes {
                    offset: num(op, a[0], "an offset")?,
                    bytes: hex(op, a[1])?,
                }
            }
            "fragment" => {
                let n: usize = num(op, arity(op, &args, 1, "N")?[0], "a byte count")?;
                if n == 0 || n > 65535 {
                    return Err(merr(op, "N must be 1..=65535 (a record length is a u16)"));
                }
                Mutation::Fragment(n)
            }
            "record_version" => {
                Mutation::RecordVersion(num(op, arity(op, &args, 1, "VERSION")?[0], "a u16")?)
            }
            "record_before" | "record_after" => {
                let a = arity(op, &args, 2, "TYPE:HEX (- = empty)")?;
                let t: u8 = num(op, a[0], "a u8 content type")?;
                let p = hex(op, a[1])?;
                if name == "record_before" {
                    Mutation::RecordBefore(t, p)
                } else {
                    Mutation::RecordAfter(t, p)
                }
            }
            "" => return Err(merr(op, "empty operation")),
            other => {
                return Err(merr(
                    op,
                    format!(
                        "unknown operation `{other}` (known: {})",
                        OPERATIONS.join(", ")
                    ),
                ));
            }
        })
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

/// How the sender frames a mutated message (from the record operations of a spec).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordPlan {
    /// Bytes of the message per record (`None` = the sender's normal fragmenting).
    pub fragment: Option<usize>,
    /// legacy_record_version of the message's records.
    pub version: Option<u16>,
    /// Records (content type, payload) written before the message.
    pub before: Vec<(u8, Vec<u8>)>,
    /// Records written after the message.
    pub after: Vec<(u8, Vec<u8>)>,
}

impl RecordPlan {
    /// The record operations of `muts`.
    pub fn of(muts: &[Mutation]) -> Self {
        let mut p = RecordPlan::default();
        for m in muts {
            match m {
                Mutation::Fragment(n) => p.fragment = Some(*n),
                Mutation::RecordVersion(v) => p.version = Some(*v),
                Mutation::RecordBefore(t, b) => p.before.push((*t, b.clone())),
                Mutation::RecordAfter(t, b) => p.after.push((*t, b.clone())),
                _ => {}
            }
        }
        p
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ClientHello,
    ServerHello,
    ExtensionsOnly,
    Opaque,
}

/// A message split into its fields, re-encodable with lies.
#[derive(Debug, Clone)]
struct Parsed {
    typ: u8,
    kind: Kind,
    version: Vec<u8>,
    random: Vec<u8>,
    session_id: Vec<u8>,
    suites: Vec<u8>,
    compression: Vec<u8>,
    exts: Option<Vec<(u16, Vec<u8>)>>,
    trailing: Vec<u8>,
}

fn rd<'a>(b: &'a [u8], pos: &mut usize, n: usize) -> Option<&'a [u8]> {
    let s = b.get(*pos..pos.checked_add(n)?)?;
    *pos += n;
    Some(s)
}

fn rd_len(b: &[u8], pos: &mut usize, width: usize) -> Option<usize> {
    let s = rd(b, pos, width)?;
    Some(s.iter().fold(0usize, |a, x| (a << 8) | usize::from(*x)))
}

fn parse_exts(b: &[u8]) -> Option<Vec<(u16, Vec<u8>)>> {
    let mut pos = 0;
    let mut v = Vec::new();
    while pos < b.len() {
        let t = rd_len(b, &mut pos, 2)? as u16;
        let l = rd_len(b, &mut pos, 2)?;
        v.push((t, rd(b, &mut pos, l)?.to_vec()));
    }
    Some(v)
}

impl Parsed {
    fn parse(msg: &[u8]) -> Option<Self> {
        let mut pos = 0;
        let typ = *rd(msg, &mut pos, 1)?.first()?;
        let len = rd_len(msg, &mut pos, 3)?;
        let body = rd(msg, &mut pos, len)?;
        if pos != msg.len() {
            return None;
        }
        let mut p = Parsed {
            typ,
            kind: Kind::Opaque,
            version: Vec::new(),
            random: Vec::new(),
            session_id: Vec::new(),
            suites: Vec::new(),
            compression: Vec::new(),
            exts: None,
            trailing: body.to_vec(),
        };
        let b = body;
        let mut q = 0;
        match typ {
            1 | 2 => {
                p.version = rd(b, &mut q, 2)?.to_vec();
                p.random = rd(b, &mut q, 32)?.to_vec();
                let l = rd_len(b, &mut q, 1)?;
                p.session_id = rd(b, &mut q, l)?.to_vec();
                if typ == 1 {
                    let l = rd_len(b, &mut q, 2)?;
                    p.suites = rd(b, &mut q, l)?.to_vec();
                    let l = rd_len(b, &mut q, 1)?;
                    p.compression = rd(b, &mut q, l)?.to_vec();
                } else {
                    p.suites = rd(b, &mut q, 2)?.to_vec();
                    p.compression = rd(b, &mut q, 1)?.to_vec();
                }
                if q < b.len() {
                    let l = rd_len(b, &mut q, 2)?;
                    p.exts = Some(parse_exts(rd(b, &mut q, l)?)?);
                }
                p.trailing = b.get(q..)?.to_vec();
                p.kind = if typ == 1 {
                    Kind::ClientHello
                } else {
                    Kind::ServerHello
                };
            }
            8 => {
                let l = rd_len(b, &mut q, 2)?;
                p.exts = Some(parse_exts(rd(b, &mut q, l)?)?);
                p.trailing = b.get(q..)?.to_vec();
                p.kind = Kind::ExtensionsOnly;
            }
            _ => {}
        }
        Some(p)
    }

    fn hello(&self, op: &Mutation) -> Result<(), MutateError> {
        if matches!(self.kind, Kind::ClientHello | Kind::ServerHello) {
            Ok(())
        } else {
            Err(merr(
                &format!("{op:?}"),
                format!(
                    "applies to a ClientHello or ServerHello, not to handshake type {}",
                    self.typ
                ),
            ))
        }
    }

    fn exts_mut(&mut self, op: &Mutation) -> Result<&mut Vec<(u16, Vec<u8>)>, MutateError> {
        if self.kind == Kind::Opaque {
            return Err(merr(
                &format!("{op:?}"),
                format!("handshake type {} has no extension list we edit", self.typ),
            ));
        }
        Ok(self.exts.get_or_insert_with(Vec::new))
    }

    fn apply(&mut self, m: &Mutation) -> Result<(), MutateError> {
        match m {
            Mutation::SetLegacyVersion(v) => {
                self.hello(m)?;
                self.version = v.to_be_bytes().to_vec();
            }
            Mutation::SetRandom(r) => {
                self.hello(m)?;
                self.random = r.clone();
            }
            Mutation::SetRandomTail(t) => {
                self.hello(m)?;
                let start = self.random.len().saturating_sub(t.len());
                self.random.truncate(start);
                self.random.extend_from_slice(t);
            }
            Mutation::SetSessionId(s) => {
                self.hello(m)?;
                self.session_id = s.clone();
            }
            Mutation::SetCipherSuites(v) => {
                self.hello(m)?;
                self.suites = v.iter().flat_map(|s| s.to_be_bytes()).collect();
            }
            Mutation::SetCompression(v) => {
                self.hello(m)?;
                self.compression = v.clone();
            }
            Mutation::DropExtension(t) => self.exts_mut(m)?.retain(|(x, _)| *x != t.get()),
            Mutation::DuplicateExtension(t) => {
                let exts = self.exts_mut(m)?;
                if let Some(i) = exts.iter().position(|(x, _)| *x == t.get())
                    && let Some(e) = exts.get(i).cloned()
                {
                    exts.insert(i + 1, e);
                }
            }
            Mutation::MoveExtension(t, pos) => {
                let exts = self.exts_mut(m)?;
                if let Some(i) = exts.iter().position(|(x, _)| *x == t.get()) {
                    let e = exts.remove(i);
                    let at = match pos {
                        Position::First => 0,
                        Position::Last => exts.len(),
                        Position::Index(n) => (*n).min(exts.len()),
                    };
                    exts.insert(at, e);
                }
            }
            Mutation::ReverseExtensions => self.exts_mut(m)?.reverse(),
            Mutation::AddExtension { typ, data, first } => {
                let exts = self.exts_mut(m)?;
                if *first {
                    exts.insert(0, (typ.get(), data.clone()));
                } else {
                    exts.push((typ.get(), data.clone()));
                }
            }
            Mutation::SetExtension(t, data) => {
                for (x, d) in self.exts_mut(m)?.iter_mut() {
                    if *x == t.get() {
                        *d = data.clone();
                    }
                }
            }
            Mutation::InsertExtensionData { ext, offset, bytes } => {
                let op = format!("{m:?}");
                for (x, d) in self.exts_mut(m)?.iter_mut() {
                    if *x == ext.get() {
                        if *offset > d.len() {
                            return Err(merr(
                                &op,
                                format!("extension {ext} has only {} bytes", d.len()),
                            ));
                        }
                        d.splice(*offset..*offset, bytes.iter().copied());
                    }
                }
            }
            Mutation::DropExtensionsBlock => {
                self.exts_mut(m)?;
                self.exts = None;
            }
            Mutation::EmptyExtensions => *self.exts_mut(m)? = Vec::new(),
            Mutation::InnerLength {
                ext,
                offset,
                width,
                lie,
            } => {
                let op = format!("{m:?}");
                for (x, d) in self.exts_mut(m)?.iter_mut() {
                    if *x != ext.get() {
                        continue;
                    }
                    let field = d.get_mut(*offset..offset + width).ok_or_else(|| {
                        merr(
                            &op,
                            format!("extension {ext} has no {width}-byte field at offset {offset}"),
                        )
                    })?;
                    let correct = field.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
                    let v = lie.value(correct, *width);
                    for (i, b) in field.iter_mut().enumerate() {
                        *b = (v >> (8 * (*width - 1 - i))) as u8;
                    }
                }
            }
            Mutation::PadExtension(n) => self
                .exts_mut(m)?
                .push((ExtensionType::Padding.get(), vec![0; *n])),
            Mutation::PadTo(n) => {
                let now = self.encode(&[], None).len() + 4 + 4;
                let exts = self.exts_mut(m)?;
                let pad = n.checked_sub(now).ok_or_else(|| {
                    merr(
                        &format!("{m:?}"),
                        format!(
                            "the message with an empty padding extension is already {now} bytes"
                        ),
                    )
                })?;
                exts.push((ExtensionType::Padding.get(), vec![0; pad]));
            }
            Mutation::Append(b) => self.trailing.extend_from_slice(b),
            Mutation::SetBody(b) => {
                self.kind = Kind::Opaque;
                self.trailing = b.clone();
            }
            // Applied at encoding (lengths, truncation), after encoding (set_bytes), or by
            // the sender (record operations).
            Mutation::Length(..)
            | Mutation::Truncate(_)
            | Mutation::SetBytes { .. }
            | Mutation::Fragment(_)
            | Mutation::RecordVersion(_)
            | Mutation::RecordBefore(..)
            | Mutation::RecordAfter(..) => {}
        }
        Ok(())
    }

    /// The encoded body, with length lies; truncated after `cut` if given.
    fn encode(&self, lies: &[(LengthField, Lie)], cut: Option<Boundary>) -> Vec<u8> {
        let lie = |f: LengthField| lies.iter().rev().find(|(x, _)| *x == f).map(|(_, l)| *l);
        let put_len = |out: &mut Vec<u8>, f: LengthField, width: usize, correct: usize| {
            let v = lie(f).map_or(correct as u64, |l| l.value(correct as u64, width));
            for i in (0..width).rev() {
                out.push((v >> (8 * i)) as u8);
            }
        };
        let mut out = Vec::new();
        let mut cut_at: Option<usize> = if cut == Some(Boundary::Header) {
            Some(0)
        } else {
            None
        };
        let mark = |out: &Vec<u8>, b: Boundary, cut_at: &mut Option<usize>| {
            if cut == Some(b) && cut_at.is_none() {
                *cut_at = Some(out.len());
            }
        };
        match self.kind {
            Kind::ClientHello | Kind::ServerHello => {
                out.extend_from_slice(&self.version);
                mark(&out, Boundary::LegacyVersion, &mut cut_at);
                out.extend_from_slice(&self.random);
                mark(&out, Boundary::Random, &mut cut_at);
                put_len(&mut out, LengthField::SessionId, 1, self.session_id.len());
                out.extend_from_slice(&self.session_id);
                mark(&out, Boundary::SessionId, &mut cut_at);
                if self.kind == Kind::ClientHello {
                    put_len(&mut out, LengthField::CipherSuites, 2, self.suites.len());
                    out.extend_from_slice(&self.suites);
                    mark(&out, Boundary::CipherSuites, &mut cut_at);
                    put_len(
                        &mut out,
                        LengthField::CompressionMethods,
                        1,
                        self.compression.len(),
                    );
                } else {
                    out.extend_from_slice(&self.suites);
                    mark(&out, Boundary::CipherSuites, &mut cut_at);
                }
                out.extend_from_slice(&self.compression);
                mark(&out, Boundary::CompressionMethods, &mut cut_at);
            }
            Kind::ExtensionsOnly => {}
            Kind::Opaque => out.extend_from_slice(&self.trailing),
        }
        if self.kind != Kind::Opaque {
            if let Some(exts) = &self.exts {
                let total: usize = exts.iter().map(|(_, d)| 4 + d.len()).sum();
                put_len(&mut out, LengthField::Extensions, 2, total);
                mark(&out, Boundary::ExtensionsLength, &mut cut_at);
                for (t, d) in exts {
                    out.extend_from_slice(&t.to_be_bytes());
                    put_len(
                        &mut out,
                        LengthField::Extension(ExtensionType::from(*t)),
                        2,
                        d.len(),
                    );
                    out.extend_from_slice(d);
                    mark(
                        &out,
                        Boundary::Extension(ExtensionType::from(*t)),
                        &mut cut_at,
                    );
                }
            }
            out.extend_from_slice(&self.trailing);
        }
        if let Some(Boundary::Bytes(n)) = cut {
            cut_at = Some(n);
        }
        if let Some(n) = cut_at {
            out.truncate(n);
        }
        out
    }
}

/// Applies `muts` in order to an encoded handshake message (4-byte header and body), in
/// place. Record operations are left to the sender ([`RecordPlan::of`]). Errors name the
/// operation and why it does not apply (e.g. an extension edit on a Certificate).
pub fn apply_all(muts: &[Mutation], msg: &mut Vec<u8>) -> Result<(), MutateError> {
    if muts.iter().all(Mutation::is_record_op) {
        return Ok(());
    }
    let mut p = Parsed::parse(msg)
        .ok_or_else(|| merr("(message)", "not a well-formed handshake message"))?;
    let mut lies = Vec::new();
    let mut cut = None;
    let mut sets = Vec::new();
    for m in muts {
        match m {
            Mutation::Length(f, l) => {
                if p.kind == Kind::Opaque && *f != LengthField::Handshake {
                    return Err(merr(
                        &format!("{m:?}"),
                        format!("handshake type {} has no such length field", p.typ),
                    ));
                }
                lies.push((*f, *l));
            }
            Mutation::Truncate(b) => {
                if p.kind == Kind::Opaque && !matches!(b, Boundary::Header | Boundary::Bytes(_)) {
                    return Err(merr(
                        &format!("{m:?}"),
                        format!(
                            "handshake type {}: only truncate:header and truncate:bytes:N",
                            p.typ
                        ),
                    ));
                }
                cut = Some(*b);
            }
            Mutation::SetBytes { offset, bytes } => sets.push((*offset, bytes.clone())),
            other => p.apply(other)?,
        }
    }
    let mut body = p.encode(&lies, cut);
    for (offset, bytes) in sets {
        let end = offset.saturating_add(bytes.len());
        if body.len() < end {
            body.resize(end, 0);
        }
        if let Some(dst) = body.get_mut(offset..end) {
            dst.copy_from_slice(&bytes);
        }
    }
    let len = lies
        .iter()
        .rev()
        .find(|(f, _)| *f == LengthField::Handshake)
        .map_or(body.len() as u64, |(_, l)| l.value(body.len() as u64, 3));
    msg.clear();
    msg.push(p.typ);
    msg.extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8]);
    msg.extend_from_slice(&body);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        CipherSuite, ClientHello, Codec, DecodeCtx, Extension, HandshakeMessage, HandshakePayload,
        KeyShareEntry, NamedGroup, ProtocolVersion, ServerNameEntry,
    };

    fn sample_ch() -> Vec<u8> {
        let ch = ClientHello {
            random: [0x11; 32],
            session_id: vec![0x22; 4],
            cipher_suites: vec![
                CipherSuite::TLS_AES_128_GCM_SHA256,
                CipherSuite::TLS_AES_256_GCM_SHA384,
            ],
            extensions: vec![
                Extension::ServerName(vec![ServerNameEntry::host_name(b"a.test".to_vec())]),
                Extension::SupportedVersionsClient(vec![ProtocolVersion::TLSv1_3]),
                Extension::SupportedGroups(vec![NamedGroup::X25519]),
                Extension::KeyShareClient(vec![KeyShareEntry::new(
                    NamedGroup::X25519,
                    vec![0x33; 4],
                )]),
            ],
            ..ClientHello::default()
        };
        HandshakeMessage::new(HandshakePayload::ClientHello(ch)).to_bytes()
    }

    fn sample_sh() -> Vec<u8> {
        let sh = crate::ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: [0x44; 32],
            session_id: vec![0x22; 4],
            cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            compression_method: crate::CompressionMethod::Null,
            extensions: vec![
                Extension::SupportedVersionsServer(ProtocolVersion::TLSv1_3),
                Extension::KeyShareServer(KeyShareEntry::new(NamedGroup::X25519, vec![0x55; 4])),
            ],
            extensions_present: true,
        };
        HandshakeMessage::new(HandshakePayload::ServerHello(sh)).to_bytes()
    }

    fn mutated(base: &[u8], spec: &str) -> String {
        let muts = Mutation::parse_list(spec).expect("spec parses");
        let mut b = base.to_vec();
        apply_all(&muts, &mut b).expect("applies");
        hex::encode(b)
    }

    #[test]
    fn no_op_roundtrips() {
        let ch = sample_ch();
        let mut b = ch.clone();
        apply_all(
            &[Mutation::ReverseExtensions, Mutation::ReverseExtensions],
            &mut b,
        )
        .expect("applies");
        assert_eq!(b, ch);
        let sh = sample_sh();
        let mut b = sh.clone();
        apply_all(
            &[Mutation::SetBytes {
                offset: 0,
                bytes: vec![3, 3],
            }],
            &mut b,
        )
        .expect("applies");
        assert_eq!(b, sh);
    }

    #[test]
    fn structural_mutations_decode() {
        let ch = sample_ch();
        for spec in [
            "drop_extension:key_share",
            "duplicate_extension:supported_groups",
            "move_extension:server_name:last",
            "add_extension:0x0a0a:-",
            "set_cipher_suites:0x0a0a,0x1301",
            "set_legacy_version:0x0301",
            "pad_extension:100",
        ] {
            let muts = Mutation::parse_list(spec).expect("parses");
            let mut b = ch.clone();
            apply_all(&muts, &mut b).expect("applies");
            HandshakeMessage::decode_with(&b, &DecodeCtx::TLS13)
                .unwrap_or_else(|e| panic!("{spec}: {e}"));
        }
    }

    #[test]
    fn pad_to_reaches_exact_size() {
        let mut b = sample_ch();
        apply_all(&[Mutation::PadTo(16384)], &mut b).expect("applies");
        assert_eq!(b.len(), 16384);
    }

    #[test]
    fn lies_wrap_in_width() {
        assert_eq!(Lie::Delta(-1).value(0, 1), 255);
        assert_eq!(Lie::Delta(1).value(255, 1), 0);
        assert_eq!(Lie::Max.value(3, 3), 0xff_ffff);
        assert_eq!(Lie::Set(0x1_0001).value(0, 2), 1);
    }

    #[test]
    fn parse_errors_name_the_problem() {
        let e = Mutation::parse("drop_extension:nonsense").expect_err("must not parse");
        assert!(e.to_string().contains("not an extension name"), "{e}");
        let e = Mutation::parse("length:bogus:+1").expect_err("must not parse");
        assert!(e.to_string().contains("not a length field"), "{e}");
        let e = Mutation::parse("extension_length:key_share:+x").expect_err("must not parse");
        assert!(e.to_string().contains("not a length lie"), "{e}");
        let e = Mutation::parse("frobnicate").expect_err("must not parse");
        assert!(e.to_string().contains("unknown operation"), "{e}");
        let e = Mutation::parse("set_random:00").expect_err("must not parse");
        assert!(e.to_string().contains("32 bytes"), "{e}");
        let e = Mutation::parse("fragment:0").expect_err("must not parse");
        assert!(e.to_string().contains("1..=65535"), "{e}");
    }

    #[test]
    fn wrong_message_kind_is_an_error() {
        let fin = HandshakeMessage::new(HandshakePayload::Finished(vec![1; 32])).to_bytes();
        let mut b = fin.clone();
        assert!(apply_all(&[Mutation::SetLegacyVersion(0x0300)], &mut b).is_err());
        assert!(apply_all(&[Mutation::Truncate(Boundary::Random)], &mut b).is_err());
        apply_all(&[Mutation::Truncate(Boundary::Bytes(5))], &mut b).expect("applies");
        assert_eq!(b.len(), 9);
    }

    #[test]
    fn record_plan_collects_record_ops() {
        let muts = Mutation::parse_list(
            "fragment:1; record_version:0x0300; record_before:20:01; record_after:99:-",
        )
        .expect("parses");
        let p = RecordPlan::of(&muts);
        assert_eq!(p.fragment, Some(1));
        assert_eq!(p.version, Some(0x0300));
        assert_eq!(p.before, vec![(20, vec![1])]);
        assert_eq!(p.after, vec![(99, vec![])]);
        let mut b = sample_ch();
        let orig = b.clone();
        apply_all(&muts, &mut b).expect("applies");
        assert_eq!(b, orig);
    }

    #[test]
    fn snapshots_client_hello() {
        let ch = sample_ch();
        let specs = [
            "set_legacy_version:0x0300",
            "set_random_tail:444f574e47524401",
            "set_session_id:-",
            "set_session_id_len:33",
            "set_cipher_suites:",
            "set_compression:0,1",
            "drop_extension:supported_versions",
            "duplicate_extension:key_share",
            "move_extension:key_share:first",
            "reverse_extensions",
            "add_extension:0x0a0a:-",
            "add_extension_first:heartbeat:01",
            "set_extension:server_name:-",
            "drop_extensions_block",
            "empty_extensions",
            "length:handshake:+1",
            "length:handshake:max",
            "length:session_id:-1",
            "length:cipher_suites:0",
            "length:compression_methods:max",
            "length:extensions:+1",
            "extension_length:server_name:-1",
            "inner_length:key_share:0:2:+1",
            "inner_length:server_name:3:2:=300",
            "insert_extension_data:supported_groups:2:0a0a; inner_length:supported_groups:0:2:+2",
            "truncate:header",
            "truncate:legacy_version",
            "truncate:random",
            "truncate:session_id",
            "truncate:cipher_suites",
            "truncate:compression_methods",
            "truncate:extensions_length",
            "truncate:extension:supported_versions",
            "truncate:bytes:10",
            "pad_extension:8",
            "append:deadbeef",
            "set_bytes:0:0304",
            "set_random:0000000000000000000000000000000000000000000000000000000000000000",
            "move_extension:key_share:1",
            "pad_to:200",
            "add_extension:alpn:0003026832",
            "length:handshake:-1",
            "truncate:compression_methods",
        ];
        let lines: Vec<String> = specs
            .iter()
            .map(|s| format!("{s}\n  {}", mutated(&ch, s)))
            .collect();
        insta::assert_snapshot!(
            "mutate_client_hello",
            format!("base\n  {}\n{}", hex::encode(&ch), lines.join("\n"))
        );
    }

    #[test]
    fn snapshots_server_hello_and_others() {
        let sh = sample_sh();
        let specs = [
            "set_cipher_suites:0x1304",
            "set_compression:1",
            "set_session_id:0102",
            "set_random_tail:444f574e47524401",
            "set_extension:supported_versions:0302",
            "set_extension:key_share:001e0000",
            "drop_extension:key_share",
            "add_extension:server_name:-",
            "truncate:cipher_suites",
            "extension_length:key_share:+1",
        ];
        let mut lines: Vec<String> = specs
            .iter()
            .map(|s| format!("{s}\n  {}", mutated(&sh, s)))
            .collect();
        let ee = HandshakeMessage::new(HandshakePayload::EncryptedExtensions(vec![
            Extension::ServerName(vec![]),
        ]))
        .to_bytes();
        for s in [
            "duplicate_extension:server_name",
            "length:extensions:-1",
            "add_extension:key_share:001d",
        ] {
            lines.push(format!("ee {s}\n  {}", mutated(&ee, s)));
        }
        let fin = HandshakeMessage::new(HandshakePayload::Finished(vec![7; 8])).to_bytes();
        for s in [
            "truncate:bytes:4",
            "length:handshake:-1",
            "append:00",
            "set_body:-",
        ] {
            lines.push(format!("finished {s}\n  {}", mutated(&fin, s)));
        }
        insta::assert_snapshot!("mutate_server_messages", lines.join("\n"));
    }
}

//! Applying mutations: a message split into its fields, edited, and re-encoded with the
//! length lies; the record plan the sender frames it with.

use super::*;

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

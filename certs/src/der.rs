//! A minimal DER reader and writer, enough to take a certificate apart, edit its
//! to-be-signed part ([`Edit`]) and put it back together around a new signature.
//!
//! Only used on certificates we generated ourselves, but still total: malformed input is an
//! error, never a panic.

use crate::spec::Edit;

/// One TLV: tag byte, content, and the whole encoding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    pub(crate) whole: &'a [u8],
}

/// Splits one TLV off `input`; returns it and the rest.
pub(crate) fn tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let tag = *input.first().ok_or("DER: empty input")?;
    let first = *input.get(1).ok_or("DER: missing length")?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(format!("DER: length form {first:#x} not handled"));
        }
        let bytes = input.get(2..2 + n).ok_or("DER: truncated length")?;
        (
            bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)),
            2 + n,
        )
    };
    let end = hdr.checked_add(len).ok_or("DER: length overflow")?;
    let content = input.get(hdr..end).ok_or("DER: truncated content")?;
    let whole = input.get(..end).ok_or("DER: truncated content")?;
    let rest = input.get(end..).unwrap_or_default();
    Ok((
        Tlv {
            tag,
            content,
            whole,
        },
        rest,
    ))
}

/// The elements of a constructed value's content.
pub(crate) fn elements(mut content: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (t, rest) = tlv(content)?;
        out.push(t);
        content = rest;
    }
    Ok(out)
}

/// Encodes a TLV.
pub(crate) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    encode(0x30, &parts.concat())
}

/// OID content octets from arcs.
pub(crate) fn oid_content(arcs: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    let (first, rest) = match arcs {
        [a, b, rest @ ..] => (a * 40 + b, rest),
        [a] => (a * 40, &[][..]),
        [] => return out,
    };
    for arc in std::iter::once(first).chain(rest.iter().copied()) {
        let mut stack = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            stack.push(((v & 0x7f) as u8) | 0x80);
            v >>= 7;
        }
        out.extend(stack.iter().rev());
    }
    out
}

pub(crate) fn oid(arcs: &[u64]) -> Vec<u8> {
    encode(0x06, &oid_content(arcs))
}

/// The three parts of a Certificate.
pub(crate) struct CertParts<'a> {
    pub(crate) tbs: &'a [u8],
}

pub(crate) fn split(cert: &[u8]) -> Result<CertParts<'_>, String> {
    let (outer, _) = tlv(cert)?;
    let parts = elements(outer.content)?;
    let tbs = parts.first().ok_or("certificate without tbsCertificate")?;
    Ok(CertParts { tbs: tbs.whole })
}

/// Builds a Certificate from its parts.
pub(crate) fn assemble(tbs: &[u8], sig_alg: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(signature);
    seq(&[tbs, sig_alg, &encode(0x03, &bits)])
}

/// Rewrites a TBSCertificate: sets the signature algorithm, replaces the SPKI when given,
/// then applies `edits` in order.
pub(crate) fn edit_tbs(
    tbs: &[u8],
    sig_alg: &[u8],
    spki: Option<&[u8]>,
    edits: &[Edit],
) -> Result<Vec<u8>, String> {
    let (outer, _) = tlv(tbs)?;
    let mut fields: Vec<Vec<u8>> = elements(outer.content)?
        .iter()
        .map(|t| t.whole.to_vec())
        .collect();
    // With a [0] version: version, serial, signature, issuer, validity, subject, spki, [3] exts
    let has_version = fields.first().is_some_and(|f| f.first() == Some(&0xa0));
    let base = usize::from(has_version);
    let idx = |i: usize| base + i;
    let set = |fields: &mut Vec<Vec<u8>>, i: usize, v: Vec<u8>| -> Result<(), String> {
        let slot = fields.get_mut(i).ok_or("TBSCertificate too short")?;
        *slot = v;
        Ok(())
    };
    set(&mut fields, idx(1), sig_alg.to_vec())?;
    if let Some(spki) = spki {
        set(&mut fields, idx(5), spki.to_vec())?;
    }
    for e in edits {
        match *e {
            Edit::Version1 => {
                if fields.first().is_some_and(|f| f.first() == Some(&0xa0)) {
                    fields.remove(0);
                }
                fields.retain(|f| f.first() != Some(&0xa3));
            }
            Edit::SerialContent(bytes) => {
                let has_version = fields.first().is_some_and(|f| f.first() == Some(&0xa0));
                set(&mut fields, usize::from(has_version), encode(0x02, bytes))?;
            }
            Edit::GeneralizedTimeValidity => {
                let has_version = fields.first().is_some_and(|f| f.first() == Some(&0xa0));
                let i = usize::from(has_version) + 3;
                let validity = fields.get(i).ok_or("no validity")?.clone();
                let (v, _) = tlv(&validity)?;
                let mut times = Vec::new();
                for t in elements(v.content)? {
                    if t.tag == 0x17 {
                        // UTCTime YYMMDDHHMMSSZ, years 50..99 -> 19xx
                        let yy = t.content.get(..2).ok_or("short UTCTime")?;
                        let century: &[u8] = if yy < b"50".as_slice() { b"20" } else { b"19" };
                        times.push(encode(0x18, &[century, t.content].concat()));
                    } else {
                        times.push(t.whole.to_vec());
                    }
                }
                let refs: Vec<&[u8]> = times.iter().map(Vec::as_slice).collect();
                set(&mut fields, i, seq(&refs))?;
            }
            Edit::DuplicateExtension(arcs) => {
                edit_extensions(&mut fields, |exts| {
                    let pos =
                        find_extension(exts, arcs).ok_or("extension to duplicate not present")?;
                    let copy = exts.get(pos).cloned().unwrap_or_default();
                    exts.insert(pos + 1, copy);
                    Ok(())
                })?;
            }
            Edit::SetCritical(arcs, critical) => {
                edit_extensions(&mut fields, |exts| {
                    let ext = find_extension(exts, arcs)
                        .and_then(|pos| exts.get_mut(pos))
                        .ok_or("extension to change not present")?;
                    let (t, _) = tlv(ext)?;
                    let parts = elements(t.content)?;
                    let id = parts.first().ok_or("empty extension")?.whole;
                    let value = parts.last().ok_or("empty extension")?.whole;
                    let flag = encode(0x01, &[0xff]);
                    *ext = if critical {
                        seq(&[id, &flag, value])
                    } else {
                        seq(&[id, value])
                    };
                    Ok(())
                })?;
            }
        }
    }
    let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    Ok(seq(&refs))
}

fn ext_oid(ext: &[u8]) -> Result<Vec<u8>, String> {
    let (t, _) = tlv(ext)?;
    let (id, _) = tlv(t.content)?;
    Ok(id.whole.to_vec())
}

/// Where the extension with the OID `arcs` stands in `exts`.
fn find_extension(exts: &[Vec<u8>], arcs: &[u64]) -> Option<usize> {
    let want = oid(arcs);
    exts.iter()
        .position(|x| ext_oid(x).is_ok_and(|o| o == want))
}

fn edit_extensions(
    fields: &mut [Vec<u8>],
    f: impl FnOnce(&mut Vec<Vec<u8>>) -> Result<(), String>,
) -> Result<(), String> {
    let slot = fields
        .iter_mut()
        .find(|f| f.first() == Some(&0xa3))
        .ok_or("certificate has no extensions")?;
    let (outer, _) = tlv(slot)?;
    let (list, _) = tlv(outer.content)?;
    let mut exts: Vec<Vec<u8>> = elements(list.content)?
        .iter()
        .map(|t| t.whole.to_vec())
        .collect();
    f(&mut exts)?;
    let refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    *slot = encode(0xa3, &seq(&refs));
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn oid_encoding() {
        // 1.2.840.113549.1.1.11
        assert_eq!(
            oid(&[1, 2, 840, 113_549, 1, 1, 11]),
            [
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b
            ]
        );
        assert_eq!(oid(&[2, 5, 29, 17]), [0x06, 0x03, 0x55, 0x1d, 0x11]);
    }

    #[test]
    fn long_lengths_round_trip() {
        let content = vec![7u8; 300];
        let enc = encode(0x04, &content);
        assert_eq!(&enc[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let (t, rest) = tlv(&enc).unwrap();
        assert_eq!(t.content, content.as_slice());
        assert!(rest.is_empty());
        assert!(tlv(&enc[..10]).is_err());
    }
}

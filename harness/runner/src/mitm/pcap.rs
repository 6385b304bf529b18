//! A minimal pcapng writer (and checker) for the proxy's two TCP conversations.
//!
//! One section: SHB, an IDB with LINKTYPE_ETHERNET, a Decryption Secrets Block (TLS key log,
//! so Wireshark decrypts without a separate file), then one EPB per synthesized packet.
//! Packets are real Ethernet + IPv4 + TCP frames with correct lengths, checksums and sequence
//! numbers for fake 127.0.0.1 conversations: a three-way handshake, the data as it crossed
//! the proxy (split into segments of at most [`MAX_SEGMENT`] bytes) and FINs.
//! Format: draft-ietf-opsawg-pcapng (SHB 0x0A0D0D0A, IDB 1, EPB 6, DSB 0x0A).

/// Largest TCP payload per synthesized segment.
pub const MAX_SEGMENT: usize = 16 * 1024;

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 1;
const EPB: u32 = 6;
const DSB: u32 = 0x0A;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const LINKTYPE_ETHERNET: u16 = 1;
/// Decryption Secrets Block: secrets type "TLS Key Log".
const SECRETS_TLS_KEYLOG: u32 = 0x544c_534b;

/// One TCP conversation: the initiator's port (`a`) and the listener's port (`b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversation {
    pub a_port: u16,
    pub b_port: u16,
}

/// What one side of a conversation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Data(Vec<u8>),
    Fin,
}

/// One event, with its absolute time in microseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub micros: u64,
    pub conv: usize,
    /// Sent by the initiator (`a`)?
    pub from_a: bool,
    pub payload: Payload,
}

fn block(out: &mut Vec<u8>, typ: u32, body: &[u8]) {
    let padded = body.len().div_ceil(4) * 4;
    let total = u32::try_from(12 + padded).unwrap_or(u32::MAX);
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + (padded - body.len()), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

fn checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for c in chunks {
        for &b in *c {
            match odd.take() {
                Some(hi) => sum += u32::from(u16::from_be_bytes([hi, b])),
                None => odd = Some(b),
            }
        }
    }
    if let Some(hi) = odd {
        sum += u32::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

const LOCALHOST: [u8; 4] = [127, 0, 0, 1];
const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// An Ethernet + IPv4 + TCP frame from `sport` to `dport` (both on 127.0.0.1).
fn frame(
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    ip_id: u16,
    data: &[u8],
) -> Vec<u8> {
    let mut tcp = Vec::with_capacity(20);
    tcp.extend_from_slice(&sport.to_be_bytes());
    tcp.extend_from_slice(&dport.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.push(5 << 4);
    tcp.push(flags);
    tcp.extend_from_slice(&65535u16.to_be_bytes());
    tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    let tcp_len = u16::try_from(20 + data.len()).unwrap_or(u16::MAX);
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&LOCALHOST);
    pseudo.extend_from_slice(&LOCALHOST);
    pseudo.extend_from_slice(&[0, 6]);
    pseudo.extend_from_slice(&tcp_len.to_be_bytes());
    let c = checksum(&[&pseudo, &tcp, data]);
    tcp[16..18].copy_from_slice(&c.to_be_bytes());

    let total = u16::try_from(20 + 20 + data.len()).unwrap_or(u16::MAX);
    let mut ip = Vec::with_capacity(20);
    ip.extend_from_slice(&[0x45, 0]);
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&ip_id.to_be_bytes());
    ip.extend_from_slice(&[0x40, 0, 64, 6, 0, 0]); // DF, TTL 64, TCP, checksum
    ip.extend_from_slice(&LOCALHOST);
    ip.extend_from_slice(&LOCALHOST);
    let c = checksum(&[&ip]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());

    let mut f = Vec::with_capacity(14 + 40 + data.len());
    f.extend_from_slice(&[0; 12]); // loopback: zero MAC addresses
    f.extend_from_slice(&0x0800u16.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&tcp);
    f.extend_from_slice(data);
    f
}

fn epb(out: &mut Vec<u8>, micros: u64, packet: &[u8]) {
    let len = u32::try_from(packet.len()).unwrap_or(u32::MAX);
    let mut body = Vec::with_capacity(20 + packet.len());
    body.extend_from_slice(&0u32.to_le_bytes()); // interface 0
    body.extend_from_slice(&((micros >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(micros as u32).to_le_bytes());
    body.extend_from_slice(&len.to_le_bytes());
    body.extend_from_slice(&len.to_le_bytes());
    body.extend_from_slice(packet);
    let pad = body.len().div_ceil(4) * 4 - body.len();
    body.resize(body.len() + pad, 0);
    block(out, EPB, &body);
}

/// The pcapng file for `convs`, with `segments` in time order and `keylog` (SSLKEYLOGFILE
/// text) embedded as a Decryption Secrets Block.
pub fn write(convs: &[Conversation], segments: &[Segment], keylog: &str) -> Vec<u8> {
    let mut out = Vec::new();
    // SHB: magic, version 1.0, section length unknown (-1).
    let mut shb = Vec::new();
    shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, SHB, &shb);
    // IDB: Ethernet, no snap length limit; default resolution (microseconds).
    let mut idb = Vec::new();
    idb.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&0u32.to_le_bytes());
    block(&mut out, IDB, &idb);
    if !keylog.is_empty() {
        let mut dsb = Vec::new();
        dsb.extend_from_slice(&SECRETS_TLS_KEYLOG.to_le_bytes());
        dsb.extend_from_slice(&u32::try_from(keylog.len()).unwrap_or(0).to_le_bytes());
        dsb.extend_from_slice(keylog.as_bytes());
        block(&mut out, DSB, &dsb);
    }
    // Per conversation: [seq of a, seq of b], whether the handshake was written.
    let mut seq: Vec<[u32; 2]> = convs
        .iter()
        .enumerate()
        .map(|(i, _)| [1000 + (i as u32) * 100_000, 500_000 + (i as u32) * 100_000])
        .collect();
    let mut opened = vec![false; convs.len()];
    let mut ip_id: u16 = 1;
    let mut next_id = || {
        ip_id = ip_id.wrapping_add(1);
        ip_id
    };
    for s in segments {
        let (Some(conv), Some(sq)) = (convs.get(s.conv), seq.get_mut(s.conv)) else {
            continue;
        };
        let (a, b) = (conv.a_port, conv.b_port);
        if let Some(o) = opened.get_mut(s.conv)
            && !*o
        {
            *o = true;
            let t = s.micros.saturating_sub(3);
            epb(&mut out, t, &frame(a, b, sq[0], 0, SYN, next_id(), &[]));
            epb(
                &mut out,
                t + 1,
                &frame(b, a, sq[1], sq[0] + 1, SYN | ACK, next_id(), &[]),
            );
            sq[0] += 1;
            sq[1] += 1;
            epb(
                &mut out,
                t + 2,
                &frame(a, b, sq[0], sq[1], ACK, next_id(), &[]),
            );
        }
        let (from, to, me, them) = if s.from_a { (a, b, 0, 1) } else { (b, a, 1, 0) };
        match &s.payload {
            Payload::Data(d) => {
                for chunk in d.chunks(MAX_SEGMENT) {
                    let (my, their) = (sq[me], sq[them]);
                    epb(
                        &mut out,
                        s.micros,
                        &frame(from, to, my, their, PSH | ACK, next_id(), chunk),
                    );
                    sq[me] = my.wrapping_add(chunk.len() as u32);
                }
            }
            Payload::Fin => {
                let (my, their) = (sq[me], sq[them]);
                epb(
                    &mut out,
                    s.micros,
                    &frame(from, to, my, their, FIN | ACK, next_id(), &[]),
                );
                sq[me] = my.wrapping_add(1);
            }
        }
    }
    out
}

/// What [`check`] found in a pcapng file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub packets: usize,
    /// Bytes of TCP payload over all packets.
    pub payload_bytes: usize,
    /// Key log embedded in a Decryption Secrets Block.
    pub keylog: Option<String>,
}

fn le32(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| format!("truncated at offset {at}"))
}

/// Parses a pcapng file written by [`write`], checking block framing, the IPv4 and TCP
/// checksums and lengths of every packet.
pub fn check(bytes: &[u8]) -> Result<Summary, String> {
    let mut sum = Summary::default();
    let mut at = 0;
    let mut first = true;
    while at < bytes.len() {
        let typ = le32(bytes, at)?;
        let total = le32(bytes, at + 4)? as usize;
        if total < 12 || !total.is_multiple_of(4) || at + total > bytes.len() {
            return Err(format!("block at {at}: bad total length {total}"));
        }
        if le32(bytes, at + total - 4)? as usize != total {
            return Err(format!("block at {at}: trailing length differs"));
        }
        let body = bytes.get(at + 8..at + total - 4).unwrap_or_default();
        if first && (typ != SHB || le32(body, 0)? != BYTE_ORDER_MAGIC) {
            return Err("the file does not start with a section header block".into());
        }
        first = false;
        match typ {
            EPB => {
                let cap = le32(body, 12)? as usize;
                let pkt = body
                    .get(20..20 + cap)
                    .ok_or("EPB: captured length beyond the block")?;
                let ip = pkt
                    .get(14..34)
                    .ok_or("packet shorter than Ethernet + IPv4")?;
                if checksum(&[ip]) != 0 {
                    return Err(format!("packet {}: bad IPv4 checksum", sum.packets + 1));
                }
                let ip_len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
                if ip_len + 14 != pkt.len() {
                    return Err(format!(
                        "packet {}: IPv4 length {ip_len} vs frame {}",
                        sum.packets + 1,
                        pkt.len()
                    ));
                }
                let tcp = pkt.get(34..).unwrap_or_default();
                let tcp_len = u16::try_from(tcp.len()).map_err(|_| "TCP segment too long")?;
                let mut pseudo = Vec::new();
                pseudo.extend_from_slice(&ip[12..20]);
                pseudo.extend_from_slice(&[0, 6]);
                pseudo.extend_from_slice(&tcp_len.to_be_bytes());
                if checksum(&[&pseudo, tcp]) != 0 {
                    return Err(format!("packet {}: bad TCP checksum", sum.packets + 1));
                }
                sum.packets += 1;
                sum.payload_bytes += tcp.len().saturating_sub(20);
            }
            DSB if le32(body, 0)? == SECRETS_TLS_KEYLOG => {
                let n = le32(body, 4)? as usize;
                let text = body.get(8..8 + n).ok_or("DSB: secrets beyond the block")?;
                sum.keylog = Some(String::from_utf8_lossy(text).into_owned());
            }
            _ => {}
        }
        at += total;
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_files_check() {
        let convs = [Conversation {
            a_port: 40000,
            b_port: 443,
        }];
        let segs = vec![
            Segment {
                micros: 1_700_000_000_000_000,
                conv: 0,
                from_a: true,
                payload: Payload::Data(vec![22, 3, 1, 0, 1, 1]),
            },
            Segment {
                micros: 1_700_000_000_000_100,
                conv: 0,
                from_a: false,
                payload: Payload::Data(vec![7; 40_000]),
            },
            Segment {
                micros: 1_700_000_000_000_200,
                conv: 0,
                from_a: true,
                payload: Payload::Fin,
            },
        ];
        let bytes = write(&convs, &segs, "CLIENT_RANDOM 00 11\n");
        let s = check(&bytes).expect("well-formed");
        // 3 handshake packets, 1 + 3 data segments, 1 FIN.
        assert_eq!(s.packets, 8);
        assert_eq!(s.payload_bytes, 40_006);
        assert_eq!(s.keylog.as_deref(), Some("CLIENT_RANDOM 00 11\n"));
    }
}

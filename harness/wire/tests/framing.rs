//! Deframer and HandshakeJoiner: chunking, spanning, caps.
#![allow(clippy::unwrap_used)]

use rstest::rstest;
use tls_wire::*;

fn msg(typ: u8, body_len: usize) -> Vec<u8> {
    let mut v = vec![
        typ,
        (body_len >> 16) as u8,
        (body_len >> 8) as u8,
        body_len as u8,
    ];
    v.extend((0..body_len).map(|i| i as u8));
    v
}

fn records(ct: ContentType, data: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for c in data.chunks(size) {
        Record::new(ct, ProtocolVersion::TLSv1_2, c.to_vec()).encode(&mut out);
    }
    out
}

#[rstest]
fn deframer_any_chunking(#[values(1, 2, 3, 5, 7, 64, 1000, 100_000)] chunk: usize) {
    let a = Record::new(
        ContentType::Handshake,
        ProtocolVersion::TLSv1_0,
        vec![1; 300],
    );
    let b = Record::new(
        ContentType::ApplicationData,
        ProtocolVersion::TLSv1_2,
        vec![],
    );
    let c = Record::new(ContentType::Alert, ProtocolVersion::TLSv1_2, vec![2, 40]);
    let d = Record::new(
        ContentType::from(99),
        ProtocolVersion::from(0x7f7f),
        vec![9; MAX_CIPHERTEXT_TLS13],
    );
    let want = [a, b, c, d];
    let mut wire = Vec::new();
    for r in &want {
        r.encode(&mut wire);
    }
    let mut df = Deframer::new();
    let mut got = Vec::new();
    for piece in wire.chunks(chunk) {
        df.push(piece);
        while let Some(r) = df.next_record().unwrap() {
            got.push(r);
        }
    }
    assert_eq!(got, want);
    assert!(df.is_empty());
    assert_eq!(df.next_record(), Ok(None));
}

#[test]
fn deframer_partial_header_and_payload() {
    let mut df = Deframer::new();
    df.push(&[22, 3]);
    assert_eq!(df.next_record(), Ok(None));
    assert!(df.peek_header().is_none());
    df.push(&[3, 0, 2, 1]);
    assert_eq!(df.peek_header().unwrap().length, 2);
    assert_eq!(df.next_record(), Ok(None));
    assert_eq!(df.buffered(), 6);
    df.push(&[2]);
    assert_eq!(df.next_record().unwrap().unwrap().payload, [1, 2]);
}

#[test]
fn deframer_rejects_oversized_before_buffering_payload() {
    let mut df = Deframer::new();
    let len = (MAX_CIPHERTEXT_TLS13 + 1) as u16;
    df.push(&[23, 3, 3, (len >> 8) as u8, len as u8]);
    // Only the header has arrived: already an error.
    let e = df.next_record().unwrap_err();
    assert_eq!(e.alert(), AlertDescription::RecordOverflow);
    assert!(
        e.to_string().contains("16641 exceeds the maximum 16640"),
        "{e}"
    );
    assert_eq!(df.buffered(), 5);
    // Exactly at the cap is fine; configurable.
    let mut df = Deframer::with_max_payload(MAX_CIPHERTEXT_TLS12);
    df.push(&records(
        ContentType::ApplicationData,
        &vec![0; MAX_CIPHERTEXT_TLS12],
        usize::MAX,
    ));
    assert_eq!(
        df.next_record().unwrap().unwrap().payload.len(),
        MAX_CIPHERTEXT_TLS12
    );
    let mut df = Deframer::with_max_payload(4);
    df.push(&[23, 3, 3, 0, 5]);
    assert!(df.next_record().is_err());
}

#[rstest]
fn joiner_spanning_and_sharing(#[values(1, 2, 3, 4, 5, 10, 16384)] record_size: usize) {
    let msgs = [
        msg(1, 0),
        msg(2, 10),
        msg(11, 5000),
        msg(20, 32),
        msg(15, 1),
    ];
    let flight: Vec<u8> = msgs.concat();
    let wire = records(ContentType::Handshake, &flight, record_size);
    let mut df = Deframer::new();
    let mut j = HandshakeJoiner::new();
    let mut got = Vec::new();
    for b in wire.chunks(3) {
        df.push(b);
        while let Some(r) = df.next_record().unwrap() {
            j.push(&r.payload);
            while let Some(m) = j.next_message().unwrap() {
                got.push(m);
            }
        }
    }
    assert_eq!(got, msgs);
    assert_eq!(j.pending(), 0);
}

#[test]
fn joiner_reports_pending_partial_message() {
    let mut j = HandshakeJoiner::new();
    let m = msg(20, 32);
    j.push(&m[..10]);
    assert_eq!(j.next_message(), Ok(None));
    assert_eq!(j.pending(), 10);
    j.push(&m[10..]);
    assert_eq!(j.next_message().unwrap().unwrap(), m);
    assert!(j.is_empty());
}

#[test]
fn joiner_rejects_oversized_from_header() {
    let mut j = HandshakeJoiner::new();
    // Header claims one byte past the cap; only the header is pushed.
    let len = u32::try_from(tls_wire::DEFAULT_MAX_HANDSHAKE + 1).unwrap();
    let b = len.to_be_bytes();
    j.push(&[11, b[1], b[2], b[3]]);
    let e = j.next_message().unwrap_err();
    assert!(
        matches!(
            e.kind,
            DecodeErrorKind::MessageTooLarge {
                len: 131397,
                max: 131396
            }
        ),
        "{e}"
    );
    assert!(j.next_message().is_err(), "sticky");
    let mut j = HandshakeJoiner::with_max_message(16);
    j.push(&msg(20, 16));
    assert!(j.next_message().unwrap().is_some());
    j.push(&[20, 0, 0, 17]);
    assert!(j.next_message().is_err());
    // The header check needs all four bytes; with three nothing happens yet.
    let mut j = HandshakeJoiner::with_max_message(16);
    j.push(&[20, 0xff, 0xff]);
    assert_eq!(j.next_message(), Ok(None));
}

#[test]
fn header_helper() {
    assert_eq!(
        decode_handshake_header(&[2, 0, 0, 0x56]),
        Ok((HandshakeType::ServerHello, 0x56))
    );
    assert!(decode_handshake_header(&[2, 0, 0]).is_err());
}

//! Record deframing and handshake reassembly on arbitrary bytes, fed in arbitrary chunks:
//! never a panic, and every record that comes out re-encodes to the bytes it came from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_wire::{Codec, Deframer, HandshakeJoiner};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else { return };
    let chunk = usize::from(split).max(1);
    let mut deframer = Deframer::new();
    let mut joiner = HandshakeJoiner::new();
    let mut consumed = Vec::new();
    for piece in rest.chunks(chunk) {
        deframer.push(piece);
        loop {
            match deframer.next_record() {
                Ok(Some(record)) => {
                    let bytes = record.to_bytes();
                    consumed.extend_from_slice(&bytes);
                    joiner.push(&record.payload);
                    while let Ok(Some(_msg)) = joiner.next_message() {}
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    // What came out as records is exactly a prefix of the input.
    assert!(rest.starts_with(&consumed));
});

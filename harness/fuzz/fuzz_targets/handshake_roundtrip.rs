//! Handshake message decoding in both version contexts: never a panic, and whatever decodes
//! re-encodes byte-identically (the lossless property).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_wire::{Codec, DecodeCtx, HandshakeMessage};

fuzz_target!(|data: &[u8]| {
    for ctx in [DecodeCtx::TLS13, DecodeCtx::TLS12] {
        if let Ok(msg) = HandshakeMessage::decode_with(data, &ctx) {
            assert_eq!(msg.to_bytes(), data, "re-encoding differs ({ctx:?})");
            let _ = msg.to_string();
        }
    }
});

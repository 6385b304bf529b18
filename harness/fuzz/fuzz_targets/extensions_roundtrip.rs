//! Extension bodies in every message context: never a panic, lossless when they decode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_wire::{Extension, ExtensionContext, ExtensionType};

fuzz_target!(|data: &[u8]| {
    let Some((typ, body)) = data.split_first_chunk::<2>() else { return };
    let typ = ExtensionType::from(u16::from_be_bytes(*typ));
    for ctx in ExtensionContext::ALL {
        if let Ok(ext) = Extension::decode_body(typ, body, ctx) {
            assert_eq!(ext.body_bytes(), body, "{typ:?} in {ctx:?}");
        }
    }
});

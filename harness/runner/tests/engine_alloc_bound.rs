//! Hostile-peer limit of our engine, observed from the allocator: a peer announcing a
//! 16 MiB handshake message makes the engine allocate nothing large before the bytes
//! arrive (it refuses the header at once: the cap is 131396 bytes, the largest ClientHello), and a message announced just
//! under the cap is buffered only as far as its bytes have arrived.
//!
//! The counting allocator needs `unsafe` (GlobalAlloc), which the engine crate forbids;
//! hence this test lives in the harness crate. nextest runs it in a process of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustls_pki_types::{PrivateKeyDer, UnixTime};
use tls_engine::{AlertDescription, Connection, Decoding, Error, ServerConfig};
use tls_wire::DecodeErrorKind;

/// The system allocator, remembering the largest single request since the last reset.
struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc`/`realloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn server() -> Connection {
    let m = certs::materials("ecdsa_p256").unwrap();
    let config = ServerConfig::new(
        m.server.chain.clone(),
        PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
    )
    .unwrap();
    Connection::server(Arc::new(config), UnixTime::now()).unwrap()
}

/// A plaintext handshake record carrying a message header of type `typ` announcing `len`
/// bytes, followed by `body` (the start of the body only).
fn record(typ: u8, len: u32, body: &[u8]) -> Vec<u8> {
    let mut payload = vec![typ];
    payload.extend_from_slice(&len.to_be_bytes()[1..]);
    payload.extend_from_slice(body);
    let mut r = vec![22, 3, 1];
    r.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
    r.extend_from_slice(&payload);
    r
}

#[test]
fn a_16_mib_announcement_allocates_nothing_large() {
    let mut conn = server();
    LARGEST.store(0, Ordering::Relaxed);
    let e = conn
        .handle_input(&record(1, (1 << 24) - 1, &[3, 3]), UnixTime::now())
        .unwrap_err();
    let largest = LARGEST.load(Ordering::Relaxed);
    assert_eq!(e.alert(), Some(AlertDescription::DecodeError), "{e:?}");
    assert!(
        matches!(
            &e,
            Error::InvalidMessage {
                what: Decoding::HandshakeFraming,
                error,
            } if error.kind == DecodeErrorKind::MessageTooLarge { len: (1 << 24) - 1, max: 131_396 }
        ),
        "{e:?}"
    );
    assert!(
        largest < 64 * 1024,
        "largest allocation while refusing the header: {largest} bytes"
    );
}

#[test]
fn a_message_under_the_cap_is_buffered_as_it_arrives() {
    let mut conn = server();
    LARGEST.store(0, Ordering::Relaxed);
    // 60 000 bytes announced, 100 sent: the connection waits for the rest.
    conn.handle_input(&record(1, 60_000, &[0u8; 100]), UnixTime::now())
        .unwrap();
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(
        largest < 16 * 1024,
        "largest allocation for 105 bytes of a 60 000-byte message: {largest} bytes"
    );
}

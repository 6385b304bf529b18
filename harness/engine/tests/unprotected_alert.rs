//! A peer that fails before it has derived its handshake keys can only send its alert
//! unprotected; once the handshake is complete, an unprotected record is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use tls_engine::{AlertDescription, Connection};

/// handshake_failure, fatal, as a plaintext TLS record.
const PLAINTEXT_ALERT: [u8; 7] = [21, 3, 3, 0, 2, 2, 40];

/// The first record of `bytes` (header included).
fn first_record(bytes: &[u8]) -> &[u8] {
    let len = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
    &bytes[..5 + len]
}

#[test]
fn client_takes_an_unprotected_alert_after_server_hello_as_the_servers_alert() {
    let mut client = Connection::client(Arc::new(client_config("ecdsa_p256")), now()).unwrap();
    let mut server = Connection::server(Arc::new(server_config("ecdsa_p256")), now()).unwrap();
    server.handle_input(&client.take_output(), now()).unwrap();
    let flight = server.take_output();
    // ServerHello only: the client now holds handshake keys for reading.
    client.handle_input(first_record(&flight), now()).unwrap();
    let err = client.handle_input(&PLAINTEXT_ALERT, now()).unwrap_err();
    assert_eq!(
        err.alert_received(),
        Some(AlertDescription::HandshakeFailure),
        "{err}"
    );
    assert_eq!(err.alert(), None, "{err}");
}

#[test]
fn an_unprotected_alert_after_the_handshake_is_unexpected_message() {
    let (mut c, _s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    let err = c.conn.handle_input(&PLAINTEXT_ALERT, now()).unwrap_err();
    assert_eq!(
        err.alert(),
        Some(AlertDescription::UnexpectedMessage),
        "{err}"
    );
}

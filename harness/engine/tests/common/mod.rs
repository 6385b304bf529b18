//! Shared helpers: drive two connections in memory until both are idle.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::sync::Arc;

use rustls_pki_types::{PrivateKeyDer, UnixTime};
use tls_engine::{ClientConfig, Connection, Error, Event, ServerConfig};

pub fn now() -> UnixTime {
    UnixTime::now()
}

pub fn server_config(kind: &str) -> ServerConfig {
    let m = certs::materials(kind).unwrap();
    ServerConfig::new(
        m.server.chain.clone(),
        PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
    )
    .unwrap()
}

pub fn client_config(kind: &str) -> ClientConfig {
    let m = certs::materials(kind).unwrap();
    ClientConfig {
        roots: m.roots.clone(),
        server_name: Some(m.server_name.clone()),
        ..Default::default()
    }
}

pub fn client_identity(kind: &str) -> tls_engine::CertifiedKey {
    let m = certs::materials(kind).unwrap();
    tls_engine::CertifiedKey::new(
        m.client.chain.clone(),
        PrivateKeyDer::Pkcs8(m.client.key.clone_key()),
    )
    .unwrap()
}

pub fn roots(kind: &str) -> Vec<rustls_pki_types::CertificateDer<'static>> {
    certs::materials(kind).unwrap().roots.clone()
}

pub struct Side {
    pub conn: Connection,
    pub events: Vec<Event>,
    pub err: Option<Error>,
}

impl Side {
    pub fn new(conn: Connection) -> Self {
        Self {
            conn,
            events: Vec::new(),
            err: None,
        }
    }

    /// A client for `cc`; its ClientHello is queued.
    pub fn client(cc: ClientConfig) -> Self {
        Self::new(Connection::client(Arc::new(cc), now()).unwrap())
    }

    /// A server for `sc`.
    pub fn server(sc: ServerConfig) -> Self {
        Self::new(Connection::server(Arc::new(sc), now()).unwrap())
    }

    /// What `pick` takes from each event so far.
    fn collect<T>(&self, pick: impl Fn(&Event) -> Option<T>) -> Vec<T> {
        self.events.iter().filter_map(pick).collect()
    }

    pub fn app_data(&self) -> Vec<u8> {
        self.collect(|e| match e {
            Event::ApplicationData(d) => Some(d.clone()),
            _ => None,
        })
        .concat()
    }

    pub fn tickets(&self) -> Vec<tls_engine::StoredSession> {
        self.collect(|e| match e {
            Event::NewTicket(t) => Some(t.clone()),
            _ => None,
        })
    }

    pub fn complete(&self) -> bool {
        self.events.contains(&Event::HandshakeComplete)
    }

    fn drain(&mut self) {
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e);
        }
    }
}

/// Move output of `from` into `to`; returns whether anything moved.
pub fn transfer(from: &mut Side, to: &mut Side) -> bool {
    let out = from.conn.take_output();
    from.drain();
    if out.is_empty() {
        return false;
    }
    if to.err.is_none()
        && let Err(e) = to.conn.handle_input(&out, now())
    {
        to.err = Some(e);
    }
    to.drain();
    true
}

/// Run until neither side has anything to send.
pub fn drive(c: &mut Side, s: &mut Side) {
    for _ in 0..1000 {
        let a = transfer(c, s);
        let b = transfer(s, c);
        if !a && !b {
            return;
        }
    }
    panic!("no progress after 1000 rounds");
}

pub fn pair(cc: ClientConfig, sc: ServerConfig) -> (Side, Side) {
    (Side::client(cc), Side::server(sc))
}

/// Handshake and exchange application data both ways; panics on failure.
pub fn handshake_ok(cc: ClientConfig, sc: ServerConfig) -> (Side, Side) {
    let (mut c, mut s) = pair(cc, sc);
    drive(&mut c, &mut s);
    assert!(c.err.is_none(), "client error: {:?}", c.err);
    assert!(s.err.is_none(), "server error: {:?}", s.err);
    assert!(
        c.complete() && s.complete(),
        "handshake incomplete: client {:?} server {:?}",
        c.conn.step(),
        s.conn.step()
    );
    c.conn.send_application_data(b"ping from client").unwrap();
    s.conn.send_application_data(b"pong from server").unwrap();
    drive(&mut c, &mut s);
    assert_eq!(s.app_data(), b"ping from client");
    assert_eq!(c.app_data(), b"pong from server");
    (c, s)
}

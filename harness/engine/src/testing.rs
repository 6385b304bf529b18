//! An in-memory driver for two of our connections, shared by the engine's tests and the seed
//! transcripts of the fuzz targets. Test support, not part of the engine's API: nothing here
//! touches a network, and nothing panics.

use rustls_pki_types::UnixTime;

use crate::{AlertDescription, Connection, Error, Event, StoredSession};

/// One connection of an in-memory pair, with what it reported so far.
pub struct Side {
    /// The connection.
    pub conn: Connection,
    /// Every event it reported, in order.
    pub events: Vec<Event>,
    /// The first error `handle_input` returned; no input is fed after it.
    pub err: Option<Error>,
    /// Every byte fed to it, in order (the peer's side of the transcript).
    pub received: Vec<u8>,
}

impl Side {
    /// A side for `conn`, with nothing reported yet.
    pub fn new(conn: Connection) -> Self {
        Self {
            conn,
            events: Vec::new(),
            err: None,
            received: Vec::new(),
        }
    }

    /// Feeds `bytes` unless an error came before (keeping the first error), then drains
    /// the events.
    pub fn receive(&mut self, bytes: &[u8], now: UnixTime) {
        if !bytes.is_empty() && self.err.is_none() {
            self.received.extend_from_slice(bytes);
            if let Err(e) = self.conn.handle_input(bytes, now) {
                self.err = Some(e);
            }
        }
        self.drain_events();
    }

    /// Moves every pending event into `events`.
    pub fn drain_events(&mut self) {
        while let Some(e) = self.conn.poll_event() {
            self.events.push(e);
        }
    }

    /// What `pick` takes from each event so far.
    fn collect<T>(&self, pick: impl Fn(&Event) -> Option<T>) -> Vec<T> {
        self.events.iter().filter_map(pick).collect()
    }

    /// The application data received so far, concatenated.
    pub fn app_data(&self) -> Vec<u8> {
        self.collect(|e| match e {
            Event::ApplicationData(d) => Some(d.clone()),
            _ => None,
        })
        .concat()
    }

    /// The tickets (and TLS 1.2 sessions) received so far.
    pub fn tickets(&self) -> Vec<StoredSession> {
        self.collect(|e| match e {
            Event::NewTicket(t) => Some(t.clone()),
            _ => None,
        })
    }

    /// The alert this side sent for its error, if it failed with one.
    pub fn alert_sent(&self) -> Option<AlertDescription> {
        self.err.as_ref().and_then(Error::alert)
    }

    /// The alert from the peer that ended this side, if one did.
    pub fn alert_received(&self) -> Option<AlertDescription> {
        self.err.as_ref().and_then(Error::alert_received)
    }

    /// Whether the handshake completed.
    pub fn complete(&self) -> bool {
        self.events.contains(&Event::HandshakeComplete)
    }
}

/// Moves the output of `from` into `to`; returns whether anything moved.
pub fn transfer(from: &mut Side, to: &mut Side, now: UnixTime) -> bool {
    let out = from.conn.take_output();
    from.drain_events();
    to.receive(&out, now);
    !out.is_empty()
}

/// Moves output both ways until neither side has anything to send; false when they still
/// had after `rounds` rounds.
pub fn drive(c: &mut Side, s: &mut Side, now: UnixTime, rounds: usize) -> bool {
    for _ in 0..rounds {
        let a = transfer(c, s, now);
        let b = transfer(s, c, now);
        if !a && !b {
            return true;
        }
    }
    false
}

//! The terminating proxy: a TLS server (rustls) to the client with the attacker's
//! credentials, a TLS client (rustls, verifying nothing) to the real server, plaintext relayed
//! between the two. A client that authenticates the server rejects the first leg; one that
//! does not completes, and its application data reaches the real server through the attacker.

use crate::peers::rustls_peer::AcceptAnything;
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{Connection, SupportedProtocolVersion};

use super::proxy::{Net, ReadResult, Stop, Stopper, Tape};
use super::{Action, MitmSpec};
use crate::model::{ProtocolVersion, Role, Setup, Side};
use crate::peer::{AfterAlert, CaseCtx};

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn versions(side: &Side) -> Vec<&'static SupportedProtocolVersion> {
    let mut v = Vec::new();
    if side.versions.is_empty() || side.versions.contains(&ProtocolVersion::TLSv1_3) {
        v.push(&rustls::version::TLS13);
    }
    if side.versions.is_empty() || side.versions.contains(&ProtocolVersion::TLSv1_2) {
        v.push(&rustls::version::TLS12);
    }
    v
}

/// The attacker's chain and key for an action.
fn attacker_identity(
    action: Action,
    setup: &Setup,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let profile =
        |name: &str| certs::materials(name).map_err(|e| format!("attacker profile {name}: {e}"));
    Ok(match action {
        Action::CertSelfSigned => {
            let m = profile("self_signed_leaf")?;
            (
                m.server.chain.clone(),
                PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
            )
        }
        Action::CertUnknownCa => {
            let m = profile("unknown_root")?;
            (
                m.server.chain.clone(),
                PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
            )
        }
        Action::CertOtherHost => {
            let m = profile("impersonation")?;
            (
                m.server.chain.clone(),
                PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
            )
        }
        _ => {
            // The genuine chain with the attacker's (rogue) key of the same type.
            let genuine = setup.materials()?;
            let rogue = profile("impersonation")?;
            (
                genuine.server.chain.clone(),
                PrivateKeyDer::Pkcs8(rogue.server.key.clone_key()),
            )
        }
    })
}

fn connections(
    spec: &MitmSpec,
    setup: &Setup,
    ctx: &CaseCtx,
) -> Result<(Connection, Connection), String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let (chain, key) = attacker_identity(spec.action, setup)?;
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| format!("attacker key: {e}"))?;
    let ck = Arc::new(CertifiedKey::new(chain, signing));
    let mut sc = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions(&setup.server))
        .map_err(|e| format!("proxy server config: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(ck)));
    sc.key_log = ctx.key_log();
    sc.alpn_protocols = setup.client.alpn_wire();
    if spec.action == Action::EeReplaced {
        // Other EncryptedExtensions than the real server's: the client's least preferred
        // protocol first.
        sc.alpn_protocols.reverse();
    }
    let mut cc = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions(&setup.client))
        .map_err(|e| format!("proxy client config: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnything::new(&provider)))
        .with_no_client_auth();
    cc.key_log = ctx.key_log();
    cc.alpn_protocols = setup.client.alpn_wire();
    let name =
        ServerName::try_from(setup.server_name.clone()).map_err(|e| format!("server name: {e}"))?;
    let front =
        rustls::ServerConnection::new(Arc::new(sc)).map_err(|e| format!("proxy server: {e}"))?;
    let back = rustls::ClientConnection::new(Arc::new(cc), name)
        .map_err(|e| format!("proxy client: {e}"))?;
    Ok((Connection::Server(front), Connection::Client(back)))
}

/// Feeds bytes into a connection; an error is the TLS failure of that leg.
fn feed(conn: &mut Connection, mut bytes: &[u8]) -> Result<(), rustls::Error> {
    while !bytes.is_empty() {
        match conn.read_tls(&mut bytes) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        conn.process_new_packets()?;
    }
    Ok(())
}

fn flush(conn: &mut Connection, net: &mut Net, tape: &mut Tape, to_server: bool) {
    let mut out = Vec::new();
    while conn.wants_write() {
        match conn.write_tls(&mut out) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    net.send(tape, to_server, &out);
}

/// Moves plaintext from one leg to the other.
fn relay(from: &mut Connection, to: &mut Connection) -> usize {
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0;
    loop {
        match from.reader().read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                total += n;
                if to
                    .writer()
                    .write_all(buf.get(..n).unwrap_or_default())
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    total
}

/// The proxy is the TLS peer of the side on `leg` (0: the client, 1: the server): after the
/// fatal alert that ended that leg (the side's, or the proxy's own after `e`), it watches the
/// side as a case's peer would (`pump`): when it closes, and what it writes after its alert.
fn watch_after_alert(net: &mut Net, tape: &mut Tape, ctx: &CaseCtx, leg: usize, e: &rustls::Error) {
    if !ctx.observes_lifecycle() {
        return;
    }
    let (peer_closed_ms, peer_bytes_after) = net.watch(leg == 1);
    let side = if leg == 0 { "client" } else { "server" };
    tape.log(match peer_closed_ms {
        Some(ms) => format!("proxy: the {side} closed its end {ms:.1} ms after the alert"),
        None => format!("proxy: the {side} kept its end open after the alert"),
    });
    ctx.record_after_alert(AfterAlert {
        observer: if leg == 0 { Role::Server } else { Role::Client },
        peer_sent_alert: matches!(e, rustls::Error::AlertReceived(_)),
        peer_closed_ms,
        peer_bytes_after,
        by_proxy: true,
    });
}

pub(super) fn run(
    net: &mut Net,
    tape: &mut Tape,
    spec: &MitmSpec,
    setup: &Setup,
    ctx: &CaseCtx,
    stop: &AtomicBool,
) {
    let (mut front, mut back) = match connections(spec, setup, ctx) {
        Ok(c) => c,
        Err(e) => {
            tape.report.error = Some(e);
            net.close_all(tape);
            return;
        }
    };
    tape.applied(format!(
        "terminating TLS towards the client: {}",
        spec.action.describe()
    ));
    let mut buf = vec![0u8; 64 * 1024];
    let mut eof = [false, false];
    let mut announced = [false, false];
    let mut stopper = Stopper::default();
    // Leg names for the log: 0 client<->proxy ("client leg"), 1 proxy<->server.
    let legs = [
        "client leg (attacker as server)",
        "server leg (attacker as client)",
    ];
    loop {
        match stopper.check(ctx, stop, net, tape) {
            Some(Stop::Deadline) => return,
            Some(Stop::Asked) => {
                net.close_all(tape);
                return;
            }
            None => {}
        }
        let mut idle = true;
        let mut failed = None;
        for leg in [0usize, 1] {
            if eof.get(leg).copied().unwrap_or(true) {
                continue;
            }
            let conn = if leg == 0 { &mut front } else { &mut back };
            match net.read(leg == 1, &mut buf) {
                ReadResult::Data(n) => {
                    idle = false;
                    let bytes = buf.get(..n).unwrap_or_default();
                    tape.data(leg, leg == 0, bytes);
                    if let Err(e) = feed(conn, bytes) {
                        failed = Some((leg, e));
                    }
                }
                ReadResult::Eof => {
                    idle = false;
                    if let Some(x) = eof.get_mut(leg) {
                        *x = true;
                    }
                    tape.log(format!(
                        "{}: connection closed by the {}",
                        legs[leg],
                        if leg == 0 { "client" } else { "server" }
                    ));
                }
                ReadResult::Nothing => {}
            }
        }
        for (leg, conn) in [(0usize, &front), (1, &back)] {
            if !conn.is_handshaking() && !announced[leg] {
                announced[leg] = true;
                tape.log(format!(
                    "{}: handshake complete{}",
                    legs[leg],
                    if leg == 0 {
                        " (the client accepted the attacker's credentials)"
                    } else {
                        ""
                    }
                ));
            }
        }
        let up = relay(&mut front, &mut back);
        let down = relay(&mut back, &mut front);
        if up > 0 {
            tape.log(format!(
                "proxy: relayed {up} bytes of application data client -> server"
            ));
        }
        if down > 0 {
            tape.log(format!(
                "proxy: relayed {down} bytes of application data server -> client"
            ));
        }
        flush(&mut front, net, tape, false);
        flush(&mut back, net, tape, true);
        if let Some((leg, e)) = failed {
            tape.log(format!("{}: TLS failed: {e}", legs[leg]));
            watch_after_alert(net, tape, ctx, leg, &e);
            net.close_all(tape);
            return;
        }
        if eof[0] && !eof[1] {
            back.send_close_notify();
            flush(&mut back, net, tape, true);
            net.fin(tape, true);
        }
        if eof[1] && !eof[0] {
            front.send_close_notify();
            flush(&mut front, net, tape, false);
            net.fin(tape, false);
        }
        if eof[0] && eof[1] {
            return;
        }
        if idle {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

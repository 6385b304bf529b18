//! Execution: scenarios x peer pairs -> cases, run in parallel with an idle timeout and a hard
//! deadline each; a panic, crash or hang of one peer makes that case `error` and the run goes
//! on. Results are flushed as cases finish and written in a stable order at the end.

use std::collections::VecDeque;
use std::io::Write;
use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reports::{CaseResult, Verdict};

use crate::judge::{Delivery, judge};
use crate::model::{ClientAuth, Direction, Role};
use crate::peer::{Capture, CaseCtx, PeerRef, case_seed};
use crate::scenario::Variant;
use crate::transcript;

/// One case: a scenario variant with a client peer and a server peer.
#[derive(Clone)]
pub struct Case {
    pub id: String,
    pub variant: Variant,
    pub client: PeerRef,
    pub server: PeerRef,
}

impl Case {
    /// `variant` between `client` and `server`, with its id
    /// `scenario/client->server[/label]`.
    pub fn new(variant: &Variant, client: &PeerRef, server: &PeerRef) -> Case {
        let pair = format!("{}->{}", client.name(), server.name());
        let id = if variant.label.is_empty() {
            format!("{}/{}", variant.scenario.id, pair)
        } else {
            format!("{}/{}/{}", variant.scenario.id, pair, variant.label)
        };
        Case {
            id,
            variant: variant.clone(),
            client: client.clone(),
            server: server.clone(),
        }
    }

    /// The peer playing `role`.
    pub fn peer(&self, role: Role) -> &PeerRef {
        match role {
            Role::Client => &self.client,
            Role::Server => &self.server,
        }
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id)
    }
}

/// Expands variants x ordered peer pairs (both directions and each peer with itself) into
/// cases, in a stable order: variant order first, then pairings in the order the peers are
/// listed (client-major). A side with engine knobs is always `own` (not generated otherwise).
pub fn expand(variants: &[Variant], peers: &[PeerRef]) -> Vec<Case> {
    let mut cases = Vec::new();
    for v in variants {
        for c in peers {
            // Knobs are our engine's: a side with knobs is always `own`.
            if !v.setup.client_knobs.is_empty() && c.name() != "own" {
                continue;
            }
            for s in peers {
                if !v.setup.server_knobs.is_empty() && s.name() != "own" {
                    continue;
                }
                cases.push(Case::new(v, c, s));
            }
        }
    }
    cases
}

/// A deterministic slice `k/n` (1-based) of the case list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard `{s}`: expected K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Shard {
    /// The cases of this shard: every n-th case, starting at the k-th.
    pub fn select(&self, cases: Vec<Case>) -> Vec<Case> {
        cases
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % self.n == self.k - 1)
            .map(|(_, c)| c)
            .collect()
    }
}

/// How cases are run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Cases in flight at once.
    pub jobs: usize,
    /// Longest wait for one read or write.
    pub idle_timeout: Duration,
    /// Longest time one case may take, all connections included.
    pub deadline: Duration,
    /// After the deadline, how long to wait for the peers to notice the cut connections.
    pub grace: Duration,
    /// File that receives each result as one JSON line the moment its case finishes.
    pub partial: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()) * 2,
            idle_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(15),
            grace: Duration::from_secs(1),
            partial: None,
        }
    }
}

/// Progress notifications, one per finished case.
pub trait Progress: Send {
    fn finished(&mut self, done: usize, total: usize, result: &CaseResult);
}

impl<F: FnMut(usize, usize, &CaseResult) + Send> Progress for F {
    fn finished(&mut self, done: usize, total: usize, result: &CaseResult) {
        self(done, total, result)
    }
}

/// Runs every case with run seed 0 (the default of `--seed`); see [`run_cases_seeded`].
pub fn run_cases(
    cases: Vec<Case>,
    opts: &RunOptions,
    progress: &mut dyn Progress,
) -> std::io::Result<Vec<CaseResult>> {
    run_cases_seeded(cases, opts, 0, progress)
}

/// Runs every case; returns results in case order. Each case's peers get the case seed
/// [`case_seed`]`(seed, id)`, whatever the order, parallelism or shard.
pub fn run_cases_seeded(
    cases: Vec<Case>,
    opts: &RunOptions,
    seed: u64,
    progress: &mut dyn Progress,
) -> std::io::Result<Vec<CaseResult>> {
    let total = cases.len();
    let queue: Arc<Mutex<VecDeque<(usize, Case)>>> =
        Arc::new(Mutex::new(cases.into_iter().enumerate().collect()));
    let (tx, rx) = mpsc::channel::<(usize, CaseResult)>();
    let mut partial = match &opts.partial {
        Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => None,
    };
    let workers: Vec<_> = (0..opts.jobs.max(1).min(total.max(1)))
        .map(|_| {
            let queue = queue.clone();
            let tx = tx.clone();
            let opts = opts.clone();
            std::thread::spawn(move || {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some((i, case)) = next else { break };
                    let (result, _) = run_case_seeded(&case, &opts, seed);
                    if tx.send((i, result)).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let mut results: Vec<Option<CaseResult>> = vec![None; total];
    let mut done = 0;
    for (i, result) in rx {
        done += 1;
        if let Some(w) = partial.as_mut() {
            serde_json::to_writer(&mut *w, &result)?;
            w.write_all(b"\n")?;
            w.flush()?;
        }
        progress.finished(done, total, &result);
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    }
    for w in workers {
        let _ = w.join();
    }
    Ok(results.into_iter().flatten().collect())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".into()
    }
}

/// Runs one case to its verdict, with run seed 0 (the default of `--seed`).
pub fn run_case(case: &Case, opts: &RunOptions) -> CaseResult {
    run_case_seeded(case, opts, 0).0
}

/// Runs one case to its verdict with the run seed `seed`; also returns the bytes the client's
/// connections carried (empty for a case skipped before it ran).
pub fn run_case_seeded(case: &Case, opts: &RunOptions, seed: u64) -> (CaseResult, Capture) {
    let (mut result, capture) = run_case_inner(case, opts, seed);
    result.grade();
    crate::lifecycle::judge(&mut result, &case.variant.setup);
    if case.variant.scenario.close_notify {
        crate::lifecycle::judge_close_notify(&mut result);
    }
    crate::lifecycle::judge_data_after_close(
        &mut result,
        case.variant.scenario.data_after_close_ignored,
    );
    (result, capture)
}

fn run_case_inner(case: &Case, opts: &RunOptions, seed: u64) -> (CaseResult, Capture) {
    let v = &case.variant;
    let sc = &v.scenario;
    let mut result = CaseResult {
        rfc: Some(sc.rfc.clone()),
        requirement: Some(sc.requirement.clone()),
        level: Some(sc.level),
        binds: Some(sc.binds),
        alert_from: Some(sc.alert_from),
        note: sc.note.clone(),
        expected: Some(v.expected.clone()),
        ..CaseResult::new(
            &case.id,
            &sc.id,
            &sc.family,
            (case.client.name(), case.server.name()),
            sc.under_test,
            Verdict::Skip,
        )
    };
    for (peer, role) in [(&case.client, Role::Client), (&case.server, Role::Server)] {
        if let Err(u) = peer.supports(role, &v.setup) {
            result.reason = Some(format!("{} as {role}: {}", peer.name(), u.0));
            return (result, Capture::default());
        }
    }
    let started = Instant::now();
    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            result.verdict = Verdict::Error;
            result.reason = Some(format!("cannot listen on 127.0.0.1:0: {e}"));
            return (result, Capture::default());
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            result.verdict = Verdict::Error;
            result.reason = Some(format!("listener address: {e}"));
            return (result, Capture::default());
        }
    };
    // Target mode: the server already runs elsewhere; the runner's listener goes unused.
    let addr = case.server.target().unwrap_or(addr);
    let mut ctx =
        CaseCtx::new(opts.idle_timeout, started + opts.deadline).seeded(case_seed(seed, &case.id));
    if case.client.target().is_some() || case.server.target().is_some() {
        // A target's certificates are real ones: the clients check them against the real clock.
        ctx = ctx.with_real_clock();
    }
    let ctx = Arc::new(ctx);
    let setup = Arc::new(v.setup.clone());
    // A man in the middle: the client connects to the proxy, the proxy to the server.
    let proxy = match &v.setup.mitm {
        Some(spec) => match crate::mitm::start(spec, addr, setup.clone(), ctx.clone()) {
            Ok(p) => Some(p),
            Err(e) => {
                result.verdict = Verdict::Error;
                result.reason = Some(format!("cannot start the MITM proxy: {e}"));
                return (result, Capture::default());
            }
        },
        None => None,
    };
    let client_addr = proxy.as_ref().map_or(addr, |p| p.addr);
    let (tx, rx) = mpsc::channel::<(Role, Delivery)>();
    // Each side on its own thread; a panic is that side's delivery.
    let spawn = |role: Role, side: Box<dyn FnOnce() -> Vec<crate::model::Outcome> + Send>| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let d = match std::panic::catch_unwind(AssertUnwindSafe(side)) {
                Ok(o) => Delivery::Outcomes(o),
                Err(p) => Delivery::Panicked(panic_message(p.as_ref())),
            };
            let _ = tx.send((role, d));
        });
    };
    let (peer, c, s) = (case.server.clone(), ctx.clone(), setup.clone());
    spawn(
        Role::Server,
        Box::new(move || peer.run_server(&s, listener, &c)),
    );
    let (peer, c, s) = (case.client.clone(), ctx.clone(), setup.clone());
    spawn(
        Role::Client,
        Box::new(move || peer.run_client(&s, client_addr, &c)),
    );
    drop(tx);
    let mut client = None;
    let mut server = None;
    let mut cut = false;
    while client.is_none() || server.is_none() {
        let now = Instant::now();
        let limit = if cut {
            ctx.deadline + opts.grace
        } else {
            ctx.deadline
        };
        let wait = limit.saturating_duration_since(now);
        match rx.recv_timeout(wait) {
            Ok((Role::Client, d)) => {
                ctx.close(Role::Client);
                client = Some(d);
            }
            Ok((Role::Server, d)) => {
                ctx.close(Role::Server);
                server = Some(d);
            }
            Err(mpsc::RecvTimeoutError::Timeout) if !cut => {
                // Deadline: cut every connection so blocked peers return, then wait a little.
                ctx.cancel();
                cut = true;
            }
            Err(_) => break,
        }
        // One side finished with a failure: the other may wait on a connection that will
        // never progress; give it the idle timeout, which it already has.
    }
    let client = client.unwrap_or(Delivery::Hung);
    let mut server = server.unwrap_or(Delivery::Hung);
    // A server that is not observed (a target) gives its view from the client's. (A server
    // that does not echo: the judge takes any answer the client read.)
    if let Delivery::Outcomes(c) = &client
        && matches!(server, Delivery::Outcomes(_))
        && !case.server.observed()
    {
        server = Delivery::Outcomes(crate::peer::mirror(c));
    }
    result.duration_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    let capture = ctx.capture();
    let decoded = transcript::decode_with_keys(&capture, &ctx.key_log().text());
    result.transcript = decoded.lines.clone();
    let report = proxy.map(crate::mitm::ProxyHandle::finish);
    judge(
        &mut result,
        case,
        client,
        server,
        cut,
        &decoded,
        report.as_ref(),
        opts,
    );
    if let Some(r) = &report {
        let out_dir = opts.partial.as_deref().and_then(Path::parent);
        crate::mitm::fold(&mut result, r, &ctx.key_log().text(), out_dir);
    }
    crate::lifecycle::record(
        &mut result,
        &ctx.after_alerts(),
        decoded.connections.last().map(Vec::as_slice),
        case.variant.setup.mitm.is_some(),
        case.variant
            .setup
            .mitm
            .as_ref()
            .is_some_and(|m| m.action.terminates()),
    );
    result.unseeded = unseeded_sources(case, &result, &capture);
    result.replayable = Some(result.unseeded.is_empty());
    (result, capture)
}

/// What in a case's bytes on the wire the seed does not drive: a peer that cannot be seeded,
/// a MITM proxy that terminates TLS (its rustls is not seeded), and what aws-lc draws from
/// its own RNG in seeded peers: ML-KEM key generation and encapsulation, ECDSA nonces and
/// RSA-PSS salts. Ed25519 and RSA PKCS#1 v1.5 signatures are deterministic. Errs on the
/// side of listing: a signature is assumed whenever the side presents a certificate.
fn unseeded_sources(case: &Case, result: &CaseResult, capture: &Capture) -> Vec<String> {
    let setup = &case.variant.setup;
    let mut out = Vec::new();
    let mut seeded = [true, true];
    let sides = [(&case.client, Role::Client), (&case.server, Role::Server)];
    for (i, (peer, role)) in sides.into_iter().enumerate() {
        if let Some(why) = peer.unseeded() {
            out.push(format!("{} ({role}): {why}", peer.name()));
            if let Some(s) = seeded.get_mut(i) {
                *s = false;
            }
        }
    }
    if setup.mitm.as_ref().is_some_and(|m| m.action.terminates()) {
        out.push("the MITM proxy terminates TLS with its own rustls, which is not seeded".into());
    }
    if seeded.iter().any(|s| *s)
        && offers_group(capture, tls_wire::NamedGroup::X25519MlKem768.into())
    {
        out.push(
            "X25519MLKEM768: aws-lc draws ML-KEM keys and encapsulations from its own RNG".into(),
        );
    }
    let Ok(materials) = setup.materials() else {
        return out;
    };
    let signers = [
        (
            seeded[1],
            Role::Server,
            &materials.server,
            result.observed.as_ref(),
        ),
        (
            seeded[0] && setup.client_auth != ClientAuth::None,
            Role::Client,
            &materials.client,
            result.server_observed.as_ref(),
        ),
    ];
    for (applies, role, identity, seen_by_peer) in signers {
        if !applies {
            continue;
        }
        let scheme = seen_by_peer.and_then(|o| o.sigalg.as_deref()).unwrap_or("");
        match identity.key_type {
            certs::KeyType::EcdsaP256 | certs::KeyType::EcdsaP384 => {
                out.push(format!(
                    "ECDSA signatures of the {role}: aws-lc draws the nonce from its own RNG"
                ));
            }
            certs::KeyType::Rsa2048 if !scheme.starts_with("rsa_pkcs1_") => {
                out.push(format!(
                    "RSA-PSS signatures of the {role}: aws-lc draws the salt from its own RNG"
                ));
            }
            certs::KeyType::Rsa2048 | certs::KeyType::Ed25519 => {}
        }
    }
    out
}

/// Whether a ClientHello of the case (the first, or the second after a HelloRetryRequest)
/// carries a key share for `group`. Reads the client's plaintext handshake records up to its
/// first other handshake message or protected record.
fn offers_group(capture: &Capture, group: u16) -> bool {
    use tls_wire::{
        ContentType, DecodeCtx, Deframer, HandshakeJoiner, HandshakeMessage, HandshakePayload,
    };
    for conn in &capture.connections {
        let mut deframer = Deframer::with_max_payload(usize::from(u16::MAX));
        for (_, bytes) in conn.iter().filter(|(d, _)| *d == Direction::Sent) {
            deframer.push(bytes);
        }
        let mut joiner = HandshakeJoiner::with_max_message(1 << 24);
        'records: while let Ok(Some(record)) = deframer.next_record() {
            if record.content_type == ContentType::ChangeCipherSpec {
                continue;
            }
            if record.content_type != ContentType::Handshake {
                break;
            }
            joiner.push(&record.payload);
            while let Ok(Some(msg)) = joiner.next_message() {
                let Ok(m) = HandshakeMessage::decode_with(&msg, &DecodeCtx { tls13: false }) else {
                    break 'records;
                };
                let HandshakePayload::ClientHello(ch) = &m.payload else {
                    break 'records;
                };
                if ch
                    .key_shares()
                    .unwrap_or_default()
                    .iter()
                    .any(|k| k.group.get() == group)
                {
                    return true;
                }
            }
        }
    }
    false
}

/// Compares a repeated run with the first one (same cases, same order): a case whose verdict
/// differs is a flake, reported as `error` with both verdicts, whatever they were.
pub fn mark_flakes(first: &mut [CaseResult], again: &[CaseResult], round: u32) {
    for (a, b) in first.iter_mut().zip(again) {
        if a.id != b.id
            || a.verdict == b.verdict
            || a.reason.as_deref().is_some_and(|r| r.starts_with("flaky:"))
        {
            continue;
        }
        let reason = format!(
            "flaky: {} in the first run, {} in run {round} ({}; then: {})",
            a.verdict,
            b.verdict,
            a.reason.as_deref().unwrap_or("no reason"),
            b.reason.as_deref().unwrap_or("no reason")
        );
        a.verdict = Verdict::Error;
        a.reason = Some(reason);
    }
}

/// Writes the run's results into `dir/results.json`.
pub fn write_results(dir: &Path, results: &reports::Results) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("results.json");
    results.write(&path).map_err(|e| e.to_string())?;
    Ok(path)
}

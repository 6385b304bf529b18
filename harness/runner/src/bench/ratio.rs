//! The ratio mode (`cargo xtask bench [--quick] [--check [BASELINE]] [--save [BASELINE]]`).
//!
//! For every kind of [`Spec::ratio_set`], every pairing and the crypto floor are timed back
//! to back inside each sample (in an order drawn afresh for each sample, see `sample_order`); a pairing's ratio
//! is the median over samples of its time over rustls<->rustls's (or the floor's) time in
//! the same sample, which cancels most of this shared machine's drift. Then the
//! instruction counts of the same in-memory handshakes under callgrind (see [`valgrind`]).
//!
//! Writes `reports/out/bench.json` (the reports crate's format, rows extended), appends one
//! line per run to `reports/out/bench-history.jsonl`, prints the table; `--check` fails
//! (exit 1) when a pairing's instruction count grew by more than 2% over the baseline,
//! `--save` writes the counts measured into the baseline (`reports/baselines/instructions.json`
//! by default).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use certs::Materials;
use serde::{Deserialize, Serialize};

use super::valgrind;
use super::{Impl, Pairing, Spec, Transport, pairings_of};

/// Makes the floor of a kind: one call does the public-key operations a handshake of that
/// kind cannot avoid, measured directly through aws-lc-rs.
pub type FloorFactory = fn(&Spec, &Materials) -> Result<Box<dyn FnMut()>, String>;

/// Relative instruction-count growth that fails `--check`.
pub const TOLERANCE: f64 = 0.02;

/// The default baseline, relative to the workspace root.
pub const DEFAULT_BASELINE: &str = "reports/baselines/instructions.json";

/// Options of the ratio mode.
#[derive(Debug, Clone)]
pub struct Options {
    /// Short run: three kinds, fewer samples.
    pub quick: bool,
    /// Kinds (default: [`Spec::ratio_set`]).
    pub kinds: Vec<Spec>,
    /// Samples per kind.
    pub samples: usize,
    /// Handshakes per pairing per sample.
    pub per_sample: usize,
    /// Handshakes counted per pairing under callgrind (10, quick or not: keep it equal to
    /// the baseline's).
    pub callgrind_iters: usize,
    /// Measure instruction counts (needs valgrind).
    pub instructions: bool,
    /// Baseline to check against.
    pub check: Option<PathBuf>,
    /// Baseline to write.
    pub save: Option<PathBuf>,
    /// Where bench.json and bench-history.jsonl go.
    pub out_dir: PathBuf,
    /// Workspace root (relative paths are resolved against it).
    pub root: PathBuf,
    /// Internal: run as the callgrind child.
    pub child: bool,
}

const USAGE: &str = "usage: cargo xtask bench [--quick] [--check [BASELINE]] [--save [BASELINE]]
                         [--kinds K1,K2] [--samples N] [--no-instructions]
  --quick            3 kinds, short sampling (under 2 minutes)
  --check [FILE]     fail when an instruction count grew > 2% over FILE
                     (default reports/baselines/instructions.json)
  --save [FILE]      write the instruction counts measured into FILE (merged)
  --kinds            e.g. tls13_full_ecdsa_p256_x25519,tls13_resumed_ecdsa_p256_x25519
  --no-instructions  timing only";

impl Options {
    /// Parses the arguments (cargo's `--bench` is ignored).
    pub fn parse(args: &[String], root: &Path) -> Result<Options, String> {
        let mut o = Options {
            quick: false,
            kinds: Vec::new(),
            samples: 0,
            per_sample: 0,
            callgrind_iters: 0,
            instructions: true,
            check: None,
            save: None,
            out_dir: root.join("reports/out"),
            root: root.to_path_buf(),
            child: false,
        };
        let mut it = args.iter().peekable();
        let path_arg = |it: &mut std::iter::Peekable<std::slice::Iter<'_, String>>| -> PathBuf {
            match it.peek() {
                Some(p) if !p.starts_with("--") => {
                    let p = PathBuf::from(it.next().map(String::as_str).unwrap_or_default());
                    if p.is_absolute() { p } else { root.join(p) }
                }
                _ => root.join(DEFAULT_BASELINE),
            }
        };
        while let Some(a) = it.next() {
            match a.as_str() {
                "--bench" => {}
                "--quick" => o.quick = true,
                "--no-instructions" => o.instructions = false,
                "--callgrind-child" => o.child = true,
                "--check" => o.check = Some(path_arg(&mut it)),
                "--save" => o.save = Some(path_arg(&mut it)),
                "--samples" => {
                    o.samples = it
                        .next()
                        .and_then(|n| n.parse().ok())
                        .ok_or("--samples needs a number")?;
                }
                "--iters" => {
                    o.callgrind_iters = it
                        .next()
                        .and_then(|n| n.parse().ok())
                        .ok_or("--iters needs a number")?;
                }
                "--out" => {
                    o.out_dir = it
                        .next()
                        .map(|p| root.join(p))
                        .ok_or("--out needs a directory")?
                }
                "--kinds" => {
                    let list = it.next().ok_or("--kinds needs a list")?;
                    for k in list.split(',').filter(|k| !k.is_empty()) {
                        o.kinds.push(Spec::from_kind(k).ok_or_else(|| {
                            let known: Vec<String> = Spec::all().iter().map(Spec::kind).collect();
                            format!("unknown kind `{k}`; known: {}", known.join(", "))
                        })?);
                    }
                }
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            }
        }
        if o.kinds.is_empty() {
            o.kinds = Spec::ratio_set(o.quick);
        }
        if o.samples == 0 {
            o.samples = if o.quick { 41 } else { 201 };
        }
        if o.per_sample == 0 {
            o.per_sample = if o.quick { 2 } else { 3 };
        }
        if o.callgrind_iters == 0 {
            // The same in quick and full runs: a one-time cost inside the counted window
            // (seen with own->openssl) is then amortised alike in the baseline and the check.
            o.callgrind_iters = 10;
        }
        if (o.check.is_some() || o.save.is_some()) && !o.instructions {
            return Err(
                "--check and --save need instruction counts (drop --no-instructions)".into(),
            );
        }
        Ok(o)
    }
}

/// One row of bench.json: the reports crate's entry (`pairing`, `kind`, `transport`,
/// `samples`, `median_us`, `mean_us`, `ratio`) plus the ratio mode's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `client->server`.
    pub pairing: String,
    /// e.g. `tls13_full_ecdsa_p256_x25519`.
    pub kind: String,
    /// `memory`.
    pub transport: String,
    /// Samples timed.
    pub samples: u64,
    /// Median time of one handshake, both sides together.
    pub median_us: f64,
    /// Mean time of one handshake.
    pub mean_us: f64,
    /// = `ratio_to_rustls` (the field the reports crate draws).
    pub ratio: f64,
    /// Client implementation.
    pub client: String,
    /// Server implementation.
    pub server: String,
    /// Median over samples of this pairing's time / rustls<->rustls's, same sample.
    pub ratio_to_rustls: f64,
    /// Median over samples of this pairing's time / the crypto floor's, same sample.
    pub ratio_to_floor: f64,
    /// Instructions per handshake (callgrind), both sides together; null without valgrind.
    pub instructions: Option<u64>,
}

/// The floor of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloorRow {
    /// The kind.
    pub kind: String,
    /// Median time of the floor's operations.
    pub median_us: f64,
    /// Median over samples of the floor / rustls<->rustls.
    pub ratio_to_rustls: f64,
    /// Instructions of the floor's operations.
    pub instructions: Option<u64>,
}

/// bench.json as the ratio mode writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchFile {
    /// 1.
    pub schema_version: u32,
    /// `rustls->rustls`.
    pub baseline: String,
    /// Rows, for the reports crate (same as `pairings`).
    pub entries: Vec<Row>,
    /// Rows.
    pub pairings: Vec<Row>,
    /// The crypto floor of every kind.
    pub floor: Vec<FloorRow>,
    /// When, which commit, how.
    pub run: RunInfo,
}

/// Run metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunInfo {
    /// RFC 3339, UTC.
    pub started: String,
    /// `git describe --always --dirty`, when available.
    pub git: Option<String>,
    /// `--quick`.
    pub quick: bool,
    /// Built with the `bench-slow-own` feature (the gate's own test).
    pub slow_own: bool,
    /// Handshakes per pairing counted under callgrind.
    pub callgrind_iters: usize,
}

/// The committed baseline of instruction counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Baseline {
    /// How it was made.
    #[serde(default)]
    pub note: String,
    /// `kind client->server` (and `kind floor`) -> instructions per handshake.
    pub counts: BTreeMap<String, u64>,
}

/// Key of a count: `kind client->server`.
pub fn count_key(kind: &str, pairing: &str) -> String {
    format!("{kind} {pairing}")
}

/// Compares counts with a baseline: the regressions (> [`TOLERANCE`]), then notes.
pub fn check(baseline: &Baseline, counts: &BTreeMap<String, u64>) -> (Vec<String>, Vec<String>) {
    let mut bad = Vec::new();
    let mut notes = Vec::new();
    for (key, &now) in counts {
        match baseline.counts.get(key) {
            Some(&base) if base > 0 => {
                let growth = now as f64 / base as f64 - 1.0;
                let line = format!("{key}: {base} -> {now} ({:+.2}%)", growth * 100.0);
                if growth > TOLERANCE {
                    bad.push(line);
                } else if growth < -TOLERANCE {
                    notes.push(format!("{line}: faster; `--save` to lower the baseline"));
                }
            }
            _ => notes.push(format!("{key}: not in the baseline")),
        }
    }
    (bad, notes)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

struct Timed {
    pairings: Vec<Pairing>,
    floor: Box<dyn FnMut()>,
}

fn prepare(spec: &Spec, floor: FloorFactory) -> Result<Timed, String> {
    let mut pairings = Vec::new();
    for (c, s) in pairings_of(spec) {
        pairings.push(Pairing::new(c, s, *spec)?);
    }
    let m = spec.materials()?;
    Ok(Timed {
        pairings,
        floor: floor(spec, &m)?,
    })
}

/// The order in which sample `sample` runs `n` pairings: a permutation drawn from a fixed
/// generator, so that over the samples every pairing follows every other equally often. (A
/// fixed rotation would always run a pairing right after the same neighbour, whose code and
/// data it then finds in the caches or not: a bias of several percent between pairings.)
fn sample_order(sample: usize, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    // splitmix64 of the sample index, then Fisher-Yates.
    let mut x = (sample as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// Times one kind: per pairing (and the floor, last index) the per-sample times in us.
fn time_kind(t: &mut Timed, samples: usize, per: usize) -> Result<Vec<Vec<f64>>, String> {
    let n = t.pairings.len() + 1;
    let mut times = vec![Vec::with_capacity(samples); n];
    for sample in 0..samples {
        for i in sample_order(sample, n) {
            let start = Instant::now();
            if i == n - 1 {
                for _ in 0..per {
                    (t.floor)();
                }
            } else {
                for _ in 0..per {
                    t.pairings[i].handshake(Transport::Memory)?;
                }
            }
            times[i].push(start.elapsed().as_secs_f64() * 1e6 / per as f64);
        }
    }
    Ok(times)
}

/// The callgrind child: counts every pairing (and floor) of every kind.
fn child(o: &Options, floor: FloorFactory) -> Result<(), String> {
    if !valgrind::running_on_valgrind() {
        return Err("--callgrind-child runs under valgrind only".into());
    }
    for spec in &o.kinds {
        let mut t = prepare(spec, floor)?;
        let kind = spec.kind();
        for p in &mut t.pairings {
            for _ in 0..2 {
                p.handshake(Transport::Memory)?;
            }
            valgrind::zero_stats();
            for _ in 0..o.callgrind_iters {
                p.handshake(Transport::Memory)?;
            }
            valgrind::dump_stats_at(&count_key(&kind, &p.name()));
        }
        (t.floor)();
        valgrind::zero_stats();
        for _ in 0..o.callgrind_iters {
            (t.floor)();
        }
        valgrind::dump_stats_at(&count_key(&kind, "floor"));
    }
    Ok(())
}

fn instruction_counts(o: &Options) -> Result<BTreeMap<String, u64>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let kinds: Vec<String> = o.kinds.iter().map(Spec::kind).collect();
    let args = vec![
        "--callgrind-child".to_string(),
        "--kinds".to_string(),
        kinds.join(","),
        "--iters".to_string(),
        o.callgrind_iters.to_string(),
    ];
    let dir = o.root.join("target/bench-callgrind");
    let raw = valgrind::run_child(&exe, &args, &dir)?;
    let iters = o.callgrind_iters.max(1) as u64;
    Ok(raw.into_iter().map(|(k, v)| (k, v / iters)).collect())
}

fn git_describe(root: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .current_dir(root)
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn fmt_count(c: Option<u64>) -> String {
    c.map(|c| format!("{:.2} M", c as f64 / 1e6))
        .unwrap_or_else(|| "-".into())
}

/// The table printed at the end of a run.
pub fn table(file: &BenchFile) -> String {
    let mut s = String::new();
    let mut kinds: Vec<&str> = Vec::new();
    for r in &file.pairings {
        if !kinds.contains(&r.kind.as_str()) {
            kinds.push(&r.kind);
        }
    }
    for kind in kinds {
        s.push_str(&format!(
            "\n{kind}\n  {:<18} {:>10} {:>10} {:>9} {:>12}\n",
            "client->server", "median us", "x rustls", "x floor", "instructions"
        ));
        for r in file.pairings.iter().filter(|r| r.kind == kind) {
            s.push_str(&format!(
                "  {:<18} {:>10.1} {:>10.2} {:>9.2} {:>12}\n",
                r.pairing,
                r.median_us,
                r.ratio_to_rustls,
                r.ratio_to_floor,
                fmt_count(r.instructions)
            ));
        }
        if let Some(f) = file.floor.iter().find(|f| f.kind == kind) {
            s.push_str(&format!(
                "  {:<18} {:>10.1} {:>10.2} {:>9.2} {:>12}\n",
                "crypto floor",
                f.median_us,
                f.ratio_to_rustls,
                1.0,
                fmt_count(f.instructions)
            ));
        }
    }
    s
}

/// Runs the ratio mode; the exit code (0 ok, 1 regression, 2 error).
pub fn main(floor: FloorFactory) -> i32 {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match Options::parse(&args, &root) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let r = if o.child {
        child(&o, floor).map(|()| 0)
    } else {
        run(&o, floor)
    };
    r.unwrap_or_else(|e| {
        eprintln!("bench: {e}");
        2
    })
}

fn run(o: &Options, floor: FloorFactory) -> Result<i32, String> {
    let started = now_rfc3339();
    let clock = Instant::now();
    let mut rows = Vec::new();
    let mut floors = Vec::new();
    for spec in &o.kinds {
        let kind = spec.kind();
        eprintln!("bench: timing {kind} ({} samples)", o.samples);
        let mut t = prepare(spec, floor)?;
        let times = time_kind(&mut t, o.samples, o.per_sample)?;
        let base = t
            .pairings
            .iter()
            .position(|p| p.client == Impl::Rustls && p.server == Impl::Rustls)
            .ok_or("no rustls->rustls pairing")?;
        let fl = times.len() - 1;
        let ratio = |i: usize, j: usize| {
            let mut r: Vec<f64> = times[i].iter().zip(&times[j]).map(|(a, b)| a / b).collect();
            median(&mut r)
        };
        for (i, p) in t.pairings.iter().enumerate() {
            let mut v = times[i].clone();
            let to_rustls = ratio(i, base);
            rows.push(Row {
                pairing: p.name(),
                kind: kind.clone(),
                transport: Transport::Memory.name().into(),
                samples: o.samples as u64,
                median_us: median(&mut v),
                mean_us: v.iter().sum::<f64>() / v.len().max(1) as f64,
                ratio: to_rustls,
                client: p.client.name().into(),
                server: p.server.name().into(),
                ratio_to_rustls: to_rustls,
                ratio_to_floor: ratio(i, fl),
                instructions: None,
            });
        }
        let mut v = times[fl].clone();
        floors.push(FloorRow {
            kind,
            median_us: median(&mut v),
            ratio_to_rustls: ratio(fl, base),
            instructions: None,
        });
    }
    eprintln!("bench: timing took {:.1} s", clock.elapsed().as_secs_f64());

    let mut counts = BTreeMap::new();
    if o.instructions {
        if valgrind::available() {
            let c = Instant::now();
            eprintln!(
                "bench: counting instructions under callgrind ({} handshakes per pairing)",
                o.callgrind_iters
            );
            counts = instruction_counts(o)?;
            eprintln!("bench: callgrind took {:.1} s", c.elapsed().as_secs_f64());
            for r in &mut rows {
                r.instructions = counts.get(&count_key(&r.kind, &r.pairing)).copied();
            }
            for f in &mut floors {
                f.instructions = counts.get(&count_key(&f.kind, "floor")).copied();
            }
        } else if o.check.is_some() || o.save.is_some() {
            return Err("valgrind is not installed: no instruction counts to check or save".into());
        } else {
            eprintln!("bench: valgrind not found, no instruction counts");
        }
    }

    let file = BenchFile {
        schema_version: 1,
        baseline: "rustls->rustls".into(),
        entries: rows.clone(),
        pairings: rows,
        floor: floors,
        run: RunInfo {
            started,
            git: git_describe(&o.root),
            quick: o.quick,
            slow_own: cfg!(feature = "bench-slow-own"),
            callgrind_iters: o.callgrind_iters,
        },
    };
    print!("{}", table(&file));
    write_outputs(o, &file)?;

    let mut code = 0;
    if let Some(path) = &o.check {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let (bad, notes) = check(&baseline, &counts);
        for n in &notes {
            println!("note: {n}");
        }
        if bad.is_empty() {
            println!(
                "check: {} instruction counts within {:.0}% of {}",
                counts.len(),
                TOLERANCE * 100.0,
                path.display()
            );
        } else {
            println!(
                "check FAILED: instruction counts grew by more than {:.0}% ({}):",
                TOLERANCE * 100.0,
                path.display()
            );
            for b in &bad {
                println!("  {b}");
            }
            code = 1;
        }
    }
    if let Some(path) = &o.save {
        let mut baseline: Baseline = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        baseline.note = format!(
            "Instructions per in-memory handshake (callgrind Ir, both sides), `cargo xtask bench --save`; \
             machine-specific (CPU features). Last saved {} at {}.",
            file.run.started,
            file.run.git.clone().unwrap_or_default()
        );
        baseline.counts.extend(counts);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        let text = serde_json::to_string_pretty(&baseline).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        println!(
            "saved {} counts to {}",
            baseline.counts.len(),
            path.display()
        );
    }
    Ok(code)
}

fn write_outputs(o: &Options, file: &BenchFile) -> Result<(), String> {
    std::fs::create_dir_all(&o.out_dir).map_err(|e| format!("{}: {e}", o.out_dir.display()))?;
    let path = o.out_dir.join("bench.json");
    let text = serde_json::to_string_pretty(file).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    let hist = o.out_dir.join("bench-history.jsonl");
    let line = serde_json::json!({
        "run": file.run,
        "pairings": file.pairings.iter().map(|r| serde_json::json!({
            "client": r.client, "server": r.server, "kind": r.kind, "median_us": r.median_us,
            "ratio_to_rustls": r.ratio_to_rustls, "ratio_to_floor": r.ratio_to_floor,
            "instructions": r.instructions,
        })).collect::<Vec<_>>(),
        "floor": file.floor,
    });
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&hist)
        .map_err(|e| format!("{}: {e}", hist.display()))?;
    writeln!(f, "{line}").map_err(|e| format!("{}: {e}", hist.display()))?;
    println!(
        "\nwrote {} and appended to {}",
        path.display(),
        hist.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pairing_follows_every_other() {
        let n = 10;
        let mut follows = vec![vec![0u32; n]; n];
        for sample in 0..2000 {
            let order = sample_order(sample, n);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "a permutation");
            for w in order.windows(2) {
                follows[w[1]][w[0]] += 1;
            }
        }
        // 2000 samples x 9 neighbours / 90 ordered pairs = 200 each on average.
        for (b, row) in follows.iter().enumerate() {
            for (a, &count) in row.iter().enumerate() {
                if a != b {
                    assert!((120..=280).contains(&count), "{b} after {a}: {count} times");
                }
            }
        }
    }

    #[test]
    fn the_gate_fails_above_two_percent_only() {
        let base = Baseline {
            note: String::new(),
            counts: [
                ("k own->own".to_string(), 1_000_000),
                ("k rustls->rustls".to_string(), 1_000_000),
            ]
            .into(),
        };
        let now: BTreeMap<String, u64> = [
            ("k own->own".to_string(), 1_021_000),
            ("k rustls->rustls".to_string(), 1_019_000),
        ]
        .into();
        let (bad, _) = check(&base, &now);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].starts_with("k own->own"), "{bad:?}");
        let (bad, notes) = check(&base, &[("new own->own".to_string(), 5)].into());
        assert!(bad.is_empty());
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn bench_json_is_what_the_reports_crate_reads() {
        let row = Row {
            pairing: "own->rustls".into(),
            kind: Spec::HEADLINE.kind(),
            transport: "memory".into(),
            samples: 3,
            median_us: 500.0,
            mean_us: 510.0,
            ratio: 1.1,
            client: "own".into(),
            server: "rustls".into(),
            ratio_to_rustls: 1.1,
            ratio_to_floor: 1.5,
            instructions: Some(4_000_000),
        };
        let file = BenchFile {
            schema_version: 1,
            baseline: "rustls->rustls".into(),
            entries: vec![row.clone()],
            pairings: vec![row],
            floor: vec![FloorRow {
                kind: Spec::HEADLINE.kind(),
                median_us: 300.0,
                ratio_to_rustls: 0.7,
                instructions: None,
            }],
            run: RunInfo {
                started: now_rfc3339(),
                git: None,
                quick: true,
                slow_own: false,
                callgrind_iters: 3,
            },
        };
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("bench.json"),
            serde_json::to_string(&file).expect("json"),
        )
        .expect("write");
        let read = reports::BenchResults::read_in(dir.path())
            .expect("reads")
            .expect("present");
        assert_eq!(read.entries.len(), 1);
        assert_eq!(read.entries[0].ratio, Some(1.1));
        let schema: serde_json::Value =
            serde_json::from_str(reports::BENCH_SCHEMA).expect("schema");
        let v = serde_json::to_value(&file).expect("value");
        let validator = jsonschema::validator_for(&schema).expect("compiles");
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(table(&file).contains("own->rustls"));
    }
}

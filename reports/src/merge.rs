//! Joining the `results.json` of several shards (or re-runs) of one run.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::ReportError;
use crate::results::{CaseResult, Results, RunInfo, SCHEMA_VERSION};

/// A path given to merge: a `results.json`, or a directory holding one.
fn results_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("results.json")
    } else {
        p.to_path_buf()
    }
}

fn parse_shard(s: &str) -> Option<(usize, usize)> {
    let (k, n) = s.split_once('/')?;
    Some((k.trim().parse().ok()?, n.trim().parse().ok()?))
}

/// Reads and joins shard results.
///
/// All inputs must come from the same commit (`git`) and `seed` and have the same
/// `schema_version`; peer versions must agree. The merged file is written at the version
/// this crate writes ([`SCHEMA_VERSION`]): a version 1 file is a valid version 2 file (every
/// field version 2 adds is optional, its verdicts are a subset), so the cases of version 1
/// shards keep the version 2 fields absent, and are gated as results without levels.
/// Cases are de-duplicated by id: an identical verdict keeps the first copy, a different
/// verdict is an error. When the inputs are exactly the shards `1/N..N/N` of one split
/// (`--shard`), the cases are put back in the order of the unsplit run; otherwise they keep
/// the order of the inputs, then of each file.
pub fn merge(paths: &[PathBuf]) -> Result<Results, ReportError> {
    let Some(first) = paths.first() else {
        return Err(ReportError::Merge {
            path: PathBuf::from("."),
            message: "no results files given".into(),
        });
    };
    let mut loaded = Vec::with_capacity(paths.len());
    for p in paths {
        let path = results_path(p);
        let r = Results::read(&path)?;
        loaded.push((path, r));
    }
    let base_path = results_path(first);
    let base = &loaded[0].1.run;
    let mut peers: BTreeMap<String, String> = BTreeMap::new();
    let mut started = base.started.clone();
    let mut duration: Option<f64> = None;
    for (path, r) in &loaded {
        let err = |message: String| ReportError::Merge {
            path: path.clone(),
            message,
        };
        // What every shard of one run shares, with what the message adds.
        let same = [
            (
                "schema_version",
                r.schema_version.to_string(),
                loaded[0].1.schema_version.to_string(),
                ": shards of one run come from one harness",
            ),
            ("git", r.run.git.clone(), base.git.clone(), ""),
            ("seed", r.run.seed.to_string(), base.seed.to_string(), ""),
        ];
        for (what, here, first, why) in same {
            if here != first {
                return Err(err(format!(
                    "{what} {here} differs from {first} in {}{why}",
                    base_path.display()
                )));
            }
        }
        for (name, version) in &r.run.peers {
            match peers.get(name) {
                Some(v) if v != version => {
                    return Err(err(format!(
                        "peer {name} is `{version}` here, `{v}` in an earlier file"
                    )));
                }
                _ => {
                    peers.insert(name.clone(), version.clone());
                }
            }
        }
        if r.run.started < started {
            started = r.run.started.clone();
        }
        if let Some(d) = r.run.duration_ms {
            duration = Some(duration.map_or(d, |m: f64| m.max(d)));
        }
    }

    // Order: the unsplit run's, when the inputs are the complete set of shards
    // (`--shard K/N` takes every N-th case, so case j of the whole is case j / N of shard
    // j % N); otherwise the inputs' order.
    let sequence: Vec<(usize, usize)> = match shards_of(&loaded) {
        Some(s) if is_complete_split(&s) => {
            let mut order: Vec<usize> = (0..s.len()).collect();
            order.sort_by_key(|&i| s.get(i).map_or(0, |x| x.0));
            let longest = loaded.iter().map(|(_, r)| r.cases.len()).max().unwrap_or(0);
            let mut seq = Vec::new();
            for row in 0..longest {
                for &file in &order {
                    if row < loaded[file].1.cases.len() {
                        seq.push((file, row));
                    }
                }
            }
            seq
        }
        _ => (0..loaded.len())
            .flat_map(|f| (0..loaded[f].1.cases.len()).map(move |c| (f, c)))
            .collect(),
    };

    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let mut cases: Vec<CaseResult> = Vec::with_capacity(sequence.len());
    for (file, idx) in sequence {
        let Some(case) = loaded.get(file).and_then(|(_, r)| r.cases.get(idx)) else {
            continue;
        };
        if let Some(&(pf, pi)) = seen.get(&case.id) {
            let prev = &loaded[pf].1.cases[pi];
            if prev.verdict != case.verdict {
                return Err(ReportError::Merge {
                    path: loaded[file].0.clone(),
                    message: format!(
                        "case {} is {} here but {} in {}",
                        case.id,
                        case.verdict,
                        prev.verdict,
                        loaded[pf].0.display()
                    ),
                });
            }
            continue;
        }
        seen.insert(case.id.clone(), (file, idx));
        cases.push(case.clone());
    }
    Ok(Results {
        schema_version: SCHEMA_VERSION,
        run: RunInfo {
            started,
            git: base.git.clone(),
            seed: base.seed,
            peers,
            shard: None,
            duration_ms: duration,
        },
        cases,
    })
}

fn shards_of(loaded: &[(PathBuf, Results)]) -> Option<Vec<(usize, usize)>> {
    loaded
        .iter()
        .map(|(_, r)| r.run.shard.as_deref().and_then(parse_shard))
        .collect()
}

/// `1/N, 2/N, ..., N/N`, each once, in any order.
fn is_complete_split(s: &[(usize, usize)]) -> bool {
    let n = s.len();
    if n < 2 || s.iter().any(|&(_, m)| m != n) {
        return false;
    }
    let mut ks: Vec<usize> = s.iter().map(|&(k, _)| k).collect();
    ks.sort_unstable();
    ks.iter().copied().eq(1..=n)
}

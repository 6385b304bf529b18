//! Instruction counts with callgrind.
//!
//! The ratio binary re-runs itself under `valgrind --tool=callgrind` with `--callgrind-child`;
//! the child runs, for every pairing, a few warm-up handshakes, then zeroes callgrind's
//! counters (`CALLGRIND_ZERO_STATS`), runs `iters` handshakes and dumps the counters under
//! the pairing's name (`CALLGRIND_DUMP_STATS_AT`). The parent reads the dumps: the
//! instructions (Ir) between zero and dump, divided by `iters`. Configuration building and
//! certificate generation are outside every measured window.
//!
//! The client requests are the "special instruction" sequence of valgrind.h (amd64): four
//! rotations of rdi by 128 bits in total and `xchg rbx, rbx`, no-ops when not under valgrind.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const CT_BASE: u64 = ((b'C' as u64) << 24) | ((b'T' as u64) << 16);
const CALLGRIND_DUMP_STATS_AT: u64 = CT_BASE + 3;
const CALLGRIND_ZERO_STATS: u64 = CT_BASE + 1;
const RUNNING_ON_VALGRIND: u64 = 0x1001;

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[inline(never)]
fn request(default: u64, req: u64, arg1: u64) -> u64 {
    let args: [u64; 6] = [req, arg1, 0, 0, 0, 0];
    let mut result = default;
    // SAFETY: the instruction sequence changes no register natively (rdi rotates by 2 x 64
    // bits, rbx is exchanged with itself); under valgrind it reads `args` and sets rdx.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") result,
            in("rax") args.as_ptr(),
            out("rdi") _,
            options(nostack),
        );
    }
    result
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn request(default: u64, _req: u64, _arg1: u64) -> u64 {
    default
}

/// Whether this process runs under valgrind.
pub fn running_on_valgrind() -> bool {
    request(0, RUNNING_ON_VALGRIND, 0) != 0
}

/// Zeroes callgrind's counters (no-op outside callgrind).
pub fn zero_stats() {
    request(0, CALLGRIND_ZERO_STATS, 0);
}

/// Dumps callgrind's counters with `name` as the trigger (no-op outside callgrind).
pub fn dump_stats_at(name: &str) {
    let mut c = name.as_bytes().to_vec();
    c.push(0);
    request(0, CALLGRIND_DUMP_STATS_AT, c.as_ptr() as u64);
}

/// Whether `valgrind` can be run.
pub fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `exe args` under callgrind, writing dumps into `dir`, and returns, per dump name,
/// the instructions counted (Ir, summed over the dump).
pub fn run_child(exe: &Path, args: &[String], dir: &Path) -> Result<BTreeMap<String, u64>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        let _ = std::fs::remove_file(entry.path());
    }
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!(
            "--callgrind-out-file={}",
            dir.join("cg.out").display()
        ))
        .args([
            "--dump-instr=no",
            "--compress-strings=no",
            "--compress-pos=no",
            "--quiet",
        ])
        .arg(exe)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "callgrind child failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut counts = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        let text = std::fs::read_to_string(entry.path()).map_err(|e| e.to_string())?;
        if let Some((name, ir)) = parse_dump(&text) {
            counts.insert(name, ir);
        }
    }
    Ok(counts)
}

/// The trigger name and total Ir of one callgrind dump made by [`dump_stats_at`].
pub fn parse_dump(text: &str) -> Option<(String, u64)> {
    let mut name = None;
    let mut total = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("desc: Trigger: Client Request: ") {
            name = Some(rest.trim().to_string());
        } else if let Some(rest) = line
            .strip_prefix("totals:")
            .or_else(|| line.strip_prefix("summary:"))
        {
            total = rest
                .split_whitespace()
                .next()
                .and_then(|t| t.parse::<u64>().ok())
                .or(total);
        }
    }
    Some((name?, total?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_no_ops_natively() {
        assert!(!running_on_valgrind());
        zero_stats();
        dump_stats_at("nothing");
    }

    #[test]
    fn parses_a_dump() {
        let text = "version: 1\ncreator: callgrind-3.19.0\ncmd: x\npart: 2\ndesc: I1 cache:\n\
                    desc: Trigger: Client Request: own->rustls tls13_full_ecdsa_p256_x25519\n\
                    positions: line\nevents: Ir\nsummary: 12345678\nfl=a\nfn=b\n1 2\ntotals: 12345678\n";
        assert_eq!(
            parse_dump(text),
            Some((
                "own->rustls tls13_full_ecdsa_p256_x25519".to_string(),
                12_345_678
            ))
        );
        assert_eq!(
            parse_dump("desc: Trigger: Program termination\ntotals: 5\n"),
            None
        );
    }
}

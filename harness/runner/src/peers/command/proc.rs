//! External processes: each in its own process group, its output collected, the whole group
//! killed when the handle drops (case end, deadline, panic) and, should the harness itself
//! die, by the kernel (`PR_SET_PDEATHSIG`).

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Process groups alive right now (for tests and for [`kill_all`]).
static LIVE: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// The process group ids of the tools running now.
pub fn live_groups() -> Vec<i32> {
    LIVE.lock().map(|l| l.clone()).unwrap_or_default()
}

/// Kills every tool still running.
pub fn kill_all() {
    for g in live_groups() {
        killpg(g);
    }
}

fn killpg(pgid: i32) {
    if pgid > 1 {
        // SAFETY: plain system call; a group that is gone makes it fail with ESRCH.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    }
}

/// A running tool.
#[derive(Debug)]
pub struct Proc {
    child: Child,
    pgid: i32,
    stdin: Option<ChildStdin>,
    output: Arc<Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    status: Option<ExitStatus>,
    /// Killed by the runner (deadline or end of the case), not exited by itself.
    pub killed: bool,
}

/// Starts `argv` in `dir`, in a new process group, with piped stdin, stdout and stderr.
pub fn spawn(argv: &[String], dir: &Path) -> Result<Proc, String> {
    let (prog, args) = argv.split_first().ok_or("empty command")?;
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start `{prog}`: {e}"))?;
    let pgid = i32::try_from(child.id()).unwrap_or(0);
    if let Ok(mut l) = LIVE.lock() {
        l.push(pgid);
    }
    let output = Arc::new(Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    let outs: Vec<Box<dyn Read + Send>> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .collect();
    for mut r in outs {
        let out = output.clone();
        readers.push(std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match r.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if let Ok(mut o) = out.lock() {
                            // Keep at most 4 MiB: a tool in a loop must not eat the memory.
                            if o.len() < 4 << 20 {
                                o.extend_from_slice(buf.get(..n).unwrap_or_default());
                            }
                        }
                    }
                }
            }
        }));
    }
    Ok(Proc {
        stdin: child.stdin.take(),
        child,
        pgid,
        output,
        readers,
        status: None,
        killed: false,
    })
}

impl Proc {
    /// Everything the tool printed so far (stdout and stderr, as they arrived).
    pub fn output(&self) -> String {
        self.output
            .lock()
            .map(|o| String::from_utf8_lossy(&o).into_owned())
            .unwrap_or_default()
    }

    /// Whether the output holds these bytes.
    pub fn output_contains(&self, needle: &[u8]) -> bool {
        !needle.is_empty()
            && self
                .output
                .lock()
                .is_ok_and(|o| o.windows(needle.len()).any(|w| w == needle))
    }

    pub fn write_stdin(&mut self, bytes: &[u8]) {
        if let Some(s) = self.stdin.as_mut() {
            let _ = s.write_all(bytes);
            let _ = s.flush();
        }
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The exit status, if the tool has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Waits up to `limit` for the tool to exit by itself.
    pub fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if let Some(s) = self.exited() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.exited()
    }

    /// Kills the whole process group, reaps the tool and collects the rest of its output.
    pub fn kill(&mut self) {
        if self.exited().is_none() {
            self.killed = true;
        }
        killpg(self.pgid);
        self.stdin = None;
        if self.status.is_none() {
            self.status = self.child.wait().ok();
        }
        // The group may hold other processes that keep the pipes open: they are killed too,
        // so the readers end.
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        if let Ok(mut l) = LIVE.lock() {
            l.retain(|g| *g != self.pgid);
        }
    }

    /// Whether the tool crashed: it died of a signal it did not get from the runner, or its
    /// output shows a crash (a Python traceback, a Rust or Go panic, a Java exception that
    /// ended a thread, a sanitizer report); what shows it.
    /// `text` is the part of the output that belongs to the connection being judged.
    pub fn crash(&self, text: &str) -> Option<String> {
        use std::os::unix::process::ExitStatusExt;
        if !self.killed
            && let Some(sig) = self.status.and_then(|s| s.signal())
        {
            return Some(format!(
                "died of signal {sig} ({}); output ends: {}",
                signal_name(sig),
                tail(text, 200)
            ));
        }
        crash_in_output(text)
    }

    /// A short description of how it ended.
    pub fn status_text(&self) -> String {
        match self.status {
            _ if self.killed => "killed by the runner".into(),
            Some(s) => s.to_string(),
            None => "running".into(),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}

/// Lines that only a crashing program prints.
const CRASH_MARKERS: &[&str] = &[
    "Traceback (most recent call last):",
    "panicked at",
    "goroutine 1 [running]",
    "Exception in thread \"",
    "Segmentation fault",
    "core dumped",
    "AddressSanitizer",
    "UndefinedBehaviorSanitizer",
];

/// The crash a tool's output shows, if any: the marker's line and the last lines.
pub fn crash_in_output(text: &str) -> Option<String> {
    let line = text
        .lines()
        .find(|l| CRASH_MARKERS.iter().any(|m| l.contains(m)))?;
    Some(format!("{}; output ends: {}", line.trim(), tail(text, 200)))
}

/// Runs a setup command to completion (bounded by `limit`); its output on failure.
pub fn run_to_end(argv: &[String], dir: &Path, limit: Duration) -> Result<(), String> {
    let mut p = spawn(argv, dir)?;
    p.close_stdin();
    let status = p.wait_for(limit);
    p.kill();
    match status {
        Some(s) if s.success() => Ok(()),
        Some(s) => Err(format!(
            "`{}` failed ({s}): {}",
            argv.join(" "),
            tail(&p.output(), 400)
        )),
        None => Err(format!(
            "`{}` did not finish within {limit:?}",
            argv.join(" ")
        )),
    }
}

/// The end of a tool's output for a message, about `n` characters: its last whole lines (the
/// last one cut at its start if it alone is longer), and, when an earlier line reads like the
/// error (an exception, `error`, `fatal`, `panic`), that line first, then ` … `: a
/// traceback's exception line is not lost to the frames below it, nor the error to the
/// shutdown noise after it.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 0usize;
    for l in lines.iter().rev() {
        if !kept.is_empty() && used + l.len() + 1 > n {
            break;
        }
        used += l.len() + 1;
        kept.push(l);
    }
    kept.reverse();
    let mut out = kept.join("\n");
    if out.len() > n {
        let start = out.len() - n;
        let start = (start..=out.len())
            .find(|i| out.is_char_boundary(*i))
            .unwrap_or(out.len());
        out = out.split_off(start);
    }
    let looks_like_error = |l: &str| {
        let low = l.to_ascii_lowercase();
        ["error", "exception", "fatal", "panic", "failed"]
            .iter()
            .any(|w| low.contains(w))
    };
    let shown = lines.len() - kept.len();
    if let Some(e) = lines
        .get(..shown)
        .and_then(|early| early.iter().rev().find(|l| looks_like_error(l)))
        && !kept.iter().any(|l| looks_like_error(l))
    {
        let e = e.get(..e.len().min(n.max(300))).unwrap_or(e);
        out = format!("{e} … {out}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn the_tail_keeps_whole_lines_and_the_error_line() {
        // A traceback: the exception line is the last, whole.
        let tb = "Traceback (most recent call last):\n  File \"shim.py\", line 10, in <module>\n    load(cert)\n  File \"shim.py\", line 3, in load\n    raise ValueError('bad key')\nValueError: bad key\n";
        assert_eq!(tail(tb, 30), "ValueError: bad key");
        // The error before shutdown noise is kept, first.
        let noisy = "starting\nerror: cannot load /case/server.key.pem\nshutting down\nbye\n";
        assert_eq!(
            tail(noisy, 20),
            "error: cannot load /case/server.key.pem … shutting down\nbye"
        );
        // Short output: all of it.
        assert_eq!(tail("a\nb\n", 100), "a\nb");
        // One long line: its end.
        assert_eq!(tail(&"x".repeat(50), 10), "x".repeat(10));
    }
}

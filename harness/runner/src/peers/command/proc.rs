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

/// The last `n` characters of a text, on a char boundary.
pub fn tail(text: &str, n: usize) -> String {
    let t = text.trim_end();
    let start = t.len().saturating_sub(n);
    let start = (start..=t.len())
        .find(|i| t.is_char_boundary(*i))
        .unwrap_or(t.len());
    t.get(start..).unwrap_or_default().to_string()
}

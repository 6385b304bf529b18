//! Command peers: the shipped peer files load; templates expand; an unsupported setup is a
//! skip; tools run in their own process group and none outlives its case; GnuTLS, NSS,
//! `openssl s_client`/`s_server` and Go's crypto/tls (a shim) interoperate with our engine
//! (when installed); target mode against `harness serve` on 127.0.0.1 writes a report.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::model::{KeyType, Role, Setup};
use harness::peer::{Peer, PeerRef};
use harness::peers::command::spec::{self, Vars};
use harness::peers::command::{CommandPeer, proc};
use reports::Verdict;

/// Tests that start tools run one at a time, so "no tool left" is about their own tools.
static TOOLS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn tools_lock() -> std::sync::MutexGuard<'static, ()> {
    TOOLS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn peers_dir() -> PathBuf {
    common::scenarios_dir().join("peers")
}

fn command_peer(name: &str) -> CommandPeer {
    CommandPeer::load(&peers_dir().join(format!("{name}.toml"))).expect("peer file loads")
}

fn installed(tools: &[&str]) -> bool {
    tools.iter().all(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn tls13() -> String {
    [
        common::handshake_completes(
            "interop::tls13_cmd",
            "TLS 1.3 handshake",
            "RFC 8446 2",
            &[
                r#"setup = { versions = ["TLS1.3"], group = "x25519" }"#,
                r#"matrix.cert = ["ecdsa_p256", "rsa2048"]"#,
            ],
        ),
        common::handshake_completes(
            "interop::tls12_cmd",
            "TLS 1.2 handshake",
            "RFC 5246 7.3",
            &[
                r#"setup = { versions = ["TLS1.2"], suite = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", group = "secp256r1" }"#,
            ],
        ),
    ]
    .concat()
}

/// A peer file `name` with `text` in a fresh directory (kept while the guard lives).
fn peer_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

/// A fresh directory with an empty `peers/` in it (kept while the guard lives).
fn peers_tempdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let peers = dir.path().join("peers");
    std::fs::create_dir_all(&peers).expect("mkdir");
    (dir, peers)
}

/// Writes `text` to `path` and loads it: the error it must give.
fn load_error(path: &Path, text: &str) -> String {
    std::fs::write(path, text).expect("write");
    CommandPeer::load(path).err().unwrap_or_default()
}

/// The variables of connection 0 of a case on port 4433 in `/case`, P-256 keys both sides.
fn case_vars<'a>(
    file: &'a spec::PeerFile,
    setup: &'a harness::model::Setup,
    role: Role,
) -> Vars<'a> {
    Vars {
        file,
        setup,
        role,
        port: 4433,
        dir: PathBuf::from("/case"),
        conn: 0,
        server_key: KeyType::EcdsaP256,
        client_key: KeyType::EcdsaP256,
    }
}

#[test]
fn shipped_peer_files_load() {
    for name in ["gnutls", "nss", "openssl-cli"] {
        let p = command_peer(name);
        assert_eq!(p.name(), name);
    }
    let names = harness::peers::names(&peers_dir());
    for n in ["own", "gnutls", "nss", "openssl-cli"] {
        assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
    }
    assert!(harness::peers::parse_list("own,gnutls,nss", &peers_dir()).is_ok());
    // A directory list (as `HARNESS_PEERS_DIR` adds the user's before ours): names from
    // all, a file of the first directory winning.
    let mine = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        mine.path().join("gnutls.toml"),
        "description = \"mine\"\n[client]\ncommand = [\"x\"]\n",
    )
    .expect("write");
    std::fs::write(
        mine.path().join("mytls.toml"),
        "[client]\ncommand = [\"x\"]\n",
    )
    .expect("write");
    let both = std::env::join_paths([mine.path().to_path_buf(), peers_dir()]).expect("joins");
    let both = PathBuf::from(both);
    let names = harness::peers::names(&both);
    for n in ["mytls", "gnutls", "nss", "openssl-cli"] {
        assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
    }
    let gnutls = harness::peers::by_name("gnutls", &both).expect("found");
    assert_eq!(gnutls.version(), "mine", "the first directory's file wins");
    let err = harness::peers::parse_list("own,nosuchpeer", &peers_dir())
        .err()
        .unwrap_or_default();
    assert!(err.contains("gnutls"), "{err}");
}

#[test]
fn bad_peer_file_names_the_field() {
    let (_dir, path) = peer_file(
        "bad.toml",
        "[client]\ncommand = [\"x\"]\noptions = [{ when = \"no_such_cond\", args = [] }]\n",
    );
    let err = CommandPeer::load(&path).err().unwrap_or_default();
    assert!(
        err.contains("client.options[0].when") && err.contains("no_such_cond"),
        "{err}"
    );
    let err = load_error(
        &path,
        "[spell.group]\nx448 = \"X448\"\n[client]\ncommand = [\"x\"]\n",
    );
    assert!(err.contains("spell.group.x448"), "{err}");
    // A placeholder that does not exist is refused when the file loads, not at a case.
    for (text, field, says) in [
        (
            "[client]\ncommand = [\"x\", \"{versionmax}\"]\n",
            "client.command",
            "unknown placeholder `{versionmax}`",
        ),
        (
            "[client]\ncommand = [\"x\"]\ntail = [\"{hostt}\"]\n",
            "client.tail",
            "unknown placeholder `{hostt}`",
        ),
        (
            "[client]\ncommand = [\"x\", \"{?tls4:-4}\"]\n",
            "client.command",
            "unknown condition `tls4`",
        ),
        (
            "[client]\ncommand = [\"x\", \"{item}\"]\n",
            "client.command",
            "`{item}` outside an option with `each`",
        ),
    ] {
        let err = load_error(&path, text);
        assert!(err.contains(field) && err.contains(says), "{text}: {err}");
    }
}

/// `tail` comes after the options: a tool that wants its host:port last gets it last.
#[test]
fn tail_arguments_come_after_the_options() {
    let (_dir, path) = peer_file(
        "tailed.toml",
        "[client]\ncommand = [\"tool\"]\noptions = [{ args = [\"--ca\", \"{ca}\"] }]\ntail = [\"{host}:{port}\"]\n",
    );
    let file = spec::load(&path).expect("loads");
    let v = common::variants(&tls13());
    let vars = case_vars(&file, &v.first().expect("variant").setup, Role::Client);
    let argv = vars
        .command(file.client.as_ref().expect("client"))
        .expect("expands");
    assert_eq!(argv, ["tool", "--ca", "/case/roots.pem", "127.0.0.1:4433"]);
}

#[test]
fn templates_expand_lists_conditions_and_options() {
    let file = spec::load(&peers_dir().join("gnutls.toml")).expect("loads");
    let v = common::variants(&tls13());
    let setup = &v.first().expect("variant").setup;
    let vars = case_vars(&file, setup, Role::Server);
    let argv = vars
        .command(file.server.as_ref().expect("server"))
        .expect("expands");
    let line = argv.join(" ");
    for want in [
        "--port=4433",
        "--x509certfile=/case/server-chain.pem",
        "--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519",
        "--disable-client-cert",
    ] {
        assert!(line.contains(want), "{line}");
    }
    assert!(!line.contains("--alpn"), "{line}");
    assert_eq!(
        vars.expand("a{?resumption:-r}{!resumption:-n}b", None)
            .as_deref(),
        Ok("a-nb")
    );
}

#[test]
fn unsupported_setup_values_are_skips_with_reasons() {
    let _one = tools_lock();
    let nss = command_peer("nss");
    let mut setup = Setup {
        cert: "ed25519".into(),
        ..Setup::default()
    };
    let r = nss
        .supports(Role::Server, &setup)
        .expect_err("no Ed25519 in NSS");
    assert!(r.0.contains("Ed25519"), "{}", r.0);
    setup.cert = "ecdsa_p256".into();
    setup.server.groups = vec![harness::model::NamedGroup::X25519MlKem768];
    let gnutls = command_peer("gnutls");
    let r = gnutls
        .supports(Role::Server, &setup)
        .expect_err("no hybrid group");
    assert!(r.0.contains("X25519MLKEM768"), "{}", r.0);
    // In a run: a skip with the reason, not a failure.
    let peers: Vec<PeerRef> = vec![common::peer("own"), Arc::new(command_peer("nss"))];
    let text = tls13().replace(
        "matrix.cert = [\"ecdsa_p256\", \"rsa2048\"]",
        "matrix.cert = [\"ed25519\"]",
    );
    let results = common::run(&text, &peers, &common::quick());
    for r in results
        .iter()
        .filter(|r| r.client == "nss" || r.server == "nss")
    {
        if r.scenario == "interop::tls13_cmd" {
            assert_eq!(r.verdict, Verdict::Skip, "{}", r.id);
            assert!(
                r.reason.as_deref().unwrap_or_default().contains("Ed25519"),
                "{:?}",
                r.reason
            );
        }
    }
}

/// Processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(marker) && !cmd.contains("cargo") {
                found.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
            }
        }
    }
    found
}

#[test]
fn a_hanging_tool_is_killed_with_its_whole_process_group_at_the_deadline() {
    let _one = tools_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    // A server that never gets ready and forks a grandchild; a client that never connects.
    let marker = format!(
        "{}.{}",
        7000 + std::process::id() % 1000,
        1 + std::process::id() % 97
    );
    let text = format!(
        r#"
description = "hangs"
[spell]
version = {{ "TLS1.2" = "1.2", "TLS1.3" = "1.3" }}
group = {{ x25519 = "x25519", secp256r1 = "p256" }}
suite = {{ TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = "c02b" }}
[server]
command = ["sh", "-c", "sleep {marker} & sleep {marker}; echo never"]
ready = "never-ready"
[client]
command = ["sh", "-c", "sleep {marker} & sleep {marker}"]
[read]
connected = "never"
"#
    );
    let path = dir.path().join("hang.toml");
    std::fs::write(&path, text).expect("write");
    let hang: PeerRef = Arc::new(CommandPeer::load(&path).expect("loads"));
    let peers = vec![common::peer("rustls"), hang];
    let started = Instant::now();
    let results = common::run(&tls13(), &peers, &common::quick());
    assert!(started.elapsed() < Duration::from_secs(20));
    for r in results
        .iter()
        .filter(|r| r.client == "hang" || r.server == "hang")
    {
        assert_eq!(r.verdict, Verdict::Timeout, "{}: {:?}", r.id, r.reason);
    }
    // Every tool, grandchildren included, is gone once the run returns.
    std::thread::sleep(Duration::from_millis(200));
    assert!(proc::live_groups().is_empty(), "{:?}", proc::live_groups());
    let left = processes_with(&format!("sleep {marker}"));
    assert!(left.is_empty(), "survivors: {left:?}");
}

/// Deadlines that leave room for starting tools (NSS builds a database per case).
fn tools_opts() -> harness::run::RunOptions {
    harness::run::RunOptions {
        jobs: 4,
        idle_timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(15),
        grace: Duration::from_secs(1),
        partial: None,
    }
}

/// Whether the tools are there; under CI (`CI=true`) a missing tool fails the test instead
/// of skipping it, so a CI that lost a package cannot stay green.
fn require(tools: &[&str]) -> bool {
    if installed(tools) {
        return true;
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true, but {tools:?} are not installed: the CI must install them (cargo xtask test does, as root)"
    );
    eprintln!("skipped: {tools:?} not installed");
    false
}

fn interop_with(name: &str, tools: &[&str]) {
    interop_expecting(name, tools, |_| Verdict::Pass);
}

/// As [`interop_with`], each case with the verdict `expected` gives it (a known limit of
/// the tool); only a passing case's data is checked.
fn interop_expecting(name: &str, tools: &[&str], expected: fn(&reports::CaseResult) -> Verdict) {
    if !require(tools) {
        return;
    }
    let _one = tools_lock();
    let peers: Vec<PeerRef> = vec![common::peer("own"), Arc::new(command_peer(name))];
    let results = common::run(&tls13(), &peers, &tools_opts());
    assert_eq!(results.len(), 3 * 4);
    for r in &results {
        let want = expected(r);
        assert_eq!(r.verdict, want, "{}: {:?}", r.id, r.reason);
        if want != Verdict::Pass {
            continue;
        }
        // What the client read is recorded as read: the echo, or the page a server answers
        // with instead (NSS's selfserv quotes the request in an HTTP page).
        let got = r
            .observed
            .as_ref()
            .and_then(|o| o.app_data.clone())
            .unwrap_or_default();
        // (A command client's data is the request when its output shows it.)
        if r.client == "own" && r.server == name && !command_peer(name).echoes() {
            assert!(
                got.starts_with("HTTP/1.0 200"),
                "{}: the client read {got:?}",
                r.id
            );
        } else if r.client == "own" {
            assert_eq!(got, "GET / HTTP/1.0\r\n\r\n", "{}", r.id);
        }
    }
    assert!(proc::live_groups().is_empty());
}

/// A peer file whose client is a small program that connects, then crashes as `how` says.
fn crashing_peer(dir: &Path, how: &str) -> PeerRef {
    let program = match how {
        "traceback" => {
            "import socket, sys\\ns = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\\nraise RuntimeError('deliberate crash')\\n"
        }
        _ => {
            "import os, signal, socket, sys\\ns = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\\nos.kill(os.getpid(), signal.SIGSEGV)\\n"
        }
    };
    let text = format!(
        r#"
description = "crashes"
requires = ["python3"]
packages = ["python3"]
[spell]
version = {{ "TLS1.2" = "1.2", "TLS1.3" = "1.3" }}
group = {{ x25519 = "x25519" }}
[client]
command = ["python3", "-c", "{program}", "{{port}}"]
[read]
connected = "never"
"#
    );
    let path = dir.join(format!("crash_{how}.toml"));
    std::fs::write(&path, text).expect("write");
    Arc::new(CommandPeer::load(&path).expect("loads"))
}

#[test]
fn a_crashing_command_peer_is_scored_crash() {
    if !require(&["python3"]) {
        return;
    }
    let _one = tools_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    for how in ["traceback", "segfault"] {
        let peers = vec![crashing_peer(dir.path(), how), common::peer("own")];
        let text = tls13().replace(
            "matrix.cert = [\"ecdsa_p256\", \"rsa2048\"]",
            "matrix.cert = [\"ecdsa_p256\"]",
        );
        let results = common::run(&text, &peers, &common::quick());
        let crashed: Vec<_> = results
            .iter()
            .filter(|r| {
                r.client.starts_with("crash")
                    && r.server == "own"
                    && r.scenario == "interop::tls13_cmd"
            })
            .collect();
        assert!(!crashed.is_empty());
        for r in crashed {
            assert_eq!(r.verdict, Verdict::Crash, "{how}: {}: {:?}", r.id, r.reason);
            let reason = r.reason.as_deref().unwrap_or_default();
            let shows = if how == "traceback" {
                "Traceback (most recent call last):"
            } else {
                "signal 11 (SIGSEGV)"
            };
            assert!(reason.contains(shows), "{how}: {reason}");
        }
    }
}

#[test]
fn gnutls_interoperates_in_both_roles() {
    interop_with("gnutls", &["gnutls-cli", "gnutls-serv"]);
}

#[test]
fn nss_interoperates_in_both_roles() {
    interop_with("nss", &["tstclnt", "selfserv", "certutil", "pk12util"]);
}

#[test]
fn openssl_command_line_interoperates_in_both_roles() {
    interop_with("openssl-cli", &["openssl"]);
}

#[test]
fn target_mode_against_harness_serve_writes_a_report() {
    let f = common::fixtures("ecdsa_p256");
    let (_guard, port) = common::harness_serve("own", "ecdsa_p256", &[]);
    let addr = format!("127.0.0.1:{port}");
    let out = tempfile::tempdir().expect("tempdir");
    let status = common::harness()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args([
            "run",
            "--family",
            "interop",
            "--target",
            &addr,
            "--servername",
            "localhost",
            "--ca",
        ])
        .arg(f.join("root.pem"))
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("harness run --target");
    let text = std::fs::read_to_string(out.path().join("results.json")).unwrap_or_else(|e| {
        panic!(
            "no results.json ({e}): {}",
            String::from_utf8_lossy(&status.stderr)
        )
    });
    let results: serde_json::Value = serde_json::from_str(&text).expect("json");
    let cases = results["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let passed: Vec<&serde_json::Value> = cases.iter().filter(|c| c["verdict"] == "pass").collect();
    assert!(passed.len() >= 10, "only {} passes", passed.len());
    for c in cases {
        assert_eq!(c["client"], "own");
        assert_eq!(c["server"], "target");
        assert_ne!(c["verdict"], "error", "{}: {}", c["id"], c["reason"]);
    }
    // The ECDSA target takes no RSA or Ed25519 variant, and no forced HelloRetryRequest.
    assert!(
        cases
            .iter()
            .any(|c| c["id"].as_str().is_some_and(|i| i.contains("rsa2048"))
                && c["verdict"] == "skip")
    );
    assert!(
        results["run"]["peers"]["target"]
            .as_str()
            .is_some_and(|v| v.contains(&addr))
    );
}

#[test]
fn a_peer_whose_tool_is_missing_fails_the_run_naming_the_package() {
    let (dir, peers) = peers_tempdir();
    std::fs::write(
        peers.join("ghost.toml"),
        "description = \"a tool nobody installed\"\nrequires = [\"ghost-tls-client-xyz\"]\npackages = [\"ghost-tls-tools\"]\n[client]\ncommand = [\"ghost-tls-client-xyz\", \"{port}\"]\n[read]\nconnected = \"ok\"\n",
    )
    .expect("write peer");
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("mkdir");
    std::fs::write(scenarios.join("interop.toml"), tls13()).expect("write scenarios");
    let run = |extra: &[&str]| {
        common::harness()
            .args(["run", "--peers", "own,ghost", "--scenarios"])
            .arg(&scenarios)
            .arg("--out")
            .arg(dir.path().join("out"))
            .args(extra)
            .env("HARNESS_PEERS_DIR", &peers)
            .output()
            .expect("harness runs")
    };
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "must fail: {stderr}");
    for want in [
        "peer `ghost` cannot run: `ghost-tls-client-xyz` is not installed",
        "apt-get install ghost-tls-tools",
        "--allow-missing-peers",
    ] {
        assert!(stderr.contains(want), "{stderr}");
    }
    // Allowed: the run goes on, the peer's cases are skips with the reason.
    let out = run(&["--allow-missing-peers"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let results = reports::Results::read(&dir.path().join("out/results.json")).expect("results");
    let ghost: Vec<_> = results
        .cases
        .iter()
        .filter(|c| c.client == "ghost")
        .collect();
    assert!(!ghost.is_empty());
    assert!(ghost.iter().all(|c| {
        c.verdict == Verdict::Skip
            && c.reason
                .as_deref()
                .unwrap_or_default()
                .contains("not installed")
    }));
}

#[test]
fn a_peer_whose_command_line_is_broken_fails_the_run_with_its_own_output() {
    if !require(&["openssl"]) {
        return;
    }
    let (_dir, peers) = peers_tempdir();
    // A typo in an option: s_server refuses it and prints why.
    let text = std::fs::read_to_string(peers_dir().join("openssl-cli.toml"))
        .expect("openssl-cli.toml")
        .replace("\"-accept\",", "\"-acept\",");
    std::fs::write(peers.join("broken.toml"), text).expect("write peer");
    let peer = CommandPeer::load(&peers.join("broken.toml")).expect("loads");
    let why = peer.preflight().expect_err("the server tool cannot start");
    assert!(
        why.contains("the server tool does not start with the default setup"),
        "{why}"
    );
    assert!(why.contains("acept"), "the tool's own message: {why}");
}

/// A peer file's `build` commands run once, in the peer's source directory, before any case;
/// `{build}` and `{source}` name the output and source directories in every command. A build
/// that fails makes the peer unable to run, with the command and the end of its output.
#[test]
fn a_peer_builds_its_shim_once_and_a_failing_build_is_named() {
    if !require(&["openssl"]) {
        return;
    }
    let (_dir, peers) = peers_tempdir();
    let source = peers.join("shimmed");
    std::fs::create_dir_all(&source).expect("mkdir");
    // The "shim": a script that runs openssl s_client, copied into {build} by the build.
    std::fs::write(source.join("client.sh"), "#!/bin/sh\nexec openssl \"$@\"\n").expect("write");
    let text = std::fs::read_to_string(peers_dir().join("openssl-cli.toml"))
        .expect("openssl-cli.toml")
        .replacen(
            "\"openssl\", \"s_client\",",
            "\"sh\", \"{build}/client.sh\", \"s_client\",",
            1,
        );
    assert!(
        text.contains("{build}/client.sh"),
        "test bug: no [client] command to patch"
    );
    let built = text.replacen(
        "description",
        "build = [[\"cp\", \"{source}/client.sh\", \"{build}/client.sh\"]]\ndescription",
        1,
    );
    std::fs::write(peers.join("shimmed.toml"), &built).expect("write peer");
    let peer = CommandPeer::load(&peers.join("shimmed.toml")).expect("loads");
    peer.preflight().expect("builds and starts");
    // A build that fails.
    let broken = text.replacen(
        "description",
        "build = [[\"sh\", \"-c\", \"echo no compiler here >&2; exit 3\"]]\ndescription",
        1,
    );
    std::fs::write(peers.join("shimmed.toml"), broken).expect("write peer");
    let peer = CommandPeer::load(&peers.join("shimmed.toml")).expect("loads");
    let why = peer.preflight().expect_err("the build fails");
    assert!(
        why.contains("build command") && why.contains("no compiler here"),
        "{why}"
    );
}

/// A role's own spellings win over the file's, and a value condition (`alpn == "h2"`) holds
/// when that side's list is exactly that value.
#[test]
fn role_spellings_and_value_conditions() {
    let (_dir, path) = peer_file(
        "split.toml",
        r#"
[spell.group]
x25519 = "X25519"
[client]
command = ["c", "{groups}"]
options = [{ when = "alpn == \"http/1.1\"", args = ["--only-http1"] }]
[client.spell.group]
x25519 = "x25519-client"
[server]
command = ["s", "{groups}"]
options = [{ when = "alpn == \"http/1.1\"", args = ["--only-http1"] }]
"#,
    );
    let file = spec::load(&path).expect("loads");
    let text = common::handshake_completes(
        "interop::split_test",
        "split",
        "RFC 8446 2",
        &[
            r#"setup = { versions = ["TLS1.3"], group = "x25519", client_alpn = ["http/1.1"], server_alpn = ["h2", "http/1.1"] }"#,
        ],
    );
    let v = common::variants(&text);
    let argv = |role: Role| {
        let vars = case_vars(&file, &v.first().expect("variant").setup, role);
        let spec = match role {
            Role::Client => file.client.as_ref(),
            Role::Server => file.server.as_ref(),
        };
        vars.command(spec.expect("role")).expect("expands")
    };
    assert_eq!(argv(Role::Client), ["c", "x25519-client", "--only-http1"]);
    assert_eq!(argv(Role::Server), ["s", "X25519"]);
    let err = load_error(
        &path,
        "[client]\ncommand = [\"c\"]\noptions = [{ when = \"alpn == h2\", args = [] }]\n",
    );
    assert!(err.contains("quote the value"), "{err}");
}

/// `defaults = ["sigalgs"]`: a tool that cannot restrict its signature schemes runs with its
/// own where a setup pins one (no skip, no option), judged by what was negotiated.
#[test]
fn lists_a_tool_cannot_restrict_run_with_its_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fixed.toml");
    let text = |defaults: &str| {
        format!(
            "{defaults}\n[spell.version]\n\"TLS1.3\" = \"1.3\"\n[client]\ncommand = [\"c\"]\noptions = [{{ when = \"sigalgs\", args = [\"--sig\", \"{{sigalgs}}\"] }}]\n"
        )
    };
    let scenario = common::handshake_completes(
        "interop::fixed_test",
        "pinned scheme",
        "RFC 8446 2",
        &[r#"setup = { versions = ["TLS1.3"], sigalg = "ecdsa_secp256r1_sha256" }"#],
    );
    let v = common::variants(&scenario);
    let run = |defaults: &str| {
        std::fs::write(&path, text(defaults)).expect("write");
        let file = spec::load(&path).expect("loads");
        let vars = case_vars(&file, &v.first().expect("variant").setup, Role::Client);
        let spec = file.client.as_ref().expect("client");
        (vars.unsupported(spec), vars.command(spec).ok())
    };
    // No spelling for the scheme: a skip with the reason.
    let (skip, _) = run("");
    assert!(
        skip.is_some_and(|r| r.contains("no signature scheme")),
        "must skip"
    );
    // Defaults: it runs, without the option.
    let (skip, argv) = run("defaults = [\"sigalgs\"]");
    assert_eq!(skip, None);
    assert_eq!(argv.expect("expands"), ["c"]);
}

#[test]
fn java_interoperates_in_both_roles() {
    interop_with("java", &["java", "javac"]);
}

/// As `interop_with`, but Go 1.19 has no extended_master_secret (RFC 7627), which our engine
/// requires in TLS 1.2 (RFC 7627 5.2 lets it abort): TLS 1.2 between own and go fails at the
/// hellos, go with itself completes.
#[test]
fn go_interoperates_in_both_roles() {
    interop_expecting("go", &["go"], |r| {
        if r.id.starts_with("interop::tls12_cmd") && r.client != r.server {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    });
}

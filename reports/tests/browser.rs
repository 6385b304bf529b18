//! The report in a real browser: headless Chromium (Debian package `chromium`) loads
//! `index.html` from `file://` without console errors, opens a case's detail view from the
//! URL fragment, shows peer strings as text, draws the benchmark trends, and opens a
//! 5000-case report in under 2 s.
//! Screenshots go to `reports/out/`.
//!
//! Chromium is looked up at `$CHROMIUM`, then `/usr/bin/chromium`, `chromium` on `PATH`.
//! `REPORTS_SKIP_BROWSER=1` skips these tests (say so in the log) where no browser exists.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::EVIL;

/// One browser at a time: the timings stay meaningful on a small machine.
static BROWSER: Mutex<()> = Mutex::new(());

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.exists() {
        return Some(fixed.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromium"))
        .find(|p| p.exists())
}

/// The browser, and a report `write` made in a fresh directory (kept while the guard lives);
/// `None` where the browser tests are skipped.
fn browser_and_report(
    write: fn(&Path) -> PathBuf,
) -> Option<(PathBuf, tempfile::TempDir, PathBuf)> {
    let chrome = browser_or_skip()?;
    let dir = tempfile::tempdir().unwrap();
    let index = write(dir.path());
    Some((chrome, dir, index))
}

fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var("REPORTS_SKIP_BROWSER").as_deref() == Ok("1") => {
            eprintln!("SKIPPED: no chromium and REPORTS_SKIP_BROWSER=1");
            None
        }
        None => panic!(
            "headless browser tests need Chromium: apt-get install -y chromium (or set CHROMIUM=/path, or REPORTS_SKIP_BROWSER=1 to skip)"
        ),
    }
}

struct Run {
    stdout: String,
    /// Console messages of the page (`:CONSOLE:` lines of Chromium's log).
    console: Vec<String>,
    elapsed: Duration,
}

fn run(chrome: &Path, args: &[&str], url: &str) -> Run {
    let _guard = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        // Files, not pipes: a large DOM would fill a pipe nobody reads while we wait.
        .stdout(std::fs::File::create(profile.path().join("stdout")).unwrap())
        .stderr(std::fs::File::create(profile.path().join("stderr")).unwrap())
        .spawn()
        .unwrap();
    // A hard deadline: a hung browser fails the test instead of hanging it.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s for {url}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let stdout = std::fs::read(profile.path().join("stdout")).unwrap();
    let stderr = String::from_utf8_lossy(&std::fs::read(profile.path().join("stderr")).unwrap())
        .into_owned();
    Run {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
        elapsed,
    }
}

fn file_url(p: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", p.canonicalize().unwrap().display())
}

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("out");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fixture_report(dir: &Path) -> PathBuf {
    let bench = r#"{ "schema_version": 1, "baseline": "rustls->rustls", "entries": [
        { "pairing": "rustls->rustls", "kind": "full", "transport": "memory", "median_us": 800.0, "mean_us": 820.5, "ratio": 1.0 },
        { "pairing": "rustls->openssl", "kind": "full", "transport": "memory", "median_us": 1010.0, "mean_us": 1100.0, "ratio": 1.26 },
        { "pairing": "openssl->rustls", "kind": "full", "transport": "memory", "median_us": 950.0, "mean_us": 990.0, "ratio": 1.19 },
        { "pairing": "rustls->rustls", "kind": "resumed", "transport": "memory", "median_us": 300.0, "mean_us": 310.0, "ratio": 1.0 },
        { "pairing": "rustls->openssl", "kind": "resumed", "transport": "memory", "median_us": 420.0, "mean_us": 450.0, "ratio": 1.4 } ] }"#;
    std::fs::write(dir.join("bench.json"), bench).unwrap();
    // The benchmark history, with a malformed fourth line.
    std::fs::write(
        dir.join("bench-history.jsonl"),
        common::bench_history() + "{ \"run\": \n",
    )
    .unwrap();
    let deviations = reports::KnownDeviations::parse(
        common::DEVIATIONS,
        Path::new("scenarios/known-deviations.toml"),
    )
    .unwrap();
    reports::write_all(
        &common::fixture(),
        &deviations,
        Some(&common::previous()),
        dir,
    )
    .unwrap()
    .index_html
}

#[test]
fn console_errors_are_caught() {
    // The check below sees a page's errors: a broken page must show up.
    let Some(chrome) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.html");
    std::fs::write(&bad, "<!DOCTYPE html><p>x</p><script>nosuch();</script>").unwrap();
    let r = run(&chrome, &["--dump-dom"], &file_url(&bad, ""));
    assert!(
        r.console
            .iter()
            .any(|l| l.contains("nosuch is not defined")),
        "{:?}",
        r.console
    );
}

#[test]
fn report_loads_and_opens_a_case_from_the_fragment() {
    let Some((chrome, _dir, index)) = browser_and_report(fixture_report) else {
        return;
    };
    let results = common::fixture();

    // The overview: no console message at all, every case listed.
    let r = run(&chrome, &["--dump-dom"], &file_url(&index, ""));
    assert!(r.console.is_empty(), "console: {:#?}", r.console);
    assert!(
        r.stdout
            .contains("<div id=\"detail\" class=\"detail\" hidden=\"\""),
        "detail view must start closed"
    );
    for c in &results.cases {
        let shown =
            c.id.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
        assert!(
            r.stdout.contains(&format!(">{shown}</a>")),
            "case {} not in the page",
            c.id
        );
    }

    // The benchmarks: the SVG trend charts are in the DOM (parsed, not text), one per
    // pairing and floor of the history's two kinds, and the skipped line is named.
    let bench = r
        .stdout
        .split("<section class=\"bench\" id=\"benchmarks\">")
        .nth(1)
        .expect("the Benchmarks section")
        .split("</section>")
        .next()
        .unwrap();
    assert_eq!(
        bench.matches("<polyline class=\"line\"").count(),
        4 + 3,
        "{bench}"
    );
    assert_eq!(
        bench
            .matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trend\"")
            .count(),
        7
    );
    assert!(
        bench.contains("bench-history.jsonl line 4 skipped"),
        "{bench}"
    );
    for kind in ["full", "resumed", common::FULL, common::RESUMED] {
        assert!(
            bench.contains(&format!("data-kind=\"{kind}\"")),
            "no table for {kind}"
        );
    }

    // The case with a proxy, several connections and markup in peer strings.
    let evil = results.cases.iter().find(|c| c.id.contains(EVIL)).unwrap();
    let href = reports::html::case_href(&evil.id);
    let r = run(&chrome, &["--dump-dom"], &file_url(&index, &href));
    assert!(r.console.is_empty(), "console: {:#?}", r.console);
    let dom = &r.stdout;
    assert!(
        dom.contains("<div id=\"detail\" class=\"detail\" role=\"dialog\""),
        "detail view did not open"
    );
    let title = format!(
        "<h2 id=\"d-title\">{}</h2>",
        evil.id.replace('<', "&lt;").replace('>', "&gt;")
    );
    assert!(dom.contains(&title), "detail title missing: {title}");
    // Peer strings are text: no element was made of them.
    assert_eq!(
        dom.matches("<script").count(),
        3,
        "a peer string became a script element"
    );
    assert!(dom.contains("sni=&lt;script&gt;alert('pwned')&lt;/script&gt;"));
    // Three lanes (a proxy), two connections, the alert, RFC section and quote.
    assert!(dom.contains(">proxy</div>") && dom.contains(">connection 2</span>"));
    assert!(dom.contains("class=\"arr rtl alert\""));
    assert!(dom.contains("<blockquote class=\"req\">There MUST NOT be more than one extension"));
    assert!(dom.contains(">RFC 8446 4.2</dd>"));
    assert!(
        dom.contains("class=\"mis\""),
        "the alert that differs is marked"
    );

    // Screenshots of both, for people.
    let out = out_dir();
    let shot = out.join("report-overview.png");
    run(
        &chrome,
        &[
            "--window-size=1400,1500",
            &format!("--screenshot={}", shot.display()),
        ],
        &file_url(&index, ""),
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    let case = results
        .cases
        .iter()
        .find(|c| c.id == "client_hello::duplicate_extension/own->openssl")
        .unwrap();
    let shot = out.join("report-detail.png");
    run(
        &chrome,
        &[
            "--window-size=1400,1100",
            &format!("--screenshot={}", shot.display()),
        ],
        &file_url(&index, &reports::html::case_href(&case.id)),
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    let shot = out.join("report-detail-proxy.png");
    run(
        &chrome,
        &[
            "--window-size=1400,1100",
            &format!("--screenshot={}", shot.display()),
        ],
        &file_url(&index, &href),
    );
}

#[test]
fn a_5000_case_report_opens_in_under_two_seconds() {
    let Some(chrome) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let results = common::synthetic(5000);
    let w = reports::write_all(
        &results,
        &reports::KnownDeviations::none(),
        None,
        dir.path(),
    )
    .unwrap();
    let size = std::fs::metadata(&w.index_html).unwrap().len();
    let empty = dir.path().join("empty.html");
    std::fs::write(&empty, "<!DOCTYPE html><title>empty</title><p>empty</p>").unwrap();
    let last = &results.cases[4999];
    let url = file_url(&w.index_html, &reports::html::case_href(&last.id));

    // Correctness and the page's own clock: the script (the last thing in the page) is done
    // this long after navigation start, with the case's detail view open.
    let r = run(&chrome, &["--dump-dom"], &url);
    assert!(r.console.is_empty(), "console: {:#?}", r.console);
    assert!(
        r.stdout
            .contains("<div id=\"detail\" class=\"detail\" role=\"dialog\""),
        "detail view did not open"
    );
    let ready_ms: f64 = r
        .stdout
        .split("data-ready-ms=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("the page's script ran to its end");
    // Wall clock to a painted screenshot, less the same for an empty page (browser start-up);
    // best of three, as the machine is shared.
    let shot = dir.path().join("shot.png");
    let screenshot = |u: &str| {
        let arg = format!("--screenshot={}", shot.display());
        (0..3)
            .map(|_| run(&chrome, &["--window-size=1400,1000", &arg], u).elapsed)
            .min()
            .unwrap()
    };
    let base = screenshot(&file_url(&empty, ""));
    let best = screenshot(&url);
    let page = best.saturating_sub(base);
    std::fs::copy(&shot, out_dir().join("report-5000-cases.png")).unwrap();
    eprintln!(
        "5000-case report ({:.1} MB): opens in {} ms (screenshot wall {} ms less empty page {} ms); script done {:.0} ms after navigation start",
        size as f64 / 1e6,
        page.as_millis(),
        best.as_millis(),
        base.as_millis(),
        ready_ms
    );
    assert!(
        page < Duration::from_secs(2),
        "the report took {page:?} to open"
    );
    assert!(ready_ms < 2000.0);
}

fn eight_report(dir: &Path) -> PathBuf {
    let deviations = reports::KnownDeviations::parse(
        common::EIGHT_DEVIATIONS,
        Path::new("scenarios/known-deviations.toml"),
    )
    .unwrap();
    reports::write_all(&common::eight_peers(), &deviations, None, dir)
        .unwrap()
        .index_html
}

/// A page that shows `index` (at `fragment`) in a frame the size of the window, then, when
/// `scroll` is set, scrolls every matrix sideways to its end and writes into `#probe` where
/// each one's scenario column and first cell are against the matrix's visible box. A file
/// URL's fragment does not scroll a headless screenshot; a frame's does.
fn framed(dir: &Path, index: &Path, fragment: &str, scroll: bool) -> PathBuf {
    let script = if scroll {
        r#"<script>
function probe(f) {
  var d = f.contentDocument, out = [];
  d.querySelectorAll('section.family').forEach(function (s) {
    var box = s.querySelector('.scroll');
    box.scrollLeft = box.scrollWidth;
    var b = box.getBoundingClientRect();
    var scen = s.querySelector('th.scen').getBoundingClientRect();
    var cell = s.querySelector('td.cell').getBoundingClientRect();
    out.push([s.dataset.family, Math.round(box.scrollLeft), Math.round(scen.left - b.left),
      Math.round(scen.right), Math.round(cell.right)].join(' '));
  });
  document.getElementById('probe').textContent = out.join('\n');
}
</script>"#
    } else {
        ""
    };
    let page = format!(
        "<!DOCTYPE html><style>html,body{{margin:0;overflow:hidden}}iframe{{border:0;width:100vw;height:100vh}}</style>{script}<pre id=\"probe\" hidden></pre><iframe{} src=\"{}\"></iframe>",
        if scroll {
            " onload=\"probe(this)\""
        } else {
            ""
        },
        file_url(index, fragment)
    );
    let path = dir.join(if scroll {
        "scrolled.html"
    } else {
        "framed.html"
    });
    std::fs::write(&path, page).unwrap();
    path
}

#[test]
fn an_eight_implementation_matrix_is_readable() {
    let Some((chrome, dir, index)) = browser_and_report(eight_report) else {
        return;
    };
    std::fs::copy(&index, out_dir().join("matrix-8.html")).unwrap();

    // The page: no console message, and per family 64 pairing columns, each naming its
    // client and server, under eight client headers of eight columns each.
    let r = run(&chrome, &["--dump-dom"], &file_url(&index, ""));
    assert!(r.console.is_empty(), "console: {:#?}", r.console);
    let column = regex::Regex::new(
        r#"<th(?: class="g0")? data-c="([^"]*)" data-s="([^"]*)" title="([^"]*)"><span class="pc">([^<]*)</span><span class="arrow">→</span><span class="ps">([^<]*)</span></th>"#,
    )
    .unwrap();
    let group =
        regex::Regex::new(r#"<th class="cgroup" colspan="(\d+)" data-g="([^"]*)" data-n="\d+"><span class="muted">client</span> ([^<]*) <span class="arrow">"#)
            .unwrap();
    let families: Vec<&str> = r
        .stdout
        .split("<section class=\"family\"")
        .skip(1)
        .map(|s| s.split("</section>").next().unwrap())
        .collect();
    assert_eq!(families.len(), 3, "interop, client_hello, certificate");
    for fam in families {
        let name = fam
            .split("data-family=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            fam.contains("<table class=\"matrix wide\">"),
            "{name}: not drawn wide"
        );
        let servers = fam
            .split("<tr class=\"servers\">")
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no server header row"))
            .split("</tr>")
            .next()
            .unwrap();
        let cols: Vec<(String, String)> = column
            .captures_iter(servers)
            .map(|c| {
                let (client, server) = (&c[1], &c[2]);
                assert_eq!(
                    &c[4], client,
                    "{name}: a column's text names another client"
                );
                assert_eq!(
                    &c[5], server,
                    "{name}: a column's text names another server"
                );
                assert_eq!(&c[3], format!("{client} → {server}"));
                (client.to_string(), server.to_string())
            })
            .collect();
        assert_eq!(cols.len(), 64, "{name}: {servers}");
        assert_eq!(
            servers.matches("<th").count(),
            64 + 1,
            "{name}: a column the check missed"
        );
        for c in common::EIGHT {
            for s in common::EIGHT {
                assert!(
                    cols.contains(&(c.to_string(), s.to_string())),
                    "{name}: no column {c}→{s}"
                );
            }
        }
        // The client header above each column is the column's client.
        let clients = fam
            .split("<tr class=\"clients\">")
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap();
        let mut above = Vec::new();
        for g in group.captures_iter(clients) {
            assert_eq!(&g[2], &g[3]);
            above.extend(std::iter::repeat_n(g[2].to_string(), g[1].parse().unwrap()));
        }
        assert_eq!(above.len(), 64, "{name}: {clients}");
        for ((client, server), over) in cols.iter().zip(&above) {
            assert_eq!(client, over, "{name}: {client}→{server} is under {over}");
        }
        // Each row has a cell per column.
        let body = fam.split("<tbody>").nth(1).unwrap();
        for row in body.split("<tr>").skip(1) {
            assert_eq!(row.matches("<td class=\"cell").count(), 64, "{name}: {row}");
        }
    }

    // Scrolled sideways to its end, each matrix still shows its scenario column at its left
    // edge, over the cells that scrolled under it.
    let scrolled = framed(dir.path(), &index, "", true);
    // (A file URL is its own origin: the frame's document is the probe's only with this.)
    let frames = "--allow-file-access-from-files";
    let r = run(
        &chrome,
        &["--window-size=1400,900", frames, "--dump-dom"],
        &file_url(&scrolled, ""),
    );
    assert!(r.console.is_empty(), "console: {:#?}", r.console);
    let probe = r
        .stdout
        .split("<pre id=\"probe\" hidden=\"\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .expect("the probe ran");
    let lines: Vec<&str> = probe.lines().collect();
    assert_eq!(lines.len(), 3, "{probe}");
    for line in lines {
        let f: Vec<&str> = line.split(' ').collect();
        let n = |i: usize| f[i].parse::<i64>().unwrap();
        assert!(n(1) > 0, "{line}: the matrix did not scroll (it fits?)");
        assert!(
            n(2).abs() <= 1,
            "{line}: the scenario column left the matrix's edge"
        );
        assert!(
            n(4) < n(3),
            "{line}: the first cell did not scroll under the scenario column"
        );
    }

    // Screenshots at a usual window size: the first matrices, and scrolled to the end.
    let out = out_dir();
    for (name, page) in [
        (
            "matrix-8.png",
            framed(dir.path(), &index, "#family-interop", false),
        ),
        (
            "matrix-8-scrolled.png",
            framed(dir.path(), &index, "#family-interop", true),
        ),
    ] {
        let shot = out.join(name);
        run(
            &chrome,
            &[
                "--window-size=1400,900",
                frames,
                &format!("--screenshot={}", shot.display()),
            ],
            &file_url(&page, ""),
        );
        assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "{name}");
    }
}

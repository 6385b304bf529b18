//! `summary.md`: counts per implementation and family, and the unexpected verdicts; meant
//! for a CI job summary (GitHub-flavoured Markdown, which renders HTML: everything escaped).

use std::fmt::Write as _;

use crate::context::{Context, Counts, non_pass};
use crate::describe;
use crate::deviations::Class;
use crate::results::{CaseResult, Level, Verdict};

/// How many cases each list shows before "and N more".
const LIST_LIMIT: usize = 100;

/// Escapes text for a Markdown table cell or list item.
pub fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        // `_` inside a word cannot start or end emphasis: leave it readable.
        let intraword = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        if ch == '_' && intraword(i.checked_sub(1)) && intraword(Some(i + 1)) {
            out.push('_');
            continue;
        }
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Text as an inline code span (ids, verdicts): no Markdown or HTML is interpreted inside.
pub fn md_code(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect();
    format!("`{}`", clean.replace('|', "\\|"))
}

fn counts_row(out: &mut String, name: &str, c: &Counts, stale_col: bool) {
    let _ = write!(out, "| {} | {} |", name, c.total);
    for v in Verdict::ALL {
        let n = c.get(v);
        if n == 0 {
            out.push_str(" · |");
        } else {
            let _ = write!(out, " {n} |");
        }
    }
    let _ = write!(out, " {} | {} | {} |", c.known, c.reported, c.unexpected);
    if stale_col {
        let _ = write!(out, " {} |", c.stale);
    }
    out.push('\n');
}

fn counts_header(out: &mut String, first: &str, stale_col: bool) {
    let _ = write!(out, "| {first} | cases |");
    for v in Verdict::ALL {
        let _ = write!(out, " {v} |");
    }
    out.push_str(" known deviations | reported | unexpected |");
    if stale_col {
        out.push_str(" stale |");
    }
    out.push_str("\n|---|--:|");
    for _ in Verdict::ALL {
        out.push_str("--:|");
    }
    out.push_str("--:|--:|--:|");
    if stale_col {
        out.push_str("--:|");
    }
    out.push('\n');
}

/// The per-implementation table of non-pass verdicts by level: rows implementation x level
/// (only levels with a non-pass verdict), columns the non-pass verdicts.
fn by_level(out: &mut String, ctx: &Context<'_>) {
    let table = ctx.by_level();
    let clean: Vec<String> = table
        .iter()
        .filter(|i| i.rows.is_empty())
        .map(|i| format!("{} (judged in {})", md_code(&i.name), i.judged))
        .collect();
    if table.iter().all(|i| i.rows.is_empty()) {
        out.push_str("No non-pass verdict.\n");
    } else {
        let _ = write!(out, "| implementation under test | judged | level |");
        for v in non_pass() {
            let _ = write!(out, " {v} |");
        }
        out.push_str(" total | unexpected | reported | known deviations |\n|---|--:|---|");
        for _ in non_pass() {
            out.push_str("--:|");
        }
        out.push_str("--:|--:|--:|--:|\n");
        for i in &table {
            for r in &i.rows {
                let level = match r.level {
                    Some(Level::Must) => "**MUST**",
                    Some(l) => l.as_str(),
                    None => "no level (v1)",
                };
                let _ = write!(out, "| {} | {} | {level} |", md_code(&i.name), i.judged);
                for v in non_pass() {
                    match r.get(v) {
                        0 => out.push_str(" · |"),
                        n => {
                            let _ = write!(out, " {n} |");
                        }
                    }
                }
                let _ = writeln!(
                    out,
                    " {} | {} | {} | {} |",
                    r.total, r.gated, r.reported, r.known
                );
            }
        }
    }
    if !clean.is_empty() {
        let _ = writeln!(out, "\nNo non-pass verdict: {}.", clean.join(", "));
    }
}

/// `` `fail` `MUST` `` : the verdict, and the level it breaks when the case has one.
fn verdict_and_level(c: &CaseResult) -> String {
    match c.breaks() {
        Some(l) => format!("{} {}", md_code(c.verdict.as_str()), md_code(l.as_str())),
        None => md_code(c.verdict.as_str()),
    }
}

/// Renders `summary.md`. Deterministic: no timings.
/// `- … and N more` when a list of `len` was cut at [`LIST_LIMIT`].
fn more_line(out: &mut String, len: usize, see: &str) {
    if len > LIST_LIMIT {
        let _ = writeln!(out, "- … and {} more{see}", len - LIST_LIMIT);
    }
}

/// One case as a list item: its verdict and level, its id, `text`, and a reason if given.
fn case_line(out: &mut String, c: &CaseResult, text: &str, reason: Option<&str>) {
    let _ = writeln!(
        out,
        "- {} {} — {}{}",
        verdict_and_level(c),
        md_code(&c.id),
        md_text(text),
        reason
            .map(|r| format!(" — {}", md_text(r)))
            .unwrap_or_default()
    );
}

/// A folded list of cases (nothing when there are none): one line a case, its verdict, its
/// id and `text`.
fn case_details<'a>(
    out: &mut String,
    summary: &str,
    cases: &[(usize, &'a CaseResult, Class)],
    text: impl Fn(usize, &'a CaseResult) -> &'a str,
) {
    if cases.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n<details><summary>{summary}</summary>\n");
    for (i, c, _) in cases.iter().take(LIST_LIMIT) {
        case_line(out, c, text(*i, c), None);
    }
    more_line(out, cases.len(), "");
    out.push_str("\n</details>\n");
}

pub fn render(ctx: &Context<'_>) -> String {
    let r = ctx.results;
    let totals = ctx.totals();
    let stale_col = totals.stale > 0;
    let mut out = String::new();
    let reported = ctx.eval.reported_count();
    let mark = if ctx.eval.ok() { "✅" } else { "❌" };
    let status = format!("{mark} {}", ctx.status());
    let _ = writeln!(out, "## TLS conformance: {status}\n");
    let peers: Vec<String> = r
        .run
        .peers
        .iter()
        .map(|(k, v)| format!("{} {}", md_code(k), md_text(v)))
        .collect();
    let _ = writeln!(
        out,
        "{} cases · commit {} · seed {} · started {}{}  ",
        totals.total,
        md_code(&r.run.git),
        r.run.seed,
        md_text(&r.run.started),
        r.run
            .shard
            .as_deref()
            .map(|s| format!(" · shard {}", md_text(s)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "peers: {}  ",
        if peers.is_empty() {
            "none".into()
        } else {
            peers.join(" · ")
        }
    );
    if ctx.strict {
        out.push_str("gate: `--strict`, every non-pass verdict at every level needs an entry in the known deviations\n\n");
    } else {
        let unlevelled = r
            .cases
            .iter()
            .any(|c| c.breaks().is_none() && !matches!(c.verdict, Verdict::Pass | Verdict::Skip));
        let _ = writeln!(
            out,
            "gate: MUST-level verdicts, every crash and error{}; {reported} reported difference(s) below MUST (SHOULD, MAY, hardening, policy), not gated (`--strict` gates them)\n",
            if unlevelled {
                ", and every verdict of a result without levels (schema version 1)"
            } else {
                ""
            }
        );
    }

    out.push_str("### Per implementation\n\n");
    counts_header(&mut out, "implementation", stale_col);
    for (name, c) in ctx.per_implementation() {
        counts_row(&mut out, &md_code(&name), &c, stale_col);
    }
    out.push_str("\n### Per family\n\n");
    counts_header(&mut out, "family", stale_col);
    for (name, c) in ctx.per_family() {
        counts_row(&mut out, &md_code(&name), &c, stale_col);
    }
    counts_row(&mut out, "**total**", &totals, stale_col);

    out.push_str("\n### Per implementation under test, by level\n\n");
    out.push_str("Non-pass verdicts of the cases that judge each implementation (skips left out), by the level of the rule they break.\n\n");
    by_level(&mut out, ctx);

    let unexpected = ctx.cases_of(|cl| matches!(cl, Class::Unexpected { .. }));
    let _ = writeln!(out, "\n### Unexpected verdicts ({})\n", unexpected.len());
    if unexpected.is_empty() {
        out.push_str("None.\n");
    }
    for (i, c, _) in unexpected.iter().take(LIST_LIMIT) {
        case_line(
            &mut out,
            c,
            &describe::expected_vs_observed(c),
            c.reason.as_deref(),
        );
        if let Some(note) = ctx.eval.note(*i) {
            let _ = writeln!(out, "  - {}", md_text(note));
        }
    }
    more_line(&mut out, unexpected.len(), " (see junit.xml or index.html)");

    let reported = ctx.cases_of(|cl| matches!(cl, Class::Reported { .. }));
    case_details(
        &mut out,
        &format!(
            "Reported, not gated ({}): below MUST; <code>--strict</code> gates them",
            reported.len()
        ),
        &reported,
        |i, c| c.reason.as_deref().or(ctx.eval.note(i)).unwrap_or(""),
    );

    if !ctx.eval.stale.is_empty() {
        let _ = writeln!(
            out,
            "\n### Stale known deviations ({})\n",
            ctx.eval.stale.len()
        );
        let _ = writeln!(
            out,
            "These listed deviations no longer happen: update {} (remove or narrow the entries).\n",
            md_code(&ctx.eval.file)
        );
        for s in &ctx.eval.stale {
            let ids: Vec<String> = s
                .cases
                .iter()
                .take(5)
                .map(|(id, v)| format!("{} is now {}", md_code(id), md_code(v.as_str())))
                .collect();
            let more = if s.cases.len() > 5 {
                format!(", and {} more", s.cases.len() - 5)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "- entry #{} {} (listed {}): {}{more}",
                s.index + 1,
                md_code(&s.entry.case),
                md_code(s.entry.verdict.as_str()),
                ids.join(", ")
            );
        }
    }

    if ctx.has_previous() {
        let changed: Vec<_> = ctx
            .cases()
            .filter_map(|(_, c, _)| ctx.changed_from(&c.id, c.verdict).map(|p| (c, p)))
            .collect();
        let _ = writeln!(
            out,
            "\n### Changed since the previous run ({})\n",
            changed.len()
        );
        if changed.is_empty() {
            out.push_str("None.\n");
        }
        for (c, p) in changed.iter().take(LIST_LIMIT) {
            let _ = writeln!(
                out,
                "- {} {} → {}",
                md_code(&c.id),
                md_code(p.as_str()),
                md_code(c.verdict.as_str())
            );
        }
        more_line(&mut out, changed.len(), "");
    }

    let known = ctx.cases_of(|cl| matches!(cl, Class::KnownDeviation { .. }));
    case_details(
        &mut out,
        &format!("Known deviations ({})", known.len()),
        &known,
        |i, _| ctx.eval.entry(i).map(|d| d.reason.as_str()).unwrap_or(""),
    );
    out
}

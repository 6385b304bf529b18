//! Renders the reports of a results.json: `cargo run -p reports --example render -- RESULTS OUT_DIR [DEVIATIONS] [PREVIOUS]`.
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(results), Some(out)) = (args.first(), args.get(1)) else {
        return Err("usage: render RESULTS OUT_DIR [DEVIATIONS] [PREVIOUS]".into());
    };
    let results = reports::merge(&[PathBuf::from(results)])?;
    let deviations = match args.get(2) {
        Some(p) => reports::KnownDeviations::load(Path::new(p))?,
        None => reports::KnownDeviations::none(),
    };
    let previous = match args.get(3) {
        Some(p) => Some(reports::Results::read(Path::new(p))?),
        None => None,
    };
    let w = reports::write_all(&results, &deviations, previous.as_ref(), Path::new(out))?;
    for m in w.evaluation.messages() {
        eprintln!("{m}");
    }
    println!(
        "{}\n{}\n{}",
        w.index_html.display(),
        w.junit_xml.display(),
        w.summary_md.display()
    );
    Ok(())
}

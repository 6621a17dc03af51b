//! The baseline of the bulk-import benchmark (`scripts/bench-bulk-import.py`): every JSON file of
//! a folder read and parsed into a `serde_json::Value` on one core, one after the other. It is
//! the least work any importer of those files must do; the benchmark reports
//! `confab sessions import FOLDER` as a multiple of it.
//!
//! Prints `SECONDS FILES BYTES` on stderr.

// Its one job is to print a figure for the script that runs it.
#![allow(clippy::print_stderr)]

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args().nth(1).ok_or("usage: parse_all FOLDER")?;
    let mut paths: Vec<_> = std::fs::read_dir(&folder)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|path| {
        path.extension()
            .is_some_and(|extension| extension == "json")
    });
    paths.sort();
    let started = Instant::now();
    let mut bytes = 0;
    for path in &paths {
        let text = std::fs::read(path)?;
        bytes += text.len();
        let value: serde_json::Value = serde_json::from_slice(&text)?;
        std::hint::black_box(&value);
    }
    let elapsed = started.elapsed();
    eprintln!("{:.3} {} {bytes}", elapsed.as_secs_f64(), paths.len());
    Ok(())
}

//! The baseline of the scale benchmarks (`scripts/bench-scale.py`): a bare `serde_json` parse of
//! a file into a `Value`, the least work any reader of a JSON checkpoint must do.

// Its one job is to print a figure for the script that runs it.
#![allow(clippy::print_stderr)]

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: parse_baseline FILE")?;
    let started = Instant::now();
    let bytes = std::fs::read(&path)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)?;
    let elapsed = started.elapsed();
    std::hint::black_box(&value);
    eprintln!("{:.3}", elapsed.as_secs_f64());
    Ok(())
}

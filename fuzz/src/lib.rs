//! The bodies of confab's fuzz targets, shared by the libFuzzer binaries in `fuzz_targets/` and
//! by a stable-toolchain smoke test in the main test suite (`tests/fuzz_smoke.rs`), which runs
//! them over the fixtures and mutations of them, so CI checks that the targets build and hold
//! without needing nightly.

mod bodies;
mod template;

pub use bodies::*;
pub use template::*;

//! The stress suites: many processes at once, processes killed mid-write, huge inputs. They take
//! tens of seconds, so `cargo test --workspace` does not build or run them (`test = false` on
//! this target in Cargo.toml); CI runs them explicitly after the main tests:
//!
//! ```sh
//! cargo test --test stress
//! ```

#[path = "../util.rs"]
#[allow(dead_code)]
mod util;

mod durability;
mod hostile;

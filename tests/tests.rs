//! confab's integration tests: the real `confab` binary, run in temporary projects.
//!
//! One test binary for everything (it links once, which keeps `cargo test` fast); each area has
//! its own module. `every_test_module_is_included` fails when a new file is not listed here.

mod util;

mod chat;
mod chat_edges;
mod chat_prompt;
mod ci_integrations;
mod cli_cases;
mod compat_atmos;
mod completions;
mod copy;
mod errors;
mod everyday;
mod export_targets;
mod external_formats;
mod fake_provider;
mod formats;
mod fuzz_smoke;
mod guide;
mod handoff;
mod handoff_codex;
mod handoff_gemini;
mod hostile;
mod html_browser;

mod html_page;
mod import_bulk;
mod import_collections;
mod import_from;
mod limits;
mod pager;
mod project_root;
mod readme;
mod redaction;
mod reports;
mod roundtrip;
mod search;
mod sessions;
mod stats;
mod store_files;
mod team_store;
mod terminal;
mod tools;
mod transfer;
mod trash;
mod validate;

#[test]
fn every_test_module_is_included() {
    let listed = include_str!("tests.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    for entry in std::fs::read_dir(dir).expect("tests/ is readable") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|extension| extension == "rs") {
            let stem = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .expect("utf-8 name");
            if stem != "tests" {
                assert!(
                    listed.contains(&format!("mod {stem};")),
                    "tests/{stem}.rs is not in tests.rs"
                );
            }
        }
    }
}

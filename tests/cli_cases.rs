//! The CLI cases that are data: a command, its exact stdout, stderr and exit code, on a prepared
//! folder. They live in `tests/cmd/` as trycmd cases (`NAME.toml` with `NAME.stdout`,
//! `NAME.stderr` and an input folder `NAME.in/` or `fs.base`), and README.md's ```console blocks
//! run the same way. Tests that are logic (concurrency, terminals, a fake server, properties)
//! stay in Rust.
//!
//! When an output changes on purpose, regenerate the expectations and review the diff:
//!
//! ```sh
//! TRYCMD=overwrite cargo test --test tests cli_cases
//! ```
//!
//! README.md's console blocks are edited by hand: `$ COMMAND`, then `? CODE` if it is not 0, then
//! the output (stdout and stderr) and one blank line. The test says what differs.

use std::path::Path;

/// Every case runs `confab` with the same clean environment as `util::Project::confab`: a fixed
/// user, UTC, and none of the developer's confab settings or provider keys (an empty variable is
/// an unset one to confab).
fn cases() -> trycmd::TestCases {
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("confab", trycmd::cargo::cargo_bin!("confab"))
        .env("HOME", "/home/tester")
        .env("USER", "tester")
        .env("TZ", "UTC");
    for (key, _) in std::env::vars() {
        if key.starts_with("CONFAB_") || key.ends_with("_API_KEY") {
            cases.env(key, "");
        }
    }
    cases
}

#[test]
fn cli_cases() {
    cases().case("tests/cmd/*.toml");
}

/// README.md's ```console blocks, in order, in one folder holding what they use: the example
/// checkpoint from `examples/` and `tests/fixtures/readme/`. The case is a copy of README.md (trycmd
/// reads only the ```console blocks), so `TRYCMD=overwrite` never rewrites the README.
#[test]
fn readme_console_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("readme.in");
    std::fs::create_dir(&input).expect("input folder");
    std::fs::copy(
        root.join("examples/incident-review.json"),
        input.join("incident-review.json"),
    )
    .expect("example");
    for entry in std::fs::read_dir(root.join("tests/fixtures/readme")).expect("readme fixtures") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, input.join(path.file_name().expect("name"))).expect("fixture");
    }
    // An `.out` folder makes trycmd run the commands in a copy of `.in`; it holds no
    // expectations.
    let output = dir.path().join("readme.out");
    std::fs::create_dir(&output).expect("output folder");
    std::fs::write(output.join(".keep"), "").expect(".keep");
    let readme = dir.path().join("readme.md");
    std::fs::copy(root.join("README.md"), &readme).expect("README.md");
    // `sessions view --print-path` writes its page to the temporary folder: this one, removed
    // with the rest.
    let temporary = dir.path().join("tmp");
    std::fs::create_dir(&temporary).expect("temporary folder");
    let cases = cases();
    cases.env("TMPDIR", temporary.display().to_string());
    cases.case(&readme);
}

//! The team store: every command does the same on a PostgreSQL store as on the SQLite file.
//!
//! The store tests (`confab_core::conformance`) hold both stores to one contract; these run the
//! real binary through the same script of commands on a project with the default SQLite store
//! and on one whose `--store` is a fresh PostgreSQL database, and compare what each command
//! printed and how it exited. Times are masked (the two runs are seconds apart), and so are the
//! sizes of trash entries, which hold the import time: its text is as long as its last digit that
//! is not zero (the stores' own tests compare sizes of the same sessions, times included). The
//! hits of a search are compared as a set: the stores rank with different measures (`bm25`,
//! `ts_rank`), so equally relevant hits may come in another order. Nothing else may differ.

use std::process::Output;

use crate::util::{Project, team_database};

/// The commands of the script, in order. Each sees what the ones before it did.
const SCRIPT: &[&[&str]] = &[
    &["sessions", "list"],
    // Two imports, so `vpc-migration` is imported after `eks-troubleshooting` in each project
    // (the files of one import are read in parallel, in no set order) and `clean --keep 1`
    // keeps the same session on both.
    &["sessions", "import", "eks-troubleshooting.json"],
    &["sessions", "import", "vpc-migration.yaml", "extra.json"],
    &["sessions", "import", "eks-troubleshooting.json"],
    &["sessions", "list"],
    &["sessions", "list", "--format", "json"],
    &["sessions", "show", "eks-troubleshooting"],
    &[
        "sessions",
        "show",
        "eks-troubleshooting",
        "--format",
        "json",
    ],
    &["sessions", "show", "no-such-session"],
    &["sessions", "search", "pods"],
    &["sessions", "search", "pod", "--format", "json"],
    &["sessions", "search", "\"stuck in pending\""],
    &["sessions", "search", "nothing-matches-this"],
    &["sessions", "search", "vpc", "--session", "vpc-migration"],
    &["sessions", "export", "vpc-migration", "--format", "json"],
    &["sessions", "export", "extra", "--format", "markdown"],
    &["sessions", "rename", "extra", "extra-renamed"],
    &[
        "sessions",
        "fork",
        "extra-renamed",
        "extra-fork",
        "--at",
        "1",
    ],
    &["sessions", "show", "extra-fork"],
    &["stats"],
    &["stats", "--format", "json"],
    &["sessions", "delete", "extra-renamed"],
    &["sessions", "trash", "list"],
    &["sessions", "search", "emoji"],
    &["sessions", "trash", "restore", "extra-renamed"],
    &["sessions", "delete", "extra-renamed", "extra-fork"],
    &["sessions", "trash", "empty"],
    &["sessions", "trash", "list"],
    &["sessions", "clean", "--older-than", "0d", "--dry-run"],
    &["sessions", "clean", "--older-than", "0d", "--keep", "1"],
    &["sessions", "list"],
    &["sessions", "clean", "--older-than", "0d", "--purge"],
    &["sessions", "list"],
    &["sessions", "trash", "list", "--format", "json"],
];

/// A third session, with text of every kind (emoji, CJK, markup) to search and render.
const EXTRA: &str = r#"{
  "version": "1.0",
  "exported_at": "2026-02-01T10:00:00Z",
  "exported_by": "tester",
  "session": {
    "name": "extra",
    "provider": "anthropic",
    "model": "claude-sonnet-4-6",
    "created_at": "2026-02-01T09:00:00Z",
    "updated_at": "2026-02-01T09:05:00Z"
  },
  "messages": [
    {"role": "user", "content": "An emoji 🚀 and 日本 and <b>markup</b>: which pods?",
     "created_at": "2026-02-01T09:00:00Z"},
    {"role": "assistant", "content": "Check the pods with `kubectl get pods`.",
     "created_at": "2026-02-01T09:05:00Z",
     "usage": {"input_tokens": 12, "output_tokens": 7}}
  ]
}"#;

fn project_with_files() -> Project {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project.fixture("atmos/vpc-migration.yaml");
    project.write("extra.json", EXTRA);
    project
}

/// What step `step` printed and how it exited, times masked, a search's hits in a set order
/// and the trash's sizes masked.
fn outcome(step: &[&str], output: &Output) -> String {
    let masked = |bytes: &[u8]| mask_times(&String::from_utf8_lossy(bytes));
    let mut stdout = masked(&output.stdout);
    if step.starts_with(&["sessions", "search"]) {
        stdout = hits_in_order(&stdout);
    }
    if step.starts_with(&["sessions", "trash", "list"]) {
        stdout = mask_sizes(&stdout);
    }
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        stdout,
        masked(&output.stderr)
    )
}

/// A search's output with its hits sorted: the JSON `hits` array, or the text's blocks (one a
/// hit, separated by an empty line).
fn hits_in_order(stdout: &str) -> String {
    if let Ok(mut json) = serde_json::from_str::<serde_json::Value>(stdout) {
        if let Some(hits) = json
            .get_mut("hits")
            .and_then(serde_json::Value::as_array_mut)
        {
            hits.sort_by_key(ToString::to_string);
        }
        return format!("{json:#}\n");
    }
    let mut blocks: Vec<&str> = stdout.trim_end_matches('\n').split("\n\n").collect();
    blocks.sort_unstable();
    format!("{}\n", blocks.join("\n\n"))
}

/// `text` with every size of a trash listing (`"size": 545`, `545 bytes`) replaced by a mark.
fn mask_sizes(text: &str) -> String {
    let size =
        regex::Regex::new(r#"("size": )\d+|\b\d+(\.\d+)? (bytes?|KiB|MiB|GiB)\b"#).expect("regex");
    size.replace_all(text, "${1}<size>").into_owned()
}

/// `text` with every date-time, and every date, replaced by a mark.
fn mask_times(text: &str) -> String {
    let time = regex::Regex::new(
        r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}| UTC)?)?",
    )
    .expect("regex");
    time.replace_all(text, "<time>").into_owned()
}

#[test]
fn every_command_does_the_same_on_both_stores() {
    let Some(database) = team_database() else {
        return;
    };
    let file = project_with_files();
    let team = project_with_files();
    let mut differences = Vec::new();
    for step in SCRIPT {
        let on_file = file.confab().args(*step).output().expect("run confab");
        let on_team = team
            .confab()
            .arg("--store")
            .arg(&database)
            .args(*step)
            .output()
            .expect("run confab");
        let (on_file, on_team) = (outcome(step, &on_file), outcome(step, &on_team));
        if on_file != on_team {
            differences.push(format!(
                "`confab {}`\n  SQLite:     {on_file:?}\n  PostgreSQL: {on_team:?}",
                step.join(" ")
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "commands differ between the stores:\n{}",
        differences.join("\n")
    );
    // The team project kept nothing of its own: its sessions are in the database.
    assert!(!team.path().join(".confab/sessions.db").exists());
}

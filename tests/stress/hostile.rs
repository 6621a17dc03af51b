//! Hostile inputs that take seconds: a 20 MiB message goes in and comes out whole.

use serde_json::{Value, json};

use crate::util::{Project, fixture_path};

#[test]
fn huge_strings_import_and_export_whole() {
    let project = Project::new();
    let mut big: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    )
    .expect("JSON");
    let content = "x".repeat(20 << 20);
    big["messages"][1]["content"] = json!(content);
    project.write("huge.json", big.to_string());
    project
        .confab()
        .args(["sessions", "import", "huge.json"])
        .assert()
        .success();
    let output = project
        .confab()
        .args(["sessions", "export", "eks-troubleshooting", "-o", "-"])
        .output()
        .expect("runs");
    let exported: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        exported["messages"][1]["content"].as_str().map(str::len),
        Some(20 << 20)
    );
}

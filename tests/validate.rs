//! `confab sessions validate`: the import checks for CI, with every problem located. The cases
//! that are a command and its exact output are in `tests/cmd/validate-*.toml`.

use crate::util::Project;

#[test]
fn atmos_checkpoints_are_valid() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project.fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .args([
            "sessions",
            "validate",
            "eks-troubleshooting.json",
            "vpc-migration.yaml",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "ok: eks-troubleshooting.json (json eks-troubleshooting, 4 messages)",
        ))
        .stdout(predicates::str::contains(
            "ok: vpc-migration.yaml (yaml vpc-migration, 3 messages)",
        ));
}

#[test]
fn format_comes_from_flag_extension_or_content() {
    let project = Project::new();
    let json = std::fs::read(crate::util::fixture_path("atmos/eks-troubleshooting.json"))
        .expect("fixture");
    project.write("no-extension", &json);
    project.write("wrong.txt", &json);
    project
        .confab()
        .args(["sessions", "validate", "no-extension"])
        .assert()
        .success();
    project
        .confab()
        .args([
            "sessions",
            "validate",
            "--input-format",
            "json",
            "wrong.txt",
        ])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "validate", "-"])
        .write_stdin(json)
        .assert()
        .success()
        .stdout(predicates::str::contains("ok: <stdin>"));
}

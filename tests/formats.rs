//! `confab schema` (`confab formats` is the case `tests/cmd/formats.toml`).

use crate::util::Project;

#[test]
fn schema_prints_the_schema_file() {
    let project = Project::new();
    let printed = project
        .confab()
        .arg("schema")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let on_disk = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/checkpoint-v1.schema.json"),
    )
    .expect("schema file");
    assert_eq!(printed, on_disk);
}

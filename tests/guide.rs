//! `docs/writing-a-format.md` shows real, compiled code: its Rust and TOML blocks are the files
//! of `formats/text`, and its `confab formats` transcript is what the binary prints.

use crate::util::Project;

const GUIDE: &str = include_str!("../docs/writing-a-format.md");

fn block(language: &str) -> &'static str {
    let fence = format!("```{language}\n");
    let start = GUIDE.find(&fence).expect("the guide has the block") + fence.len();
    let end = start + GUIDE[start..].find("```\n").expect("closed block");
    &GUIDE[start..end]
}

#[test]
fn the_guide_shows_the_example_crate_as_it_is() {
    let lib = include_str!("../formats/text/src/lib.rs");
    let shown = block("rust");
    assert!(
        lib.starts_with(shown),
        "docs/writing-a-format.md's code differs from formats/text/src/lib.rs"
    );
    assert_eq!(block("toml"), include_str!("../formats/text/Cargo.toml"));
}

#[test]
fn the_example_format_registers_and_shows_up_in_confab_formats() {
    let expected = block("console")
        .strip_prefix("$ confab formats\n")
        .expect("the formats transcript");
    let project = Project::new();
    project
        .confab()
        .arg("formats")
        .assert()
        .success()
        .stdout(expected.to_owned());
    assert!(expected.contains("text"), "the example format is listed");
}

#[test]
fn the_example_format_exports() {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-o",
            "chat.txt",
        ])
        .assert()
        .success();
    let text = project.read("chat.txt");
    assert!(
        text.starts_with(
            "eks-troubleshooting (openai gpt-4o)\n\n[2025-10-29T15:20:05.000211Z] user:\n"
        ),
        "{text}"
    );
}

#[test]
fn the_guide_shows_the_downstream_binary_as_it_is() {
    let fence = "### Rust: your own binary";
    let section = &GUIDE[GUIDE.find(fence).expect("the Rust section")..];
    let start = section.find("```rust\n").expect("a Rust block") + "```rust\n".len();
    let end = start + section[start..].find("```\n").expect("closed block");
    assert_eq!(
        &section[start..end],
        include_str!("../examples/custom-confab/src/main.rs")
    );
}

//! Every example in README.md is run, so the README cannot drift from what confab does.
//!
//! - The first `sh` block's first line is the main job: it runs from the repository root.
//! - Each `console` block is a transcript: `$ confab ...` lines are run, in order, in one temporary
//!   project seeded with `tests/fixtures/readme/`, and the lines after each command must equal its
//!   output (stdout, then stderr).

use crate::util::{Project, fixture_path};

const README: &str = include_str!("../README.md");

fn blocks(language: &str) -> Vec<String> {
    let fence = format!("```{language}\n");
    let mut blocks = Vec::new();
    let mut rest = README;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```\n").expect("closed code block");
        blocks.push(body[..end].to_owned());
        rest = &body[end..];
    }
    blocks
}

fn seed(project: &Project) {
    let dir = fixture_path("readme");
    for entry in std::fs::read_dir(&dir).expect("readme fixtures") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        project.write(&name, std::fs::read(&path).expect("fixture"));
    }
}

fn split_args(line: &str) -> Vec<String> {
    // The README's commands quote nothing; keep it that way or teach this function quoting.
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn the_main_job_runs() {
    let first = blocks("sh")
        .into_iter()
        .next()
        .expect("README starts with a sh block");
    let line = first.lines().next().expect("main job line");
    let command = line.split('#').next().expect("command").trim();
    let args = command.split_once(" -- ").expect("cargo run -- ARGS").1;
    let mut confab = assert_cmd::Command::cargo_bin("confab").expect("built");
    confab
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(split_args(args))
        .assert()
        .success();
}

#[test]
fn console_examples_print_what_the_readme_says() {
    let transcripts = blocks("console");
    assert!(!transcripts.is_empty(), "README has console examples");
    for transcript in transcripts {
        let project = Project::new();
        seed(&project);
        let mut steps: Vec<(String, String)> = Vec::new();
        for line in transcript.lines() {
            match line.strip_prefix("$ ") {
                Some(command) => steps.push((command.to_owned(), String::new())),
                None => {
                    let (_, expected) = steps.last_mut().expect("output follows a command");
                    expected.push_str(line);
                    expected.push('\n');
                }
            }
        }
        for (command, expected) in steps {
            let args = split_args(command.strip_prefix("confab ").expect("a confab command"));
            let output = project.confab().args(&args).output().expect("runs");
            let actual = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert_eq!(actual, expected, "README example `{command}`");
        }
    }
}

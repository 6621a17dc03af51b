//! Every example in README.md is run, so the README cannot drift from what confab does.
//!
//! - The first `sh` block's first line is the main job: its `cargo run` commands run, in order, in
//!   a temporary project holding a copy of `examples/`.
//! - The `confab.yaml` example is a valid settings file.
//! - The chat examples (`sh` blocks that run `confab chat`, and the providers' `confab.yaml`) run
//!   against a fake provider on 127.0.0.1 standing in for Ollama, OpenAI and a vLLM server.
//! - The `console` blocks are trycmd transcripts, run by `cli_cases::readme_console_examples`.

use crate::fake_provider::{FakeProvider, openai_answer};
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
    let project = Project::new();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(examples).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            // examples/custom-confab, a crate, is no README material.
            continue;
        }
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        project.write(
            &format!("examples/{name}"),
            std::fs::read(&path).expect("example"),
        );
    }
    let mut last_output = Vec::new();
    // Twice: the main job must work again on a store it already filled.
    for _ in 0..2 {
        for command in line.split("&&") {
            let args = command.split_once(" -- ").expect("cargo run ... -- ARGS").1;
            let output = project
                .confab()
                .args(split_args(args))
                .output()
                .expect("runs");
            assert!(
                output.status.success(),
                "`{args}`: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            last_output = output.stdout;
        }
    }
    let report = String::from_utf8(last_output).expect("utf-8");
    assert!(report.starts_with("# incident-review\n"), "{report}");
}

#[test]
fn the_settings_example_is_valid_and_works_as_the_readme_says() {
    let example = blocks("yaml")
        .into_iter()
        .find(|block| block.starts_with("# confab.yaml\n"))
        .expect("README shows a confab.yaml");
    let project = Project::new();
    project.write("confab.yaml", &example);
    project
        .confab()
        .args(["sessions", "clean", "--dry-run"])
        .assert()
        .success()
        .stdout(predicates::str::starts_with(
            "No sessions inactive for more than 8w (last active before ",
        ))
        .stdout(predicates::str::ends_with(
            "), beyond the 10 most recent.\n",
        ));
    // Copied as it is, with the one step the README gives, the settings serve every export.
    project
        .confab()
        .args(["templates", "new", "incident"])
        .assert()
        .success();
    project.write(
        "incident-review.json",
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/incident-review.json"),
        )
        .expect("example"),
    );
    project
        .confab()
        .args(["sessions", "import", "incident-review.json"])
        .assert()
        .success();
    for output in ["r.md", "r.json", "r.yaml"] {
        project
            .confab()
            .args([
                "sessions",
                "export",
                "incident-review",
                "-o",
                output,
                "--context",
            ])
            .assert()
            .success();
    }
    assert!(project.read("r.md").starts_with("# incident-review\n"));
}

#[test]
fn the_checkpoint_example_is_valid() {
    let example = blocks("yaml")
        .into_iter()
        .find(|block| block.starts_with("version: \"1.0\""))
        .expect("README shows a checkpoint");
    let project = Project::new();
    project.write("example.yaml", &example);
    project
        .confab()
        .args(["sessions", "validate", "example.yaml"])
        .assert()
        .success();
}

#[test]
fn the_ci_examples_work() {
    let project = Project::new();
    project.write(
        "checkpoints/eks.json",
        std::fs::read(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    );

    // The GitHub Actions step's confab line.
    let step = blocks("yaml")
        .into_iter()
        .find(|block| block.contains("confab sessions validate --format github"))
        .expect("README shows a GitHub Actions step");
    let line = step
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("confab sessions validate"))
        .expect("the validate line");
    let args = split_args(line.strip_prefix("confab ").expect("confab"));
    project.confab().args(&args).assert().success();

    // The pre-commit hook the README names exists, and its entry runs on a checkpoint.
    let config = blocks("yaml")
        .into_iter()
        .find(|block| block.starts_with("# .pre-commit-config.yaml"))
        .expect("README shows a pre-commit config");
    let hooks_file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let hooks: Vec<serde_json::Value> =
        serde_saphyr::from_str(&std::fs::read_to_string(hooks_file).expect("hooks file"))
            .expect("valid YAML");
    let hook = hooks
        .iter()
        .find(|hook| config.contains(&format!("id: {}", hook["id"].as_str().unwrap_or("?"))))
        .expect("the README's hook id is in .pre-commit-hooks.yaml");
    assert_eq!(hook["language"], "rust");
    let entry = hook["entry"].as_str().expect("entry");
    let mut args = split_args(entry.strip_prefix("confab ").expect("entry runs confab"));
    args.push("checkpoints/eks.json".to_owned());
    project.confab().args(&args).assert().success();
}

#[test]
fn the_chat_examples_work_against_a_local_server() {
    let provider = FakeProvider::start();
    let project = Project::new();
    // Ollama and OpenAI as the README uses them, only elsewhere.
    project.write(
        "confab.yaml",
        format!(
            "providers:\n  ollama:\n    base_url: {url}/v1\n  openai:\n    base_url: {url}/v1\n",
            url = provider.url()
        ),
    );
    let chat_blocks: Vec<String> = blocks("sh")
        .into_iter()
        .filter(|block| block.contains("confab chat"))
        .collect();
    assert_eq!(chat_blocks.len(), 2, "an Ollama and an OpenAI example");
    let mut environment: Vec<(String, String)> = Vec::new();
    let mut runs = 0;
    for line in chat_blocks.iter().flat_map(|block| block.lines()) {
        let words = shlex::split(line).expect("shell words");
        match words.first().map(String::as_str) {
            Some("export") => {
                let (name, value) = words[1].split_once('=').expect("NAME=value");
                environment.push((name.to_owned(), value.to_owned()));
            }
            Some("confab") => {
                provider.push(openai_answer("served-model", "An answer.", (10, 2)));
                let mut command = project.confab();
                command.envs(environment.iter().cloned()).args(&words[1..]);
                if !words.iter().any(|word| word == "--message") {
                    // The interactive example; a piped message makes it answer once.
                    command.write_stdin("Hello from the README");
                }
                let output = command.output().expect("runs");
                assert!(output.status.success(), "`{line}`: {output:?}");
                assert_eq!(output.stdout, b"An answer.\n");
                runs += 1;
            }
            _ => {} // `ollama pull`: the server's business
        }
    }
    assert_eq!(runs, 2);
    let requests = provider.requests();
    assert_eq!(
        requests[0].body["model"], "llama3.2",
        "Ollama's default model"
    );
    assert_eq!(
        requests[0].header("authorization"),
        None,
        "Ollama needs no key"
    );
    assert_eq!(requests[1].body["model"], "gpt-4o-mini");
    assert_eq!(requests[1].header("authorization"), Some("Bearer sk-..."));
    assert_eq!(
        requests[1].roles(),
        ["user", "assistant", "user"],
        "the OpenAI example resumes the Ollama session"
    );
    let export = project
        .confab()
        .args(["sessions", "export", "tf-review", "-o", "-"])
        .output()
        .expect("runs");
    let checkpoint: serde_json::Value = serde_json::from_slice(&export.stdout).expect("JSON");
    assert_eq!(checkpoint["session"]["provider"], "openai");
    assert_eq!(
        checkpoint["session"]["metadata"]["model_changes"][0]["from"]["provider"],
        "ollama"
    );
}

#[test]
fn the_providers_example_is_valid_and_reaches_its_server() {
    let provider = FakeProvider::start();
    let example = blocks("yaml")
        .into_iter()
        .find(|block| block.starts_with("# confab.yaml: chat providers"))
        .expect("README shows the providers' settings");
    let server = "http://gpu-box:8000/v1";
    assert!(example.contains(server));
    let project = Project::new();
    project.write(
        "confab.yaml",
        example.replace(server, &format!("{}/v1", provider.url())),
    );
    provider.push(openai_answer("served-model", "Hi.", (1, 1)));
    project
        .confab()
        .args(["chat", "--provider", "vllm", "--message", "Hi"])
        .env("VLLM_API_KEY", "vllm-key")
        .assert()
        .success()
        .stdout("Hi.\n");
    let request = provider.only_request();
    assert_eq!(request.body["model"], "Qwen/Qwen2.5-7B-Instruct");
    assert_eq!(request.header("authorization"), Some("Bearer vllm-key"));
}

#[test]
fn the_import_from_example_works_on_a_recorded_history() {
    let block = blocks("sh")
        .into_iter()
        .find(|block| block.contains("sessions import --from"))
        .expect("README shows import --from");
    let line = block.lines().next().expect("a command");
    let command = line.split('#').next().unwrap_or(line);
    let words = shlex::split(command).expect("shell words");
    assert_eq!(words[..2], ["confab", "sessions"]);

    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    let recorded = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "formats/claude-code/tests/fixtures/recorded/main/5b8f831c-7276-41c0-9604-c27f0b53f96d.jsonl",
        ),
    )
    .expect("recorded transcript");
    let moved = recorded.replace(
        "/tmp/confab-rec-claude.J6q7ZG/main/project",
        &project.path().to_string_lossy(),
    );
    let folder = claude.path().join("projects/-project");
    std::fs::create_dir_all(&folder).expect("folders");
    std::fs::write(folder.join("5b8f831c.jsonl"), moved).expect("write");
    let output = project
        .confab()
        .env("CLAUDE_CONFIG_DIR", claude.path())
        .args(&words[1..])
        .output()
        .expect("runs");
    assert!(output.status.success(), "`{line}`: {output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("Imported 1 session from 1 file"),
        "{output:?}"
    );
}

#[test]
fn the_hand_off_example_works() {
    let example = blocks("sh")
        .into_iter()
        .find(|block| block.contains("confab resume"))
        .expect("README shows a hand-off");
    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    project.write(
        "checkpoints/eks.json",
        std::fs::read(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    );
    let mut printed = String::new();
    for line in example.lines().filter(|line| !line.trim().is_empty()) {
        let args = split_args(line.strip_prefix("confab ").expect("a confab command"));
        let output = project
            .confab()
            .env("CLAUDE_CONFIG_DIR", claude.path())
            .args(&args)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{line}: {output:?}");
        if line.contains("confab resume") {
            printed = String::from_utf8(output.stdout).expect("utf-8");
        }
    }
    let id = printed
        .trim()
        .strip_prefix("claude --resume ")
        .unwrap_or_else(|| panic!("printed {printed:?}"));
    let written = walkdir_files(&claude.path().join("projects"));
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(written[0].ends_with(format!("{id}.jsonl")), "{written:?}");
}

fn walkdir_files(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walkdir_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_team_store_examples_work_against_a_database() {
    let Some(database) = crate::util::team_database() else {
        return;
    };
    const README_DATABASE: &str = "postgres://db.internal.example/confab";
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project.import_fixture("atmos/vpc-migration.yaml");

    // Publish everything, then take one session home into a second project's own store.
    let copies = blocks("sh")
        .into_iter()
        .find(|block| block.contains("sessions copy --all --to"))
        .expect("README shows sessions copy");
    let home = Project::new();
    for (line, folder) in copies.lines().zip([&project, &home]) {
        let line = line.replace(README_DATABASE, &database);
        let words = shlex::split(&line).expect("shell words");
        let output = folder.confab().args(&words[1..]).output().expect("runs");
        assert!(output.status.success(), "`{line}`: {output:?}");
    }
    assert_eq!(home.session_names(), ["vpc-migration"]);

    // The committed settings make the database every command's store.
    let settings = blocks("yaml")
        .into_iter()
        .find(|block| block.contains("store: postgres://"))
        .expect("README shows sessions.store");
    let teammate = Project::new();
    teammate.write(
        "confab.yaml",
        settings.replace(&format!("{README_DATABASE}?sslmode=verify-full"), &database),
    );
    assert_eq!(
        teammate.session_names(),
        ["eks-troubleshooting", "vpc-migration"]
    );
}

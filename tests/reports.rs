//! Markdown reports from the command line: export by extension or `--format markdown`, user
//! templates by file, by name and from `confab.yaml`, `confab templates`, and their errors.

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::util::Project;

fn project() -> Project {
    let project = Project::new();
    project.import_fixture("../../examples/incident-review.json");
    project
}

#[test]
fn export_analysis_output_report_md_format_markdown() {
    let project = project();
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "--output",
            "report.md",
            "--format",
            "markdown",
        ])
        .assert()
        .success()
        .stderr("Exported session incident-review to report.md (markdown, 5 messages)\n");
    let report = project.read("report.md");
    assert!(report.starts_with("# incident-review\n"), "{report}");
    assert!(
        report.contains("### 5. Assistant · 2026-11-01 08:04:30 UTC"),
        "{report}"
    );
    // Prose reads as Markdown (its own code block included); tool traffic is fenced.
    assert!(
        report.contains(
            "### 2. User · 2026-11-01 08:00:05 UTC\n\np99 latency of the payments API tripled"
        ),
        "{report}"
    );
    assert!(
        report.contains("dropped `ledger_account_id_idx`:\n\n```sql\nCREATE INDEX"),
        "{report}"
    );
    assert!(
        report.contains("```text\nselect * from ledger where account_id = $1 | 412.7 ms\n```"),
        "{report}"
    );
    assert!(
        report.contains("```json\n{\n  \"command\": \"psql"),
        "{report}"
    );
}

#[test]
fn markdown_is_chosen_by_extension_and_alias() {
    let project = project();
    std::fs::create_dir(project.path().join("docs")).expect("mkdir");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "--output",
            "docs/review.md",
        ])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "export", "incident-review", "-o", "r.MARKDOWN"])
        .assert()
        .success();
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "-",
            "-f",
            "md",
        ])
        .assert()
        .success()
        .stdout(contains("# incident-review"));
    // Two exports a moment apart differ only in their export time, which may cross a second.
    let without_export_time = |text: String| -> String {
        text.lines()
            .filter(|line| !line.starts_with("| Exported at |"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        without_export_time(project.read("docs/review.md")),
        without_export_time(project.read("r.MARKDOWN"))
    );
}

#[test]
fn export_with_context_shows_the_project_context() {
    let project = project();
    project.write("CONFAB.md", "# House rules\nNo Friday deploys.\n");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "r.md",
            "--context",
        ])
        .assert()
        .success();
    let report = project.read("r.md");
    assert!(report.contains("## Project context"), "{report}");
    assert!(report.contains("No Friday deploys."), "{report}");
    project
        .confab()
        .args(["sessions", "export", "incident-review", "-o", "plain.md"])
        .assert()
        .success();
    assert!(!project.read("plain.md").contains("## Project context"));
}

#[test]
fn the_documented_template_example_works() {
    // docs/templates.md, section "Example".
    let project = project();
    project.write(
        ".confab/templates/brief.hbs",
        "{{!-- .confab/templates/brief.hbs --}}\n{{> header}}\n{{#each (only_role (skip_archived messages) \"assistant\")}}\n- **{{time created_at \"%H:%M\"}}** {{truncate content 80}}\n{{/each}}\n",
    );
    project.write(
        ".confab/templates/header.hbs",
        "{{!-- .confab/templates/header.hbs --}}\n# {{session.name}} ({{count messages}} messages, {{session.model}})\n",
    );
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "brief.md",
            "--template",
            "brief",
        ])
        .assert()
        .success();
    assert_eq!(
        project.read("brief.md"),
        "# incident-review (5 messages, claude-sonnet-4-6)\n\
         - **08:00** Let me look at the slow query log first.\n\
         - **08:04** The ledger lookup went from ~3 ms to 412 ms. The 07:38 migration dropped `ledger…\n"
    );
}

#[test]
fn templates_come_from_a_file_or_confab_yaml() {
    let project = project();
    let report = |extra: &[&str]| {
        let output = project
            .confab()
            .args([
                "sessions",
                "export",
                "incident-review",
                "-o",
                "-",
                "-f",
                "md",
            ])
            .args(extra)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    };
    project.write(
        "mine/one-line.hbs",
        "{{session.name}}: {{len messages}} messages\n",
    );
    assert_eq!(
        report(&["--template", "mine/one-line.hbs"]),
        "incident-review: 5 messages\n"
    );
    project.write(".confab/templates/short.hbs", "short {{session.name}}\n");
    project.write("confab.yaml", "templates:\n  default: short\n");
    assert_eq!(report(&[]), "short incident-review\n");
    // --template wins over the configured default.
    assert_eq!(
        report(&["--template", "mine/one-line.hbs"]),
        "incident-review: 5 messages\n"
    );
}

#[test]
fn template_errors_are_clear_and_leave_no_file() {
    let project = project();
    project.write(
        ".confab/templates/typo.hbs",
        "# {{session.name}}\n{{session.nmae}}\n",
    );
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "r.md",
            "--template",
            "typo",
        ])
        .assert()
        .code(1)
        .stderr(contains("typo.hbs:2:1"))
        .stderr(contains("session.nmae"));
    assert!(
        !project.path().join("r.md").exists(),
        "a failed export leaves no file"
    );
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "r.md",
            "--template",
            "nope",
        ])
        .assert()
        .code(1)
        .stderr(contains("no template named \"nope\""))
        .stderr(contains("the project's templates are: typo"));
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "r.json",
            "--template",
            "typo",
        ])
        .assert()
        .code(2)
        .stderr(contains(
            "--template applies to report formats; json does not use templates",
        ));
}

#[test]
fn reports_cannot_be_imported() {
    let project = project();
    project
        .confab()
        .args(["sessions", "export", "incident-review", "-o", "report.md"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "import", "report.md", "--name", "again"])
        .assert()
        .code(2)
        .stderr(contains(
            "report.md is a markdown file, a report format that cannot be imported",
        ))
        .stderr(contains(
            "formats that import: chatgpt (.chatgpt), claude-ai (.claude-ai), claude-code (.jsonl), codex (.jsonl), gemini (.gemini), json (.json), llm (.llm), openai (.openai), opencode (.opencode), yaml (.yaml, .yml)",
        ));
}

#[test]
fn templates_list_and_show() {
    let project = project();
    project.write(".confab/templates/brief.hbs", "brief\n");
    project.write("confab.yaml", "templates:\n  default: brief\n");
    project
        .confab()
        .args(["templates", "list"])
        .assert()
        .success()
        .stdout("TEMPLATE  SOURCE                       DEFAULT\ndefault   (built in)\nbrief     .confab/templates/brief.hbs  yes\n");
    let shown = project
        .confab()
        .args(["templates", "show", "default"])
        .output()
        .expect("runs")
        .stdout;
    let file = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/default.md.hbs"),
    )
    .expect("file");
    assert_eq!(shown, file, "show default prints templates/default.md.hbs");
    project
        .confab()
        .args(["templates", "show", "brief"])
        .assert()
        .success()
        .stdout("brief\n");
    project
        .confab()
        .args(["templates", "show", "nope"])
        .assert()
        .code(1)
        .stderr(contains("no template named"));
}

/// The files in the project's root folder.
fn root_files(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.path())
        .expect("read")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn templates_too_deep_for_the_stack_are_refused_and_leave_nothing() {
    let project = project();
    // Each in a folder of its own: every template beside a template is one of its partials.
    project.write("loop/ping.hbs", "{{#if true}}{{> pong}}{{/if}}");
    project.write("loop/pong.hbs", "{{> ping}}");
    project.write(
        "blocks/blocks.hbs",
        format!(
            "{}x{}",
            "{{#if true}}".repeat(8_000),
            "{{/if}}".repeat(8_000)
        ),
    );
    project.write(
        "calls/calls.hbs",
        format!(
            "{{{{upper {}session.name{}}}}}",
            "(lower ".repeat(5_000),
            ")".repeat(5_000)
        ),
    );
    let before = root_files(&project);
    for (template, error) in [
        (
            "loop/ping.hbs",
            "partials include each other without end (pong > ping > pong)",
        ),
        (
            "blocks/blocks.hbs",
            "blocks.hbs:1: nested more than 64 levels deep",
        ),
        (
            "calls/calls.hbs",
            "calls.hbs:1: nested more than 64 levels deep",
        ),
    ] {
        project
            .confab()
            .args([
                "sessions",
                "export",
                "incident-review",
                "-o",
                "r.md",
                "--template",
                template,
            ])
            .assert()
            .code(1)
            .stderr(contains(error));
        assert_eq!(root_files(&project), before, "nothing is left behind");
    }
}

/// A key the redactor knows (`github-token`), for the leak tests.
const GITHUB_TOKEN: &str = "ghp_R8t2kQ9vXw4LmN7pZc3bY6hJ1sF5gD0aE2uI";

#[test]
fn a_partial_linked_out_of_its_folder_is_refused() {
    let project = project();
    project.write(".confab/templates/leak.hbs", "{{> env}}\n");
    std::os::unix::fs::symlink(
        "/proc/self/environ",
        project.path().join(".confab/templates/env.hbs"),
    )
    .expect("symlink");
    project
        .confab()
        .env(
            "OPENAI_API_KEY",
            "sk-proj-confabtestkey0123456789abcdefABCDEF",
        )
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "r.md",
            "--template",
            "leak",
            "--redact",
        ])
        .assert()
        .code(1)
        .stderr(contains("env.hbs leads outside its folder, to /proc/"))
        .stderr(contains("confabtestkey").not());
    assert!(!project.path().join("r.md").exists());
}

#[test]
fn templates_and_instructions_outside_the_project_are_refused() {
    let project = project();
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("secret.hbs");
    std::fs::write(&secret, format!("token {GITHUB_TOKEN}\n")).expect("write");
    std::os::unix::fs::symlink(&secret, project.path().join("linked.hbs")).expect("symlink");
    for (settings, what) in [
        (
            "templates:\n  default: /etc/passwd\n",
            "the template /etc/passwd is outside the project",
        ),
        (
            "templates:\n  default: linked.hbs\n",
            "linked.hbs is outside the project (it leads to",
        ),
        (
            "context:\n  instructions: /etc/passwd\n",
            "the instructions file /etc/passwd is outside the project",
        ),
    ] {
        project.write("confab.yaml", settings);
        project
            .confab()
            .args([
                "sessions",
                "export",
                "incident-review",
                "-o",
                "r.md",
                "--context",
            ])
            .assert()
            .code(2)
            .stderr(contains(what))
            .stderr(contains("must be a file inside the project"));
        assert!(!project.path().join("r.md").exists());
    }
    project.write("confab.yaml", "");
    project
        .confab()
        .args(["templates", "show", "linked.hbs"])
        .assert()
        .code(2)
        .stderr(contains("is outside the project"))
        .stdout("");
}

#[test]
fn redact_scans_what_a_report_writes_not_only_the_session() {
    let project = project();
    project.write(
        ".confab/templates/notes.hbs",
        format!("# {{{{session.name}}}}\nDeploy token: {GITHUB_TOKEN}\n"),
    );
    project.write("CONFAB.md", format!("Use {GITHUB_TOKEN} to deploy.\n"));
    for (args, count) in [
        (
            &["--template", "notes"][..],
            "1 secret redacted: 1 github-token",
        ),
        (&["--context"][..], "1 secret redacted: 1 github-token"),
    ] {
        project
            .confab()
            .args([
                "sessions",
                "export",
                "incident-review",
                "-o",
                "r.md",
                "--redact",
            ])
            .args(args)
            .assert()
            .success()
            .stderr(contains(count));
        let report = project.read("r.md");
        assert!(!report.contains(GITHUB_TOKEN), "{report}");
        assert!(report.contains("[REDACTED:github-token]"), "{report}");
    }
    // Text transcripts and standard output too.
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "-",
            "-f",
            "markdown",
            "--template",
            "notes",
            "--redact",
        ])
        .assert()
        .success()
        .stdout(contains(GITHUB_TOKEN).not())
        .stderr(contains("1 secret redacted"));
}

#[test]
fn the_built_in_template_is_called_default_as_templates_list_shows_it() {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    let export = |args: &[&str]| {
        let output = project
            .confab()
            // Without the export's own time, which differs from run to run.
            .args([
                "sessions",
                "export",
                "eks-troubleshooting",
                "--format",
                "markdown",
                "--no-metadata",
            ])
            .args(args)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{args:?}: {output:?}");
        output.stdout
    };
    let built_in = export(&[]);
    assert_eq!(export(&["--template", "default"]), built_in);
    project.write("confab.yaml", "templates:\n  default: default\n");
    assert_eq!(export(&[]), built_in);
    // A project template called default is the project's.
    project.write(".confab/templates/default.hbs", "mine: {{session.name}}\n");
    assert_eq!(
        export(&["--template", "default"]),
        b"mine: eks-troubleshooting\n"
    );
}

#[test]
fn templates_new_starts_a_project_template_and_never_overwrites_one() {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project
        .confab()
        .args(["templates", "new", "handover"])
        .assert()
        .success()
        .stderr(contains(
            "Created .confab/templates/handover.hbs from default; use it with --template handover",
        ));
    assert_eq!(
        project.read(".confab/templates/handover.hbs"),
        confab_format_markdown::DEFAULT_TEMPLATE
    );
    project.write(".confab/templates/handover.hbs", "# {{session.name}}\n");
    project
        .confab()
        .args(["templates", "new", "handover"])
        .assert()
        .code(1)
        .stderr(contains("already exists"));
    assert_eq!(
        project.read(".confab/templates/handover.hbs"),
        "# {{session.name}}\n"
    );
    project
        .confab()
        .args(["templates", "new", "short", "--from", "handover"])
        .assert()
        .success();
    let output = project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "--format",
            "md",
            "--template",
            "short",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.stdout, b"# eks-troubleshooting\n");
    project
        .confab()
        .args(["templates", "new", "../escape"])
        .assert()
        .code(2);
}

#[test]
fn a_broken_template_breaks_only_itself_and_names_its_file_and_line() {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project.write(".confab/templates/good.hbs", "# {{session.name}}\n");
    project.write(
        ".confab/templates/broken.hbs",
        "fine\n{{#if session.name}}\nnever closed\n",
    );
    project.write(".confab/templates/uses.hbs", "{{> broken}}\n");
    let export = |template: &str| {
        project
            .confab()
            .args([
                "sessions",
                "export",
                "eks-troubleshooting",
                "--format",
                "md",
                "--template",
                template,
            ])
            .output()
            .expect("runs")
    };
    let good = export("good");
    assert!(good.status.success(), "{good:?}");
    assert_eq!(good.stdout, b"# eks-troubleshooting\n");
    let default = export("default");
    assert!(default.status.success(), "{default:?}");
    for template in ["broken", "uses"] {
        let output = export(template);
        assert_eq!(output.status.code(), Some(1), "{template}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("broken.hbs"), "{template}: {stderr}");
        assert!(
            stderr.contains(":2:")
                || stderr.contains("line 2")
                || stderr.contains(":4:")
                || stderr.contains("line 4"),
            "{template}: {stderr}"
        );
    }
}

//! `confab completions SHELL` and `confab man`: scripts and pages generated from the command
//! line, checked as the shells and `man` would take them.

use std::process::Command as ProcessCommand;

use crate::util::Project;

/// What `confab ARGS` printed on stdout, after checking that it succeeded.
fn stdout_of(project: &Project, args: &[&str]) -> String {
    let output = project.confab().args(args).output().expect("confab runs");
    assert!(
        output.status.success(),
        "confab {args:?} failed: {output:?}"
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

#[test]
fn the_bash_script_is_valid_bash_and_completes_the_subcommands() {
    let project = Project::new();
    let script = stdout_of(&project, &["completions", "bash"]);
    assert!(script.contains("sessions"), "{script}");
    assert!(script.contains("import"), "{script}");
    // The function bash calls for `confab <Tab>` is defined and registered.
    assert!(script.contains("complete -F _confab"), "{script}");
    let path = project.write("confab.bash", &script);
    let checked = ProcessCommand::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(
        checked.status.success(),
        "bash -n rejects the script: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// What the bash script offers for the last word of `words`, as bash would ask it on Tab.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let program = format!(
        "source \"$1\"\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD={cword}\n\
         COMP_LINE={line:?}\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         _confab confab {current:?} {previous:?}\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = words
            .iter()
            .map(|word| format!("{word:?}"))
            .collect::<Vec<_>>()
            .join(" "),
        cword = words.len() - 1,
        current = words[words.len() - 1],
        previous = words[words.len() - 2],
    );
    let output = ProcessCommand::new("bash")
        .arg("-c")
        .arg(program)
        .arg("bash")
        .arg(script)
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_bash_script_completes_commands_and_values_when_sourced() {
    let project = Project::new();
    let script = stdout_of(&project, &["completions", "bash"]);
    let path = project.write("confab.bash", &script);
    assert_eq!(
        bash_completes(&path, &["confab", "sessions", "im"]),
        ["import"]
    );
    let shells = bash_completes(&path, &["confab", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(shells.iter().any(|offered| offered == shell), "{shells:?}");
    }
}

#[test]
fn bash_rejects_a_broken_script_so_the_check_above_means_something() {
    let project = Project::new();
    let path = project.write("broken.bash", "_confab() {\n  if true; then\n}\n");
    let checked = ProcessCommand::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(!checked.status.success());
}

#[test]
fn every_other_shell_gets_a_script_that_knows_the_commands() {
    let project = Project::new();
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&project, &["completions", shell]);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        assert!(script.contains("sessions"), "{shell}: {script}");
        assert!(script.contains("import"), "{shell}: {script}");
    }
}

#[test]
fn each_shell_gets_its_own_script() {
    let project = Project::new();
    let scripts: Vec<String> = ["bash", "zsh", "fish", "powershell", "elvish"]
        .iter()
        .map(|shell| stdout_of(&project, &["completions", shell]))
        .collect();
    for (at, script) in scripts.iter().enumerate() {
        for other in &scripts[at + 1..] {
            assert_ne!(script, other);
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let project = Project::new();
    let output = project
        .confab()
        .args(["completions", "tcsh"])
        .output()
        .expect("confab runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("tcsh"), "{stderr}");
    assert!(stderr.contains("bash"), "{stderr}");
}

#[test]
fn a_missing_shell_is_a_usage_error() {
    let project = Project::new();
    project
        .confab()
        .arg("completions")
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn the_man_page_is_roff_for_confab() {
    let project = Project::new();
    let page = stdout_of(&project, &["man"]);
    let title = page
        .lines()
        .find(|line| line.starts_with(".TH "))
        .unwrap_or_else(|| panic!("no .TH line: {page}"));
    assert!(title.starts_with(".TH confab 1"), "{title}");
    assert!(title.contains(env!("CARGO_PKG_VERSION")), "{title}");
    // Nothing but roff before the title: the string definitions clap_mangen starts with.
    for line in page.lines().take_while(|line| !line.starts_with(".TH ")) {
        assert!(line.starts_with('.'), "not a roff request: {line}");
    }
    assert!(page.contains(".SH NAME\nconfab "), "{page}");
    assert!(page.contains("sessions"), "{page}");
}

#[test]
fn man_out_writes_one_page_per_command() {
    let project = Project::new();
    let listed = stdout_of(&project, &["man", "--out", "pages/man1"]);
    let folder = project.path().join("pages/man1");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .expect("the folder was created")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    for expected in [
        "confab.1",
        "confab-chat.1",
        "confab-sessions.1",
        "confab-sessions-import.1",
        "confab-sessions-export.1",
        "confab-templates-show.1",
        "confab-completions.1",
        "confab-man.1",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected} in {names:?}"
        );
    }
    // Only pages: no temporary files left, no page for clap's `help`.
    for name in &names {
        assert!(name.starts_with("confab") && name.ends_with(".1"), "{name}");
    }
    assert!(!names.iter().any(|name| name.contains("help")), "{names:?}");
    // Each written page is printed, one a line.
    assert_eq!(listed.lines().count(), names.len(), "{listed}");
    let import = project.read("pages/man1/confab-sessions-import.1");
    assert!(import.contains(".TH confab-sessions-import 1"), "{import}");
    assert!(import.contains("\\-\\-from"), "{import}");
    assert!(
        import.contains(&format!("confab {}", env!("CARGO_PKG_VERSION"))),
        "{import}"
    );
}

#[test]
fn man_out_replaces_old_pages() {
    let project = Project::new();
    project.write("man/confab.1", "an old page");
    stdout_of(&project, &["man", "--out", "man"]);
    let page = project.read("man/confab.1");
    assert!(page.contains(".TH confab 1"), "{page}");
    assert!(!page.contains("an old page"), "{page}");
}

#[test]
fn man_out_into_a_file_fails_and_says_where() {
    let project = Project::new();
    project.write("taken", "a file, not a folder");
    let output = project
        .confab()
        .args(["man", "--out", "taken"])
        .output()
        .expect("confab runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("taken"), "{stderr}");
    assert_eq!(project.read("taken"), "a file, not a folder");
}

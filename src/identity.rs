//! Who is running confab: the name a session records as its creator and last changer
//! (`created_by`, `updated_by`) and an export as `exported_by`.
//!
//! On a team store, "who has the session about the VPC migration?" is answered by this name, so
//! it is the one a person already told their tools: `CONFAB_USER`, else `user.name` in
//! `confab.yaml`, else git's `user.name` (as `git config` answers it in the project, so a
//! repository's own identity wins over the global one), else the OS user. `unknown` only when
//! none of them says.

use camino::Utf8Path;

use crate::project::Project;

impl Project {
    /// The name of the person running confab; worked out once per command.
    pub(crate) fn user_name(&self) -> &str {
        self.user_name.get_or_init(|| {
            let variable = |name: &str| {
                std::env::var(name)
                    .ok()
                    .map(|value| value.trim().to_owned())
                    .filter(|value| !value.is_empty())
            };
            variable("CONFAB_USER")
                .or_else(|| self.config.user_name.clone())
                .or_else(|| git_user_name(&self.root))
                .or_else(|| {
                    ["USER", "USERNAME", "LOGNAME"]
                        .into_iter()
                        .find_map(variable)
                })
                .unwrap_or_else(|| "unknown".to_owned())
        })
    }
}

/// `git config user.name` in `root`, if git is there and has one.
fn git_user_name(root: &Utf8Path) -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["config", "--get", "user.name"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let name = String::from_utf8(output.stdout).ok()?;
    let name = name.trim();
    (output.status.success() && !name.is_empty()).then(|| name.to_owned())
}

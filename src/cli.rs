//! The command line, as clap parses it. Each command's arguments live beside its code in
//! [`crate::commands`]; this file only assembles the tree.

use clap::{Parser, Subcommand};

use crate::commands::{
    chat, completions, formats, info, man, resume, schema, sessions, stats, templates,
};

/// Keep AI chat sessions and move them between people, projects and tools.
#[derive(Debug, Parser)]
#[command(name = "confab", version, about, propagate_version = true)]
pub(crate) struct Cli {
    /// Run as if confab was started in DIR (like `git -C`).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub(crate) directory: Option<std::path::PathBuf>,

    /// Never pipe long output through a pager (on a terminal, `sessions show`, `list` and `search` use
    /// $CONFAB_PAGER, else $PAGER, else less, when their output is longer than the screen).
    #[arg(long, global = true)]
    pub(crate) no_pager: bool,

    /// The session store to work on: a postgres:// URL (a team's shared store) or the path of a
    /// sessions.db file. Over CONFAB_STORE and sessions.store in confab.yaml; the default is
    /// .confab/sessions.db in the project.
    #[arg(long, global = true, value_name = "STORE")]
    pub(crate) store: Option<String>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Chat with an AI provider in a session: started if new, resumed with its whole history.
    Chat(chat::ChatArgs),
    /// Manage the sessions of this project: list, search, show, rename, fork, copy, export,
    /// import, validate, clean, delete, trash.
    Sessions(sessions::SessionsArgs),
    /// Tokens and messages across sessions, by week, provider and model.
    Stats(stats::StatsArgs),
    /// Continue a session in another tool (Claude Code, Codex, Gemini CLI): written where the tool
    /// keeps its sessions, then resumed there; `sessions import --from TOOL` brings the new turns
    /// back.
    Resume(resume::ResumeArgs),
    /// List the checkpoint formats and what each can do.
    Formats(formats::FormatsArgs),
    /// Where this project's store is, which settings were read, and the formats and providers
    /// this confab has.
    Info(info::InfoArgs),
    /// Print the checkpoint JSON Schema.
    Schema(schema::SchemaArgs),
    /// List and show the Handlebars templates of Markdown reports.
    Templates(templates::TemplatesArgs),
    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print confab's man page, or write one page per command into a folder (--out).
    Man(man::ManArgs),
}

//! opencode's sessions, read from its own database.
//!
//! opencode 1.x keeps every session in one SQLite file, `opencode.db` in its data folder
//! (`$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode`): a `session` row each, `message`
//! rows whose `data` is the message's JSON, `part` rows whose `data` is each part's. `opencode
//! export ID` prints exactly that, assembled: `{info, messages: [{info, parts}]}`. So does this
//! module, for each session, and the `opencode` format then reads it as it reads any export: one
//! reader, tested on a real export and on the real database.
//!
//! The database is opened read-only while opencode may be writing it (WAL mode lets a reader
//! see the last commit). A session's identity for re-imports is `opencode.db#<session id>` and
//! its `time_updated`, which opencode moves on every change.

use camino::{Utf8Path, Utf8PathBuf};
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value, json};

use super::Found;

/// The database file under opencode's data folder.
pub(crate) const DATABASE: &str = "opencode.db";

/// Why opencode's database could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read opencode's sessions in {path}: {source}")]
pub(crate) struct ReadError {
    path: Utf8PathBuf,
    #[source]
    source: rusqlite::Error,
}

/// Every session in `home`'s database, with the folder it ran in; its export is built later,
/// only for the sessions to import ([`export`]).
pub(crate) fn sessions(home: &Utf8Path) -> Result<Vec<(Found, String)>, ReadError> {
    let path = home.join(DATABASE);
    let failed = |source| ReadError {
        path: path.clone(),
        source,
    };
    let connection = open(&path).map_err(failed)?;
    let mut statement = connection
        .prepare("SELECT id, directory, time_updated FROM session ORDER BY id")
        .map_err(failed)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })
        .map_err(failed)?;
    let mut found = Vec::new();
    for row in rows {
        let (id, directory, updated) = row.map_err(failed)?;
        found.push((
            Found {
                path: Utf8PathBuf::from(format!("{path}#{id}")),
                bytes: 0,
                // Milliseconds, as opencode keeps them.
                modified: updated,
            },
            directory,
        ));
    }
    Ok(found)
}

/// The session `id` of the database at `path`, as `opencode export` prints it.
pub(crate) fn export(database: &Utf8Path, id: &str) -> Result<Value, ReadError> {
    let failed = |source| ReadError {
        path: database.to_owned(),
        source,
    };
    let connection = open(database).map_err(failed)?;
    let info = connection
        .query_row(
            "SELECT id, slug, project_id, directory, path, title, agent, model, version, cost,
                    tokens_input, tokens_output, tokens_reasoning, tokens_cache_read,
                    tokens_cache_write, time_created, time_updated, parent_id
             FROM session WHERE id = ?1",
            [id],
            |row| {
                let text = |index: usize| row.get::<_, Option<String>>(index);
                let number = |index: usize| row.get::<_, Option<f64>>(index);
                let mut info = Map::new();
                info.insert("id".into(), json!(text(0)?));
                info.insert("slug".into(), json!(text(1)?));
                info.insert("projectID".into(), json!(text(2)?));
                info.insert("directory".into(), json!(text(3)?));
                info.insert("path".into(), json!(text(4)?));
                info.insert("title".into(), json!(text(5)?));
                info.insert("agent".into(), json!(text(6)?));
                let model = text(7)?.and_then(|model| serde_json::from_str::<Value>(&model).ok());
                info.insert("model".into(), model.unwrap_or(Value::Null));
                info.insert("version".into(), json!(text(8)?));
                info.insert("cost".into(), json!(number(9)?));
                info.insert(
                    "tokens".into(),
                    json!({
                        "input": number(10)?, "output": number(11)?, "reasoning": number(12)?,
                        "cache": {"read": number(13)?, "write": number(14)?},
                    }),
                );
                info.insert(
                    "time".into(),
                    json!({"created": number(15)?, "updated": number(16)?}),
                );
                if let Some(parent) = text(17)? {
                    info.insert("parentID".into(), json!(parent));
                }
                Ok(Value::Object(info))
            },
        )
        .map_err(failed)?;
    let mut messages = Vec::new();
    let mut statement = connection
        .prepare("SELECT id, data FROM message WHERE session_id = ?1 ORDER BY time_created, id")
        .map_err(failed)?;
    let rows = statement
        .query_map([id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(failed)?;
    let mut parts = connection
        .prepare("SELECT id, data FROM part WHERE message_id = ?1 ORDER BY time_created, id")
        .map_err(failed)?;
    for row in rows {
        let (message_id, data) = row.map_err(failed)?;
        let mut info = object(&data);
        info.insert("id".into(), json!(message_id));
        info.insert("sessionID".into(), json!(id));
        let part_rows = parts
            .query_map([&message_id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(failed)?;
        let mut message_parts = Vec::new();
        for part in part_rows {
            let (part_id, data) = part.map_err(failed)?;
            let mut part = object(&data);
            part.insert("id".into(), json!(part_id));
            part.insert("sessionID".into(), json!(id));
            part.insert("messageID".into(), json!(message_id));
            message_parts.push(Value::Object(part));
        }
        messages.push(json!({"info": Value::Object(info), "parts": message_parts}));
    }
    Ok(json!({"info": info, "messages": messages}))
}

/// A row's JSON `data` as an object (an empty one if opencode wrote something else).
fn object(data: &str) -> Map<String, Value> {
    match serde_json::from_str(data) {
        Ok(Value::Object(object)) => object,
        _ => Map::new(),
    }
}

fn open(path: &Utf8Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(connection)
}

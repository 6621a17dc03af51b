//! Running a plugin once, with bounds on time and output.
//!
//! The child's stdin is written from its own thread (a plugin that never reads it cannot block
//! us), stdout and stderr are read from their own threads with caps, and the caller waits on
//! channels with a deadline, so nothing here blocks longer than the timeout: not a plugin that
//! hangs, not one that floods stdout, not a background process that inherited its pipes.

use std::io::{self, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use camino::Utf8Path;

/// How long a plugin may take and how much it may print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long one call (`describe`, `decode`, `encode`) may run before the plugin is killed.
    pub timeout: Duration,
    /// The most bytes a plugin may write to stdout; beyond it the plugin is killed.
    pub output: usize,
    /// The most bytes of stderr kept (the rest is read and dropped).
    pub stderr: usize,
}

/// The default timeout of a call: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default stdout limit: 256 MiB, the import limit.
pub const DEFAULT_OUTPUT_LIMIT: usize = 256 * 1024 * 1024;

/// How much of a plugin's stderr is kept: 64 KiB.
pub const STDERR_LIMIT: usize = 64 * 1024;

/// The environment variable that sets the timeout, in seconds (`0.5` allowed).
pub const TIMEOUT_VAR: &str = "CONFAB_PLUGIN_TIMEOUT";

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: DEFAULT_TIMEOUT,
            output: DEFAULT_OUTPUT_LIMIT,
            stderr: STDERR_LIMIT,
        }
    }
}

impl Limits {
    /// The defaults, with the timeout from `CONFAB_PLUGIN_TIMEOUT` when it holds a positive
    /// number of seconds.
    pub fn from_env() -> Limits {
        let timeout = std::env::var(TIMEOUT_VAR)
            .ok()
            .and_then(|value| parse_timeout(&value))
            .unwrap_or(DEFAULT_TIMEOUT);
        Limits {
            timeout,
            ..Limits::default()
        }
    }
}

/// `value` seconds, if it is a positive, finite number.
pub(crate) fn parse_timeout(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    if seconds > 0.0 {
        Duration::try_from_secs_f64(seconds).ok()
    } else {
        None
    }
}

/// What a finished call left behind.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Vec<u8>,
    /// At most [`Limits::stderr`] bytes.
    pub(crate) stderr: Vec<u8>,
}

/// Why a call did not finish.
#[derive(Debug)]
pub(crate) enum Failed {
    /// The plugin could not be started.
    Spawn(io::Error),
    /// It ran past the timeout and was killed.
    Timeout(Duration),
    /// It wrote more than the limit to stdout and was killed.
    TooMuch(usize),
    /// Reading its output failed.
    Io(io::Error),
}

impl Failed {
    /// What happened, after "plugin PATH ".
    pub(crate) fn describe(&self) -> String {
        match self {
            Failed::Spawn(error) => format!("could not be started: {error}"),
            Failed::Timeout(timeout) => format!(
                "did not finish within {} s and was killed (set {TIMEOUT_VAR} to allow more)",
                timeout.as_secs_f64()
            ),
            Failed::TooMuch(limit) => {
                format!("wrote more than {limit} bytes to stdout and was killed")
            }
            Failed::Io(error) => format!("could not be read from: {error}"),
        }
    }
}

/// Runs `path verb` with `input` on stdin, within `limits`.
pub(crate) fn run(
    path: &Utf8Path,
    verb: &str,
    input: Vec<u8>,
    limits: &Limits,
) -> Result<Finished, Failed> {
    let deadline = Instant::now() + limits.timeout;
    let mut child = Command::new(path.as_std_path())
        .arg(verb)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Failed::Spawn)?;

    if let Some(mut stdin) = child.stdin.take() {
        // A plugin that exits without reading closes the pipe: that error is no concern of ours.
        thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let stdout = child.stdout.take().map(|stdout| {
        let limit = limits.output;
        read_in_thread(move || {
            let mut buffer = Vec::new();
            // One byte past the limit tells "exactly the limit" from "too much".
            stdout
                .take(limit as u64 + 1)
                .read_to_end(&mut buffer)
                .map(|_| buffer)
        })
    });
    let stderr = child.stderr.take().map(|mut stderr| {
        let limit = limits.stderr;
        read_in_thread(move || {
            let mut buffer = Vec::new();
            (&mut stderr).take(limit as u64).read_to_end(&mut buffer)?;
            // Keep draining, so that a chatty plugin does not block on a full pipe.
            io::copy(&mut stderr, &mut io::sink())?;
            Ok(buffer)
        })
    });

    let stdout = match stdout {
        Some(receiver) => match receive(&receiver, deadline) {
            Some(Ok(bytes)) if bytes.len() > limits.output => {
                kill(&mut child);
                return Err(Failed::TooMuch(limits.output));
            }
            Some(Ok(bytes)) => bytes,
            Some(Err(error)) => {
                kill(&mut child);
                return Err(Failed::Io(error));
            }
            None => {
                kill(&mut child);
                return Err(Failed::Timeout(limits.timeout));
            }
        },
        None => Vec::new(),
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill(&mut child);
                return Err(Failed::Timeout(limits.timeout));
            }
            Ok(None) => thread::sleep(Duration::from_millis(2)),
            Err(error) => {
                kill(&mut child);
                return Err(Failed::Io(error));
            }
        }
    };
    // Stderr closes with the plugin, unless something it started holds it open: then what was
    // read so far is not worth waiting for.
    let stderr = stderr
        .and_then(|receiver| {
            receive(
                &receiver,
                deadline.max(Instant::now() + Duration::from_millis(100)),
            )
        })
        .and_then(Result::ok)
        .unwrap_or_default();
    Ok(Finished {
        status,
        stdout,
        stderr,
    })
}

type Reading = mpsc::Receiver<io::Result<Vec<u8>>>;

fn read_in_thread(read: impl FnOnce() -> io::Result<Vec<u8>> + Send + 'static) -> Reading {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(read());
    });
    receiver
}

/// The thread's result, or `None` if it did not come by `deadline`.
fn receive(receiver: &Reading, deadline: Instant) -> Option<io::Result<Vec<u8>>> {
    receiver
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .ok()
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(parse_timeout("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_timeout(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_timeout("0"), None);
        assert_eq!(parse_timeout("-1"), None);
        assert_eq!(parse_timeout("soon"), None);
        assert_eq!(parse_timeout("inf"), None);
    }

    #[test]
    fn defaults_are_the_documented_bounds() {
        let limits = Limits::default();
        assert_eq!(limits.timeout, Duration::from_secs(30));
        assert_eq!(limits.output, 256 * 1024 * 1024);
        assert_eq!(limits.stderr, 64 * 1024);
    }

    #[cfg(unix)]
    #[test]
    fn bounds_hold_for_real_processes() {
        let sh = Utf8Path::new("/bin/sh");
        let run_sh = |script: &str, limits: Limits| {
            // `sh VERB` runs the file VERB: write the script to a temp file and pass its path.
            let dir = tempfile::tempdir().expect("temp dir");
            let file = dir.path().join("script");
            std::fs::write(&file, script).expect("write script");
            let file = file.to_str().expect("utf-8 path").to_owned();
            run(sh, &file, b"input".to_vec(), &limits)
        };
        let quick = Limits {
            timeout: Duration::from_millis(300),
            output: 10,
            stderr: 4,
        };
        let finished = run_sh("cat; echo oops >&2", quick).expect("runs");
        assert!(finished.status.success());
        assert_eq!(finished.stdout, b"input");
        assert_eq!(finished.stderr, b"oops", "stderr is capped");

        let started = Instant::now();
        assert!(matches!(
            run_sh("exec sleep 5", quick),
            Err(Failed::Timeout(_))
        ));
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(matches!(
            run_sh("echo 12345678901", quick),
            Err(Failed::TooMuch(10))
        ));
        assert!(
            run_sh("echo 123456789", quick).is_ok(),
            "exactly the limit is fine"
        );
        let finished = run_sh("exit 3", quick).expect("runs");
        assert_eq!(finished.status.code(), Some(3));
    }
}

//! What a redaction (or a scan) found, by kind and count; never the secrets themselves.

use std::collections::BTreeMap;
use std::fmt;

/// Counts of redacted (or, from a scan, found) secrets by kind.
///
/// It holds kinds and numbers only, so it can be printed, logged or kept without leaking
/// anything. Its [`Display`](fmt::Display) is the one-line summary `export --redact` prints:
/// `3 secrets redacted: 2 aws-access-key, 1 github-token`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    counts: BTreeMap<String, usize>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Report {
        Report::default()
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The number of secrets over all kinds.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// The count of one kind (0 when none was found).
    pub fn count(&self, kind: &str) -> usize {
        self.counts.get(kind).copied().unwrap_or(0)
    }

    /// Every kind found with its count, sorted by kind.
    pub fn by_kind(&self) -> Vec<(String, usize)> {
        self.counts
            .iter()
            .map(|(kind, count)| (kind.clone(), *count))
            .collect()
    }

    /// The counts as a list, `2 aws-access-key, 1 github-token`, for messages that need other
    /// wording than the [`Display`](fmt::Display) (an import warning about secrets *found*).
    /// Empty when the report is.
    pub fn breakdown(&self) -> String {
        self.counts
            .iter()
            .map(|(kind, count)| format!("{count} {kind}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Adds the counts of `other` to these.
    pub fn merge(&mut self, other: &Report) {
        for (kind, count) in &other.counts {
            self.add(kind, *count);
        }
    }

    /// Counts `count` more secrets of `kind`.
    pub(crate) fn add(&mut self, kind: &str, count: usize) {
        if count == 0 {
            return;
        }
        match self.counts.get_mut(kind) {
            Some(total) => *total += count,
            None => {
                self.counts.insert(kind.to_owned(), count);
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.total() {
            0 => f.write_str("no secrets redacted"),
            1 => write!(f, "1 secret redacted: {}", self.breakdown()),
            total => write!(f, "{total} secrets redacted: {}", self.breakdown()),
        }
    }
}

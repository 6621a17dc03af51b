//! The bounds of a streamed answer that the HTTP client cannot see: how many bytes it has had,
//! and how long since it last brought content.
//!
//! The client's own read timeout restarts with every byte, so a server sending a keep-alive
//! comment every second (or Anthropic's `ping` events) would hold a chat forever, and one
//! streaming without end would fill memory. [`Bounded`] sits between the body and the event
//! reader: every read first checks that content came within the allowed silence (the stream
//! loop calls [`Bounded::content`] for each event that is more than a keep-alive), then counts
//! the bytes against the size limit. Its errors are [`io::Error`]s carrying an [`Exceeded`], so
//! they pass through the buffered event reader and are sorted out by `http::classify_io`.

use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, Instant};

/// Which bound a stream went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// More bytes than this arrived.
    Size(u64),
    /// Nothing but keep-alives (or nothing at all) for this long.
    Silence(Duration),
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exceeded::Size(limit) => write!(f, "the answer is larger than {limit} bytes"),
            Exceeded::Silence(after) => {
                write!(f, "no content for {} s", after.as_secs())
            }
        }
    }
}

impl std::error::Error for Exceeded {}

/// A body reader that fails once it has read more than `max_size` bytes, or once `silence` has
/// passed since the last [`Bounded::content`].
pub(crate) struct Bounded<R> {
    inner: R,
    read: u64,
    max_size: u64,
    silence: Duration,
    last_content: Instant,
}

impl<R> Bounded<R> {
    pub(crate) fn new(inner: R, max_size: u64, silence: Duration) -> Bounded<R> {
        Bounded {
            inner,
            read: 0,
            max_size,
            silence,
            last_content: Instant::now(),
        }
    }

    /// Content arrived: the allowed silence starts again.
    pub(crate) fn content(&mut self) {
        self.last_content = Instant::now();
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.last_content.elapsed() >= self.silence {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                Exceeded::Silence(self.silence),
            ));
        }
        // Never more than one byte past the limit, so that the limit is exact.
        let room = self.max_size.saturating_sub(self.read).saturating_add(1);
        let len = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..len])?;
        self.read = self.read.saturating_add(read as u64);
        if self.read > self.max_size {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                Exceeded::Size(self.max_size),
            ));
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exceeded(error: &io::Error) -> Option<Exceeded> {
        error.get_ref()?.downcast_ref().copied()
    }

    #[test]
    fn the_size_limit_is_exact() {
        let mut text = String::new();
        let mut reader = Bounded::new(&b"0123456789"[..], 10, Duration::from_secs(60));
        reader.read_to_string(&mut text).expect("ten bytes fit");
        assert_eq!(text, "0123456789");
        let mut reader = Bounded::new(&b"0123456789!"[..], 10, Duration::from_secs(60));
        let error = reader
            .read_to_end(&mut Vec::new())
            .expect_err("eleven do not");
        assert_eq!(exceeded(&error), Some(Exceeded::Size(10)));
    }

    #[test]
    fn silence_fails_the_next_read_until_content_comes() {
        let mut reader = Bounded::new(&b"abc"[..], 100, Duration::ZERO);
        let error = reader.read(&mut [0; 1]).expect_err("silent too long");
        assert_eq!(exceeded(&error), Some(Exceeded::Silence(Duration::ZERO)));
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        let mut reader = Bounded::new(&b"abc"[..], 100, Duration::from_secs(60));
        reader.content();
        assert_eq!(reader.read(&mut [0; 3]).expect("reads"), 3);
    }
}

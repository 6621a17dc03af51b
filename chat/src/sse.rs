//! Server-sent events, the framing both providers stream answers in.
//!
//! Only what the two APIs use is read: `event:` and `data:` fields, comments, and the blank line
//! that ends an event (WHATWG HTML, "Server-sent events", section 9.2.6). The reader is pulled one
//! event at a time, so an answer is handled as it arrives and memory stays at one event.

use std::io::{self, BufRead, Read};

/// The longest line, and event, accepted. Events carry a few words each; a longer one means the
/// server is not speaking SSE, and reading it whole would let it use any amount of memory.
const MAX_LINE: u64 = 16 << 20;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Event {
    /// The `event:` field, if any (Anthropic names its events; OpenAI does not).
    pub(crate) name: Option<String>,
    /// The `data:` lines, joined by newlines.
    pub(crate) data: String,
}

/// Events read from a stream.
pub(crate) struct Events<R> {
    reader: R,
    line: String,
    first_line: bool,
}

impl<R: BufRead> Events<R> {
    pub(crate) fn new(reader: R) -> Events<R> {
        Events {
            reader,
            line: String::new(),
            first_line: true,
        }
    }

    /// The reader the events come from.
    pub(crate) fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The next event, or `None` at the end of the stream. An event the stream ends in the middle
    /// of is dropped, as the standard says.
    pub(crate) fn next_event(&mut self) -> io::Result<Option<Event>> {
        let mut event = Event::default();
        let mut has_data = false;
        loop {
            self.line.clear();
            let read = (&mut self.reader)
                .take(MAX_LINE)
                .read_line(&mut self.line)?;
            if read == 0 {
                return Ok(None);
            }
            if !self.line.ends_with('\n') && read as u64 == MAX_LINE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "an event line is longer than 16 MiB",
                ));
            }
            let mut line = self.line.trim_end_matches(['\n', '\r']);
            if self.first_line {
                // A byte order mark may start the stream; it is not part of the first field.
                line = line.strip_prefix('\u{feff}').unwrap_or(line);
                self.first_line = false;
            }
            if line.is_empty() {
                // An event with no data (a named keep-alive, `data:` alone) is not dispatched.
                if has_data && !event.data.is_empty() {
                    return Ok(Some(event));
                }
                event = Event::default();
                has_data = false;
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (line, ""),
            };
            match field {
                "data" => {
                    if has_data {
                        event.data.push('\n');
                    }
                    event.data.push_str(value);
                    has_data = true;
                    if event.data.len() as u64 > MAX_LINE {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "an event is longer than 16 MiB",
                        ));
                    }
                }
                "event" => event.name = Some(value.to_owned()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Event> {
        let mut events = Events::new(text.as_bytes());
        let mut all = Vec::new();
        while let Some(event) = events.next_event().expect("reads") {
            all.push(event);
        }
        all
    }

    fn event(name: Option<&str>, data: &str) -> Event {
        Event {
            name: name.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    #[test]
    fn reads_named_and_unnamed_events() {
        let text =
            ": keep-alive\n\ndata: {\"a\":1}\n\nevent: ping\ndata: {}\r\n\r\ndata:x\ndata: y\n\n";
        assert_eq!(
            all(text),
            [
                event(None, "{\"a\":1}"),
                event(Some("ping"), "{}"),
                event(None, "x\ny"),
            ]
        );
    }

    #[test]
    fn events_without_data_are_not_dispatched_and_a_bom_is_skipped() {
        let text = "\u{feff}data: first\n\nevent: keepalive\n\ndata:\n\n: comment\ndata: last\n\n";
        assert_eq!(all(text), [event(None, "first"), event(None, "last")]);
    }

    #[test]
    fn an_event_cut_off_by_the_end_of_the_stream_is_dropped() {
        assert_eq!(all("data: one\n\ndata: tw"), [event(None, "one")]);
    }

    #[test]
    fn invalid_utf8_is_an_error_not_a_panic() {
        let mut events = Events::new(&b"data: \xff\n\n"[..]);
        assert!(events.next_event().is_err());
    }
}

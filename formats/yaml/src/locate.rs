//! Finding the node a JSON pointer names in YAML text, to report `line:column` for a problem.
//!
//! Like the JSON locator, this runs only for files that failed a check. It replays the parser's
//! events and follows the pointer: into a mapping by key, into a sequence by index, skipping
//! every other node whole. Aliases are not followed: a problem inside an aliased node is reported
//! without a location rather than at a misleading one.

use confab_core::Location;
use granit_parser::{Event, Parser, Span};

pub(crate) fn locate(text: &str, pointer: &str) -> Option<Location> {
    let tokens: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .strip_prefix('/')?
            .split('/')
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect()
    };
    let mut events = Nodes {
        parser: Parser::new_from_str(text),
    };
    let (mut event, mut span) = events.next()?;
    for token in &tokens {
        match event {
            Event::MappingStart(..) => loop {
                let (key, _) = events.next()?;
                match key {
                    Event::MappingEnd => return None,
                    Event::Scalar(ref name, ..) if name == token => {
                        (event, span) = events.next()?;
                        break;
                    }
                    other => {
                        events.skip(&other)?;
                        let (value, _) = events.next()?;
                        events.skip(&value)?;
                    }
                }
            },
            Event::SequenceStart(..) => {
                let index: usize = token.parse().ok()?;
                for _ in 0..index {
                    let (item, _) = events.next()?;
                    if matches!(item, Event::SequenceEnd) {
                        return None;
                    }
                    events.skip(&item)?;
                }
                (event, span) = events.next()?;
                if matches!(event, Event::SequenceEnd) {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(Location {
        line: span.start.line(),
        column: span.start.col() + 1,
    })
}

/// The parser's node events, without stream, document and presentation events.
struct Nodes<'a> {
    parser: Parser<'a, granit_parser::StrInput<'a>>,
}

impl<'a> Nodes<'a> {
    fn next(&mut self) -> Option<(Event<'a>, Span)> {
        loop {
            let (event, span) = self.parser.next_event()?.ok()?;
            match event {
                Event::StreamStart
                | Event::DocumentStart(..)
                | Event::Comment(..)
                | Event::Anchor(..) => {}
                Event::StreamEnd | Event::DocumentEnd => return None,
                node => return Some((node, span)),
            }
        }
    }

    /// Skips the rest of the node that `started` opened (nothing for scalars and aliases).
    fn skip(&mut self, started: &Event<'a>) -> Option<()> {
        if !matches!(started, Event::MappingStart(..) | Event::SequenceStart(..)) {
            return Some(());
        }
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()?.0 {
                Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
                Event::MappingEnd | Event::SequenceEnd => depth -= 1,
                _ => {}
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
version: \"1.0\"
session:
  name: demo
  tags: {a: 1, b: [x, y]}
messages:
  - role: user
    content: |
      hello
  - role: robot
    content: hi
";

    fn at(pointer: &str) -> Option<(usize, usize)> {
        locate(TEXT, pointer).map(|location| (location.line, location.column))
    }

    #[test]
    fn follows_mappings_and_sequences() {
        assert_eq!(at("/version"), Some((1, 10)));
        assert_eq!(at("/session/name"), Some((3, 9)));
        assert_eq!(at("/session/tags/b/1"), Some((4, 23)));
        assert_eq!(at("/messages/1/role"), Some((9, 11)));
        assert_eq!(at("/messages/0/content"), Some((8, 7)));
    }

    #[test]
    fn missing_paths_are_none() {
        assert_eq!(at("/nope"), None);
        assert_eq!(at("/messages/2"), None);
        assert_eq!(at("/version/0"), None);
    }
}

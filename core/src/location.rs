//! Positions in a source file, for error messages that a person (or an editor) can jump to.

use std::fmt;

/// A 1-based line and column in a text file. Columns count characters, not bytes, as editors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `text`. Offsets past the end point just after the end.
    pub fn at_offset(text: &[u8], offset: usize) -> Location {
        let before = &text[..offset.min(text.len())];
        let line_start = before
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |newline| newline + 1);
        let line = 1 + before.iter().filter(|&&byte| byte == b'\n').count();
        // Count characters, not bytes: continuation bytes of UTF-8 (0b10xx_xxxx) start none.
        let column = 1 + before[line_start..]
            .iter()
            .filter(|&&byte| (byte & 0xC0) != 0x80)
            .count();
        Location { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_character_columns() {
        let text = "ab\ncé d\n".as_bytes();
        assert_eq!(
            Location::at_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        assert_eq!(
            Location::at_offset(text, 3),
            Location { line: 2, column: 1 }
        );
        // "é" is two bytes but one column.
        assert_eq!(
            Location::at_offset(text, 6),
            Location { line: 2, column: 3 }
        );
        assert_eq!(
            Location::at_offset(text, 100),
            Location { line: 3, column: 1 }
        );
    }
}

//! Showing stored text, counts and times to a person: tables, `1 message` / `1,000 messages`,
//! and local times (text is made safe for a terminal by the output handles, `crate::sanitize`).

use std::io::{self, Write};

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// `2025-10-30 14:30` in the local time zone (`TZ`, else the system's).
pub(crate) fn local_minute(time: Timestamp) -> String {
    time.to_zoned_datetime(TimeZone::system())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// `2025-10-30 14:30:12` in the local time zone, as `atmos ai sessions list` shows times.
pub(crate) fn local_second_plain(time: Timestamp) -> String {
    time.to_zoned_datetime(TimeZone::system())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `2025-10-30 14:30:12 UTC`-style: to the second, with the zone's abbreviation.
pub(crate) fn local_second(time: Timestamp) -> String {
    time.to_zoned_datetime(TimeZone::system())
        .strftime("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// A table with left-aligned columns; columns listed in `right` are right-aligned.
pub(crate) fn write_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    right: &[usize],
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|cell| (*cell).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (column, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if column > 0 {
                line.push_str("  ");
            }
            let pad = width - cell.chars().count();
            if right.contains(&column) {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if column + 1 < row.len() {
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `count` and the noun that fits it, with thousands separators: `1 message`, `1,000 messages`.
pub(crate) fn counted(count: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(count),
        if count == 1 { one } else { many }
    )
}

/// `10000` as `10,000`.
pub(crate) fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// `1 message`, `12 messages`.
pub(crate) fn messages(count: usize) -> String {
    counted(count, "message", "messages")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let mut out = Vec::new();
        let rows = vec![vec!["a".to_owned(), "10".to_owned(), "x".to_owned()]];
        write_table(&mut out, &["NAME", "N", "LAST"], &rows, &[1]).expect("writes");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "NAME   N  LAST\na     10  x\n"
        );
    }
}

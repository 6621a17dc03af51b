//! Finding the value a JSON pointer names in JSON text, to report `line:column` for a problem.
//!
//! The schema check runs on a `Value`, which has no positions; keeping a position for every node
//! of a large file would cost memory on every import to help only the failing ones. So positions
//! are found after the fact: a small scanner walks the text along the pointer, skipping the
//! values it does not need without building them. It only ever sees text that already parsed.

/// The byte offset where the value at `pointer` starts, if the text has it.
pub(crate) fn locate(text: &[u8], pointer: &str) -> Option<usize> {
    let mut scanner = Scanner { text, at: 0 };
    scanner.skip_whitespace();
    if pointer.is_empty() {
        return Some(scanner.at);
    }
    for token in pointer.strip_prefix('/')?.split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        match scanner.peek()? {
            b'{' => scanner.enter_member(&token)?,
            b'[' => scanner.enter_element(token.parse().ok()?)?,
            _ => return None,
        }
    }
    Some(scanner.at)
}

struct Scanner<'a> {
    text: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// At `{`: moves to the value of member `name`.
    fn enter_member(&mut self, name: &str) -> Option<()> {
        self.at += 1;
        loop {
            self.skip_whitespace();
            if self.peek()? == b'}' {
                return None;
            }
            let key_start = self.at;
            self.skip_string()?;
            let key = &self.text[key_start..self.at];
            self.expect(b':')?;
            self.skip_whitespace();
            if key_equals(key, name) {
                return Some(());
            }
            self.skip_value()?;
            self.expect(b',')?;
        }
    }

    /// At `[`: moves to element `index`.
    fn enter_element(&mut self, index: usize) -> Option<()> {
        self.at += 1;
        for _ in 0..index {
            self.skip_whitespace();
            if self.peek()? == b']' {
                return None;
            }
            self.skip_value()?;
            self.expect(b',')?;
        }
        self.skip_whitespace();
        (self.peek()? != b']').then_some(())
    }

    /// At `"`: moves past the closing quote.
    fn skip_string(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while !matches!(self.peek(), None | Some(b',' | b'}' | b']'))
                    && !self.peek().is_some_and(|byte| byte.is_ascii_whitespace())
                {
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

/// Compares a quoted JSON key with a name, decoding escapes only when the key has any.
fn key_equals(quoted: &[u8], name: &str) -> bool {
    let raw = &quoted[1..quoted.len().saturating_sub(1)];
    if !raw.contains(&b'\\') {
        return raw == name.as_bytes();
    }
    serde_json::from_slice::<String>(quoted).is_ok_and(|key| key == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{
  "a": {"x": [1, {"y": "}]"}, 3]},
  "b\"q": [
    {"role": "user"},
    {"role": "robot"}
  ],
  "c/d": null,
  "e": "\u0066"
}"#;

    fn at(pointer: &str) -> Option<&'static str> {
        locate(TEXT.as_bytes(), pointer).map(|offset| &TEXT[offset..offset + 7])
    }

    #[test]
    fn walks_objects_and_arrays() {
        assert_eq!(at(""), Some("{\n  \"a\""));
        assert_eq!(at("/b\"q/1/role"), Some("\"robot\""));
        assert_eq!(at("/a/x/2"), Some("3]},\n  "));
        assert_eq!(at("/a/x/1/y"), Some("\"}]\"}, "));
        assert_eq!(at("/c~1d"), Some("null,\n "));
    }

    #[test]
    fn missing_paths_are_none() {
        assert_eq!(at("/zzz"), None);
        assert_eq!(at("/b\"q/2"), None);
        assert_eq!(at("/b\"q/x"), None);
        assert_eq!(at("/e/0"), None);
        assert_eq!(at("no-slash"), None);
    }
}

//! A provider's URL as it may be shown: without the credentials it can carry.
//!
//! A `base_url` like `https://user:token@gateway.example/v1` is a legitimate way to reach a
//! gateway that wants Basic authentication (the HTTP client sends the userinfo as an
//! `Authorization` header). Those credentials are as secret as an API key, and URLs end up in
//! error messages and hints, which users paste into tickets. So every URL that leaves this
//! crate in a message goes through [`hide_credentials`], and free text that might quote the URL
//! (a network layer's reason) through [`Endpoint::scrub`].

use std::borrow::Cow;

/// What replaces the userinfo of a URL that is shown.
const HIDDEN: &str = "***";

/// `url` with the userinfo of its authority (`user:password@`) replaced by `***@`; a URL
/// without userinfo comes back as it is. A URL without its scheme (a mistake the caller
/// reports) is read the same way, from its start.
///
/// Everything up to the last `@` is hidden, not only up to the first `/`: a password written
/// with an unescaped `/`, `?` or `#` in it is still a password, and showing less of an odd URL
/// costs nothing next to showing part of a secret.
pub fn hide_credentials(url: &str) -> Cow<'_, str> {
    match userinfo(url) {
        Some((start, end)) => Cow::Owned(format!("{}{HIDDEN}{}", &url[..start], &url[end..])),
        None => Cow::Borrowed(url),
    }
}

/// The byte range of the userinfo in `url` (after `://`, before the last `@`), if any.
fn userinfo(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://").map_or(0, |at| at + 3);
    let at = url[start..].rfind('@')?;
    Some((start, start + at))
}

/// An endpoint: the URL requests go to, and the URL messages show.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// The URL as configured, credentials included: only ever given to the HTTP client.
    pub(crate) url: String,
    /// The URL without its credentials.
    pub(crate) shown: String,
    /// The userinfo, to remove from text that quotes the URL.
    secret: Option<String>,
}

impl Endpoint {
    pub(crate) fn new(url: String) -> Endpoint {
        let secret = userinfo(&url).map(|(start, end)| url[start..end].to_owned());
        Endpoint {
            shown: hide_credentials(&url).into_owned(),
            url,
            secret,
        }
    }

    /// `text` with the URL's credentials removed, wherever it quotes them.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.secret {
            Some(secret) if !secret.is_empty() => text.replace(secret.as_str(), HIDDEN),
            _ => text.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_hidden_and_the_rest_kept() {
        assert_eq!(
            hide_credentials("https://app:p@ss/w0rd#1@gw.example:8443/v1"),
            "https://***@gw.example:8443/v1"
        );
        assert_eq!(
            hide_credentials("https://user:pass@gw.example/v1/chat"),
            "https://***@gw.example/v1/chat"
        );
        assert_eq!(
            hide_credentials("http://token@localhost:11434"),
            "http://***@localhost:11434"
        );
        assert_eq!(
            hide_credentials("http://localhost:11434/v1"),
            "http://localhost:11434/v1"
        );
        assert_eq!(
            hide_credentials("me:pw@localhost:11434"),
            "***@localhost:11434"
        );
    }

    #[test]
    fn text_quoting_the_url_is_scrubbed() {
        let endpoint = Endpoint::new("https://me:s3cret@gw.example/v1/messages".to_owned());
        assert_eq!(endpoint.shown, "https://***@gw.example/v1/messages");
        assert_eq!(
            endpoint.scrub("bad uri https://me:s3cret@gw.example/v1/messages"),
            "bad uri https://***@gw.example/v1/messages"
        );
        let plain = Endpoint::new("http://localhost/v1".to_owned());
        assert_eq!(plain.scrub("refused"), "refused");
    }
}

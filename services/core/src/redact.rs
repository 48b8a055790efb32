//! Connection URLs with their passwords hidden, for the `Debug` of every configuration that
//! holds one (`DATABASE_URL`, `REDIS_URL`): a config printed in a log line, a panic or an
//! error must not leak the credential.

use std::fmt;

/// What a hidden password reads as.
const HIDDEN: &str = "***";

/// `url` with the password of its user info (`scheme://user:PASSWORD@host`) and any
/// `password=` parameter replaced by `***`; everything else as it was, so the address still
/// says where it points.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = redact_user_info(base);
    if let Some(query) = query {
        out.push('?');
        out.push_str(&redact_password_parameters(query));
    }
    out
}

fn redact_user_info(base: &str) -> String {
    let Some(scheme_end) = base.find("://").map(|i| i + 3) else {
        return redact_password_parameters(base);
    };
    let rest = &base[scheme_end..];
    let authority_end = rest.find(['/', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return base.to_owned();
    };
    let user_info = &authority[..at];
    let Some(colon) = user_info.find(':') else {
        return base.to_owned();
    };
    format!(
        "{}{}:{HIDDEN}{}",
        &base[..scheme_end],
        &user_info[..colon],
        &base[scheme_end + at..]
    )
}

/// `password=…` in `key=value` lists separated by `&` or whitespace.
fn redact_password_parameters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_password_key(rest) {
        let value_start = start + "password=".len();
        out.push_str(&rest[..value_start]);
        out.push_str(HIDDEN);
        let value_len = rest[value_start..]
            .find(|c: char| c == '&' || c.is_whitespace())
            .unwrap_or(rest.len() - value_start);
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    out
}

/// Where a `password=` key starts: at the beginning or after a separator.
fn find_password_key(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("password=") {
        let at = from + i;
        let starts_key = at == 0
            || lower[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c == '&' || c.is_whitespace());
        if starts_key {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Formats as [`redact_url`] of the wrapped URL, quoted like a `&str`: for a `Debug` impl's
/// `.field("url", &RedactedUrl(&self.url))`.
pub struct RedactedUrl<'a>(pub &'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_url(self.0), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_the_user_info_password_and_keeps_the_address() {
        assert_eq!(
            redact_url("postgres://saga:s3cret@127.0.0.1:5432/saga"),
            "postgres://saga:***@127.0.0.1:5432/saga"
        );
        assert_eq!(
            redact_url("redis://:s3cret@redis:6379/0"),
            "redis://:***@redis:6379/0"
        );
        // An '@' inside the password: the last '@' of the authority ends the user info.
        assert_eq!(
            redact_url("postgres://u:p@ss@h/db?sslmode=require"),
            "postgres://u:***@h/db?sslmode=require"
        );
    }

    #[test]
    fn hides_password_parameters() {
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=s3cret&sslmode=disable"),
            "postgres://h/db?user=u&password=***&sslmode=disable"
        );
        assert_eq!(
            redact_url("host=h PASSWORD=s3cret dbname=x"),
            "host=h PASSWORD=*** dbname=x"
        );
        assert_eq!(
            redact_url("postgres://h/db?nopassword=x"),
            "postgres://h/db?nopassword=x"
        );
    }

    #[test]
    fn leaves_urls_without_a_password_alone() {
        for url in [
            "postgres://saga@127.0.0.1/saga",
            "redis://redis:6379/0",
            "127.0.0.1:9092",
            "",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }

    #[test]
    fn debug_is_quoted_and_redacted() {
        let text = format!("{:?}", RedactedUrl("redis://u:s3cret@h:1/0"));
        assert_eq!(text, "\"redis://u:***@h:1/0\"");
    }
}

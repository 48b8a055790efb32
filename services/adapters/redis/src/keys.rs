//! Keys by prefix: the checker reads every decision under a deployment's prefix, and tests and
//! tools that give each run its own prefix delete what their runs left behind.

use redis::aio::ConnectionManager;
use saga_core::ports::PortError;

use crate::BACKEND;

/// A redis error as the ports see it: a timeout, a lost connection or a server that is busy,
/// loading or failing over may pass; a command the server refuses (wrong type, a script
/// error) or an answer that does not parse will not.
pub(crate) fn port_error(error: redis::RedisError) -> PortError {
    use redis::ErrorKind::{ExtensionError, ParseError, ResponseError, TypeError};
    let permanent = matches!(error.kind(), ResponseError | TypeError | ParseError)
        || (error.kind() == ExtensionError && error.code() == Some("WRONGTYPE"));
    if permanent {
        PortError::rejected(BACKEND, error)
    } else {
        PortError::unavailable(BACKEND, error)
    }
}

/// `prefix` as a SCAN pattern that matches it literally, followed by anything.
fn pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    pattern
}

/// Every key starting with `prefix`, sorted, each once. SCAN, not KEYS: the server keeps
/// serving while a large keyspace is walked.
pub(crate) async fn scan_prefix(
    conn: &ConnectionManager,
    prefix: &str,
) -> Result<Vec<String>, PortError> {
    let mut conn = conn.clone();
    let pattern = pattern(prefix);
    let mut keys: Vec<String> = Vec::new();
    let mut cursor = 0_u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .map_err(port_error)?;
        keys.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    keys.sort();
    keys.dedup(); // SCAN may return a key twice
    Ok(keys)
}

/// Deletes the keys starting with `prefix` that `doomed` picks; returns how many went.
///
/// # Errors
/// [`PortError`] when Redis is unreachable.
pub async fn delete_keys_with_prefix(
    conn: &ConnectionManager,
    prefix: &str,
    doomed: impl Fn(&str) -> bool,
) -> Result<usize, PortError> {
    let keys: Vec<String> = scan_prefix(conn, prefix)
        .await?
        .into_iter()
        .filter(|key| doomed(key))
        .collect();
    let mut conn = conn.clone();
    for chunk in keys.chunks(500) {
        redis::cmd("UNLINK")
            .arg(chunk)
            .query_async::<()>(&mut conn)
            .await
            .map_err(port_error)?;
    }
    Ok(keys.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prefix_matches_literally() {
        assert_eq!(super::pattern("e2e-1-"), "e2e-1-*");
        assert_eq!(super::pattern("a*b?[c]"), "a\\*b\\?\\[c\\]*");
    }
}

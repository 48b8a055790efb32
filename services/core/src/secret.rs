//! Secrets handed to a process as files (`*_PASSWORD_FILE`: a mounted secret, a file of the
//! stack's scripts), so they stay out of the environment and of `ps`.

/// The one line of the file at `path` (a trailing newline is not part of the secret).
///
/// # Errors
/// Why the file gives no secret (unreadable, or empty), naming the path, for the caller to
/// put beside the variable that named it.
pub fn read_secret_file(path: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(format!("{path} is empty"));
    }
    Ok(secret.to_owned())
}

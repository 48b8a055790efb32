//! `API_AUTH`, `API_KEYS` and `API_KEYS_FILE`: authentication is on unless `API_AUTH=off`, and
//! then at least one key must be configured. `API_KEYS_FILE`, when set, replaces `API_KEYS`
//! rather than adding to it: the file is where keys are managed (and revoked), so a key left
//! behind in the environment must not keep working. Only hashes are read; nothing here is
//! logged.

use saga_api::auth::ApiKeys;

use super::ConfigError;

/// The configured keys, or `None` when authentication is off.
pub(super) fn from_lookup(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<ApiKeys>, ConfigError> {
    let on = match lookup("API_AUTH").as_deref().map(str::trim) {
        None | Some("on") => true,
        Some("off") => false,
        Some(other) => {
            return Err(ConfigError {
                variable: "API_AUTH",
                reason: format!("{other:?} is neither on nor off"),
            });
        }
    };
    let inline = lookup("API_KEYS").filter(|text| !text.trim().is_empty());
    let file = lookup("API_KEYS_FILE").filter(|path| !path.trim().is_empty());
    if !on {
        if inline.is_some() || file.is_some() {
            return Err(ConfigError {
                variable: "API_AUTH",
                reason: "is off, yet API_KEYS or API_KEYS_FILE is set: unset one or the other"
                    .into(),
            });
        }
        return Ok(None);
    }
    let mut keys = ApiKeys::default();
    if let Some(path) = file {
        let invalid = |reason: String| ConfigError {
            variable: "API_KEYS_FILE",
            reason,
        };
        let text = std::fs::read_to_string(path.trim())
            .map_err(|e| invalid(format!("cannot read {path:?}: {e}")))?;
        keys.extend(&text)
            .map_err(|e| invalid(format!("{path:?}: {e}")))?;
        if keys.is_empty() {
            return Err(invalid(format!(
                "{path:?} holds no name:role:sha256 entry (`saga keys new NAME` makes one)"
            )));
        }
    } else if let Some(text) = inline {
        keys.extend(&text).map_err(|e| ConfigError {
            variable: "API_KEYS",
            reason: e.to_string(),
        })?;
    }
    if keys.is_empty() {
        return Err(ConfigError {
            variable: "API_KEYS",
            reason: "authentication is on but no API key is configured: set API_KEYS or \
                     API_KEYS_FILE to name:role:sha256 entries (`saga keys new NAME` makes one), \
                     or API_AUTH=off to serve without authentication"
                .into(),
        });
    }
    Ok(Some(keys))
}

#[cfg(test)]
mod tests {
    use saga_api::auth::{Role, hash_key};

    use super::super::tests::table;
    use super::*;

    #[test]
    fn on_by_default_and_then_a_key_is_required() {
        assert_eq!(from_lookup(&table(&[])).unwrap_err().variable, "API_KEYS");
        let entry = format!("alice:client:{}", hash_key("k"));
        let keys = from_lookup(&table(&[("API_KEYS", &entry)]))
            .unwrap()
            .unwrap();
        assert_eq!(keys.principal("k").unwrap().role, Role::Client);
        assert!(
            from_lookup(&table(&[("API_AUTH", "off")]))
                .unwrap()
                .is_none()
        );
        let both = [("API_AUTH", "off"), ("API_KEYS", entry.as_str())];
        assert_eq!(from_lookup(&table(&both)).unwrap_err().variable, "API_AUTH");
        assert_eq!(
            from_lookup(&table(&[("API_AUTH", "maybe")]))
                .unwrap_err()
                .variable,
            "API_AUTH"
        );
    }

    #[test]
    fn keys_come_from_a_file_too_and_errors_never_show_them() {
        let dir = std::env::temp_dir().join(format!("gateway-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys");
        std::fs::write(&path, format!("# ops\nops:operator:{}\n", hash_key("o"))).unwrap();
        let path = path.to_str().unwrap();
        let inline = format!("alice:client:{}", hash_key("a"));
        let keys = from_lookup(&table(&[("API_KEYS_FILE", path)]))
            .unwrap()
            .unwrap();
        assert_eq!(keys.principal("o").unwrap().role, Role::Operator);
        // The file replaces API_KEYS: a key only in the environment no longer works.
        let both = from_lookup(&table(&[("API_KEYS", &inline), ("API_KEYS_FILE", path)]))
            .unwrap()
            .unwrap();
        assert_eq!(both.len(), 1);
        assert!(
            both.principal("a").is_none(),
            "API_KEYS merged into the file's keys"
        );
        assert!(both.principal("o").is_some());
        // A file without entries is refused, naming the file, not topped up from API_KEYS.
        let empty = dir.join("empty");
        std::fs::write(&empty, "# no keys yet\n").unwrap();
        let empty = empty.to_str().unwrap();
        let error =
            from_lookup(&table(&[("API_KEYS", &inline), ("API_KEYS_FILE", empty)])).unwrap_err();
        assert_eq!(error.variable, "API_KEYS_FILE");
        let missing = from_lookup(&table(&[("API_KEYS_FILE", "/nonexistent/keys")])).unwrap_err();
        assert_eq!(missing.variable, "API_KEYS_FILE");
        let clear = from_lookup(&table(&[("API_KEYS", "alice:client:hunter2")])).unwrap_err();
        assert!(!clear.to_string().contains("hunter2"), "{clear}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

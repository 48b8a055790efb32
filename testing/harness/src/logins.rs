//! A TLS stack's per-component logins. `scripts/stack up` on a TLS stack writes, for each
//! component with a backend login of its own, the settings that log it in as itself
//! (`COMPONENT.env`, `export` lines, mode 0600: they hold passwords) into a directory it names
//! as `SAGA_STACK_LOGINS`; a component without a file has no backend login at all (the
//! gateway). The user names and passwords are the stack's alone: nothing here derives them.

use std::collections::BTreeMap;
use std::path::Path;

/// The variables that carry a login: what a component's own file replaces.
pub const LOGIN_VARS: [&str; 4] = [
    "DATABASE_URL",
    "REDIS_URL",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD_FILE",
];

/// `component`'s own login settings in `dir` (none when it has no file there).
///
/// # Panics
/// When its file exists but cannot be read, or sets something that is not a login, naming
/// the file.
pub fn of(dir: &Path, component: &str) -> BTreeMap<String, String> {
    let path = dir.join(format!("{component}.env"));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return BTreeMap::new(),
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let logins = exports(&text);
    if let Some(name) = logins
        .keys()
        .find(|name| !LOGIN_VARS.contains(&name.as_str()))
    {
        panic!("{}: {name} is not a login setting", path.display());
    }
    logins
}

/// The `export NAME=value` lines of `text` (a value quoted for the shell unquoted).
pub fn exports(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("export "))
        .filter_map(|assignment| assignment.split_once('='))
        // A URL with a query is quoted for the shell (its `&`).
        .map(|(name, value)| (name.to_owned(), value.trim_matches('\'').to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn reads_a_components_file_and_nothing_for_a_component_without_one() {
        let dir = std::env::temp_dir().join(format!("saga-logins-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("auditor.env"),
            "export DATABASE_URL='postgres://saga_auditor:pw@h:1/saga?sslmode=require'\n\
             export KAFKA_SASL_USERNAME=saga-auditor\n",
        )
        .unwrap();
        let auditor = of(&dir, "auditor");
        assert_eq!(
            auditor["DATABASE_URL"],
            "postgres://saga_auditor:pw@h:1/saga?sslmode=require"
        );
        assert_eq!(auditor["KAFKA_SASL_USERNAME"], "saga-auditor");
        assert!(of(&dir, "gateway").is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

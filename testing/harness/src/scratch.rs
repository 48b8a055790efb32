//! Throw-away databases for tests and harnesses: each one is created fresh, migrated with the
//! real migrations (as a deployment's `saga migrate` job does before its components start),
//! and dropped by a later run once the process that made it has exited.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor, PgConnection};

use saga_postgres::{ConnectError, PgConfig, migrate};

const PREFIX: &str = "saga_scratch_";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Creates a new database next to the one `admin_url` names, migrates it, and returns its
/// URL. Databases left behind by processes that are gone are dropped first.
///
/// # Errors
/// A message naming PostgreSQL and the address when the server is unreachable or refuses.
pub async fn create_database(admin_url: &str) -> Result<String, ConnectError> {
    let url = create_unmigrated_database(admin_url).await?;
    let pool = PgConfig::new(&url).connect().await?;
    let migrated = migrate(&pool).await;
    pool.close().await;
    migrated.map_err(|e| ConnectError::Unreachable {
        target: PgConfig::new(&url).target(),
        attempts: 1,
        reason: e.to_string(),
    })?;
    Ok(url)
}

/// Like [`create_database`], without migrating: an empty database, as a deployment has before
/// its `saga migrate` job ran.
///
/// # Errors
/// As [`create_database`].
pub async fn create_unmigrated_database(admin_url: &str) -> Result<String, ConnectError> {
    let config = PgConfig::new(admin_url);
    let unreachable = |e: &dyn std::fmt::Display| ConnectError::Unreachable {
        target: config.target(),
        attempts: 1,
        reason: e.to_string(),
    };
    let options = config.connect_options()?;
    let mut admin = PgConnection::connect_with(&options)
        .await
        .map_err(|e| unreachable(&e))?;
    drop_abandoned(&mut admin).await;
    let name = format!(
        "{PREFIX}{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    admin
        .execute(format!("CREATE DATABASE {}", quote_ident(&name)).as_str())
        .await
        .map_err(|e| unreachable(&e))?;
    let _ = admin.close().await;
    Ok(with_database(admin_url, &name))
}

/// Drops scratch databases whose creating process no longer exists (on this machine).
async fn drop_abandoned(admin: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'saga\\_scratch\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in names.iter().filter(|n| crate::abandoned(n, PREFIX)) {
        let _ = admin.execute(drop_statement(name).as_str()).await;
    }
}

/// `DROP DATABASE` of `name` (quoted), ending its sessions.
pub fn drop_statement(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
}

/// `name` as a PostgreSQL identifier: in double quotes, with any quote doubled, so a database
/// name read back from `pg_database` is never taken for SQL.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The database `url` names (its path, without a query such as `?sslrootcert=/path/ca.crt`).
pub fn database_of(url: &str) -> &str {
    let base = url.split_once('?').map_or(url, |(base, _)| base);
    base.rsplit('/').next().unwrap_or_default()
}

/// `url` with its database (the path) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{root}/{database}{query}")
}

/// `url` with its `host:port` (after any `user:password@`) replaced by `host_port`.
pub fn with_address(url: &str, host_port: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host_start = rest[..authority_end].rfind('@').map_or(0, |at| at + 1);
    format!(
        "{}{host_port}{}",
        &url[..authority_start + host_start],
        &rest[authority_end..]
    )
}

#[cfg(test)]
mod tests {
    use super::{database_of, drop_statement, with_address, with_database};

    #[test]
    fn replaces_only_the_address() {
        assert_eq!(
            with_address("postgres://u:p@h:1/db?sslmode=require", "127.0.0.1:9"),
            "postgres://u:p@127.0.0.1:9/db?sslmode=require"
        );
        assert_eq!(
            with_address("postgres://h:1/db", "x:2"),
            "postgres://x:2/db"
        );
    }

    #[test]
    fn the_database_is_the_path_not_the_query() {
        let url = "postgres://u:p@h:5432/saga_x?sslmode=verify-full&sslrootcert=/tls/ca.crt";
        assert_eq!(database_of(url), "saga_x");
        assert_eq!(database_of("postgres://u:p@h:5432/saga"), "saga");
    }

    #[test]
    fn replaces_only_the_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/saga?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }

    #[test]
    fn quotes_the_name_it_drops() {
        assert_eq!(
            drop_statement("saga_scratch_1_0"),
            "DROP DATABASE IF EXISTS \"saga_scratch_1_0\" WITH (FORCE)"
        );
        assert_eq!(
            drop_statement("a\"; DROP TABLE x; --"),
            "DROP DATABASE IF EXISTS \"a\"\"; DROP TABLE x; --\" WITH (FORCE)"
        );
    }
}

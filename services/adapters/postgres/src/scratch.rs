//! Throw-away databases for tests and harnesses: each one is created fresh, migrated with the
//! real migrations, and dropped by a later run once the process that made it has exited.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor, PgConnection};

use crate::config::{ConnectError, PgConfig};
use crate::migrate::migrate;

const PREFIX: &str = "saga_scratch_";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Creates a new database next to the one `admin_url` names, migrates it, and returns its
/// URL. Databases left behind by processes that are gone are dropped first.
///
/// # Errors
/// A message naming PostgreSQL and the address when the server is unreachable or refuses.
pub async fn create_database(admin_url: &str) -> Result<String, ConnectError> {
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
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .map_err(|e| unreachable(&e))?;
    let _ = admin.close().await;
    let url = with_database(admin_url, &name);
    let pool = PgConfig::new(&url).connect().await?;
    migrate(&pool).await.map_err(|e| unreachable(&e))?;
    pool.close().await;
    Ok(url)
}

/// Drops scratch databases whose creating process no longer exists (on this machine).
async fn drop_abandoned(admin: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'saga\\_scratch\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name[PREFIX.len()..].split('_').next().unwrap_or("");
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let _ = admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
    }
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

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_only_the_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/saga?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}

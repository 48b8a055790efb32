//! The schema migrations in the repository's `migrations/`, embedded at compile time.
//! `saga migrate` and the Order API's start-up apply them; nothing else creates tables.

use sqlx::PgPool;

/// Applying the migrations failed.
#[derive(Debug, thiserror::Error)]
#[error("applying database migrations failed: {0}")]
pub struct MigrateError(#[from] sqlx::migrate::MigrateError);

/// Applies every pending migration (idempotent; concurrent callers are serialised by sqlx's
/// advisory lock).
///
/// # Errors
/// [`MigrateError`] when the database is unreachable or a migration fails.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    sqlx::migrate!("../../../migrations").run(pool).await?;
    Ok(())
}

//! Applying the schema migrations in the repository's `migrations/`, embedded at compile time:
//! what `saga migrate` runs, once per deployment, before the components start (they only
//! check the schema, see `schema`). Nothing else creates tables.

use sqlx::PgPool;

use crate::schema::migrator;

/// Applying the migrations failed.
#[derive(Debug, thiserror::Error)]
#[error("applying database migrations failed: {0}")]
pub struct MigrateError(#[from] sqlx::migrate::MigrateError);

/// Applies every pending migration (idempotent; concurrent callers are serialised by sqlx's
/// advisory lock). Applied migrations this binary does not know are left alone: after a
/// rollback the database is ahead of the binary, and by the expand/contract rule
/// (`migrations/README.md`) what it is ahead by is additive.
///
/// # Errors
/// [`MigrateError`] when the database is unreachable, a migration fails, or an applied one
/// differs from this binary's (it was edited after it ran).
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    let mut migrator = migrator();
    migrator.set_ignore_missing(true);
    migrator.run(pool).await?;
    Ok(())
}

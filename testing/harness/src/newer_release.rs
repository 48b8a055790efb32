//! A database one release ahead of this binary, as after a rollback: this repository's
//! migrations plus one newer migration of the kind the expand/contract rule of
//! `migrations/README.md` allows (nullable columns, a column with a default, a new table, an
//! index, on every table the stores write). The tests that show the current binary runs on it
//! share it.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};

/// The newer release's migration.
pub const ADDITIVE_MIGRATION: &str = "
ALTER TABLE orders ADD COLUMN newer_note TEXT;
ALTER TABLE outbox ADD COLUMN newer_priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE processed_events ADD COLUMN newer_seen_by TEXT;
ALTER TABLE delivery.assignments ADD COLUMN newer_eta TIMESTAMPTZ;
ALTER TABLE dead_letters ADD COLUMN newer_note TEXT;
ALTER TABLE dead_letter_actions ADD COLUMN newer_note TEXT;
ALTER TABLE order_status_history ADD COLUMN newer_reason TEXT NOT NULL DEFAULT '';
CREATE TABLE newer_order_notes (
    order_id BIGINT NOT NULL REFERENCES orders (id),
    note TEXT NOT NULL
);
CREATE INDEX newer_orders_note ON orders (newer_note);
";

/// Its version: after any migration this repository will have for a long while.
pub const NEWER_VERSION: i64 = 29_991_231_000_001;

/// Its description, as sqlx records it.
pub const NEWER_DESCRIPTION: &str = "newer release";

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

/// Migrates `pool` as the newer release's `saga migrate` would: a migrator read at run time
/// from a directory holding this repository's migrations and [`ADDITIVE_MIGRATION`].
///
/// # Errors
/// A migration fails, or the directory cannot be written.
pub async fn apply_newer_release(pool: &PgPool) -> Result<(), MigrateError> {
    let dir = std::env::temp_dir().join(format!(
        "saga-newer-migrations-{}-{}",
        std::process::id(),
        NEXT_DIR.fetch_add(1, Ordering::Relaxed)
    ));
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(&repository)? {
            let path = entry?.path();
            if let Some(name) = path
                .file_name()
                .filter(|_| path.extension() == Some("sql".as_ref()))
            {
                std::fs::copy(&path, dir.join(name))?;
            }
        }
        let name = format!(
            "{NEWER_VERSION}_{}.sql",
            NEWER_DESCRIPTION.replace(' ', "_")
        );
        std::fs::write(dir.join(name), ADDITIVE_MIGRATION)
    };
    let result = match write() {
        Ok(()) => match Migrator::new(dir.as_path()).await {
            Ok(newer) => newer.run(pool).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(MigrateError::Source(Box::new(e))),
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

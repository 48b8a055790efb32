//! Whether a database holds the schema this binary was built for. Components do not migrate
//! (`saga migrate` does, once, as a job before them), so each one checks at start-up that
//! every migration it embeds has been applied, and refuses to start naming what is missing.
//!
//! A database *ahead* of the binary (migrations it does not know, as after a rollback) is
//! accepted: migrations follow the expand/contract rule of `migrations/README.md`, so a newer
//! schema only adds what an older binary ignores.

use std::fmt;

use sqlx::PgPool;
use sqlx::migrate::Migrator;

/// The migrations of the repository's `migrations/`, embedded at compile time (the value
/// borrows the embedded list: making one copies nothing).
pub(crate) fn migrator() -> Migrator {
    sqlx::migrate!("../../../migrations")
}

/// One migration, by the version and description sqlx records for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationName {
    pub version: i64,
    pub description: String,
}

impl fmt::Display for MigrationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.version, self.description)
    }
}

/// A schema this binary can run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Applied migrations this binary does not know: a newer binary's, additive by rule.
    pub ahead: Vec<MigrationName>,
}

/// A schema this binary cannot run on, or one that could not be read. The text says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "the database lacks {} of the {known} migrations this binary needs: {}; run `saga \
         migrate` with this binary (or its image) before starting components",
        missing.len(),
        list(missing)
    )]
    Missing {
        missing: Vec<MigrationName>,
        known: usize,
    },
    #[error(
        "migration {0} failed part-way (_sqlx_migrations.success is false): repair the \
         database by hand, delete that row, then run `saga migrate`"
    )]
    Failed(MigrationName),
    #[error(
        "migration {0} was applied with other contents than this binary's (its checksum \
         differs): a migration was edited after it ran; restore it and add a new one instead"
    )]
    Modified(MigrationName),
    #[error("reading the applied migrations (_sqlx_migrations) failed: {0}")]
    Read(#[source] sqlx::Error),
}

fn list(names: &[MigrationName]) -> String {
    names
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row of sqlx's `_sqlx_migrations`.
#[derive(Debug, Clone)]
struct Applied {
    name: MigrationName,
    success: bool,
    checksum: Vec<u8>,
}

/// A migration this binary embeds.
#[derive(Debug, Clone)]
struct Known {
    name: MigrationName,
    checksum: Vec<u8>,
}

/// Compares the database's applied migrations with the ones this binary embeds.
///
/// # Errors
/// [`SchemaError`] naming the missing, failed or edited migrations, or the failed read.
pub async fn check_schema(pool: &PgPool) -> Result<Schema, SchemaError> {
    compare(&known(), &applied(pool).await.map_err(SchemaError::Read)?)
}

fn known() -> Vec<Known> {
    migrator()
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| Known {
            name: MigrationName {
                version: m.version,
                description: m.description.to_string(),
            },
            checksum: m.checksum.to_vec(),
        })
        .collect()
}

async fn applied(pool: &PgPool) -> Result<Vec<Applied>, sqlx::Error> {
    // sqlx creates the table on the first `saga migrate`; before that nothing is applied.
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, bool, Vec<u8>)> = sqlx::query_as(
        "SELECT version, description, success, checksum FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, description, success, checksum)| Applied {
            name: MigrationName {
                version,
                description,
            },
            success,
            checksum,
        })
        .collect())
}

fn compare(known: &[Known], applied: &[Applied]) -> Result<Schema, SchemaError> {
    if let Some(failed) = applied.iter().find(|a| !a.success) {
        return Err(SchemaError::Failed(failed.name.clone()));
    }
    let mut missing = Vec::new();
    for k in known {
        match applied.iter().find(|a| a.name.version == k.name.version) {
            None => missing.push(k.name.clone()),
            Some(a) if a.checksum != k.checksum => {
                return Err(SchemaError::Modified(k.name.clone()));
            }
            Some(_) => {}
        }
    }
    if !missing.is_empty() {
        return Err(SchemaError::Missing {
            missing,
            known: known.len(),
        });
    }
    let ahead = applied
        .iter()
        .filter(|a| known.iter().all(|k| k.name.version != a.name.version))
        .map(|a| a.name.clone())
        .collect();
    Ok(Schema { ahead })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(version: i64) -> MigrationName {
        MigrationName {
            version,
            description: format!("m{version}"),
        }
    }

    fn known(versions: &[i64]) -> Vec<Known> {
        versions
            .iter()
            .map(|&v| Known {
                name: name(v),
                checksum: vec![v as u8],
            })
            .collect()
    }

    fn applied(versions: &[i64]) -> Vec<Applied> {
        versions
            .iter()
            .map(|&v| Applied {
                name: name(v),
                success: true,
                checksum: vec![v as u8],
            })
            .collect()
    }

    #[test]
    fn the_embedded_migrations_are_found() {
        let embedded = super::known();
        assert!(embedded.len() >= 8, "{embedded:?}");
        assert!(
            embedded
                .windows(2)
                .all(|w| w[0].name.version < w[1].name.version)
        );
    }

    #[test]
    fn exactly_the_known_migrations_pass() {
        let schema = compare(&known(&[1, 2]), &applied(&[1, 2])).unwrap();
        assert!(schema.ahead.is_empty());
    }

    #[test]
    fn a_database_ahead_passes_and_says_by_what() {
        let schema = compare(&known(&[1, 2]), &applied(&[1, 2, 3])).unwrap();
        assert_eq!(schema.ahead, [name(3)]);
    }

    #[test]
    fn missing_migrations_are_named_with_what_to_run() {
        let error = compare(&known(&[1, 2, 3]), &applied(&[1])).unwrap_err();
        let text = error.to_string();
        assert!(
            matches!(&error, SchemaError::Missing { missing, known: 3 } if missing == &[name(2), name(3)])
        );
        assert!(text.contains("2 (m2), 3 (m3)"), "{text}");
        assert!(text.contains("saga migrate"), "{text}");
        let empty = compare(&known(&[1]), &[]).unwrap_err();
        assert!(empty.to_string().contains("lacks 1 of the 1"), "{empty}");
    }

    #[test]
    fn a_failed_or_edited_migration_is_refused() {
        let mut failed = applied(&[1, 2]);
        failed[1].success = false;
        let error = compare(&known(&[1, 2]), &failed).unwrap_err();
        assert!(matches!(error, SchemaError::Failed(n) if n == name(2)));
        let mut edited = applied(&[1, 2]);
        edited[0].checksum = vec![42];
        let error = compare(&known(&[1, 2]), &edited).unwrap_err();
        assert!(matches!(error, SchemaError::Modified(n) if n == name(1)));
    }
}

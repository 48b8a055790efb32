//! Translation of sqlx errors into the ports' `PortError`.

use saga_core::ports::PortError;

use crate::BACKEND;

/// A driver error as the ports see it: constraint, data and syntax errors are bugs
/// (`Rejected`); everything else may pass (`Unavailable`).
pub(crate) fn port_error(error: sqlx::Error) -> PortError {
    match &error {
        sqlx::Error::Database(db) => {
            let class = db.code().map(|c| c.chars().take(2).collect::<String>());
            match class.as_deref() {
                // 22 data exception, 23 integrity violation, 42 syntax or access rule.
                Some("22" | "23" | "42") => PortError::rejected(BACKEND, db.message()),
                _ => PortError::unavailable(BACKEND, db.message()),
            }
        }
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::TypeNotFound { .. } => PortError::rejected(BACKEND, error),
        _ => PortError::unavailable(BACKEND, error),
    }
}

/// A stored value that does not parse into its domain type: the database holds something
/// the schema should have prevented.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> PortError {
    PortError::rejected(BACKEND, format!("stored {what} is invalid: {detail}"))
}

//! Which envelope schema a component writes and the newest it reads, from
//! `EVENT_SCHEMA_VERSION` and `EVENT_SCHEMA_READ_MAX` (docs/api.md, "Schemas and
//! mixed-version deploys").

use saga_core::event::Schema;

use crate::env::{EnvError, Lookup};

/// A component's envelope schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schemas {
    /// `EVENT_SCHEMA_VERSION` (default 1): the schema of every event the component writes.
    /// Raise it only once every reader runs a release that reads it.
    pub write: Schema,
    /// `EVENT_SCHEMA_READ_MAX` (default: the newest this release knows): a consumer
    /// dead-letters a record of a newer schema as undecodable. Lowered, it makes a release read
    /// as its predecessor did, to rehearse a mixed-version deploy.
    pub read_max: Schema,
}

impl Default for Schemas {
    fn default() -> Self {
        Self {
            write: Schema::default_write(),
            read_max: Schema::NEWEST,
        }
    }
}

const WRITE: &str = "EVENT_SCHEMA_VERSION";
const READ_MAX: &str = "EVENT_SCHEMA_READ_MAX";

impl Schemas {
    /// Reads `EVENT_SCHEMA_VERSION` and `EVENT_SCHEMA_READ_MAX` from `lookup`.
    ///
    /// # Errors
    /// [`EnvError`] naming the variable: a schema this release does not know, or one written
    /// that is newer than the one read (a predecessor could not have written it).
    pub fn from_vars(lookup: Lookup<'_>) -> Result<Self, EnvError> {
        let default = Self::default();
        let read_max = schema_in(lookup, READ_MAX, default.read_max)?;
        // Unset, the write schema is never newer than what this release is told to read: a
        // predecessor could not have written it.
        let schemas = Self {
            write: schema_in(lookup, WRITE, default.write.min(read_max))?,
            read_max,
        };
        if schemas.write > schemas.read_max {
            return Err(EnvError {
                var: WRITE,
                reason: format!(
                    "schema {} is newer than {READ_MAX}={}: a release that reads only up to \
                     {1} cannot write {0}",
                    schemas.write.number(),
                    schemas.read_max.number()
                ),
            });
        }
        Ok(schemas)
    }
}

fn schema_in(lookup: Lookup<'_>, var: &'static str, default: Schema) -> Result<Schema, EnvError> {
    let Some(text) = lookup(var) else {
        return Ok(default);
    };
    text.trim()
        .parse()
        .ok()
        .and_then(Schema::from_number)
        .ok_or_else(|| {
            let known: Vec<String> = Schema::ALL.iter().map(|s| s.number().to_string()).collect();
            EnvError {
                var,
                reason: format!(
                    "expected a schema version this release knows ({}), got {text:?}",
                    known.join(" or ")
                ),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn unset_writes_the_oldest_and_reads_the_newest() {
        let schemas = Schemas::from_vars(&vars(&[])).unwrap();
        assert_eq!(schemas.write, Schema::V1);
        assert_eq!(schemas.read_max, Schema::NEWEST);
        let switched = Schemas::from_vars(&vars(&[(WRITE, "2")])).unwrap();
        assert_eq!(switched.write, Schema::V2);
    }

    #[test]
    fn an_unknown_or_inconsistent_schema_names_its_variable() {
        let error = Schemas::from_vars(&vars(&[(WRITE, "3")])).unwrap_err();
        assert_eq!(error.var, WRITE);
        assert!(error.reason.contains("1 or 2"), "{}", error.reason);
        let error = Schemas::from_vars(&vars(&[(READ_MAX, "two")])).unwrap_err();
        assert_eq!(error.var, READ_MAX);
        let previous = Schemas::from_vars(&vars(&[(READ_MAX, "1")])).unwrap();
        assert_eq!(previous.write, Schema::V1);
        let error = Schemas::from_vars(&vars(&[(WRITE, "2"), (READ_MAX, "1")])).unwrap_err();
        assert_eq!(error.var, WRITE);
        assert!(error.reason.contains(READ_MAX), "{}", error.reason);
    }
}

//! The native stack's direct addresses, as `scripts/stack env` prints them (`DIRECT_*`, then
//! the component variables), with that script's defaults.

use crate::Backend;

pub fn address(backend: Backend, lookup: impl Fn(&str) -> Option<String>) -> String {
    let (direct, plain, default) = match backend {
        Backend::Postgres => (
            "DIRECT_DATABASE_URL",
            "DATABASE_URL",
            "postgres://saga:saga@127.0.0.1:5432/saga",
        ),
        Backend::Kafka => (
            "DIRECT_KAFKA_BOOTSTRAP_SERVERS",
            "KAFKA_BOOTSTRAP_SERVERS",
            "127.0.0.1:9092",
        ),
        Backend::Redis => ("DIRECT_REDIS_URL", "REDIS_URL", "redis://127.0.0.1:6379/0"),
    };
    lookup(direct)
        .or_else(|| lookup(plain))
        .unwrap_or_else(|| default.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_addresses_win_then_component_ones_then_defaults() {
        let env = |name: &str| match name {
            "DIRECT_KAFKA_BOOTSTRAP_SERVERS" => Some("direct:1".to_owned()),
            "KAFKA_BOOTSTRAP_SERVERS" | "REDIS_URL" => Some("plain:2".to_owned()),
            _ => None,
        };
        assert_eq!(address(Backend::Kafka, env), "direct:1");
        assert_eq!(address(Backend::Redis, env), "plain:2");
        assert_eq!(
            address(Backend::Postgres, env),
            "postgres://saga:saga@127.0.0.1:5432/saga"
        );
    }
}

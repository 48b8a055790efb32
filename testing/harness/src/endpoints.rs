//! Addresses of the stack, named as `scripts/stack env` prints them: components use the
//! proxied ones; the checker, the chaos runner's own reads and the real-stack tests the direct
//! ones.

use std::collections::BTreeMap;

use saga_core::redact::RedactedUrl;

/// Where each backend is, directly and through Toxiproxy, and Toxiproxy's API. Its `Debug`
/// hides the URLs' passwords.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub database_direct: String,
    pub database_proxied: String,
    pub kafka_direct: String,
    pub kafka_proxied: String,
    pub redis_direct: String,
    pub redis_proxied: String,
    pub toxiproxy: String,
    /// The stack's TLS and login settings, [`TLS_VARS`] as `scripts/stack env` prints them
    /// with `SAGA_TLS=1` (none otherwise): passed on to every component, and used by the
    /// direct clients of [`Endpoints::kafka_config`] and [`Endpoints::redis_config`]. Paths and
    /// names only; the passwords stay in their files or in the redacted URLs.
    pub tls: Vec<(String, String)>,
}

/// What a client needs to reach a TLS stack besides its addresses.
pub const TLS_VARS: [&str; 6] = [
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SSL_CA_FILE",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD_FILE",
    "REDIS_CA_FILE",
];

impl std::fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            database_direct,
            database_proxied,
            kafka_direct,
            kafka_proxied,
            redis_direct,
            redis_proxied,
            toxiproxy,
            tls,
        } = self;
        f.debug_struct("Endpoints")
            .field("database_direct", &RedactedUrl(database_direct))
            .field("database_proxied", &RedactedUrl(database_proxied))
            .field("kafka_direct", kafka_direct)
            .field("kafka_proxied", kafka_proxied)
            .field("redis_direct", &RedactedUrl(redis_direct))
            .field("redis_proxied", &RedactedUrl(redis_proxied))
            .field("toxiproxy", toxiproxy)
            .field("tls", tls)
            .finish()
    }
}

impl Endpoints {
    /// From `lookup(NAME)`, with the shared native stack's addresses as defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_owned());
        Self {
            database_direct: var(
                "DIRECT_DATABASE_URL",
                "postgres://saga:saga@127.0.0.1:5432/saga",
            ),
            database_proxied: var("DATABASE_URL", "postgres://saga:saga@127.0.0.1:15432/saga"),
            kafka_direct: var("DIRECT_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            kafka_proxied: var("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
            redis_direct: var("DIRECT_REDIS_URL", "redis://127.0.0.1:6379/0"),
            redis_proxied: var("REDIS_URL", "redis://127.0.0.1:16379/0"),
            toxiproxy: var("TOXIPROXY_URL", "http://127.0.0.1:8474"),
            tls: TLS_VARS
                .iter()
                .filter_map(|name| Some(((*name).to_owned(), lookup(name)?)))
                .collect(),
        }
    }

    fn tls_var(&self, name: &str) -> Option<String> {
        self.tls
            .iter()
            .find(|(var, _)| var == name)
            .map(|(_, value)| value.clone())
    }

    /// A Kafka client of the direct listener, logged in as the stack says.
    ///
    /// # Panics
    /// On a malformed TLS setting, naming it.
    pub fn kafka_config(&self) -> saga_kafka::KafkaConfig {
        let mut config = saga_kafka::KafkaConfig::new(&self.kafka_direct);
        config.security = saga_kafka::Security::from_lookup(|name| self.tls_var(name))
            .unwrap_or_else(|(var, reason)| panic!("{var}: {reason}"));
        config
    }

    /// A Redis client of the direct address, verifying a `rediss://` server against the
    /// stack's CA.
    pub fn redis_config(&self) -> saga_redis::RedisConfig {
        let mut config = saga_redis::RedisConfig::new(&self.redis_direct);
        config.ca_file = self.tls_var("REDIS_CA_FILE");
        config
    }

    /// The environment of a component of one isolated deployment (its own database, and
    /// `run_prefix` before its topics and Redis keys), reaching every backend through the
    /// proxies. The gateway gives the Order API 5 s, so a fault shows up as a 504, and
    /// accepts [`DEV_API_KEY`] without a practical rate limit (one test client is all the
    /// load).
    pub fn component_env(&self, database: &str, run_prefix: &str) -> Vec<(String, String)> {
        [
            (
                "DATABASE_URL",
                crate::scratch::with_database(&self.database_proxied, database),
            ),
            ("KAFKA_BOOTSTRAP_SERVERS", self.kafka_proxied.clone()),
            ("KAFKA_TOPIC_PREFIX", run_prefix.to_owned()),
            ("REDIS_URL", self.redis_proxied.clone()),
            ("REDIS_KEY_PREFIX", decision_prefix(run_prefix)),
            ("UPSTREAM_TIMEOUT_SECONDS", "5".to_owned()),
            ("API_KEYS", dev_api_keys()),
            ("API_RATE_LIMIT_PER_SECOND", "1000000".to_owned()),
            ("API_RATE_LIMIT_BURST", "1000000".to_owned()),
            ("RUST_LOG", "info,sqlx=warn,rdkafka=warn".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .chain(self.tls.iter().cloned())
        .collect()
    }

    /// From this process's environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From the `export NAME=value` lines `scripts/stack up` and `env` print.
    pub fn from_exports(text: &str) -> Self {
        let vars: BTreeMap<&str, &str> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix("export "))
            .filter_map(|assignment| assignment.split_once('='))
            // A URL with a query is quoted for the shell (its `&`).
            .map(|(name, value)| (name, value.trim_matches('\'')))
            .collect();
        Self::from_lookup(|name| vars.get(name).map(|v| (*v).to_owned()))
    }
}

/// The development API key: what docker-compose.yml, the real-stack tests, chaos and the
/// benchmark configure and send. Public, so never a key for anything that matters.
pub const DEV_API_KEY: &str = "order-saga-dev-key";

/// The `API_KEYS` entry of [`DEV_API_KEY`], a client key named `dev`.
pub fn dev_api_keys() -> String {
    let owner = saga_core::Owner::parse("dev").expect("a valid key name");
    saga_api::auth::entry(&owner, saga_api::auth::Role::Client, DEV_API_KEY)
}

/// The Redis key prefix of a deployment's payment decisions.
pub fn decision_prefix(run_prefix: &str) -> String {
    format!("{run_prefix}payment-decision:")
}

#[cfg(test)]
mod tests {
    use super::Endpoints;

    #[test]
    fn debug_hides_the_passwords() {
        let endpoints = Endpoints::from_lookup(|name| match name {
            "DIRECT_DATABASE_URL" => Some("postgres://u:pg-direct@h:1/d".into()),
            "DATABASE_URL" => Some("postgres://u:pg-proxied@h:2/d".into()),
            "DIRECT_REDIS_URL" => Some("redis://:redis-direct@h:3/0".into()),
            "REDIS_URL" => Some("redis://:redis-proxied@h:4/0".into()),
            _ => None,
        });
        let text = format!("{endpoints:?}");
        for secret in ["pg-direct", "pg-proxied", "redis-direct", "redis-proxied"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("postgres://u:***@h:1/d"), "{text}");
    }

    #[test]
    fn the_dev_key_is_configured_by_hash_only() {
        let entry = super::dev_api_keys();
        assert!(!entry.contains(super::DEV_API_KEY));
        let keys = saga_api::auth::ApiKeys::parse(&entry).unwrap();
        assert_eq!(
            keys.principal(super::DEV_API_KEY).unwrap().owner.as_str(),
            "dev"
        );
    }

    #[test]
    fn reads_the_exports_of_scripts_stack() {
        let text = "# comment\nexport DATABASE_URL='postgres://a@127.0.0.1:25433/saga'\n\
            export DIRECT_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:25436\n";
        let endpoints = Endpoints::from_exports(text);
        assert_eq!(
            endpoints.database_proxied,
            "postgres://a@127.0.0.1:25433/saga"
        );
        assert_eq!(endpoints.kafka_direct, "127.0.0.1:25436");
        assert_eq!(endpoints.toxiproxy, "http://127.0.0.1:8474");
    }
}

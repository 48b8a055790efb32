//! Addresses of the stack, named as `scripts/stack env` prints them: components use the
//! proxied ones; the checker, the chaos runner's own reads and the real-stack tests the direct
//! ones.

use std::path::PathBuf;
use std::time::Duration;

use saga_core::redact::RedactedUrl;

use crate::{kafka_grants, logins};

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
    /// `SAGA_STACK_LOGINS`: where a TLS stack keeps each component's own logins
    /// ([`crate::logins`]); `None` on a stack whose components all log in as its owner and
    /// admins.
    pub logins: Option<PathBuf>,
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
            logins,
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
            .field("logins", logins)
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
            logins: lookup("SAGA_STACK_LOGINS").map(PathBuf::from),
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

    /// [`Self::component_env`] for `component` logged in as itself where the stack gives it
    /// logins of its own (a TLS stack): its PostgreSQL role on `database`, its Redis user, its
    /// Kafka user, and no login at all for a backend it has none for. As the owner and admins
    /// elsewhere.
    pub fn component_env_as(
        &self,
        component: &str,
        database: &str,
        run_prefix: &str,
    ) -> Vec<(String, String)> {
        let mut env = self.component_env(database, run_prefix);
        let Some(dir) = &self.logins else {
            return env;
        };
        env.retain(|(name, _)| !logins::LOGIN_VARS.contains(&name.as_str()));
        for (name, value) in logins::of(dir, component) {
            let value = if name == "DATABASE_URL" {
                crate::scratch::with_database(&value, database)
            } else {
                value
            };
            env.push((name, value));
        }
        env
    }

    /// Lets each component's own Kafka user do on the topics and groups named with
    /// `run_prefix` what it may do on the stack's own (`deploy/kafka-acls.txt`), as the
    /// admin; nothing to do on a stack without per-component logins.
    ///
    /// # Errors
    /// When Kafka refuses or does not answer.
    pub async fn grant_run_acls(&self, run_prefix: &str) -> Result<(), String> {
        let Some(dir) = self.logins.clone() else {
            return Ok(());
        };
        let grants = kafka_grants::for_run(run_prefix, |component| {
            logins::of(&dir, component).remove("KAFKA_SASL_USERNAME")
        });
        let client = self.kafka_config().client();
        tokio::task::spawn_blocking(move || saga_kafka_acls::create(&client, &grants, ACL_TIMEOUT))
            .await
            .map_err(|e| e.to_string())?
    }

    /// Deletes the ACLs [`Self::grant_run_acls`] made for runs whose names start with `prefix`
    /// and whose processes have ended ([`crate::abandoned`]).
    ///
    /// # Errors
    /// As [`Self::grant_run_acls`].
    pub async fn delete_abandoned_acls(&self, prefix: &str) -> Result<(), String> {
        if self.logins.is_none() {
            return Ok(());
        }
        let client = self.kafka_config().client();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || {
            let names = saga_kafka_acls::literal_names(&client, ACL_TIMEOUT)?;
            let doomed: Vec<String> = names
                .into_iter()
                .filter(|name| crate::abandoned(name, &prefix))
                .collect();
            saga_kafka_acls::delete_named(&client, &doomed, ACL_TIMEOUT)
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// From this process's environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From the `export NAME=value` lines `scripts/stack up` and `env` print.
    pub fn from_exports(text: &str) -> Self {
        let vars = logins::exports(text);
        Self::from_lookup(|name| vars.get(name).cloned())
    }
}

/// How long an ACL request may take.
const ACL_TIMEOUT: Duration = Duration::from_secs(30);

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
    fn a_component_logs_in_as_itself_where_the_stack_has_logins() {
        let dir = std::env::temp_dir().join(format!("saga-endpoints-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("order-api.env"),
            "export DATABASE_URL='postgres://saga_order_api:pw@h:2/saga?sslmode=require'\n",
        )
        .unwrap();
        let lookup = |logins: bool| {
            let dir = dir.clone();
            move |name: &str| match name {
                "DATABASE_URL" => Some("postgres://saga:saga@h:2/saga?sslmode=require".into()),
                "REDIS_URL" => Some("rediss://saga-admin:pw@h:3/0".into()),
                "KAFKA_SASL_USERNAME" => Some("saga-admin".into()),
                "SAGA_STACK_LOGINS" if logins => Some(dir.display().to_string()),
                _ => None,
            }
        };
        let var = |env: &[(String, String)], name: &str| {
            env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
        };
        let own = Endpoints::from_lookup(lookup(true)).component_env_as("order-api", "db_1", "p-");
        assert_eq!(
            var(&own, "DATABASE_URL").as_deref(),
            Some("postgres://saga_order_api:pw@h:2/db_1?sslmode=require")
        );
        assert_eq!(var(&own, "REDIS_URL"), None, "no admin login in its place");
        assert_eq!(var(&own, "KAFKA_SASL_USERNAME"), None);
        let gateway =
            Endpoints::from_lookup(lookup(true)).component_env_as("gateway", "db_1", "p-");
        assert_eq!(var(&gateway, "DATABASE_URL"), None);
        let plain =
            Endpoints::from_lookup(lookup(false)).component_env_as("order-api", "db_1", "p-");
        assert_eq!(
            var(&plain, "DATABASE_URL").as_deref(),
            Some("postgres://saga:saga@h:2/db_1?sslmode=require")
        );
        assert_eq!(
            var(&plain, "KAFKA_SASL_USERNAME").as_deref(),
            Some("saga-admin")
        );
        std::fs::remove_dir_all(&dir).unwrap();
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

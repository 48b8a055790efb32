//! Redis over TLS, on a server that accepts nothing else (`SAGA_TLS=1 scripts/stack up redis`
//! on a private stack, as `.ci/run` starts one): its `DIRECT_REDIS_URL` given as
//! `SAGA_TLS_REDIS_URL` and its home as `SAGA_TLS_STACK_HOME` (the CA in `tls/ca.crt`, each
//! user's password in `secrets/redis-NAME`). The payment worker's ACL user keeps decisions and
//! may touch no other key; a plaintext client is refused at start-up with an error naming
//! `REDIS_URL`. Without the variables the tests skip loudly, and fail under `CI=true`.

use saga_core::PaymentDecision::Success;
use saga_core::ports::{DecisionStore, Entropy, OsEntropy};
use saga_redis::{RedisConfig, RedisDecisionStore};

struct TlsStack {
    /// `host:port/0`
    address: String,
    home: String,
}

fn tls_stack() -> Option<TlsStack> {
    let var = |name: &str| std::env::var(name).ok();
    match (var("SAGA_TLS_REDIS_URL"), var("SAGA_TLS_STACK_HOME")) {
        (Some(url), Some(home)) => {
            let address = url.rsplit('@').next().unwrap().to_owned();
            Some(TlsStack { address, home })
        }
        _ => saga_contract::backend::unavailable(
            "Redis accepting only TLS",
            "SAGA_TLS_REDIS_URL",
            &"SAGA_TLS_REDIS_URL or SAGA_TLS_STACK_HOME not set (SAGA_TLS=1 scripts/stack up \
              redis on a private stack prints the first as DIRECT_REDIS_URL)",
        ),
    }
}

impl TlsStack {
    /// The payment worker's settings, its decisions under `prefix`.
    fn payment_worker(&self, prefix: &str) -> RedisConfig {
        let password_file = format!("{}/secrets/redis-payment-worker", self.home);
        let password = saga_core::secret::read_secret_file(&password_file).unwrap();
        let url = format!("rediss://saga-payment-worker:{password}@{}", self.address);
        let mut config = RedisConfig::new(url);
        config.ca_file = Some(format!("{}/tls/ca.crt", self.home));
        config.key_prefix = prefix.to_owned();
        config.connect_attempts = 1;
        config
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payment_worker_keeps_decisions_and_touches_no_other_key() {
    let Some(stack) = tls_stack() else {
        return;
    };
    let own = format!("tls-{}-payment-decision:", std::process::id());
    let store = RedisDecisionStore::connect(&stack.payment_worker(&own))
        .await
        .unwrap();
    let event = OsEntropy.event_id();
    assert_eq!(store.decide(event, Success).await.unwrap(), Success);
    let foreign = RedisDecisionStore::connect(&stack.payment_worker("orders:"))
        .await
        .unwrap();
    let denied = foreign
        .decide(event, Success)
        .await
        .unwrap_err()
        .to_string();
    assert!(denied.contains("NOPERM"), "{denied}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_client_is_refused_naming_what_to_set() {
    let Some(stack) = tls_stack() else {
        return;
    };
    let mut config = RedisConfig::new(format!("redis://{}", stack.address));
    config.connect_attempts = 1;
    let error = match config.connect().await {
        Ok(_) => panic!("a plaintext client reached a TLS-only Redis"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.starts_with("REDIS_URL") && error.contains("rediss://"),
        "{error}"
    );
}

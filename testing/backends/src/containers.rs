//! Backends in containers, started with testcontainers from the images compose uses. Each is
//! started once per test process and kept for its whole life (the suites' clauses each run
//! on a runtime of their own, so no one clause may own it); a watcher process removes it
//! when the test process ends, however it ends.

use std::process::{Command, Stdio};

use testcontainers_modules::kafka::apache::{KAFKA_PORT, Kafka};
use testcontainers_modules::postgres::Postgres;
use testcontainers_modules::redis::{REDIS_PORT, Redis};
use testcontainers_modules::testcontainers::runners::AsyncRunner;
use testcontainers_modules::testcontainers::{ContainerAsync, Image, ImageExt};
use tokio::sync::OnceCell;

use crate::{Backend, BackendError};

static POSTGRES: OnceCell<Result<String, String>> = OnceCell::const_new();
static KAFKA: OnceCell<Result<String, String>> = OnceCell::const_new();
static REDIS: OnceCell<Result<String, String>> = OnceCell::const_new();

/// The image variable of `backend` and compose's default for it.
fn image(backend: Backend) -> String {
    let (variable, default) = match backend {
        Backend::Postgres => ("POSTGRES_IMAGE", "postgres:17"),
        Backend::Kafka => ("KAFKA_IMAGE", "apache/kafka:4.1.1"),
        Backend::Redis => ("REDIS_IMAGE", "redis:7"),
    };
    std::env::var(variable)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// `name:tag` split as Docker reads it (a registry port is not a tag).
fn name_and_tag(image: &str) -> (&str, &str) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (image, "latest"),
    }
}

pub async fn address(backend: Backend) -> Result<String, BackendError> {
    let cell = match backend {
        Backend::Postgres => &POSTGRES,
        Backend::Kafka => &KAFKA,
        Backend::Redis => &REDIS,
    };
    let image = image(backend);
    cell.get_or_init(|| async { start(backend, &image).await.map_err(|e| e.to_string()) })
        .await
        .clone()
        .map_err(|reason| BackendError::Start {
            backend,
            image,
            reason,
        })
}

type Started = Result<String, Box<dyn std::error::Error + Send + Sync>>;

async fn start(backend: Backend, image: &str) -> Started {
    let (name, tag) = name_and_tag(image);
    match backend {
        Backend::Postgres => {
            let container = keep(Postgres::default().with_name(name).with_tag(tag)).await?;
            let port = container.get_host_port_ipv4(5432).await?;
            Ok(format!(
                "postgres://postgres:postgres@127.0.0.1:{port}/postgres"
            ))
        }
        Backend::Kafka => {
            let kafka = Kafka::default().with_jvm_image();
            let container = keep(kafka.with_name(name).with_tag(tag)).await?;
            let port = container.get_host_port_ipv4(KAFKA_PORT).await?;
            Ok(format!("127.0.0.1:{port}"))
        }
        Backend::Redis => {
            let container = keep(Redis::default().with_name(name).with_tag(tag)).await?;
            let port = container.get_host_port_ipv4(REDIS_PORT).await?;
            Ok(format!("redis://127.0.0.1:{port}/0"))
        }
    }
}

/// Starts the container, hands its removal to a watcher of this process, and keeps it for
/// the rest of the process (never dropped, so testcontainers never removes it early).
async fn keep<I: Image + 'static>(
    request: impl AsyncRunner<I>,
) -> Result<&'static ContainerAsync<I>, Box<dyn std::error::Error + Send + Sync>> {
    let container = request.start().await?;
    remove_when_this_process_ends(container.id())?;
    Ok(Box::leak(Box::new(container)))
}

/// A detached shell that polls this process and removes the container once it is gone, in a
/// session of its own so that Ctrl-C on the test run does not take it down first.
fn remove_when_this_process_ends(id: &str) -> std::io::Result<()> {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; docker rm -f -v {id} >/dev/null 2>&1",
        pid = std::process::id()
    );
    Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::name_and_tag;

    #[test]
    fn splits_names_and_tags_as_docker_does() {
        assert_eq!(name_and_tag("postgres:17"), ("postgres", "17"));
        assert_eq!(
            name_and_tag("order-saga/kafka:4.1.1"),
            ("order-saga/kafka", "4.1.1")
        );
        assert_eq!(
            name_and_tag("localhost:5000/redis"),
            ("localhost:5000/redis", "latest")
        );
        assert_eq!(name_and_tag("redis"), ("redis", "latest"));
    }
}

//! Which exporter the `OTEL_*` variables ask for, refused at start-up when malformed.

use std::sync::OnceLock;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use crate::env::{EnvError, Lookup};

/// The one tracer of this process, set by [`install`].
pub(super) static TRACER: OnceLock<SdkTracer> = OnceLock::new();

const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
const PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
const TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
const DISABLED: &str = "OTEL_SDK_DISABLED";
const EXPORTER: &str = "OTEL_TRACES_EXPORTER";
const SERVICE_NAME: &str = "OTEL_SERVICE_NAME";

/// What the environment asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtelConfig {
    /// Where spans go (OTLP/gRPC), e.g. `http://127.0.0.1:4317`.
    pub endpoint: String,
    /// `service.name`: `OTEL_SERVICE_NAME`, or the component's name.
    pub service: String,
}

impl OtelConfig {
    /// `None` when nothing is to be exported: no endpoint, `OTEL_SDK_DISABLED=true` or
    /// `OTEL_TRACES_EXPORTER=none`.
    ///
    /// # Errors
    /// [`EnvError`] naming a variable that is set but unusable (a protocol other than grpc,
    /// an endpoint that is not an http URL, an exporter other than otlp or none).
    pub fn from_lookup(lookup: Lookup<'_>, component: &str) -> Result<Option<Self>, EnvError> {
        if flag(lookup, DISABLED)? {
            return Ok(None);
        }
        match lookup(EXPORTER).as_deref().map(str::trim) {
            None | Some("otlp") => {}
            Some("none") => return Ok(None),
            Some(other) => {
                return Err(refused(
                    EXPORTER,
                    format!("expected otlp or none, got {other:?}"),
                ));
            }
        }
        let (var, endpoint) = match (lookup(TRACES_ENDPOINT), lookup(ENDPOINT)) {
            (Some(e), _) => (TRACES_ENDPOINT, e),
            (None, Some(e)) => (ENDPOINT, e),
            (None, None) => return Ok(None),
        };
        let endpoint = endpoint.trim().to_owned();
        if endpoint.is_empty() {
            return Ok(None);
        }
        for var in [TRACES_PROTOCOL, PROTOCOL] {
            if let Some(protocol) = lookup(var).filter(|p| p.trim() != "grpc") {
                let reason =
                    format!("only grpc is built in (the endpoint's port 4317), got {protocol:?}");
                return Err(refused(var, reason));
            }
        }
        let uri: http::Uri = endpoint
            .parse()
            .map_err(|e| refused(var, format!("not a URL ({e}): {endpoint:?}")))?;
        // No TLS is built in: the exporter talks to a collector beside it, on loopback or
        // inside compose's network.
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            let reason = format!("expected http://host:port (no TLS), got {endpoint:?}");
            return Err(refused(var, reason));
        }
        let service = lookup(SERVICE_NAME)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| component.to_owned());
        Ok(Some(Self { endpoint, service }))
    }
}

fn flag(lookup: Lookup<'_>, var: &'static str) -> Result<bool, EnvError> {
    match lookup(var)
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("" | "false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(refused(
            var,
            format!("expected true or false, got {other:?}"),
        )),
    }
}

fn refused(var: &'static str, reason: String) -> EnvError {
    EnvError { var, reason }
}

/// The installed exporter: flushes what is buffered when shut down.
#[derive(Debug)]
pub struct Exporter {
    provider: SdkTracerProvider,
}

impl Exporter {
    /// Sends what is buffered and stops the export thread.
    pub fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "span export did not shut down cleanly");
        }
    }
}

/// Makes `provider` this process's span exporter (the first one installed stays).
pub fn install_provider(provider: &SdkTracerProvider) {
    if TRACER.set(provider.tracer("order-saga")).is_err() {
        tracing::warn!("span export was already installed in this process");
    }
}

/// Builds and installs the exporter `OTEL_*` ask for, inside a tokio runtime (gRPC needs one);
/// `None` when they ask for none, and then nothing is built.
///
/// # Errors
/// As [`OtelConfig::from_lookup`], or the exporter failing to build.
pub fn install(lookup: Lookup<'_>, component: &str) -> Result<Option<Exporter>, EnvError> {
    let Some(config) = OtelConfig::from_lookup(lookup, component)? else {
        return Ok(None);
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(config.endpoint.clone())
        .build()
        .map_err(|e| refused(ENDPOINT, format!("cannot build the OTLP exporter: {e}")))?;
    let resource = Resource::builder()
        .with_service_name(config.service.clone())
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    install_provider(&provider);
    tracing::info!(endpoint = %config.endpoint, service = %config.service, "exporting spans");
    Ok(Some(Exporter { provider }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Option<OtelConfig>, EnvError> {
        let lookup = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        OtelConfig::from_lookup(&lookup, "relay")
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint_or_when_disabled() {
        assert_eq!(config(&[]), Ok(None));
        let endpoint = (ENDPOINT, "http://127.0.0.1:4317");
        assert_eq!(config(&[endpoint, (DISABLED, "true")]), Ok(None));
        assert_eq!(config(&[endpoint, (EXPORTER, "none")]), Ok(None));
    }

    #[test]
    fn an_endpoint_exports_under_the_components_name_unless_one_is_given() {
        let endpoint = (ENDPOINT, "http://127.0.0.1:4317");
        let relay = config(&[endpoint]).unwrap().unwrap();
        assert_eq!(
            (relay.endpoint.as_str(), relay.service.as_str()),
            (endpoint.1, "relay")
        );
        let named = config(&[endpoint, (SERVICE_NAME, "shop")])
            .unwrap()
            .unwrap();
        assert_eq!(named.service, "shop");
        let traces = config(&[endpoint, (TRACES_ENDPOINT, "http://jaeger:4317")]);
        assert_eq!(traces.unwrap().unwrap().endpoint, "http://jaeger:4317");
    }

    #[test]
    fn a_misconfiguration_names_its_variable() {
        let endpoint = (ENDPOINT, "http://127.0.0.1:4317");
        let cases = [
            (vec![(ENDPOINT, "127.0.0.1:4317")], ENDPOINT),
            (
                vec![(TRACES_ENDPOINT, "https://collector:4317")],
                TRACES_ENDPOINT,
            ),
            (vec![endpoint, (PROTOCOL, "http/protobuf")], PROTOCOL),
            (vec![endpoint, (EXPORTER, "zipkin")], EXPORTER),
            (vec![endpoint, (DISABLED, "yes")], DISABLED),
        ];
        for (vars, var) in cases {
            assert_eq!(config(&vars).unwrap_err().var, var, "{vars:?}");
        }
    }
}

//! How a Kafka client encrypts and logs in: plaintext (the default), TLS, or TLS with SASL
//! (SCRAM), from `KAFKA_SECURITY_PROTOCOL` and the variables below. The password comes from a
//! file and never shows in `Debug`, errors or logs.

use rdkafka::ClientConfig;

use saga_core::ports::startup::accepts_connections;

use crate::BACKEND;
use crate::config::{ConnectError, KafkaConfig};

pub const PROTOCOL_VAR: &str = "KAFKA_SECURITY_PROTOCOL";
pub const CA_FILE_VAR: &str = "KAFKA_SSL_CA_FILE";
pub const MECHANISM_VAR: &str = "KAFKA_SASL_MECHANISM";
pub const USERNAME_VAR: &str = "KAFKA_SASL_USERNAME";
pub const PASSWORD_FILE_VAR: &str = "KAFKA_SASL_PASSWORD_FILE";

/// `KAFKA_SECURITY_PROTOCOL`. SASL without TLS is not offered: it would send the credentials
/// (PLAIN) or at least the traffic in the clear.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Protocol {
    #[default]
    Plaintext,
    Ssl,
    SaslSsl,
}

impl Protocol {
    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "PLAINTEXT" => Some(Self::Plaintext),
            "SSL" => Some(Self::Ssl),
            "SASL_SSL" => Some(Self::SaslSsl),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plaintext => "PLAINTEXT",
            Self::Ssl => "SSL",
            Self::SaslSsl => "SASL_SSL",
        }
    }
}

/// A SASL login. Its `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Sasl {
    /// `KAFKA_SASL_MECHANISM` (default `SCRAM-SHA-512`; `SCRAM-SHA-256` and `PLAIN` too).
    pub mechanism: String,
    /// `KAFKA_SASL_USERNAME`.
    pub username: String,
    /// The contents of `KAFKA_SASL_PASSWORD_FILE`.
    pub password: String,
}

impl std::fmt::Debug for Sasl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sasl")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// The transport and login settings every client of the adapter shares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Security {
    pub protocol: Protocol,
    /// `KAFKA_SSL_CA_FILE`: the PEM file of the CA the brokers' certificates are checked
    /// against (default: the system's). Brokers are always verified, host name included.
    pub ca_file: Option<String>,
    /// Set exactly when the protocol is `SASL_SSL`.
    pub sasl: Option<Sasl>,
}

/// A malformed or contradictory security setting: the variable, and why.
pub type Refusal = (&'static str, String);

impl Security {
    /// Reads the variables above through `lookup` (the process environment in production).
    ///
    /// # Errors
    /// The variable to fix and why: an unknown protocol, an unreadable CA or password file,
    /// a login without SASL_SSL, or SASL_SSL without a login.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Refusal> {
        let protocol = match lookup(PROTOCOL_VAR) {
            None => Protocol::Plaintext,
            Some(text) => Protocol::parse(&text).ok_or_else(|| {
                let reason = format!("expected PLAINTEXT, SSL or SASL_SSL, got {text:?}");
                (PROTOCOL_VAR, reason)
            })?,
        };
        let ca_file = lookup(CA_FILE_VAR);
        if let Some(path) = &ca_file {
            std::fs::metadata(path).map_err(|e| (CA_FILE_VAR, format!("{path}: {e}")))?;
        }
        let username = lookup(USERNAME_VAR);
        let sasl = match (protocol, username) {
            (Protocol::SaslSsl, Some(username)) => Some(sasl(&lookup, username)?),
            (Protocol::SaslSsl, None) => {
                return Err((USERNAME_VAR, "SASL_SSL needs a user to log in as".into()));
            }
            (_, Some(_)) => {
                let reason = format!(
                    "is {}, but {USERNAME_VAR} is set: a login needs SASL_SSL",
                    protocol.as_str()
                );
                return Err((PROTOCOL_VAR, reason));
            }
            (_, None) => None,
        };
        Ok(Self {
            protocol,
            ca_file,
            sasl,
        })
    }

    /// Puts these settings on a librdkafka client.
    pub(crate) fn apply(&self, client: &mut ClientConfig) {
        let protocol = self.protocol.as_str().to_ascii_lowercase();
        client.set("security.protocol", protocol);
        if self.protocol == Protocol::Plaintext {
            return;
        }
        client.set("ssl.endpoint.identification.algorithm", "https");
        if let Some(ca) = &self.ca_file {
            client.set("ssl.ca.location", ca);
        }
        if let Some(sasl) = &self.sasl {
            client
                .set("sasl.mechanism", &sasl.mechanism)
                .set("sasl.username", &sasl.username)
                .set("sasl.password", &sasl.password);
        }
    }
}

/// Why a plaintext client got no answer from brokers that accept its connection: most likely
/// they speak TLS only. `None` when the client is not plaintext or nothing listens there (the
/// broker is down: the plain "unreachable" error says so).
pub(crate) async fn plaintext_refused(config: &KafkaConfig, reason: &str) -> Option<ConnectError> {
    if config.security.protocol != Protocol::Plaintext {
        return None;
    }
    let first = config
        .bootstrap_servers
        .split(',')
        .next()?
        .trim()
        .to_owned();
    let listening = accepts_connections(&first, config.request_timeout).await;
    listening.then(|| ConnectError::Config {
        var: PROTOCOL_VAR,
        reason: format!(
            "{BACKEND} at {first} accepts connections but does not answer a plaintext client \
             ({reason}); if its listeners are TLS-only, set {PROTOCOL_VAR}=SSL or SASL_SSL, \
             with {CA_FILE_VAR} (and {USERNAME_VAR}, {PASSWORD_FILE_VAR} for SASL_SSL)"
        ),
    })
}

fn sasl(lookup: &impl Fn(&str) -> Option<String>, username: String) -> Result<Sasl, Refusal> {
    let mechanism = lookup(MECHANISM_VAR).unwrap_or_else(|| "SCRAM-SHA-512".into());
    if !["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"].contains(&mechanism.as_str()) {
        let reason = format!("expected SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN, got {mechanism:?}");
        return Err((MECHANISM_VAR, reason));
    }
    let path = lookup(PASSWORD_FILE_VAR).ok_or_else(|| {
        (
            PASSWORD_FILE_VAR,
            format!("{USERNAME_VAR} needs a password file"),
        )
    })?;
    let password =
        saga_core::secret::read_secret_file(&path).map_err(|reason| (PASSWORD_FILE_VAR, reason))?;
    Ok(Sasl {
        mechanism,
        username,
        password,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Security, Refusal> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Security::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn plaintext_unless_told_otherwise() {
        assert_eq!(read(&[]).unwrap(), Security::default());
    }

    #[test]
    fn a_scram_login_reads_its_password_from_the_file_and_debug_hides_it() {
        let path = std::env::temp_dir().join(format!("saga-kafka-pw-{}", std::process::id()));
        std::fs::write(&path, "hunter6\n").unwrap();
        let security = read(&[
            (PROTOCOL_VAR, "sasl_ssl"),
            (USERNAME_VAR, "saga-payment-worker"),
            (PASSWORD_FILE_VAR, path.to_str().unwrap()),
        ])
        .unwrap();
        std::fs::remove_file(&path).unwrap();
        let sasl = security.sasl.as_ref().unwrap();
        assert_eq!(
            (sasl.mechanism.as_str(), sasl.password.as_str()),
            ("SCRAM-SHA-512", "hunter6")
        );
        let text = format!("{security:?}");
        assert!(
            !text.contains("hunter6") && text.contains("saga-payment-worker"),
            "{text}"
        );
    }

    #[test]
    fn contradictions_are_refused_naming_the_variable() {
        let refused = |vars: &[(&str, &str)]| read(vars).unwrap_err().0;
        assert_eq!(refused(&[(PROTOCOL_VAR, "SASL_PLAINTEXT")]), PROTOCOL_VAR);
        assert_eq!(refused(&[(PROTOCOL_VAR, "SASL_SSL")]), USERNAME_VAR);
        assert_eq!(refused(&[(USERNAME_VAR, "u")]), PROTOCOL_VAR);
        let no_password = [(PROTOCOL_VAR, "SASL_SSL"), (USERNAME_VAR, "u")];
        assert_eq!(refused(&no_password), PASSWORD_FILE_VAR);
        assert_eq!(
            refused(&[(CA_FILE_VAR, "/nonexistent/ca.crt")]),
            CA_FILE_VAR
        );
    }
}

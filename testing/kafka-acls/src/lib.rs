//! Kafka ACLs through librdkafka's admin API (`rd_kafka_CreateAcls`, `DescribeAcls`,
//! `DeleteAcls`), which the rdkafka crate does not wrap: literal ALLOW grants from any host,
//! made as whatever user the client configuration logs in as (an admin). Blocking calls.

mod ffi;

use std::time::Duration;

use rdkafka::ClientConfig;

/// The kind of resource a grant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    Topic,
    Group,
}

/// The ACL operations the saga's components need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Read,
    Write,
    Create,
    Describe,
    DescribeConfigs,
}

impl Operation {
    /// From Kafka's name for it (`Read`, `DescribeConfigs`, as `kafka-acls --operation` takes).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "Read" => Self::Read,
            "Write" => Self::Write,
            "Create" => Self::Create,
            "Describe" => Self::Describe,
            "DescribeConfigs" => Self::DescribeConfigs,
            _ => return None,
        })
    }
}

/// One literal ALLOW ACL: `principal` (`User:NAME`) may do `operation` on the resource named
/// exactly `name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    pub principal: String,
    pub operation: Operation,
    pub resource: Resource,
    pub name: String,
}

/// Adds `grants` (idempotent: an ACL that exists is left as it is).
///
/// # Errors
/// A message when the client cannot be made, the broker does not answer within `timeout`, or
/// refuses any grant (the first refusal's reason).
pub fn create(client: &ClientConfig, grants: &[Grant], timeout: Duration) -> Result<(), String> {
    if grants.is_empty() {
        return Ok(());
    }
    ffi::create(client, grants, timeout)
}

/// The names of the topics and groups that have literal ACLs.
///
/// # Errors
/// As [`create`].
pub fn literal_names(client: &ClientConfig, timeout: Duration) -> Result<Vec<String>, String> {
    ffi::literal_names(client, timeout)
}

/// Deletes every literal ACL on a topic or group named exactly one of `names`.
///
/// # Errors
/// As [`create`].
pub fn delete_named(
    client: &ClientConfig,
    names: &[String],
    timeout: Duration,
) -> Result<(), String> {
    if names.is_empty() {
        return Ok(());
    }
    ffi::delete_named(client, names, timeout)
}

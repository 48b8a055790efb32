//! Each component's Kafka permissions on one run's topics and groups. The components' ACLs
//! are literal (a prefixed ACL on `RUN-orders` would cover `RUN-orders-dlq` too), and a run's
//! names carry its own prefix, so the harness, as the stack's admin, grants each component on
//! a run's names what `deploy/kafka-acls.txt` grants it on the stack's: the one table
//! `scripts/stack.d/kafka-tls.sh` reads too, so the two cannot drift.

use std::collections::BTreeSet;

use saga_kafka_acls::{Grant, Operation, Resource};

const TABLE: &str = include_str!("../../../deploy/kafka-acls.txt");

/// One line of the table: who, what, on which resources (`topic:NAME`, `group:NAME`,
/// `cluster`).
struct Line {
    component: &'static str,
    operations: Vec<Operation>,
    resources: Vec<&'static str>,
}

/// # Panics
/// On a malformed line (the table's own test parses it).
fn lines() -> Vec<Line> {
    TABLE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let component = words.next().expect("a component");
            let operations = words
                .next()
                .unwrap_or_else(|| panic!("no operations in {line:?}"))
                .split(',')
                .map(|op| Operation::parse(op).unwrap_or_else(|| panic!("{op:?} in {line:?}")))
                .collect();
            Line {
                component,
                operations,
                resources: words.collect(),
            }
        })
        .collect()
}

/// Every component the table names (what `*` stands for).
pub fn components() -> BTreeSet<&'static str> {
    lines()
        .into_iter()
        .map(|line| line.component)
        .filter(|&component| component != "*")
        .collect()
}

/// What the table grants each component, on the topics and groups named with `prefix`, for
/// the Kafka user `user_of(component)` (a component without one is skipped). The cluster and
/// `*` (every topic or group) are the same for every run: the stack grants those.
///
/// # Panics
/// On a resource that is not `topic:NAME`, `group:NAME` or `cluster`.
pub fn for_run(prefix: &str, user_of: impl Fn(&str) -> Option<String>) -> Vec<Grant> {
    let everyone = components();
    let mut grants = BTreeSet::new();
    for line in lines() {
        let who: Vec<&str> = match line.component {
            "*" => everyone.iter().copied().collect(),
            one => vec![one],
        };
        for component in who {
            let Some(user) = user_of(component) else {
                continue;
            };
            for &resource in &line.resources {
                let Some((resource, name)) = per_run(resource) else {
                    continue;
                };
                for &operation in &line.operations {
                    grants.insert(Grant {
                        principal: format!("User:{user}"),
                        operation,
                        resource,
                        name: format!("{prefix}{name}"),
                    });
                }
            }
        }
    }
    grants.into_iter().collect()
}

/// The resource a table entry names, when it is one a run names with its prefix.
fn per_run(entry: &str) -> Option<(Resource, &str)> {
    let (kind, name) = match entry.split_once(':') {
        Some(("topic", name)) => (Resource::Topic, name),
        Some(("group", name)) => (Resource::Group, name),
        None if entry == "cluster" => return None,
        _ => panic!("deploy/kafka-acls.txt: {entry:?} is not topic:NAME, group:NAME or cluster"),
    };
    (name != "*").then_some((kind, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants() -> Vec<Grant> {
        for_run("run-", |component| {
            (component != "auditor").then(|| format!("saga-{component}"))
        })
    }

    fn has(user: &str, operation: Operation, resource: Resource, name: &str) -> bool {
        grants().contains(&Grant {
            principal: format!("User:saga-{user}"),
            operation,
            resource,
            name: name.to_owned(),
        })
    }

    #[test]
    fn each_component_gets_its_own_topics_and_group_under_the_runs_prefix() {
        assert!(has(
            "outbox-relay",
            Operation::Write,
            Resource::Topic,
            "run-orders"
        ));
        assert!(!has(
            "outbox-relay",
            Operation::Write,
            Resource::Topic,
            "run-payments"
        ));
        assert!(!has(
            "outbox-relay",
            Operation::Read,
            Resource::Topic,
            "run-orders"
        ));
        assert!(has(
            "payment-worker",
            Operation::Read,
            Resource::Group,
            "run-payment-worker"
        ));
        assert!(!has(
            "delivery-worker",
            Operation::Write,
            Resource::Topic,
            "run-payments"
        ));
        assert!(has(
            "delivery-worker",
            Operation::Create,
            Resource::Topic,
            "run-payments"
        ));
    }

    #[test]
    fn the_cluster_and_wildcards_stay_the_stacks_and_a_component_without_a_user_gets_nothing() {
        let grants = grants();
        assert!(
            grants
                .iter()
                .all(|g| g.name.starts_with("run-") && !g.name.contains('*'))
        );
        assert!(!grants.iter().any(|g| g.principal == "User:saga-auditor"));
        assert!(components().contains("explorer") && components().len() == 6);
    }
}

//! The crate layers, as `cargo metadata` sees them: every normal dependency between the
//! workspace's crates points down the layers of docs/architecture.md ("Crate layers"), so the
//! product never imports the harness (testing/, bench/, sim/, chaos/, tests/), services never
//! import adapters, and the core imports nothing of ours. Dev-dependencies are free: a test may
//! use anything.

use std::collections::BTreeMap;
use std::process::Command;

/// A layer: its crates, and the layers its crates may depend on.
struct Layer {
    name: &'static str,
    crates: &'static [&'static str],
    may_use: &'static [&'static str],
}

const LAYERS: [Layer; 7] = [
    Layer {
        name: "core",
        crates: &["saga-core"],
        may_use: &[],
    },
    Layer {
        name: "support",
        crates: &["saga-api", "saga-runtime", "saga-checker"],
        may_use: &["core"],
    },
    Layer {
        name: "adapters",
        crates: &["saga-memory", "saga-postgres", "saga-kafka", "saga-redis"],
        may_use: &["core"],
    },
    Layer {
        name: "components",
        crates: &[
            "saga-gateway",
            "saga-order-api",
            "saga-outbox-relay",
            "saga-payment-worker",
            "saga-order-status-worker",
            "saga-delivery-worker",
            "saga-explorer",
            "saga-auditor",
            "saga-client",
        ],
        may_use: &["core", "support"],
    },
    Layer {
        name: "wiring",
        crates: &["saga-components"],
        may_use: &["core", "support", "components"],
    },
    Layer {
        name: "binary",
        crates: &["saga"],
        may_use: &["core", "support", "adapters", "components", "wiring"],
    },
    Layer {
        name: "harness",
        crates: &[
            "saga-contract",
            "saga-harness",
            "saga-kafka-acls",
            "saga-test-backends",
            "saga-faults",
            "saga-bench",
            "sim",
            "chaos",
            "saga-tests",
        ],
        may_use: &[
            "core",
            "support",
            "adapters",
            "components",
            "wiring",
            "binary",
            "harness",
        ],
    },
];

/// Each workspace crate with its manifest's directory (relative to the workspace) and its
/// normal dependencies on other workspace crates.
fn workspace() -> BTreeMap<String, (String, Vec<String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed");
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let root = metadata["workspace_root"].as_str().unwrap().to_owned();
    let packages = metadata["packages"].as_array().unwrap();
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    packages
        .iter()
        .map(|package| {
            let manifest = package["manifest_path"].as_str().unwrap();
            let dir = manifest
                .strip_prefix(&root)
                .unwrap()
                .trim_start_matches('/')
                .trim_end_matches("/Cargo.toml")
                .to_owned();
            let deps = package["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null() && names.contains(&d["name"].as_str().unwrap()))
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (package["name"].as_str().unwrap().to_owned(), (dir, deps))
        })
        .collect()
}

fn layer_of(krate: &str) -> Option<&'static Layer> {
    LAYERS.iter().find(|layer| layer.crates.contains(&krate))
}

#[test]
fn every_workspace_crate_has_a_layer() {
    let unplaced: Vec<String> = workspace()
        .into_keys()
        .filter(|krate| layer_of(krate).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "crates with no layer (add them to LAYERS and to docs/architecture.md): {unplaced:?}"
    );
}

#[test]
fn dependencies_point_down_the_layers() {
    let mut upward = Vec::new();
    for (krate, (_, deps)) in workspace() {
        let Some(layer) = layer_of(&krate) else {
            continue;
        };
        for dep in deps {
            let target = layer_of(&dep).map_or("unplaced", |l| l.name);
            if !layer.may_use.contains(&target) {
                upward.push(format!("{krate} ({}) -> {dep} ({target})", layer.name));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "arrows against the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_product_lives_under_services_and_the_harness_outside() {
    let mut misplaced = Vec::new();
    for (krate, (dir, _)) in workspace() {
        let harness = layer_of(&krate).is_some_and(|l| l.name == "harness");
        if harness == dir.starts_with("services/") {
            misplaced.push(format!("{krate} in {dir}"));
        }
    }
    assert!(
        misplaced.is_empty(),
        "product crates belong under services/, harness crates outside it: {misplaced:?}"
    );
}

//! A real browser for the explorer's tests: Debian's headless Chromium driven over WebDriver by
//! its `chromedriver`, on a free loopback port, with a fresh profile directory and the flags
//! that keep Chromium off every network but loopback. `scripts/browser install` installs both.
//! The driver runs in a process group of its own, so closing the [`Browser`] (or dropping it
//! after a failed assertion) ends the driver and every Chromium process it started.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::free_port;

/// Chromium's flags: headless, no sandbox (CI runs as root), and nothing that reaches out.
const FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The browser could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// Chromium or its driver is not installed (`scripts/browser install`).
    #[error("{0} not found: run scripts/browser install (Debian's chromium and chromium-driver)")]
    Missing(String),
    #[error("starting chromedriver: {0}")]
    Driver(String),
    #[error("opening a WebDriver session: {0}")]
    Session(String),
}

/// A WebDriver session on a headless Chromium of its own.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

/// `CHROMIUM` / `CHROMEDRIVER` when set, else the first of `candidates` that exists.
fn binary(variable: &str, candidates: &[&str]) -> Result<PathBuf, BrowserError> {
    if let Ok(path) = std::env::var(variable) {
        return Ok(PathBuf::from(path));
    }
    candidates
        .iter()
        .map(Path::new)
        .find(|p| p.exists())
        .map(Path::to_path_buf)
        .ok_or_else(|| BrowserError::Missing(candidates[0].to_owned()))
}

impl Browser {
    /// Starts the driver and opens a session, trying for up to `patience`.
    ///
    /// # Errors
    /// [`BrowserError::Missing`] when Chromium or chromedriver is not installed; the others
    /// when they do not start.
    pub async fn start(patience: Duration) -> Result<Self, BrowserError> {
        let chromium = binary(
            "CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        )?;
        let driver_path = binary("CHROMEDRIVER", &["/usr/bin/chromedriver"])?;
        let port = free_port(&[]).map_err(|e| BrowserError::Driver(e.to_string()))?;
        let profile =
            std::env::temp_dir().join(format!("saga-browser-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile).map_err(|e| BrowserError::Driver(e.to_string()))?;
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| BrowserError::Driver(format!("{}: {e}", driver_path.display())))?;
        let mut args: Vec<String> = FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push("--window-size=1280,1000".into());
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal");
        };
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + patience;
        let client = loop {
            // The driver answers once it has bound its port; until then, connecting fails.
            match builder.connect(&url).await {
                Ok(client) => break client,
                Err(error) if tokio::time::Instant::now() >= deadline => {
                    end_group(driver.id());
                    let _ = std::fs::remove_dir_all(&profile);
                    return Err(BrowserError::Session(error.to_string()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Ok(Self {
            client,
            driver,
            profile,
        })
    }

    /// Ends the session (Chromium quits) and the driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// SIGKILLs the process group `pgid` (the driver and the Chromium it started).
fn end_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

impl Drop for Browser {
    fn drop(&mut self) {
        end_group(self.driver.id());
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

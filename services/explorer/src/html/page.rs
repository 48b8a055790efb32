//! The page shell: navigation, the time of the snapshot read, the inlined stylesheet and the
//! refresh script.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use time::OffsetDateTime;

use super::format;

const STYLE: &str = include_str!("../../assets/explorer.css");
const SCRIPT: &str = include_str!("../../assets/explorer.js");

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Orders,
    DeadLetters,
    Health,
    /// A page outside the explorer (the simulation's seed page): no navigation.
    Standalone,
}

/// How a page is framed.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    pub title: &'a str,
    pub section: Section,
    /// When the state shown was read.
    pub read_at: Option<OffsetDateTime>,
    /// Refresh every this many seconds (0: never).
    pub refresh_secs: u64,
    /// Why the state may be stale, if the last read failed.
    pub error: Option<&'a str>,
    /// The explorer serves anyone who reaches it (no API keys): said on every page.
    pub open: bool,
}

/// A whole HTML document around `body`.
pub fn page(frame: &Frame<'_>, body: Markup) -> Markup {
    let nav = [
        (Section::Orders, "/", "Orders"),
        (Section::DeadLetters, "/dead-letters", "Dead letters"),
        (Section::Health, "/saga-health", "Saga health"),
    ];
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " \u{2014} saga explorer" }
                @if frame.refresh_secs > 0 {
                    noscript { meta http-equiv="refresh" content=(frame.refresh_secs * 2); }
                }
                style { (PreEscaped(STYLE)) }
            }
            body data-refresh=(frame.refresh_secs) {
                header {
                    span.brand { "saga explorer" }
                    @if frame.section != Section::Standalone {
                        @for (section, href, label) in nav {
                            a.active[section == frame.section] href=(href) { (label) }
                        }
                    }
                    span.read {
                        @if let Some(at) = frame.read_at {
                            "state read " (format::clock(at)) " UTC"
                        }
                    }
                }
                main {
                    @if frame.open {
                        p.banner.error #open { "Open: no API keys are configured (API_AUTH=off), so anyone who reaches this port can read every order and act on dead letters." }
                    }
                    @if let Some(error) = frame.error {
                        p.banner.error { "Cannot read the saga's state: " (error) ". Showing the last state read." }
                    }
                    (body)
                }
                @if frame.refresh_secs > 0 {
                    script { (PreEscaped(SCRIPT)) }
                }
            }
        }
    }
}

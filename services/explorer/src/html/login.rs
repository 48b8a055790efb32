//! The login form: an API key, kept by the browser in an `HttpOnly`, `SameSite=Strict` cookie,
//! so the pages and their refreshes carry it.

use maud::{Markup, html};

use super::page::{Frame, Section, page as document};

/// The form, with `problem` above it (why the last attempt, or the request, was refused).
pub fn page(problem: Option<&str>) -> maud::Markup {
    let frame = Frame {
        title: "Log in",
        section: Section::Standalone,
        read_at: None,
        refresh_secs: 0,
        error: None,
        open: false,
    };
    document(&frame, body(problem))
}

fn body(problem: Option<&str>) -> Markup {
    html! {
        h1 { "Saga explorer" }
        @if let Some(problem) = problem { p.banner.error { (problem) } }
        form.filters method="post" action="/login" {
            label { "API key" input type="password" name="key" autocomplete="off" autofocus; }
            button type="submit" { "Log in" }
        }
        p.muted { "A client key shows its own orders; an operator key every order and the dead letters." }
    }
}

//! The pages as HTML, drawn with maud (every interpolated value is escaped: dead-letter
//! payloads and item names are untrusted). Each page is self-contained: the stylesheet and the
//! refresh script are inlined from `assets/`, nothing is fetched from elsewhere.

pub mod dead_letters;
pub mod format;
pub mod health;
pub mod journey;
pub mod login;
pub mod orders;
pub mod page;
pub mod timeline;

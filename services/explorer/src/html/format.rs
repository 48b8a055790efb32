//! Times, gaps and ages as an operator reads them.

use time::{Duration, OffsetDateTime};

/// `10:04:05.123`: time of day in UTC to the millisecond.
pub fn clock(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// `2026-11-25 10:04:05.123`.
pub fn date_time(at: OffsetDateTime) -> String {
    let day = at.to_offset(time::UtcOffset::UTC).date();
    format!("{day} {}", clock(at))
}

/// A duration the way a person says it: `850 µs`, `35 ms`, `1.25 s`, `3 min 4 s`, `2 h 5 min`.
pub fn span(d: Duration) -> String {
    let negative = d.is_negative();
    let d = d.abs();
    let text = if d < Duration::MILLISECOND {
        format!("{} µs", d.whole_microseconds())
    } else if d < Duration::SECOND {
        format!("{} ms", d.whole_milliseconds())
    } else if d < Duration::MINUTE {
        format!("{:.2} s", d.as_seconds_f64())
    } else if d < Duration::HOUR {
        format!("{} min {} s", d.whole_minutes(), d.whole_seconds() % 60)
    } else {
        format!("{} h {} min", d.whole_hours(), d.whole_minutes() % 60)
    };
    if negative { format!("-{text}") } else { text }
}

/// `+35 ms` after the step before.
pub fn gap(d: Duration) -> String {
    if d.is_negative() {
        span(d)
    } else {
        format!("+{}", span(d))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn reads_like_a_person_writes() {
        assert_eq!(
            clock(datetime!(2026-11-25 10:04:05.123456 UTC)),
            "10:04:05.123"
        );
        assert_eq!(span(Duration::microseconds(850)), "850 µs");
        assert_eq!(span(Duration::milliseconds(35)), "35 ms");
        assert_eq!(span(Duration::milliseconds(1250)), "1.25 s");
        assert_eq!(span(Duration::seconds(184)), "3 min 4 s");
        assert_eq!(span(Duration::minutes(125)), "2 h 5 min");
        assert_eq!(gap(Duration::milliseconds(35)), "+35 ms");
        assert_eq!(gap(Duration::milliseconds(-35)), "-35 ms");
    }
}

//! How `saga dlq list` and `show` print: groups by reason, source topic and rejecting consumer
//! group with counts and first/last seen, each letter of the page one line under its group.

use saga_core::event::format_timestamp;
use saga_postgres::LetterGroup;
use saga_runtime::dlq::DeadLetter;

/// Longest payload preview, in characters.
const PREVIEW: usize = 80;

/// Each group's header with its counts, and under it the letters of this page in it.
pub(super) fn list(groups: &[LetterGroup], letters: &[DeadLetter]) {
    if groups.is_empty() {
        println!("no dead letters");
        return;
    }
    for g in groups {
        println!(
            "{} on {}, rejected by {}: {} (first {}, last {})",
            g.reason.as_str(),
            g.topic.as_str(),
            g.group,
            g.total,
            format_timestamp(g.first),
            format_timestamp(g.last)
        );
        let mine = letters.iter().filter(|l| {
            let r = &l.rejection;
            r.code == g.reason && r.source.topic == g.topic && r.rejected_by.group == g.group
        });
        for l in mine {
            println!(
                "  {}  {}  {}  replays {}  {}  {}",
                l.id,
                format_timestamp(l.at),
                super::dlq::kept(l),
                l.rejection.replay_count,
                status(l),
                preview(&l.rejection.original.bytes),
            );
        }
    }
}

pub(super) fn show(l: &DeadLetter) {
    let r = &l.rejection;
    println!("dead letter    {}", l.id);
    println!("rejected at    {}", format_timestamp(l.at));
    println!("kept           {}", super::dlq::kept(l));
    println!("reason         {} ({})", r.code.as_str(), r.reason);
    println!(
        "rejected by    group {} ({}), after {} attempt(s)",
        r.rejected_by.group, r.rejected_by.component, r.attempts
    );
    println!(
        "source         {}/{}@{} key {}",
        r.source.topic.as_str(),
        r.source.partition,
        r.source.offset,
        r.source.key.as_deref().unwrap_or("-")
    );
    println!(
        "correlation    {}",
        r.source.correlation_id.as_ref().map_or("-", |c| c.as_str())
    );
    println!("replay count   {}", r.replay_count);
    let cut = if r.original.truncated {
        format!(
            ", TRUNCATED to {} bytes: cannot be replayed",
            r.original.bytes.len()
        )
    } else {
        String::new()
    };
    println!(
        "original       {} bytes, sha256 {}{cut}",
        r.original.size, r.original.sha256
    );
    println!("payload        {}", preview(&r.original.bytes));
    println!("status         {}", status(l));
    if let Some(a) = &l.action {
        println!(
            "why            {}",
            if a.why.is_empty() { "-" } else { &a.why }
        );
    }
}

fn status(l: &DeadLetter) -> String {
    match &l.action {
        None => "open".into(),
        Some(a) => format!(
            "{} by {} at {}",
            a.kind.as_str(),
            a.actor,
            format_timestamp(a.at)
        ),
    }
}

fn preview(bytes: &[u8]) -> String {
    saga_runtime::dlq::preview(bytes, PREVIEW)
}

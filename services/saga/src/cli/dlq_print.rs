//! How `saga dlq list` and `show` print: groups by reason, source topic and rejecting consumer
//! group with counts and first/last seen, each letter one line under its group.

use std::collections::BTreeMap;

use saga_core::event::format_timestamp;
use saga_runtime::dlq::DeadLetter;

/// Longest payload preview, in characters.
const PREVIEW: usize = 80;

pub(super) fn list<'a>(letters: impl Iterator<Item = &'a DeadLetter>) {
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&DeadLetter>> = BTreeMap::new();
    for letter in letters {
        let r = &letter.rejection;
        groups
            .entry((
                r.code.as_str(),
                r.source.topic.as_str(),
                &r.rejected_by.group,
            ))
            .or_default()
            .push(letter);
    }
    if groups.is_empty() {
        println!("no dead letters");
        return;
    }
    for ((reason, topic, group), letters) in groups {
        let first = letters.iter().map(|l| l.at).min().unwrap_or(letters[0].at);
        let last = letters.iter().map(|l| l.at).max().unwrap_or(letters[0].at);
        println!(
            "{reason} on {topic}, rejected by {group}: {} (first {}, last {})",
            letters.len(),
            format_timestamp(first),
            format_timestamp(last)
        );
        for l in letters {
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

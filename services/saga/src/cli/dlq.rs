//! `saga dlq`: the dead letters on the real stack (`DATABASE_URL`, `KAFKA_*`): list them by
//! reason and source topic, show one, replay or discard one or every open one with a reason.
//! Replay and discard need an operator API key (`--api-key` or `SAGA_API_KEY`) whenever API
//! keys are configured (`API_KEYS` / `API_KEYS_FILE`, checked as the gateway checks them);
//! the key's name is recorded as who acted.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use saga_api::auth::Role;
use saga_core::event::RejectionCode;
use saga_core::{EventId, Topic};
use saga_runtime::dlq::{self, Actor, DeadLetter, Filter, Kept};
use time::OffsetDateTime;

use saga::real::RealDeadLetters;

#[derive(Debug, Args)]
pub struct DlqArgs {
    #[command(subcommand)]
    command: DlqCommand,
}

#[derive(Debug, Args)]
struct Select {
    /// Rejection reason: undecodable, unexpected_type, unknown_order, wrong_causation,
    /// contradicts_applied, handler_failed.
    #[arg(long, value_parser = reason)]
    reason: Option<RejectionCode>,
    /// Source topic: orders or payments.
    #[arg(long, value_parser = topic)]
    topic: Option<Topic>,
}

#[derive(Debug, Args)]
struct Act {
    /// The dead letter (its EVENT_REJECTED event id); or use --reason [--topic].
    #[arg(required_unless_present = "reason", conflicts_with_all = ["reason", "topic"])]
    id: Option<EventId>,
    #[command(flatten)]
    select: Select,
    /// Why (recorded with the action).
    #[arg(long, default_value = "")]
    why: String,
    /// An operator API key (else `SAGA_API_KEY`); needed when API keys are configured.
    #[arg(long, env = "SAGA_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
}

#[derive(Debug, Subcommand)]
enum DlqCommand {
    /// Open dead letters, grouped by reason and source topic (`--all`: replayed and
    /// discarded ones too).
    List {
        #[command(flatten)]
        select: Select,
        #[arg(long)]
        all: bool,
        /// Letters listed at most (the oldest first); the counts cover every match.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Start after this position (printed at the end of a list that has more).
        #[arg(long, value_parser = position)]
        after: Option<(OffsetDateTime, EventId)>,
    },
    /// One dead letter in full: source, group, reason, original (preview), action.
    Show { id: EventId },
    /// Re-publish the original to its source topic with its key and headers plus
    /// replay_of/replay_count; a letter already replayed or discarded is left alone.
    Replay {
        #[command(flatten)]
        act: Act,
        /// Say what would be published; publish and record nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Close a dead letter without replaying it, recording who and why.
    Discard {
        #[command(flatten)]
        act: Act,
    },
}

fn reason(text: &str) -> Result<RejectionCode, String> {
    RejectionCode::parse(text).ok_or_else(|| {
        let all: Vec<_> = RejectionCode::ALL.iter().map(|c| c.as_str()).collect();
        format!("unknown reason {text:?} (one of {})", all.join(", "))
    })
}

fn topic(text: &str) -> Result<Topic, String> {
    match Topic::parse(text) {
        Some(t) if t.dlq() != t => Ok(t),
        _ => Err(format!(
            "{text:?} is not a source topic (orders or payments)"
        )),
    }
}

/// A list position as `saga dlq list` prints it: `<unix nanoseconds>_<letter id>`.
fn position(text: &str) -> Result<(OffsetDateTime, EventId), String> {
    dlq::parse_position(text)
        .ok_or_else(|| format!("{text:?} is not a position (<unix nanoseconds>_<letter id>)"))
}

pub async fn run(args: DlqArgs) -> anyhow::Result<ExitCode> {
    let exporter = saga_runtime::otel::install(&saga_runtime::env::process, "saga-dlq")?;
    let ran = act_on(args).await;
    super::component::flush(exporter).await;
    ran
}

async fn act_on(args: DlqArgs) -> anyhow::Result<ExitCode> {
    let stack = RealDeadLetters::connect().await?;
    match args.command {
        DlqCommand::List {
            select,
            all,
            limit,
            after,
        } => {
            let page = stack.page(&filter(&select, all), after, limit).await?;
            if page.unreadable > 0 {
                eprintln!(
                    "note: {} record(s) on the DLQ topics are not EVENT_REJECTED; left out",
                    page.unreadable
                );
            }
            super::dlq_print::list(&page.groups, &page.letters);
            if let Some(next) = page.next {
                println!("more: saga dlq list --after {}", dlq::format_position(next));
            }
            Ok(ExitCode::SUCCESS)
        }
        DlqCommand::Show { id } => {
            let letter = find(&stack, id).await?;
            super::dlq_print::show(&letter);
            Ok(ExitCode::SUCCESS)
        }
        DlqCommand::Replay { act, dry_run } => {
            let actor = actor(&act)?;
            let chosen = choose(&stack, &act).await?;
            let mut failed = 0;
            for letter in &chosen {
                match dlq::replay(&*stack.bus, &*stack.ledger, letter, &actor, dry_run).await {
                    Ok(done) => {
                        let verb = if done.published {
                            "replayed"
                        } else {
                            "would replay"
                        };
                        let mark = done.message.replay.map_or(0, |m| m.count);
                        println!(
                            "{} {verb} to {} key {} (replay {mark})",
                            letter.id,
                            done.message.topic.as_str(),
                            done.message.key
                        );
                    }
                    Err(error) => {
                        failed += 1;
                        eprintln!("{}: {error}", letter.id);
                    }
                }
            }
            Ok(exit(failed))
        }
        DlqCommand::Discard { act } => {
            let actor = actor(&act)?;
            let chosen = choose(&stack, &act).await?;
            let mut failed = 0;
            for letter in &chosen {
                match dlq::discard(&*stack.ledger, letter, &actor).await {
                    Ok(()) => println!("{} discarded by {}", letter.id, actor.name),
                    Err(error) => {
                        failed += 1;
                        eprintln!("{}: {error}", letter.id);
                    }
                }
            }
            Ok(exit(failed))
        }
    }
}

fn exit(failed: usize) -> ExitCode {
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn filter(select: &Select, closed_too: bool) -> Filter {
    Filter {
        reason: select.reason,
        topic: select.topic,
        closed_too,
    }
}

async fn find(stack: &RealDeadLetters, id: EventId) -> anyhow::Result<DeadLetter> {
    stack
        .letter(id)
        .await?
        .with_context(|| format!("no dead letter {id} (see `saga dlq list --all`)"))
}

/// The one letter named (open or not: acting on a closed one says who closed it), or every
/// open one the selection admits.
async fn choose(stack: &RealDeadLetters, act: &Act) -> anyhow::Result<Vec<DeadLetter>> {
    if let Some(id) = act.id {
        return Ok(vec![find(stack, id).await?]);
    }
    let chosen = stack.all(&filter(&act.select, false)).await?;
    if chosen.is_empty() {
        bail!("no open dead letter matches");
    }
    Ok(chosen)
}

/// Who acts: the operator key's name when keys are configured (a missing, unknown or client
/// key is refused), else the account running the command.
fn actor(act: &Act) -> anyhow::Result<Actor> {
    let lookup = |name: &str| std::env::var(name).ok();
    let configured = ["API_KEYS", "API_KEYS_FILE"]
        .iter()
        .any(|v| lookup(v).is_some_and(|t| !t.trim().is_empty()));
    let keys = if configured {
        saga_gateway::api_keys_from_lookup(lookup)?
    } else {
        None
    };
    let name = match keys {
        Some(keys) => {
            let key = act.api_key.as_deref().context(
                "API keys are configured: pass an operator key (--api-key or SAGA_API_KEY)",
            )?;
            match keys.principal(key.trim()) {
                Some(p) if p.role >= Role::Operator => p.owner.to_string(),
                Some(p) => bail!(
                    "key {} is a client key: replay and discard need an operator key",
                    p.owner
                ),
                None => bail!("the API key is not one of the configured keys"),
            }
        }
        None => std::env::var("USER").unwrap_or_else(|_| "operator".into()),
    };
    Ok(Actor {
        name,
        why: act.why.clone(),
        at: OffsetDateTime::now_utc(),
        request: operator_request()?,
        max_age: saga_runtime::env::seconds(
            "SAGA_REPUBLISH_MAX_AGE_SECONDS",
            saga_core::redelivery::DEFAULT_REPUBLISH_MAX_AGE,
        )?,
    })
}

/// Where a letter is kept, for people.
pub(super) fn kept(letter: &DeadLetter) -> String {
    match letter.kept {
        Kept::Topic {
            topic,
            partition,
            offset,
        } => format!("{}/{partition}@{offset}", topic.as_str()),
        Kept::Table => "dead_letters table".into(),
    }
}

/// The operator's request a replay links to: the `TRACEPARENT` variable, as a traced script
/// passes its context to a command it runs (OpenTelemetry's environment carrier).
fn operator_request() -> anyhow::Result<Option<saga_core::TraceParent>> {
    match std::env::var("TRACEPARENT") {
        Err(_) => Ok(None),
        Ok(text) => saga_core::TraceParent::parse(&text)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("TRACEPARENT: {e}: {text:?}")),
    }
}

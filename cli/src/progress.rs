//! Progress of a long upgrade or downgrade: a line per migration on stdout as each one
//! finishes (version, name, elapsed) and, when stderr is a terminal, a bar there.
//!
//! The runtime announces each migration with a `tracing` event (target `strata`); a small
//! subscriber, installed only for the command's duration on this thread, turns those events
//! into output, so the library needs no callback in its API.

use std::collections::BTreeSet;
use std::fmt;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// What the progress shows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Display {
    /// A line per finished migration on stdout.
    pub lines: bool,
    /// A bar on stderr (only drawn when stderr is a terminal).
    pub bar: bool,
}

impl Display {
    pub(crate) fn new(quiet: bool, json: bool) -> Display {
        Display {
            lines: !quiet && !json,
            bar: !quiet && std::io::stderr().is_terminal(),
        }
    }
}

struct State {
    bar: Option<ProgressBar>,
    lines: bool,
    /// The past tense printed before each finished migration: "applied", "reverted".
    verb: &'static str,
    current: Option<(i64, String, Instant)>,
    /// Versions already printed, so the report adds only what the events missed.
    printed: BTreeSet<i64>,
}

/// The progress of one command; clones share it.
#[derive(Clone)]
pub(crate) struct Progress {
    state: Arc<Mutex<State>>,
}

impl Progress {
    /// `total`: how many migrations will run, when known (the bar's length).
    pub(crate) fn new(display: Display, verb: &'static str, total: Option<u64>) -> Progress {
        let bar = display.bar.then(|| {
            let bar = match total {
                Some(total) => ProgressBar::new(total),
                None => ProgressBar::no_length(),
            };
            let template = "{spinner} [{pos}/{len}] {wide_msg} {elapsed}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            state: Arc::new(Mutex::new(State {
                bar,
                lines: display.lines,
                verb,
                current: None,
                printed: BTreeSet::new(),
            })),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while printing cannot leave the state inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `future` with this progress receiving the runtime's events while it is polled.
    pub(crate) async fn observe<F: Future>(&self, future: F) -> F::Output {
        let subscriber = Events {
            progress: self.clone(),
        };
        future.with_subscriber(subscriber).await
    }

    fn started(&self, version: i64, name: String, doing: &str) {
        let mut state = self.state();
        if let Some(bar) = &state.bar {
            bar.set_message(format!("{doing} {version} {name}"));
        }
        state.current = Some((version, name, Instant::now()));
    }

    fn finished(&self, version: i64) {
        let mut state = self.state();
        let Some((current, name, started)) = state.current.take() else {
            return;
        };
        if current != version {
            return;
        }
        let line = format!(
            "{} {version} {name} ({})",
            state.verb,
            elapsed(started.elapsed())
        );
        state.printed.insert(version);
        if state.lines {
            match &state.bar {
                Some(bar) => bar.suspend(|| println!("{line}")),
                None => println!("{line}"),
            }
        }
        if let Some(bar) = &state.bar {
            bar.inc(1);
        }
    }

    /// Whether `version`'s line was already printed.
    pub(crate) fn printed(&self, version: i64) -> bool {
        self.state().printed.contains(&version)
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = self.state().bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// `0.4 ms`, `12.3 ms`, `2.50 s`.
pub(crate) fn elapsed(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        format!("{:.2} s", duration.as_secs_f64())
    } else {
        format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
    }
}

/// The subscriber: reads the runtime's per-migration events, ignores everything else.
struct Events {
    progress: Progress,
}

#[derive(Default)]
struct Fields {
    message: String,
    version: Option<i64>,
    name: Option<String>,
}

impl Visit for Fields {
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "version" {
            self.version = Some(value);
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "version" {
            self.version = i64::try_from(value).ok();
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "name" => self.name = Some(value.to_owned()),
            "message" => self.message = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "name" => self.name = Some(format!("{value:?}").trim_matches('"').to_owned()),
            _ => {}
        }
    }
}

impl Subscriber for Events {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event() && metadata.target() == "strata" && *metadata.level() <= Level::INFO
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let Some(version) = fields.version else {
            return;
        };
        match fields.message.as_str() {
            "applying migration" | "applying migration outside a transaction" => {
                self.progress
                    .started(version, fields.name.unwrap_or_default(), "applying");
            }
            "reverting migration" => {
                self.progress
                    .started(version, fields.name.unwrap_or_default(), "reverting");
            }
            "migration applied" | "migration reverted" => self.progress.finished(version),
            _ => {}
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

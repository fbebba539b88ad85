//! Log lines on stderr (journald under systemd), like Postfix's: one line
//! per message per stage, keyed by its queue id. In text format the queue
//! id is the line's first word and nowhere else (events also carry it as a
//! `queue_id` field, which the JSON format keeps for indexing); times are
//! in the operator's zone ([`crate::clock`]).

use std::fmt;

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

use crate::clock::LogTime;
use crate::config::{LogConfig, LogFormat};

/// `MUGAI_LOG` overrides the level; commands other than `serve` log
/// warnings only by default.
pub fn init_logging(log: Option<&LogConfig>) {
    let default = log.map(|l| l.level.as_str()).unwrap_or("warn");
    let filter = tracing_subscriber::EnvFilter::try_from_env("MUGAI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_timer(LogTime);
    let _ = match log.map(|l| l.format) {
        Some(LogFormat::Json) => builder.json().flatten_event(true).try_init(),
        _ => builder.fmt_fields(TextFields).try_init(),
    };
}

/// The text format's fields: the message, then `name=value` pairs, without
/// the `queue_id` the message already begins with.
struct TextFields;

impl<'w> FormatFields<'w> for TextFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut visitor = TextVisitor {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct TextVisitor<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl Visit for TextVisitor<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() || field.name() == "queue_id" {
            return;
        }
        let space = if self.first { "" } else { " " };
        self.first = false;
        self.result = if field.name() == "message" {
            write!(self.writer, "{space}{value:?}")
        } else {
            write!(self.writer, "{space}{}={value:?}", field.name())
        };
    }
}

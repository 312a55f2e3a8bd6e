//! Structured logs with tracing: `pretty` for people, `json` for collectors.
//! Lines are written by a background thread through a buffer, so a request
//! never waits for the terminal or the log collector. The same subscriber
//! feeds sqlx's pool-acquire times to the metrics.

mod json;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::prelude::*;

use crate::config::LogFormat;

/// Keep the guard until exit: dropping it flushes what is still buffered.
pub fn init(format: LogFormat) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // Up to 8 192 lines wait for the writer; beyond that lines are dropped
    // rather than slowing requests down or holding memory.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(8192)
        .finish(std::io::BufWriter::new(std::io::stdout()));
    let logs = tracing_subscriber::fmt::layer().with_writer(writer);
    let logs = match format {
        LogFormat::Pretty => logs.boxed(),
        // The request's span once ("span"), not again in a list of every
        // span ("spans"): a request has one. Written straight into the
        // layer's reused buffer (`json`), the same line as `json()` with
        // flattened events.
        LogFormat::Json => logs
            .fmt_fields(json::SpanFields)
            .event_format(json::JsonLine)
            .boxed(),
    };
    // The filter applies to the logs only: the metrics' layer has its own.
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(crate::metrics::pool_acquire_layer())
        .try_init();
    guard
}

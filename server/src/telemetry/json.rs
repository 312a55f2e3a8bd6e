//! The JSON log line, written straight into the formatting layer's reused
//! buffer: no map of fields built and serialised, no span fields read back
//! from JSON (issue 31). The same line as tracing-subscriber's `json()` with
//! flattened events and the current span:
//! `{"timestamp":…,"level":…,<the event's fields>,"target":…,"span":{<its fields>,"name":…}}`.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::span;
use tracing::{Event, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event formatter: one JSON object per line.
pub struct JsonLine;

/// A span's fields, kept as the entries of a JSON object without its braces
/// (`"id":"…","method":"GET"`), ready to be copied into each of its lines.
pub struct SpanFields;

impl<S> FormatEvent<S, SpanFields> for JsonLine
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, SpanFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        writer.write_str("{\"timestamp\":\"")?;
        SystemTime.format_time(&mut writer)?;
        write!(writer, "\",\"level\":\"{}\"", meta.level())?;
        let mut entries = Entries {
            out: &mut writer,
            first: false,
            result: Ok(()),
        };
        event.record(&mut entries);
        entries.result?;
        writer.write_str(",\"target\":")?;
        string(&mut writer, meta.target())?;
        let span = event
            .parent()
            .and_then(|id| ctx.span(id))
            .or_else(|| ctx.lookup_current());
        if let Some(span) = span {
            writer.write_str(",\"span\":{")?;
            let extensions = span.extensions();
            if let Some(fields) = extensions.get::<FormattedFields<SpanFields>>()
                && !fields.fields.is_empty()
            {
                writer.write_str(&fields.fields)?;
                writer.write_char(',')?;
            }
            writer.write_str("\"name\":")?;
            string(&mut writer, span.metadata().name())?;
            writer.write_char('}')?;
        }
        writer.write_str("}\n")
    }
}

impl<'writer> FormatFields<'writer> for SpanFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut entries = Entries {
            out: &mut writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut entries);
        entries.result
    }

    fn add_fields(
        &self,
        current: &mut FormattedFields<Self>,
        fields: &span::Record<'_>,
    ) -> fmt::Result {
        let first = current.fields.is_empty();
        let mut writer = current.as_writer();
        let mut entries = Entries {
            out: &mut writer,
            first,
            result: Ok(()),
        };
        fields.record(&mut entries);
        entries.result
    }
}

/// Writes each field as `"name":value`, separated by commas (preceded by
/// one unless `first`).
struct Entries<'a, 'w> {
    out: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl Entries<'_, '_> {
    fn entry(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_ok() {
            let first = std::mem::take(&mut self.first);
            self.result = entry(self.out, first, field.name(), value);
        }
    }
}

/// `"name":value`, after a comma unless it is the `first`.
fn entry(
    out: &mut Writer<'_>,
    first: bool,
    name: &str,
    value: impl FnOnce(&mut Writer<'_>) -> fmt::Result,
) -> fmt::Result {
    if !first {
        out.write_char(',')?;
    }
    string(out, name)?;
    out.write_char(':')?;
    value(out)
}

impl Visit for Entries<'_, '_> {
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field, |out| write!(out, "{value}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, |out| write!(out, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, |out| write!(out, "{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // As serde_json writes it: a number, or null when it is not finite.
        if value.is_finite() {
            self.entry(field, |out| write!(out, "{value:?}"));
        } else {
            self.entry(field, |out| out.write_str("null"));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.entry(field, |out| string(out, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.entry(field, |out| {
            out.write_char('"')?;
            write!(Escaped(out), "{value:?}")?;
            out.write_char('"')
        });
    }
}

/// `text` as a JSON string.
fn string(out: &mut Writer<'_>, text: &str) -> fmt::Result {
    out.write_char('"')?;
    Escaped(out).write_str(text)?;
    out.write_char('"')
}

/// Escapes what it is given for the inside of a JSON string, as serde_json
/// does: quotes, backslashes and control characters.
struct Escaped<'a, 'w>(&'a mut Writer<'w>);

impl fmt::Write for Escaped<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut plain = 0;
        for (at, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..0x20 => "",
                _ => continue,
            };
            self.0.write_str(&text[plain..at])?;
            if escape.is_empty() {
                write!(self.0, "\\u{byte:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            plain = at + 1;
        }
        self.0.write_str(&text[plain..])
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::Value;
    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::prelude::*;

    use super::*;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// The lines `log` writes, parsed.
    fn logged(log: impl FnOnce()) -> Vec<Value> {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(lines.clone())
                .fmt_fields(SpanFields)
                .event_format(JsonLine),
        );
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).expect(line))
            .collect()
    }

    #[test]
    fn a_line_has_the_event_its_fields_and_its_span() {
        let lines = logged(|| {
            let span = tracing::info_span!("request", id = "a\"b", method = %"GET", n = 3_u64);
            let _entered = span.enter();
            tracing::info!(status = 200, latency = %"12 μs", ok = true, x = 0.5, "finished\nprocessing");
        });
        let line = &lines[0];
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'), "{line}");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "finished\nprocessing");
        assert_eq!(line["status"], 200);
        assert_eq!(line["latency"], "12 μs");
        assert_eq!(line["ok"], true);
        assert_eq!(line["x"], 0.5);
        assert_eq!(line["target"], module_path!());
        assert_eq!(line["span"]["id"], "a\"b");
        assert_eq!(line["span"]["method"], "GET");
        assert_eq!(line["span"]["n"], 3);
        assert_eq!(line["span"]["name"], "request");
    }

    #[test]
    fn control_characters_and_late_span_fields_stay_valid_json() {
        let lines = logged(|| {
            let span = tracing::info_span!("empty", later = tracing::field::Empty);
            let _entered = span.enter();
            tracing::warn!(text = "\u{1}\t\\", nan = f64::NAN, "{:?}", "q\"");
            span.record("later", "yes");
            tracing::error!("after");
        });
        assert_eq!(lines[0]["text"], "\u{1}\t\\");
        assert_eq!(lines[0]["nan"], Value::Null);
        assert_eq!(lines[0]["message"], "\"q\\\"\"");
        assert_eq!(lines[0]["span"], serde_json::json!({"name": "empty"}));
        assert_eq!(lines[1]["level"], "ERROR");
        assert_eq!(
            lines[1]["span"],
            serde_json::json!({"later": "yes", "name": "empty"})
        );
        let outside = logged(|| tracing::info!("no span"));
        assert!(outside[0].get("span").is_none());
    }
}

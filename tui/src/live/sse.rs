//! Server-sent events, read as they arrive: the stream is cut into lines
//! (`\n`, `\r\n` or `\r`, wherever the chunks happen to split), `id:`,
//! `event:` and `data:` lines build an event, a blank line dispatches it,
//! and comment lines (`:` keep-alives) and unknown fields are skipped, as
//! the HTML standard's event-stream parser does.

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The last `id:` seen in the stream so far (it carries over, as
    /// `Last-Event-ID` does).
    pub id: Option<String>,
    /// `event:`, else `message`.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes after the last complete line.
    pending: Vec<u8>,
    /// The last chunk ended in `\r`: a `\n` starting the next one belongs to it.
    after_cr: bool,
    last_id: Option<String>,
    event: Option<String>,
    data: Option<String>,
}

impl SseParser {
    /// The events completed by this chunk.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        let mut bytes = chunk;
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = bytes.strip_prefix(b"\n") {
                bytes = rest;
            }
        }
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' | b'\r' => {
                    self.pending.extend_from_slice(&bytes[start..i]);
                    let line = std::mem::take(&mut self.pending);
                    if let Some(event) = self.line(&String::from_utf8_lossy(&line)) {
                        events.push(event);
                    }
                    if bytes[i] == b'\r' {
                        match bytes.get(i + 1) {
                            Some(b'\n') => i += 1,
                            Some(_) => {}
                            None => self.after_cr = true,
                        }
                    }
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        self.pending.extend_from_slice(&bytes[start..]);
        events
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            _ => {}
        }
        None
    }

    /// A blank line: the event so far, if it has data.
    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        let data = self.data.take()?;
        Some(SseEvent {
            id: self.last_id.clone(),
            event: event
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| "message".into()),
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&str]) -> Vec<SseEvent> {
        let mut parser = SseParser::default();
        chunks
            .iter()
            .flat_map(|c| parser.feed(c.as_bytes()))
            .collect()
    }

    fn event(id: Option<&str>, event: &str, data: &str) -> SseEvent {
        SseEvent {
            id: id.map(str::to_owned),
            event: event.into(),
            data: data.into(),
        }
    }

    #[test]
    fn changes_are_read_with_their_ids_and_keep_alives_skipped() {
        let stream = ": keep-alive\n\nid: 41\nevent: change\ndata: {\"seq\":41}\n\n\
                      :\n\nid: 42\nevent: change\ndata: {\"seq\":42}\n\n";
        assert_eq!(
            events(&[stream]),
            vec![
                event(Some("41"), "change", "{\"seq\":41}"),
                event(Some("42"), "change", "{\"seq\":42}"),
            ]
        );
    }

    #[test]
    fn an_event_split_anywhere_across_chunks_reads_the_same() {
        let stream = "id: 7\r\nevent: change\r\ndata: {\"name\":\"Zoë\"}\r\n\r\nevent: expired\r\ndata: renew\r\n\r\n";
        let whole = events(&[stream]);
        assert_eq!(
            whole,
            vec![
                event(Some("7"), "change", "{\"name\":\"Zoë\"}"),
                event(Some("7"), "expired", "renew"),
            ],
            "the id carries over"
        );
        let bytes = stream.as_bytes();
        for cut in 1..bytes.len() {
            let mut parser = SseParser::default();
            let mut split = parser.feed(&bytes[..cut]);
            split.extend(parser.feed(&bytes[cut..]));
            assert_eq!(split, whole, "cut at byte {cut}");
        }
    }

    #[test]
    fn data_lines_join_and_an_event_without_data_is_not_dispatched() {
        assert_eq!(
            events(&[
                "data: a\ndata:b\nevent\n\n",
                "event: nothing\n\n",
                "data\r\r"
            ]),
            vec![event(None, "message", "a\nb"), event(None, "message", "")]
        );
    }
}

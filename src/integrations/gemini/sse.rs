//! `streamGenerateContent?alt=sse`: server-sent events, each `data:` line one JSON chunk. Google
//! frames them `data: {...}\r\n\r\n`, sends no `[DONE]`, puts `finishReason` only on the last
//! chunk, and repeats the cumulative usage in every chunk.
//!
//! The event stream is read by our own parser ([`SseParser`], the WHATWG rules for the parts
//! Gemini uses): it keeps the unread bytes with a scan position, so every byte is looked at once
//! however the body is split (the crate used before rescanned its whole buffer for every chunk:
//! an 8 MiB line took 3.3 s of CPU), and an event larger than [`EVENT_LIMIT`] ends the stream
//! with [`GeminiError::TooLarge`] instead of taking the memory.

use std::collections::VecDeque;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::error::GeminiError;
use super::types::GenerateResponse;

/// The most one event may carry. A real chunk is a few kilobytes (the text of one step and its
/// usage); 2 MiB is far past any of them and still a bound.
pub const EVENT_LIMIT: usize = 2 << 20;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// An event stream's parser: bytes in, the `data` of each complete event out.
#[derive(Debug)]
pub struct SseParser {
    /// Bytes received and not yet consumed as whole lines.
    buf: Vec<u8>,
    /// Where the next consumed line starts in `buf`.
    start: usize,
    /// How far past `start` is known to hold no line end: never scanned again.
    scanned: usize,
    /// The `data` lines of the event being read, joined by `\n`.
    data: Vec<u8>,
    has_data: bool,
    /// The last line ended with a CR that the next bytes may follow with its LF.
    after_cr: bool,
    /// Whether a leading byte order mark has been looked for.
    bom_checked: bool,
    limit: usize,
    failed: bool,
}

/// An event past the size limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTooLarge {
    pub limit: usize,
}

impl Default for SseParser {
    fn default() -> Self {
        SseParser::with_limit(EVENT_LIMIT)
    }
}

impl SseParser {
    pub fn with_limit(limit: usize) -> SseParser {
        SseParser {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            data: Vec::new(),
            has_data: false,
            after_cr: false,
            bom_checked: false,
            limit,
            failed: false,
        }
    }

    /// Takes the next bytes and adds the data of every event they complete to `events`. After
    /// an event too large, the stream is over: nothing more is read.
    pub fn feed(
        &mut self,
        bytes: &[u8],
        events: &mut VecDeque<Vec<u8>>,
    ) -> Result<(), EventTooLarge> {
        if self.failed {
            return Err(EventTooLarge { limit: self.limit });
        }
        self.buf.extend_from_slice(bytes);
        if !self.bom_checked {
            let head = &self.buf[self.start..];
            if head.len() < BOM.len() && BOM.starts_with(head) {
                return Ok(());
            }
            if head.starts_with(BOM) {
                self.start += BOM.len();
                self.scanned = self.start;
            }
            self.bom_checked = true;
        }
        loop {
            if self.after_cr && self.start < self.buf.len() {
                // CRLF: the LF belongs to the line end already taken.
                if self.buf[self.start] == b'\n' {
                    self.start += 1;
                    self.scanned = self.scanned.max(self.start);
                }
                self.after_cr = false;
            }
            let Some(at) = self.buf[self.scanned..]
                .iter()
                .position(|b| *b == b'\n' || *b == b'\r')
                .map(|i| self.scanned + i)
            else {
                self.scanned = self.buf.len();
                break;
            };
            self.after_cr = self.buf[at] == b'\r';
            let (from, to) = (self.start, at);
            self.start = at + 1;
            self.scanned = self.start;
            let read = line(
                &self.buf[from..to],
                &mut self.data,
                &mut self.has_data,
                self.limit,
            );
            match read {
                Ok(Some(event)) => events.push_back(event),
                Ok(None) => {}
                Err(_) => return Err(self.fail()),
            }
        }
        // A line still coming counts against the event it will join (less its field name,
        // `data: `, which the slack covers).
        if self.buf.len() - self.start + self.data.len() > self.limit + 16 {
            return Err(self.fail());
        }
        // Consumed bytes go once they are at least half the buffer: each byte moves at most
        // once more, so the work stays linear in the bytes received.
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        Ok(())
    }

    fn fail(&mut self) -> EventTooLarge {
        self.failed = true;
        self.buf = Vec::new();
        self.data = Vec::new();
        EventTooLarge { limit: self.limit }
    }
}

/// One whole line: a blank line ends the event (its data comes back), `:` starts a comment,
/// `data` adds to the event; other fields (`event`, `id`, `retry`) Gemini does not use.
fn line(
    line: &[u8],
    data: &mut Vec<u8>,
    has_data: &mut bool,
    limit: usize,
) -> Result<Option<Vec<u8>>, EventTooLarge> {
    if line.is_empty() {
        if !*has_data {
            return Ok(None);
        }
        *has_data = false;
        return Ok(Some(std::mem::take(data)));
    }
    if line[0] == b':' {
        return Ok(None);
    }
    let (field, value) = match line.iter().position(|b| *b == b':') {
        Some(colon) => {
            let value = &line[colon + 1..];
            (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
        }
        None => (line, &line[line.len()..]),
    };
    if field != b"data" {
        return Ok(None);
    }
    if data.len() + usize::from(*has_data) + value.len() > limit {
        return Err(EventTooLarge { limit });
    }
    if *has_data {
        data.push(b'\n');
    }
    data.extend_from_slice(value);
    *has_data = true;
    Ok(None)
}

/// Turns a body's byte stream (split anywhere) into parsed chunks. An event left open when the
/// body ends is dropped, as the event-stream rules say (the caller sees no `finishReason`).
pub fn chunks<S, E>(bytes: S) -> impl Stream<Item = Result<GenerateResponse, GeminiError>>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    struct State<S> {
        bytes: std::pin::Pin<Box<S>>,
        parser: SseParser,
        ready: VecDeque<Vec<u8>>,
        done: bool,
    }
    let state = State {
        bytes: Box::pin(bytes),
        parser: SseParser::default(),
        ready: VecDeque::new(),
        done: false,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(data) = state.ready.pop_front() {
                let text = String::from_utf8_lossy(&data);
                if text.trim().is_empty() {
                    continue;
                }
                let chunk = parse_chunk(&text);
                return Some((chunk, state));
            }
            if state.done {
                return None;
            }
            match state.bytes.next().await {
                None => state.done = true,
                Some(Err(error)) => {
                    state.done = true;
                    let cut = GeminiError::StreamCut(crate::text::one_line(&error.to_string()));
                    return Some((Err(cut), state));
                }
                Some(Ok(bytes)) => {
                    if let Err(EventTooLarge { limit }) =
                        state.parser.feed(&bytes, &mut state.ready)
                    {
                        state.done = true;
                        state.ready.clear();
                        return Some((Err(GeminiError::TooLarge { limit }), state));
                    }
                }
            }
        }
    })
}

pub fn parse_chunk(data: &str) -> Result<GenerateResponse, GeminiError> {
    let chunk: GenerateResponse = serde_json::from_str(data).map_err(|e| {
        GeminiError::Malformed(format!("a stream chunk is not the JSON Gemini sends: {e}"))
    })?;
    match chunk.block_reason() {
        Some(reason) => Err(GeminiError::Blocked(reason.to_string())),
        None => Ok(chunk),
    }
}

#[cfg(test)]
mod bom_tests {
    use super::*;

    #[tokio::test]
    async fn a_byte_order_mark_split_anywhere_is_dropped_not_a_panic() {
        let body = "\u{feff}data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]}}]}\r\n\r\n";
        for cut in 0..6 {
            let (a, b) = body.as_bytes().split_at(cut);
            let pieces = vec![
                Ok::<_, std::io::Error>(Bytes::copy_from_slice(a)),
                Ok(Bytes::copy_from_slice(b)),
            ];
            let got: Vec<_> = chunks(futures_util::stream::iter(pieces)).collect().await;
            assert_eq!(got.len(), 1, "cut at {cut}");
            assert!(got[0].is_ok(), "cut at {cut}: {:?}", got[0]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const CAPTURE: &str = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Okay, here is a short\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 4,\"candidatesTokenCount\": 5,\"totalTokenCount\": 40},\"modelVersion\": \"gemini-2.5-flash\"}\r\n\r\ndata: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" answer.\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 4,\"candidatesTokenCount\": 7,\"totalTokenCount\": 42},\"modelVersion\": \"gemini-2.5-flash\"}\r\n\r\n";

    async fn collect(pieces: Vec<Vec<u8>>) -> Vec<Result<GenerateResponse, GeminiError>> {
        let stream = futures_util::stream::iter(
            pieces
                .into_iter()
                .map(|p| Ok::<_, std::convert::Infallible>(Bytes::from(p))),
        );
        chunks(stream).collect().await
    }

    #[tokio::test]
    async fn the_same_chunks_wherever_the_bytes_are_split() {
        let bytes = CAPTURE.as_bytes();
        for split in 0..=bytes.len() {
            let (a, b) = bytes.split_at(split);
            let out = collect(vec![a.to_vec(), b.to_vec()]).await;
            let texts: Vec<String> = out.iter().map(|c| c.as_ref().unwrap().text()).collect();
            assert_eq!(
                texts,
                ["Okay, here is a short", " answer."],
                "split at {split}"
            );
        }
        // And one byte at a time.
        let out = collect(bytes.iter().map(|b| vec![*b]).collect()).await;
        assert_eq!(out.len(), 2);
        let last = out[1].as_ref().unwrap();
        assert_eq!(last.finish_reason(), Some("STOP"));
        assert_eq!(last.usage_metadata.unwrap().total_token_count, 42);
    }

    #[tokio::test]
    async fn broken_json_and_blocked_prompts_are_errors_not_panics() {
        let out = collect(vec![b"data: {not json\r\n\r\n".to_vec()]).await;
        assert!(matches!(out[0], Err(GeminiError::Malformed(_))));
        let blocked =
            b"data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}\r\n\r\n";
        let out = collect(vec![blocked.to_vec()]).await;
        assert_eq!(
            out[0].as_ref().unwrap_err(),
            &GeminiError::Blocked("PROHIBITED_CONTENT".into())
        );
    }
}

#[cfg(test)]
mod parser_tests {
    use super::*;

    /// Every event's data when `body` arrives in the pieces `cuts` makes.
    fn events_cut_at(body: &[u8], cuts: &[usize]) -> Vec<String> {
        let mut parser = SseParser::default();
        let mut out = VecDeque::new();
        let mut from = 0;
        for &cut in cuts.iter().chain([body.len()].iter()) {
            parser.feed(&body[from..cut], &mut out).unwrap();
            from = cut;
        }
        out.into_iter()
            .map(|d| String::from_utf8(d).unwrap())
            .collect()
    }

    #[test]
    fn every_line_ending_and_every_split_give_the_same_events() {
        let events = ["first", "two\nlines", "", "last: with a colon"];
        for end in ["\r\n", "\n", "\r"] {
            let body = format!(
                ": a comment{end}data: first{end}{end}data:two{end}data: lines{end}id: 7{end}{end}event: x{end}data{end}{end}: keep-alive{end}{end}data: last: with a colon{end}{end}"
            );
            let body = body.as_bytes();
            assert_eq!(events_cut_at(body, &[]), events, "{end:?}");
            for cut in 0..=body.len() {
                assert_eq!(events_cut_at(body, &[cut]), events, "{end:?} cut at {cut}");
            }
            let every_byte: Vec<usize> = (1..body.len()).collect();
            assert_eq!(
                events_cut_at(body, &every_byte),
                events,
                "{end:?} byte by byte"
            );
        }
    }

    #[test]
    fn a_crlf_split_between_its_two_bytes_is_one_line_end() {
        // "\r" then "\n" in the next piece must not make an extra blank line (which would end
        // the event early).
        let body = b"data: a\r\ndata: b\r\n\r\n";
        assert_eq!(events_cut_at(body, &[8]), ["a\nb"]);
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped_and_an_open_event_at_the_end_is_not_sent() {
        let body = "\u{feff}data: x\n\ndata: cut off".as_bytes();
        for cut in 0..6 {
            assert_eq!(events_cut_at(body, &[cut]), ["x"], "cut at {cut}");
        }
    }

    #[test]
    fn an_event_past_the_limit_is_an_error_whether_one_line_or_many() {
        let mut parser = SseParser::with_limit(64);
        let mut out = VecDeque::new();
        parser.feed(b"data: ", &mut out).unwrap();
        let long = vec![b'a'; 40];
        parser.feed(&long, &mut out).unwrap();
        assert_eq!(
            parser.feed(&long, &mut out),
            Err(EventTooLarge { limit: 64 }),
            "a line that never ends"
        );
        assert_eq!(
            parser.feed(b"\n\n", &mut out),
            Err(EventTooLarge { limit: 64 })
        );

        let mut parser = SseParser::with_limit(64);
        let line = format!("data: {}\n", "b".repeat(30));
        parser.feed(line.as_bytes(), &mut out).unwrap();
        parser.feed(line.as_bytes(), &mut out).unwrap();
        assert!(
            parser.feed(line.as_bytes(), &mut out).is_err(),
            "many lines"
        );
        assert!(out.is_empty());

        // Exactly at the limit is fine.
        let mut parser = SseParser::with_limit(64);
        let at_limit = format!("data: {}\n\n", "c".repeat(64));
        parser.feed(at_limit.as_bytes(), &mut out).unwrap();
        assert_eq!(out.pop_front().unwrap().len(), 64);
    }

    #[test]
    fn buffered_bytes_stay_bounded_however_many_events_pass() {
        let mut parser = SseParser::default();
        let mut out = VecDeque::new();
        let event = format!("data: {}\r\n\r\n", "d".repeat(1000));
        for _ in 0..10_000 {
            parser.feed(event.as_bytes(), &mut out).unwrap();
            out.clear();
        }
        assert!(
            parser.buf.capacity() < 64 << 10,
            "{}",
            parser.buf.capacity()
        );
    }

    #[tokio::test]
    async fn the_stream_ends_with_too_large_for_an_endless_line() {
        let endless = futures_util::stream::iter(
            std::iter::once(Bytes::from_static(b"data: "))
                .chain(std::iter::repeat_n(Bytes::from(vec![b'x'; 64 << 10]), 100))
                .map(Ok::<_, std::convert::Infallible>),
        );
        let got: Vec<_> = chunks(endless).collect().await;
        assert_eq!(got.len(), 1);
        assert!(
            matches!(&got[0], Err(GeminiError::TooLarge { limit }) if *limit == EVENT_LIMIT),
            "{:?}",
            got[0]
        );
    }
}

//! `streamGenerateContent?alt=sse`: server-sent events, each `data:` line one JSON chunk. Google
//! frames them `data: {...}\r\n\r\n`, sends no `[DONE]`, puts `finishReason` only on the last
//! chunk, and repeats the cumulative usage in every chunk.

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};

use super::error::GeminiError;
use super::types::GenerateResponse;

/// Turns a body's byte stream (split anywhere) into parsed chunks.
pub fn chunks<S, E>(bytes: S) -> impl Stream<Item = Result<GenerateResponse, GeminiError>>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    without_bom(bytes)
        .eventsource()
        .filter_map(|event| async move {
            match event {
                Ok(event) if event.data.trim().is_empty() => None,
                Ok(event) => Some(parse_chunk(&event.data)),
                Err(error) => Some(Err(GeminiError::StreamCut(crate::present::one_line(
                    &error.to_string(),
                )))),
            }
        })
}

/// eventsource-stream 0.2 panics on a body that starts with a UTF-8 byte order mark (it slices
/// one byte off the three-byte character), so the mark is dropped here first, however the first
/// bytes are split.
fn without_bom<S, E>(bytes: S) -> impl Stream<Item = Result<Bytes, E>>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    // The first bytes, held until they are known not to be (part of) a BOM.
    let mut head: Option<Vec<u8>> = Some(Vec::new());
    bytes.filter_map(move |item| {
        let out = match (item, head.as_mut()) {
            (Err(e), _) => Some(Err(e)),
            (Ok(chunk), None) => Some(Ok(chunk)),
            (Ok(chunk), Some(held)) => {
                held.extend_from_slice(&chunk);
                if held.len() < BOM.len() && BOM.starts_with(held) {
                    None
                } else {
                    let mut held = head.take().unwrap_or_default();
                    if held.starts_with(BOM) {
                        held.drain(..BOM.len());
                    }
                    Some(Ok(Bytes::from(held)))
                }
            }
        };
        futures_util::future::ready(out)
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

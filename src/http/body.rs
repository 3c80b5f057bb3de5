//! Reading a reply's body with a ceiling. `reqwest`'s `bytes()` and `text()` keep whatever the
//! server sends: a broken proxy or a hostile endpoint that answers with an endless body would
//! take all the memory there is (a 1 GiB reply took 3.1 GB). Every reply the hub reads whole goes
//! through [`read_capped`], which streams the body chunk by chunk and stops past the limit.

use bytes::{Bytes, BytesMut};

/// A Mindbody API page, a Webhooks API reply or a non-streamed Gemini reply: a page of 200
/// records is well under 2 MB, so 16 MiB is room to spare and still a bound.
pub const API_REPLY_LIMIT: usize = 16 << 20;
/// An OAuth token endpoint's reply: a few tokens, a few kilobytes.
pub const TOKEN_REPLY_LIMIT: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body went past the limit (said by the server's `Content-Length`, or counted).
    #[error("the reply is larger than {} (the most legion-hub reads)", size(*limit))]
    TooLarge { limit: usize },
    /// The connection failed or timed out while the body was read.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
}

/// A byte count as people read it: "16 MiB", "1 MiB", "512 KiB".
pub fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The whole body of `response`, or [`BodyError::TooLarge`] as soon as it passes `limit` bytes
/// (before reading anything when `Content-Length` already says so). Memory stays within the
/// limit plus one chunk.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let announced = response.content_length();
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    // A Content-Length is the server's word, not a promise: reserve no more than a little of it.
    let mut body = BytesMut::with_capacity(announced.unwrap_or(0).min(64 << 10) as usize);
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size(API_REPLY_LIMIT), "16 MiB");
        assert_eq!(size(TOKEN_REPLY_LIMIT), "1 MiB");
        assert_eq!(size(2 << 10), "2 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }
}

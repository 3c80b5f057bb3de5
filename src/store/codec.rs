//! The versioned record codec: every value is a JSON object carrying `"v"`, the version of the
//! record type that wrote it. A reader accepts its own version and every older one (fields added
//! later are `#[serde(default)]`), and refuses a newer one with a clear message instead of
//! misreading it.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type stored in sled.
pub trait Record: Serialize + DeserializeOwned {
    /// What it is called in error messages.
    const KIND: &'static str;
    /// Bump when a field is added; never remove or retype a field.
    const VERSION: u32;
    /// A record that is a map of names (the credentials) rather than a struct: its `"v"` would
    /// read as one of its entries, so it is taken out first.
    const IS_MAP: bool = false;
}

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(
        "a {kind} record was written by a newer legion-hub (record version {found}, this one reads up to {supported}): upgrade legion-hub"
    )]
    Newer {
        kind: &'static str,
        found: u32,
        supported: u32,
    },
    #[error("a {kind} record is damaged: {detail}")]
    Damaged { kind: &'static str, detail: String },
}

/// The record's JSON with `"v"` put first, spliced into the bytes rather than built through a
/// `serde_json::Value`: the tree of small allocations that costs is most of a sync's storing.
pub fn encode<R: Record>(record: &R) -> Vec<u8> {
    let body = serde_json::to_vec(record).expect("records serialize");
    let Some(fields) = body.strip_prefix(b"{") else {
        return body;
    };
    let mut out = Vec::with_capacity(body.len() + 16);
    out.extend_from_slice(format!("{{\"v\":{}", R::VERSION).as_bytes());
    if fields != b"}" {
        out.push(b',');
    }
    out.extend_from_slice(fields);
    out
}

/// Only the version, read first; the record's own fields are skipped here and `"v"` is skipped
/// by the record (no record refuses unknown fields; a map record is read apart).
#[derive(serde::Deserialize)]
struct Stamp {
    v: Option<serde_json::Number>,
}

pub fn decode<R: Record>(bytes: &[u8]) -> Result<R, CodecError> {
    let damaged = |detail: String| CodecError::Damaged {
        kind: R::KIND,
        detail,
    };
    if bytes.first() != Some(&b'{') {
        return Err(damaged("not an object".into()));
    }
    let stamp: Stamp = serde_json::from_slice(bytes).map_err(|e| damaged(e.to_string()))?;
    let found = stamp
        .v
        .and_then(|v| v.as_u64())
        .ok_or_else(|| damaged("no version".into()))?;
    let found = u32::try_from(found).unwrap_or(u32::MAX);
    if found > R::VERSION {
        return Err(CodecError::Newer {
            kind: R::KIND,
            found,
            supported: R::VERSION,
        });
    }
    if R::IS_MAP {
        let mut value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| damaged(e.to_string()))?;
        if let Some(map) = value.as_object_mut() {
            map.remove("v");
        }
        return serde_json::from_value(value).map_err(|e| damaged(e.to_string()));
    }
    serde_json::from_slice(bytes).map_err(|e| damaged(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Thing {
        name: String,
        #[serde(default)]
        added_later: u32,
    }

    impl Record for Thing {
        const KIND: &'static str = "thing";
        const VERSION: u32 = 2;
    }

    #[test]
    fn round_trip_carries_version() {
        let thing = Thing {
            name: "a".into(),
            added_later: 7,
        };
        let bytes = encode(&thing);
        assert!(String::from_utf8_lossy(&bytes).contains("\"v\":2"));
        assert_eq!(decode::<Thing>(&bytes).unwrap(), thing);
    }

    #[test]
    fn older_record_gets_defaults() {
        let old = br#"{"v":1,"name":"a"}"#;
        let thing: Thing = decode(old).unwrap();
        assert_eq!(thing.added_later, 0);
    }

    #[test]
    fn newer_record_is_refused_clearly() {
        let new = br#"{"v":3,"name":"a","shiny":true}"#;
        let err = decode::<Thing>(new).unwrap_err();
        assert!(err.to_string().contains("newer legion-hub"), "{err}");
    }

    #[test]
    fn the_version_leads_and_an_empty_record_is_still_an_object() {
        #[derive(Debug, Serialize, Deserialize, PartialEq)]
        struct Empty {}
        impl Record for Empty {
            const KIND: &'static str = "empty";
            const VERSION: u32 = 4;
        }
        assert_eq!(encode(&Empty {}), br#"{"v":4}"#);
        assert_eq!(decode::<Empty>(br#"{"v":4}"#).unwrap(), Empty {});
        let bytes = encode(&Thing {
            name: "a".into(),
            added_later: 1,
        });
        assert_eq!(bytes, br#"{"v":2,"name":"a","added_later":1}"#);
        // What the older codec wrote (keys sorted, the version anywhere) still reads.
        let thing: Thing = decode(br#"{"added_later":1,"name":"a","v":2}"#).unwrap();
        assert_eq!(thing.added_later, 1);
    }

    #[test]
    fn a_map_record_does_not_read_its_version_as_an_entry() {
        #[derive(Debug, Serialize, Deserialize, PartialEq)]
        struct Counts(std::collections::BTreeMap<String, u32>);
        impl Record for Counts {
            const KIND: &'static str = "counts";
            const VERSION: u32 = 1;
            const IS_MAP: bool = true;
        }
        let counts = Counts([("a".to_string(), 3)].into());
        assert_eq!(decode::<Counts>(&encode(&counts)).unwrap(), counts);
    }

    #[test]
    fn garbage_is_damaged_not_a_panic() {
        for bytes in [
            &b""[..],
            b"[]",
            b"{\"name\":1}",
            b"\xff\xfe",
            b"{\"v\":\"2\",\"name\":\"a\"}",
            b"{\"v\":2,\"name\":",
        ] {
            assert!(matches!(
                decode::<Thing>(bytes),
                Err(CodecError::Damaged { .. })
            ));
        }
    }
}

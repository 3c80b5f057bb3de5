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

pub fn encode<R: Record>(record: &R) -> Vec<u8> {
    let mut value = serde_json::to_value(record).expect("records serialize");
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("v".into(), R::VERSION.into());
    }
    serde_json::to_vec(&value).expect("records serialize")
}

pub fn decode<R: Record>(bytes: &[u8]) -> Result<R, CodecError> {
    let damaged = |detail: String| CodecError::Damaged {
        kind: R::KIND,
        detail,
    };
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| damaged(e.to_string()))?;
    let map = value
        .as_object_mut()
        .ok_or_else(|| damaged("not an object".into()))?;
    let found = map
        .remove("v")
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
    serde_json::from_value(value).map_err(|e| damaged(e.to_string()))
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
    fn garbage_is_damaged_not_a_panic() {
        for bytes in [&b""[..], b"[]", b"{\"name\":1}", b"\xff\xfe"] {
            assert!(matches!(
                decode::<Thing>(bytes),
                Err(CodecError::Damaged { .. })
            ));
        }
    }
}

//! Reading the Public API's query parameters as Mindbody does: by name case-insensitively, with
//! or without the SDKs' `request.` prefix, and refusing a value it cannot read (a date that is
//! not one, a limit that is not a number) rather than answering as if the filter were absent,
//! which would hand a client the whole studio for a typo.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

/// A parameter whose value Mindbody cannot read.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    pub name: String,
    pub value: String,
}

impl Unreadable {
    /// ASP.NET's model-binding wording, which Mindbody's API passes on.
    pub fn message(&self) -> String {
        format!("The value '{}' is not valid for {}.", self.value, self.name)
    }
}

/// A query parameter, case-insensitively (`Limit` and `request.limit` both work, as in the SDKs).
/// An empty value is no value, as ASP.NET binds it.
pub fn param(query: &HashMap<String, String>, name: &str) -> Option<String> {
    query
        .iter()
        .find_map(|(k, v)| (names(k, name) && !v.trim().is_empty()).then(|| v.clone()))
}

/// Whether the query's `key` is parameter `name`.
fn names(key: &str, name: &str) -> bool {
    key.strip_prefix("request.")
        .unwrap_or(key)
        .eq_ignore_ascii_case(name)
}

/// A list of ids given as the parameter repeated (`SiteIds=-99&SiteIds=-98`, the SDKs' way) or
/// once with commas between; None when not given.
pub fn id_list(pairs: &[(String, String)], name: &str) -> Result<Option<Vec<i64>>, Unreadable> {
    let mut ids = Vec::new();
    for (_, value) in pairs.iter().filter(|(k, _)| names(k, name)) {
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            ids.push(part.parse().map_err(|_| Unreadable {
                name: name.to_string(),
                value: value.clone(),
            })?);
        }
    }
    Ok((!ids.is_empty()).then_some(ids))
}

/// A date or a date and time (fractions and a `Z` allowed: a studio-local reading either way).
pub fn date_param(
    query: &HashMap<String, String>,
    name: &str,
) -> Result<Option<NaiveDateTime>, Unreadable> {
    let Some(text) = param(query, name) else {
        return Ok(None);
    };
    let trimmed = text.trim().trim_end_matches('Z');
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(trimmed, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(Some)
        .ok_or(Unreadable {
            name: name.to_string(),
            value: text,
        })
}

/// A whole number that is not negative, when given.
pub fn count_param(
    query: &HashMap<String, String>,
    name: &str,
) -> Result<Option<usize>, Unreadable> {
    let Some(text) = param(query, name) else {
        return Ok(None);
    };
    text.trim()
        .parse::<usize>()
        .map(Some)
        .map_err(|_| Unreadable {
            name: name.to_string(),
            value: text,
        })
}

/// `Limit` (1 to 200, default 100) and `Offset` (default 0) as asked.
pub fn limit_offset(query: &HashMap<String, String>) -> Result<(usize, usize), Unreadable> {
    let limit = count_param(query, "Limit")?.unwrap_or(100).clamp(1, 200);
    let offset = count_param(query, "Offset")?.unwrap_or(0);
    Ok((limit, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn id_lists_repeated_or_with_commas() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let read = |list: &[(&str, &str)]| id_list(&pairs(list), "SiteIds");
        assert_eq!(read(&[]), Ok(None));
        assert_eq!(read(&[("SiteIds", "")]), Ok(None));
        assert_eq!(
            read(&[("request.siteIds", "-99"), ("SITEIDS", "-97")]),
            Ok(Some(vec![-99, -97]))
        );
        assert_eq!(read(&[("SiteIds", "-99, -98")]), Ok(Some(vec![-99, -98])));
        assert_eq!(
            read(&[("SiteIds", "-99,east")]).unwrap_err().message(),
            "The value '-99,east' is not valid for SiteIds."
        );
    }

    #[test]
    fn dates_mindbody_reads_and_ones_it_refuses() {
        for good in [
            "2026-11-01",
            "2026-11-01T08:30",
            "2026-11-01T08:30:00",
            "2026-11-01T08:30:00.25",
            "2026-11-01T08:30:00Z",
        ] {
            let read = date_param(
                &query(&[("request.startSaleDateTime", good)]),
                "StartSaleDateTime",
            );
            assert!(matches!(read, Ok(Some(_))), "{good}: {read:?}");
        }
        for bad in [
            "yesterday",
            "2026-02-30",
            "2026-11-01T25:00:00",
            "03/12/2026",
        ] {
            let read = date_param(&query(&[("StartSaleDateTime", bad)]), "StartSaleDateTime");
            assert_eq!(
                read.unwrap_err().message(),
                format!("The value '{bad}' is not valid for StartSaleDateTime.")
            );
        }
        assert_eq!(date_param(&query(&[]), "StartSaleDateTime"), Ok(None));
        assert_eq!(
            date_param(&query(&[("StartSaleDateTime", "")]), "StartSaleDateTime"),
            Ok(None)
        );
    }

    #[test]
    fn limits_and_offsets_are_numbers() {
        assert_eq!(limit_offset(&query(&[])), Ok((100, 0)));
        assert_eq!(
            limit_offset(&query(&[("limit", "500"), ("Offset", "7")])),
            Ok((200, 7))
        );
        assert!(limit_offset(&query(&[("Limit", "many")])).is_err());
        assert!(limit_offset(&query(&[("Offset", "-1")])).is_err());
    }
}

//! Byte ranges answered from a stored complete `200` (RFC 9110 §14): one satisfiable range
//! gets `206` with `Content-Range` and that part of the body, a range wholly past the end
//! gets `416`; several ranges, a unit other than bytes, a malformed `Range` or an
//! `If-Range` that does not match the stored response get the whole `200`.

use http::header;
use http::HeaderMap;

/// What to answer a request's `Range` with.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Ranged {
    /// The whole response.
    Whole,
    /// Bytes `start..=end` of it.
    Part { start: u64, end: u64 },
    /// Nothing of it: the range starts past its end.
    Unsatisfiable,
}

/// How to answer `request` from a stored body of `len` bytes with `stored` headers.
pub(super) fn requested(request: &HeaderMap, stored: &HeaderMap, len: u64) -> Ranged {
    let Some(range) = request.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ranged::Whole;
    };
    if let Some(condition) = request.get(header::IF_RANGE) {
        if !if_range_matches(condition.as_bytes(), stored) {
            return Ranged::Whole;
        }
    }
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let number = |text: &str| text.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), number(first), number(last)) {
        // A suffix: the last `n` bytes.
        (true, _, Some(0)) => Ranged::Unsatisfiable,
        (true, _, Some(suffix)) if len > 0 => Ranged::Part {
            start: len.saturating_sub(suffix),
            end: len - 1,
        },
        (true, _, _) => Ranged::Unsatisfiable,
        (false, Some(start), _) if start >= len => Ranged::Unsatisfiable,
        (false, Some(start), None) if last.trim().is_empty() => Ranged::Part {
            start,
            end: len - 1,
        },
        (false, Some(start), Some(end)) if end >= start => Ranged::Part {
            start,
            end: end.min(len - 1),
        },
        _ => Ranged::Whole,
    }
}

/// Whether `If-Range` names the stored response: the same strong entity tag, or exactly
/// its `Last-Modified` date.
fn if_range_matches(condition: &[u8], stored: &HeaderMap) -> bool {
    if condition.starts_with(b"\"") {
        stored
            .get(header::ETAG)
            .is_some_and(|etag| etag.as_bytes() == condition)
    } else if condition.starts_with(b"W/") {
        false
    } else {
        stored
            .get(header::LAST_MODIFIED)
            .is_some_and(|modified| modified.as_bytes() == condition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(range: &str, if_range: Option<&str>, len: u64) -> Ranged {
        let mut request = HeaderMap::new();
        request.insert(header::RANGE, range.parse().unwrap());
        if let Some(condition) = if_range {
            request.insert(header::IF_RANGE, condition.parse().unwrap());
        }
        let mut stored = HeaderMap::new();
        stored.insert(header::ETAG, "\"v1\"".parse().unwrap());
        stored.insert(
            header::LAST_MODIFIED,
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        requested(&request, &stored, len)
    }

    #[test]
    fn single_byte_ranges_are_parts_of_the_stored_body() {
        assert_eq!(
            ask("bytes=0-4", None, 10),
            Ranged::Part { start: 0, end: 4 }
        );
        assert_eq!(ask("bytes=5-", None, 10), Ranged::Part { start: 5, end: 9 });
        assert_eq!(ask("bytes=-3", None, 10), Ranged::Part { start: 7, end: 9 });
        assert_eq!(
            ask("bytes=-30", None, 10),
            Ranged::Part { start: 0, end: 9 }
        );
        assert_eq!(
            ask("bytes=8-100", None, 10),
            Ranged::Part { start: 8, end: 9 }
        );
        assert_eq!(ask("bytes=10-", None, 10), Ranged::Unsatisfiable);
        assert_eq!(ask("bytes=-0", None, 10), Ranged::Unsatisfiable);
    }

    #[test]
    fn other_ranges_and_mismatched_conditions_get_the_whole_body() {
        assert_eq!(ask("bytes=0-1,5-6", None, 10), Ranged::Whole);
        assert_eq!(ask("items=0-1", None, 10), Ranged::Whole);
        assert_eq!(ask("bytes=5-2", None, 10), Ranged::Whole);
        assert_eq!(ask("bytes=x-", None, 10), Ranged::Whole);
        assert_eq!(ask("bytes=0-4", Some("\"v2\""), 10), Ranged::Whole);
        assert_eq!(ask("bytes=0-4", Some("W/\"v1\""), 10), Ranged::Whole);
        assert_eq!(
            ask("bytes=0-4", Some("\"v1\""), 10),
            Ranged::Part { start: 0, end: 4 }
        );
        assert_eq!(
            ask("bytes=0-4", Some("Sun, 06 Nov 1994 08:49:37 GMT"), 10),
            Ranged::Part { start: 0, end: 4 }
        );
    }
}

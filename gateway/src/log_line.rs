//! The text log's formatting: the layout of tracing-subscriber's default format
//! (`2026-12-02T06:10:16.234315Z  INFO target: message key=value …`), written with plain
//! string appends instead of `fmt` machinery for the common field types, since every
//! request writes an access-log line. Messages are escaped so that text a tenant logs
//! cannot split a line or forge another: control characters (newlines included) and the
//! C1 range are written as escapes, in a message and in any `Display` field.

use std::cell::RefCell;
use std::fmt;
use std::fmt::Write as _;
use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use tracing::field::Field;
use tracing::field::Visit;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::FormatFields;

/// Formats an event's or a span's fields as `key=value` pairs: strings quoted and escaped
/// as `Debug` writes them, other values by their `Debug`, the message as written (escaped).
#[derive(Debug, Default, Clone, Copy)]
pub struct Fields;

impl<'writer> FormatFields<'writer> for Fields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = Visitor {
            writer,
            empty: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct Visitor<'writer> {
    writer: Writer<'writer>,
    empty: bool,
    result: fmt::Result,
}

impl Visitor<'_> {
    /// Starts the field `field` (a space before all but the first, then `name=`); `false`
    /// when it is not written at all.
    fn begin(&mut self, field: &Field) -> bool {
        let name = field.name();
        if self.result.is_err() || name.starts_with("log.") {
            return false;
        }
        if !std::mem::replace(&mut self.empty, false) {
            self.result = self.writer.write_char(' ');
        }
        if name != "message" {
            let name = name.strip_prefix("r#").unwrap_or(name);
            self.result = self
                .result
                .and_then(|()| self.writer.write_str(name))
                .and_then(|()| self.writer.write_char('='));
        }
        self.result.is_ok()
    }
}

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.begin(field) {
            return;
        }
        self.result = if field.name() == "message" {
            Escaped(&mut self.writer).write_str(value)
        } else if value
            .bytes()
            .all(|byte| (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\')
        {
            // What `Debug` writes for such a string, without looking at each char again.
            self.writer
                .write_char('"')
                .and_then(|()| self.writer.write_str(value))
                .and_then(|()| self.writer.write_char('"'))
        } else {
            write!(self.writer, "{value:?}")
        };
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.begin(field) {
            self.result = self.writer.write_str(itoa::Buffer::new().format(value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.begin(field) {
            self.result = self.writer.write_str(itoa::Buffer::new().format(value));
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if !self.begin(field) {
            return;
        }
        // Milliseconds to the microsecond (the log's durations) are written from integers;
        // any other value as `Debug` writes it.
        let thousandths = value * 1000.0;
        self.result = if thousandths.fract() == 0.0 && thousandths.abs() < 1e15 {
            #[allow(clippy::cast_possible_truncation, reason = "integral and below 1e15")]
            let thousandths = thousandths as i64;
            let fraction = (thousandths % 1000).unsigned_abs();
            let digits = [fraction / 100, fraction / 10 % 10, fraction % 10].map(|digit| {
                char::from_digit(u32::try_from(digit).unwrap_or_default(), 10).unwrap_or('0')
            });
            let shown = digits
                .iter()
                .rposition(|digit| *digit != '0')
                .map_or(1, |at| at + 1);
            let sign = if (-999..0).contains(&thousandths) {
                "-"
            } else {
                ""
            };
            let mut whole = itoa::Buffer::new();
            let mut result = self.writer.write_str(sign);
            result = result.and_then(|()| self.writer.write_str(whole.format(thousandths / 1000)));
            result = result.and_then(|()| self.writer.write_char('.'));
            for digit in &digits[..shown] {
                result = result.and_then(|()| self.writer.write_char(*digit));
            }
            result
        } else {
            write!(self.writer, "{value:?}")
        };
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.begin(field) {
            self.result = self.writer.write_str(if value { "true" } else { "false" });
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if !self.begin(field) {
            return;
        }
        self.result = write!(Escaped(&mut self.writer), "{value}");
        let mut source = value.source();
        if source.is_some() {
            let name = field.name();
            self.result = self
                .result
                .and_then(|()| write!(self.writer, " {name}.sources=["));
            let mut first = true;
            while let Some(error) = source {
                if !std::mem::replace(&mut first, false) {
                    self.result = self.result.and_then(|()| self.writer.write_str(", "));
                }
                self.result = self
                    .result
                    .and_then(|()| write!(Escaped(&mut self.writer), "{error}"));
                source = error.source();
            }
            self.result = self.result.and_then(|()| self.writer.write_char(']'));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.begin(field) {
            return;
        }
        // `Debug` escapes what it quotes; a `Display` value (`%field`) may hold anything.
        self.result = write!(Escaped(&mut self.writer), "{value:?}");
    }
}

/// Writes through to a log line with every control character escaped (`\n`, `\r`, `\t`
/// and `\x1b` as such, the rest of C0, DEL and C1 as `\u{…}`).
struct Escaped<'a, 'writer>(&'a mut Writer<'writer>);

impl fmt::Write for Escaped<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some(at) = rest.find(|c: char| c.is_control()) {
            self.0.write_str(&rest[..at])?;
            let mut chars = rest[at..].chars();
            match chars.next() {
                Some('\n') => self.0.write_str("\\n")?,
                Some('\r') => self.0.write_str("\\r")?,
                Some('\t') => self.0.write_str("\\t")?,
                Some('\x1b') => self.0.write_str("\\x1b")?,
                Some(other) => write!(self.0, "\\u{{{:x}}}", u32::from(other))?,
                None => {}
            }
            rest = chars.as_str();
        }
        self.0.write_str(rest)
    }
}

/// The time of a log line in RFC 3339 with microseconds, UTC (as tracing-subscriber's
/// default), the date and time of day formatted once a second per thread.
#[derive(Debug, Default, Clone, Copy)]
pub struct Clock;

thread_local! {
    /// The second last formatted on this thread and its text up to the seconds.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

impl FormatTime for Clock {
    fn format_time(&self, writer: &mut Writer<'_>) -> fmt::Result {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seconds = since.as_secs();
        SECOND.with(|cached| {
            let mut cached = cached.borrow_mut();
            if cached.0 != seconds {
                let text = &mut cached.1;
                text.clear();
                write_civil(text, seconds)?;
                cached.0 = seconds;
            }
            writer.write_str(&cached.1)
        })?;
        let mut micros = itoa::Buffer::new();
        let micros = micros.format(since.subsec_micros());
        writer.write_char('.')?;
        for _ in micros.len()..6 {
            writer.write_char('0')?;
        }
        writer.write_str(micros)?;
        writer.write_char('Z')
    }
}

/// Writes `seconds` after the Unix epoch as `YYYY-MM-DDTHH:MM:SS` (UTC, proleptic
/// Gregorian: the days-to-civil conversion of Howard Hinnant's `chrono`-compatible
/// algorithms).
fn write_civil(text: &mut String, seconds: u64) -> fmt::Result {
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX);
    let of_day = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    write!(
        text,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn civil(seconds: u64) -> String {
        let mut text = String::new();
        write_civil(&mut text, seconds).unwrap_or_default();
        text
    }

    #[test]
    fn dates_are_the_calendars() {
        assert_eq!(civil(0), "1970-01-01T00:00:00");
        assert_eq!(civil(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(civil(1_709_251_199), "2024-02-29T23:59:59");
        assert_eq!(civil(1_798_761_599), "2026-12-31T23:59:59");
        assert_eq!(civil(4_107_542_400), "2100-03-01T00:00:00");
    }

    /// The line one event makes with these formatters.
    fn line(event: impl FnOnce()) -> String {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .fmt_fields(Fields)
            .with_timer(Clock)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, event);
        let bytes = buffer.lock().map(|bytes| bytes.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut buffer) = self.0.lock() {
                buffer.extend_from_slice(bytes);
            }
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn fields_are_written_as_the_default_format_writes_them() {
        let text = line(|| {
            tracing::info!(
                target: "isogate::access",
                tenant = "json",
                query = "a=\"b\"",
                agent = "caf\u{e9}",
                status = 200u64,
                delta = -3i64,
                ok = true,
                duration_ms = 1.5f64,
                short = 0.032f64,
                negative = -0.25f64,
                whole = 12.0f64,
                long = 0.1234f64,
                client = %"127.0.0.1",
                "served"
            )
        });
        let (time, rest) = text.split_once(' ').unwrap_or_default();
        assert_eq!(time.len(), "2026-12-02T06:10:16.234315Z".len(), "{text}");
        assert!(time.ends_with('Z') && time.as_bytes()[19] == b'.', "{text}");
        assert_eq!(
            rest,
            " INFO isogate::access: served tenant=\"json\" query=\"a=\\\"b\\\"\" \
             agent=\"caf\u{e9}\" status=200 delta=-3 ok=true duration_ms=1.5 \
             short=0.032 negative=-0.25 whole=12.0 long=0.1234 client=127.0.0.1\n"
        );
    }

    #[test]
    fn a_logged_message_cannot_split_or_forge_lines() {
        let message = "one\nINFO isogate::access: tenant=\"victim\"\r\u{1b}[31m\u{85}\t";
        let text = line(|| tracing::warn!(target: "isogate::handler", tenant = "t", "{message}"));
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        assert!(
            text.ends_with(
                "isogate::handler: one\\nINFO isogate::access: tenant=\"victim\"\\r\\x1b[31m\\u{85}\\t tenant=\"t\"\n"
            ),
            "{text}"
        );
    }
}

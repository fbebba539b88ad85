//! The operator's time zone (`[log] timezone`, default the system's), used
//! wherever mugai shows a time to a person: log lines, the CLI and the web
//! page, so that the three always agree. Times stored or sent (audit log,
//! index, mail headers) stay Unix or RFC 3339/5322 with their offset.

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

static ZONE: OnceLock<TimeZone> = OnceLock::new();

/// The zone a name gives: an IANA name (`Asia/Tokyo`), `UTC`, or empty
/// for the system's (`/etc/localtime`, `$TZ`).
pub fn parse_zone(name: &str) -> Result<TimeZone, String> {
    if name.trim().is_empty() {
        return Ok(TimeZone::try_system().unwrap_or(TimeZone::UTC));
    }
    TimeZone::get(name.trim())
        .map_err(|_| format!("log.timezone = {name:?} is not a time zone (e.g. \"Asia/Tokyo\")"))
}

/// Sets the zone for this process (the first call wins).
pub fn set_zone(name: &str) -> Result<(), String> {
    let zone = parse_zone(name)?;
    let _ = ZONE.set(zone);
    Ok(())
}

/// The zone in use: the one set, else the system's.
pub fn zone() -> &'static TimeZone {
    ZONE.get_or_init(|| TimeZone::try_system().unwrap_or(TimeZone::UTC))
}

/// Unix time → `2026-11-23 10:04` in the operator's zone.
pub fn local_minutes(unix: i64) -> String {
    match Timestamp::from_second(unix) {
        Ok(t) => t
            .to_zoned(zone().clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => "-".into(),
    }
}

/// `2026-11-23` → Unix time of that day's start in the operator's zone.
pub fn day_start(text: &str) -> Option<i64> {
    let date: Date = text.trim().parse().ok()?;
    let start = date.to_zoned(zone().clone()).ok()?;
    Some(start.timestamp().as_second())
}

/// Log timestamps in the operator's zone, with the offset
/// (`2026-12-03T11:53:06.322+09:00`).
pub struct LogTime;

impl FormatTime for LogTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let now = Timestamp::now().to_zoned(zone().clone());
        write!(w, "{}", now.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_and_dates_round_trip_in_a_zone() {
        assert!(parse_zone("Asia/Tokyo").is_ok());
        assert!(parse_zone("").is_ok());
        assert!(
            parse_zone("Mars/Olympus")
                .unwrap_err()
                .contains("not a time zone")
        );
        let tokyo = parse_zone("Asia/Tokyo").unwrap();
        let date: Date = "2026-11-23".parse().unwrap();
        let start = date
            .to_zoned(tokyo.clone())
            .unwrap()
            .timestamp()
            .as_second();
        // Midnight in Tokyo is 15:00 UTC the day before.
        assert_eq!(start, 1_795_359_600);
        let shown = Timestamp::from_second(start + 604)
            .unwrap()
            .to_zoned(tokyo)
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        assert_eq!(shown, "2026-11-23 00:10");
    }
}

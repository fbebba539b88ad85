//! iCalendar invitations → `text`: a short summary in the message body
//! (件名, 日時, 場所, 主催者) instead of a file a calendar program would
//! act on. Times in UTC are shown in Japan time; others as written, with
//! their time zone name.

use super::Verdict;
use super::budget::Failure;
use crate::policy::{Language, Policy};
use crate::sanitize::charset;
use crate::sanitize::report::PartReason;

/// Events summarised from one calendar; the rest are counted.
const MAX_EVENTS: usize = 5;
/// Characters kept of any one value.
const MAX_VALUE: usize = 300;

#[derive(Default)]
struct Event {
    summary: String,
    start: String,
    end: String,
    location: String,
    organizer: String,
}

pub fn summary(bytes: &[u8], label: Option<&str>, policy: &Policy) -> Result<Verdict, Failure> {
    let text = charset::decode(bytes, label).text;
    let mut events: Vec<Event> = Vec::new();
    let mut current: Option<Event> = None;
    let mut total = 0usize;
    let mut method = String::new();
    for line in unfold(&text) {
        let (name_params, value) = line.split_once(':').unwrap_or((line.as_str(), ""));
        let mut parts = name_params.split(';');
        let name = parts.next().unwrap_or_default().to_ascii_uppercase();
        let params: Vec<&str> = parts.collect();
        match (name.as_str(), value.trim()) {
            ("BEGIN", v) if v.eq_ignore_ascii_case("VEVENT") => current = Some(Event::default()),
            ("END", v) if v.eq_ignore_ascii_case("VEVENT") => {
                total += 1;
                if let Some(event) = current.take()
                    && events.len() < MAX_EVENTS
                {
                    events.push(event);
                }
            }
            ("METHOD", v) => method = v.to_ascii_uppercase(),
            (field, v) => {
                if let Some(event) = current.as_mut() {
                    match field {
                        "SUMMARY" => event.summary = unescape(v),
                        "LOCATION" => event.location = unescape(v),
                        "DTSTART" => event.start = when(v, &params),
                        "DTEND" => event.end = when(v, &params),
                        "ORGANIZER" => event.organizer = organizer(v, &params),
                        _ => {}
                    }
                }
            }
        }
    }
    if events.is_empty() {
        return Err(Failure::Broken("a calendar without any event".into()));
    }
    let ja = policy.notice_language == Language::Ja;
    let mut out = String::new();
    out.push_str(match (ja, method.as_str()) {
        (true, "CANCEL") => "【予定の取り消し】",
        (true, _) => "【予定の案内】",
        (false, "CANCEL") => "[Cancelled event]",
        (false, _) => "[Calendar event]",
    });
    out.push('\n');
    let labels = if ja {
        ["件名", "日時", "場所", "主催者"]
    } else {
        ["Subject", "When", "Where", "Organizer"]
    };
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let span = match (event.start.is_empty(), event.end.is_empty()) {
            (false, false) => format!("{} 〜 {}", event.start, event.end),
            _ => format!("{}{}", event.start, event.end),
        };
        for (label, value) in
            labels
                .iter()
                .zip([&event.summary, &span, &event.location, &event.organizer])
        {
            if !value.is_empty() {
                out.push_str(&format!("{label}: {value}\n"));
            }
        }
    }
    if total > events.len() {
        out.push_str(&if ja {
            format!("（ほか{}件の予定）\n", total - events.len())
        } else {
            format!("({} more events)\n", total - events.len())
        });
    }
    Ok(Verdict::Body {
        text: out,
        reason: PartReason::CalendarSummarised,
    })
}

/// Content lines with folding undone (RFC 5545 3.1), bounded in number.
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n').take(100_000) {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) if last.len() < 8192 => last.push_str(rest),
            (Some(_), Some(_)) => {}
            _ => lines.push(raw.to_string()),
        }
    }
    lines
}

/// TEXT value escapes undone; control characters dropped; bounded.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        let c = if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => ' ',
                Some(other) => other,
                None => break,
            }
        } else {
            c
        };
        if !c.is_control() {
            out.push(c);
        }
        if out.chars().count() >= MAX_VALUE {
            out.push('…');
            break;
        }
    }
    out.trim().to_string()
}

/// `20261124T010000Z` → `2026-11-24 10:00 (JST)`; `TZID=Asia/Tokyo:…`
/// → `2026-11-24 10:00 (Asia/Tokyo)`; dates alone → `2026-11-24`.
fn when(value: &str, params: &[&str]) -> String {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let number = |range: std::ops::Range<usize>| -> Option<i64> { digits.get(range)?.parse().ok() };
    let (Some(year), Some(month @ 1..=12), Some(day @ 1..=31)) =
        (number(0..4), number(4..6), number(6..8))
    else {
        return unescape(value);
    };
    let (Some(hour), Some(minute)) = (number(8..10), number(10..12)) else {
        return format!("{year:04}-{month:02}-{day:02}");
    };
    if value.ends_with('Z') || value.ends_with('z') {
        let dt = mail_parser::DateTime {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: 0,
            tz_before_gmt: false,
            tz_hour: 0,
            tz_minute: 0,
        };
        if !dt.is_valid() {
            return unescape(value);
        }
        let local = mail_parser::DateTime::from_timestamp(dt.to_timestamp() + 9 * 3600);
        return format!(
            "{:04}-{:02}-{:02} {:02}:{:02} (JST)",
            local.year, local.month, local.day, local.hour, local.minute
        );
    }
    let zone = params
        .iter()
        .find_map(|p| p.strip_prefix("TZID="))
        .map(|z| format!(" ({})", unescape(z.trim_matches('"'))))
        .unwrap_or_default();
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}{zone}")
}

/// `CN=山田 太郎:mailto:yamada@example.jp` → `山田 太郎 <yamada@example.jp>`.
fn organizer(value: &str, params: &[&str]) -> String {
    let address = value
        .trim()
        .strip_prefix("mailto:")
        .or_else(|| value.trim().strip_prefix("MAILTO:"))
        .unwrap_or(value.trim());
    let name = params
        .iter()
        .find_map(|p| p.strip_prefix("CN="))
        .map(|n| unescape(n.trim_matches('"')));
    match name {
        Some(name) if !name.is_empty() => format!("{name} <{}>", unescape(address)),
        _ => unescape(address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_becomes_four_lines() {
        let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:定例会議\\, 第3回\r\nDTSTART:20261124T010000Z\r\nDTEND;TZID=Asia/Tokyo:20261124T110000\r\nLOCATION:本庁舎 5階\r\n  会議室\r\nORGANIZER;CN=\"山田 太郎\":mailto:yamada@example.jp\r\nDESCRIPTION:<script>\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let Ok(Verdict::Body { text, .. }) = summary(ics.as_bytes(), None, &Policy::default())
        else {
            panic!("no summary");
        };
        assert!(text.contains("件名: 定例会議, 第3回"), "{text}");
        assert!(
            text.contains("日時: 2026-11-24 10:00 (JST) 〜 2026-11-24 11:00 (Asia/Tokyo)"),
            "{text}"
        );
        assert!(text.contains("場所: 本庁舎 5階 会議室"), "{text}");
        assert!(
            text.contains("主催者: 山田 太郎 <yamada@example.jp>"),
            "{text}"
        );
        assert!(!text.contains("script"));
    }
}

//! Time stamps in the forms S3 uses: ISO 8601 in XML bodies, RFC 1123 (HTTP dates) in headers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    unix_secs(SystemTime::now())
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// Seconds since the Unix epoch (negative before it).
pub fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// The instant `secs` seconds after (or before) the Unix epoch.
pub fn system_time(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// `Wed, 12 Oct 2009 17:50:00 GMT`, as in `Last-Modified`. Written digit by digit: every GET and
/// HEAD answers one, and the `httpdate` crate's `Display` went through the formatting machinery
/// (about a thousand instructions a date). Years past 9999 keep their extra digits.
pub fn http_date(secs: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(29);
    // 1970-01-01 was a Thursday.
    out.push_str(WEEKDAYS[days.rem_euclid(7) as usize]);
    out.push_str(", ");
    push_two_digits(&mut out, i64::from(day));
    out.push(' ');
    out.push_str(MONTHS[(month as usize).saturating_sub(1) % 12]);
    out.push(' ');
    if (0..10_000).contains(&year) {
        push_two_digits(&mut out, year / 100);
        push_two_digits(&mut out, year % 100);
    } else {
        out.push_str(&year.to_string());
    }
    out.push(' ');
    push_two_digits(&mut out, of_day / 3600);
    out.push(':');
    push_two_digits(&mut out, of_day % 3600 / 60);
    out.push(':');
    push_two_digits(&mut out, of_day % 60);
    out.push_str(" GMT");
    out
}

/// `n` (0-99) as two decimal digits.
fn push_two_digits(out: &mut String, n: i64) {
    let n = n.rem_euclid(100) as u8;
    out.push(char::from(b'0' + n / 10));
    out.push(char::from(b'0' + n % 10));
}

/// Parses an HTTP date (`If-Modified-Since` etc.); `None` when malformed.
pub fn parse_http_date(s: &str) -> Option<i64> {
    httpdate::parse_http_date(s.trim()).ok().map(unix_secs)
}

/// `2009-10-12T17:50:00.000Z`, as in XML `CreationDate`.
pub fn iso8601(secs: i64) -> String {
    iso8601_ms(secs.saturating_mul(1000))
}

/// `2009-10-12T17:50:00.123Z`, as in XML `LastModified`.
pub fn iso8601_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Seconds since the epoch of an RFC 3339 time (`2026-11-23T12:00:00Z`, with optional fractional
/// seconds and a `+hh:mm` offset); years 0-9999, so the arithmetic cannot overflow.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (Some(Some(year)), Some(Some(month)), Some(Some(day))) =
        (date_parts.next(), date_parts.next(), date_parts.next())
    else {
        return None;
    };
    let (clock, offset_secs) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (h, m) = offset[1..].split_once(':')?;
        let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
        if !(0..=23).contains(&h) || !(0..=59).contains(&m) {
            return None;
        }
        (clock, sign * (h * 3600 + m * 60))
    };
    let clock = clock.split('.').next().unwrap_or_default();
    let mut clock_parts = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (Some(Some(hour)), Some(Some(minute)), Some(Some(second))) =
        (clock_parts.next(), clock_parts.next(), clock_parts.next())
    else {
        return None;
    };
    let in_range = (0..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..=23).contains(&hour)
        && (0..=59).contains(&minute)
        && (0..=60).contains(&second);
    if !in_range {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // February 31st and the like: not a day of that month.
    let (y, m, d) = civil_from_days(days);
    if (y, i64::from(m), i64::from(d)) != (year, month, day) {
        return None;
    }
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_iso8601_like_s3() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_255_369_830), "2009-10-12T17:50:30.000Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601_ms(1_255_369_830_042), "2009-10-12T17:50:30.042Z");
        assert_eq!(iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn calendar_conversions_are_inverse() {
        for days in [-800_000, -1, 0, 1, 11_016, 59, 60, 18_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(unix_secs(system_time(-5)), -5);
    }

    #[test]
    fn http_dates_are_the_ones_httpdate_writes() {
        // Every weekday, month and leap-day shape, the epoch, Y2K and the last second of 9999.
        let mut secs = 0_i64;
        while secs < 253_402_300_799 {
            assert_eq!(
                http_date(secs),
                httpdate::fmt_http_date(system_time(secs)),
                "at {secs}"
            );
            secs += 7_919_993; // about 92 days and an odd number of seconds
        }
        for secs in [
            0,
            59,
            951_782_400,
            951_868_799,
            1_255_369_830,
            253_402_300_799,
        ] {
            assert_eq!(http_date(secs), httpdate::fmt_http_date(system_time(secs)));
        }
        assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(http_date(253_402_300_800), "Sat, 01 Jan 10000 00:00:00 GMT");
    }

    #[test]
    fn http_dates_round_trip() {
        let s = http_date(1_255_369_830);
        assert_eq!(s, "Mon, 12 Oct 2009 17:50:30 GMT");
        assert_eq!(parse_http_date(&s), Some(1_255_369_830));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn rfc3339_times_need_four_digit_years_and_real_clocks() {
        assert_eq!(parse_rfc3339("1970-01-02T00:00:00Z"), Some(86_400));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.999Z"), Some(0));
        for bad in [
            "9223372036854775807-01-01T00:00:00Z",
            "10000-01-01T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2027-02-31T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00+99:00",
            "2026-01-01",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}

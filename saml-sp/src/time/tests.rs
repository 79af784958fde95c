use std::time::Duration;

use proptest::prelude::*;

use super::*;

fn parse(text: &str) -> UnixTime {
    UnixTime::parse_xs_datetime(text).unwrap()
}

#[test]
fn parses_whole_seconds_with_z() {
    assert_eq!(parse("1970-01-01T00:00:00Z"), UnixTime::UNIX_EPOCH);
    assert_eq!(
        parse("2014-07-17T01:01:48Z").as_unix_seconds(),
        1_405_558_908
    );
    assert_eq!(parse("2000-02-29T23:59:59Z").as_unix_seconds(), 951_868_799);
    assert_eq!(
        parse("9999-12-31T23:59:59Z").as_unix_seconds(),
        253_402_300_799
    );
    assert_eq!(
        parse("0001-01-01T00:00:00Z").as_unix_seconds(),
        -62_135_596_800
    );
}

#[test]
fn parses_fractional_seconds_of_any_length() {
    let millis = parse("2020-01-01T00:00:00.123Z");
    assert_eq!(millis.as_unix_seconds(), 1_577_836_800);
    assert_eq!(millis.subsec_nanos(), 123_000_000);
    assert_eq!(parse("2020-01-01T00:00:00.5Z").subsec_nanos(), 500_000_000);
    assert_eq!(
        parse("2020-01-01T00:00:00.123456789Z").subsec_nanos(),
        123_456_789
    );
    // Digits beyond nanoseconds are allowed by xs:dateTime and truncated.
    assert_eq!(
        parse("2020-01-01T00:00:00.1234567891234Z").subsec_nanos(),
        123_456_789
    );
}

#[test]
fn applies_offsets_and_reads_missing_zone_as_utc() {
    let utc = parse("2020-01-01T00:00:00Z");
    assert_eq!(parse("2020-01-01T01:30:00+01:30"), utc);
    assert_eq!(parse("2019-12-31T19:00:00-05:00"), utc);
    assert_eq!(parse("2020-01-01T00:00:00+00:00"), utc);
    assert_eq!(parse("2020-01-01T00:00:00-00:00"), utc);
    assert_eq!(parse("2020-01-01T00:00:00"), utc);
    assert_eq!(parse("2020-01-01T14:00:00+14:00"), utc);
}

#[test]
fn saml_timestamps_must_be_utc() {
    let utc = parse("2020-01-01T00:00:00Z");
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T00:00:00Z"),
        Ok(utc)
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T00:00:00.250Z"),
        Ok(UnixTime::from_unix_parts(utc.as_unix_seconds(), 250_000_000).unwrap())
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T00:00:00+00:00"),
        Ok(utc)
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T00:00:00-00:00"),
        Ok(utc)
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T00:00:00"),
        Err(DateTimeError::MissingZone)
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T00:00:00.123"),
        Err(DateTimeError::MissingZone)
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T01:30:00+01:30"),
        Err(DateTimeError::NotUtc { offset_minutes: 90 })
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2019-12-31T19:00:00-05:00"),
        Err(DateTimeError::NotUtc {
            offset_minutes: -300
        })
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T00:00:00+00:30"),
        Err(DateTimeError::NotUtc { offset_minutes: 30 })
    );
    // Syntax and range errors come first, as with `parse_xs_datetime`.
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-13-01T00:00:00"),
        Err(DateTimeError::OutOfRange { field: "month" })
    );
    assert_eq!(
        UnixTime::parse_saml_datetime("2020-01-01T00:00:00+15:00"),
        Err(DateTimeError::OutOfRange { field: "offset" })
    );
}

#[test]
fn rejects_malformed_text_with_position() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "year"),
        ("2020", 4, "'-' after the year"),
        ("2020-1-01T00:00:00Z", 6, "month"),
        ("2020-01-01 00:00:00Z", 10, "'T' between date and time"),
        ("2020-01-01t00:00:00Z", 10, "'T' between date and time"),
        ("2020-01-01T00:00Z", 16, "':' after the minutes"),
        (
            "2020-01-01T00:00:00.Z",
            20,
            "a digit after the decimal point",
        ),
        ("2020-01-01T00:00:00z", 19, "'Z', an offset or the end"),
        ("2020-01-01T00:00:00ZZ", 20, "the end of the timestamp"),
        ("2020-01-01T00:00:00+0100", 22, "':' in the offset"),
        ("2020-01-01T00:00:00 ", 19, "'Z', an offset or the end"),
        (" 2020-01-01T00:00:00Z", 0, "year"),
        ("+2020-01-01T00:00:00Z", 0, "year"),
        ("२०२०-01-01T00:00:00Z", 0, "year"),
    ];
    for &(text, position, expected) in cases {
        assert_eq!(
            UnixTime::parse_xs_datetime(text),
            Err(DateTimeError::Syntax { position, expected }),
            "{text:?}"
        );
    }
}

#[test]
fn rejects_impossible_fields() {
    let cases: &[(&str, &str)] = &[
        ("0000-01-01T00:00:00Z", "year"),
        ("2020-00-01T00:00:00Z", "month"),
        ("2020-13-01T00:00:00Z", "month"),
        ("2020-01-00T00:00:00Z", "day"),
        ("2020-01-32T00:00:00Z", "day"),
        ("2019-02-29T00:00:00Z", "day"),
        ("1900-02-29T00:00:00Z", "day"),
        ("2020-04-31T00:00:00Z", "day"),
        ("2020-01-01T24:00:00Z", "hour"),
        ("2020-01-01T00:60:00Z", "minute"),
        ("2020-01-01T00:00:60Z", "second"),
        ("2020-01-01T00:00:00+15:00", "offset"),
        ("2020-01-01T00:00:00+14:30", "offset"),
        ("2020-01-01T00:00:00+01:60", "offset"),
    ];
    for &(text, field) in cases {
        assert_eq!(
            UnixTime::parse_xs_datetime(text),
            Err(DateTimeError::OutOfRange { field }),
            "{text:?}"
        );
    }
    // Leap days that exist.
    assert_eq!(parse("2000-02-29T00:00:00Z").as_unix_seconds(), 951_782_400);
    assert_eq!(
        parse("2024-02-29T00:00:00Z").as_unix_seconds(),
        1_709_164_800
    );
}

#[test]
fn rejects_over_long_text_before_parsing() {
    let text = format!("2020-01-01T00:00:00.{}Z", "1".repeat(60));
    assert_eq!(
        UnixTime::parse_xs_datetime(&text),
        Err(DateTimeError::TooLong {
            len: 81,
            max: MAX_DATETIME_LEN
        })
    );
}

#[test]
fn formats_utc_with_minimal_fraction() {
    assert_eq!(UnixTime::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00Z");
    assert_eq!(
        UnixTime::from_unix_seconds(1_405_558_908).to_string(),
        "2014-07-17T01:01:48Z"
    );
    assert_eq!(
        UnixTime::from_unix_parts(1_405_558_908, 7_000_000)
            .unwrap()
            .to_string(),
        "2014-07-17T01:01:48.007Z"
    );
    assert_eq!(
        UnixTime::from_unix_parts(-1, 1).unwrap().to_string(),
        "1969-12-31T23:59:59.000000001Z"
    );
    assert_eq!(
        UnixTime::from_unix_seconds(-62_135_596_800).to_string(),
        "0001-01-01T00:00:00Z"
    );
}

#[test]
fn arithmetic_carries_nanoseconds() {
    let t = UnixTime::from_unix_parts(10, 900_000_000).unwrap();
    let later = t.checked_add(Duration::from_millis(200)).unwrap();
    assert_eq!(later, UnixTime::from_unix_parts(11, 100_000_000).unwrap());
    let earlier = t.checked_sub(Duration::new(1, 950_000_000)).unwrap();
    assert_eq!(earlier, UnixTime::from_unix_parts(8, 950_000_000).unwrap());
    assert_eq!(later.duration_since(t), Some(Duration::from_millis(200)));
    assert_eq!(
        later.duration_since(earlier),
        Some(Duration::new(2, 150_000_000))
    );
    assert_eq!(t.duration_since(later), None);
    assert_eq!(t.duration_since(t), Some(Duration::ZERO));
}

#[test]
fn arithmetic_overflow_is_reported_or_clamped() {
    let max = UnixTime::from_unix_parts(i64::MAX, 999_999_999).unwrap();
    let min = UnixTime::from_unix_seconds(i64::MIN);
    assert_eq!(max.checked_add(Duration::from_nanos(1)), None);
    assert_eq!(min.checked_sub(Duration::from_nanos(1)), None);
    assert_eq!(UnixTime::UNIX_EPOCH.checked_add(Duration::MAX), None);
    assert_eq!(max.saturating_add(Duration::from_secs(5)), max);
    assert_eq!(min.saturating_sub(Duration::from_secs(5)), min);
    assert_eq!(
        max.duration_since(min),
        Some(Duration::new(u64::MAX, 999_999_999))
    );
}

#[test]
fn system_time_conversion_handles_both_sides_of_the_epoch() {
    let after = SystemTime::UNIX_EPOCH + Duration::new(5, 250);
    assert_eq!(
        UnixTime::from_system_time(after),
        UnixTime::from_unix_parts(5, 250)
    );
    let before = SystemTime::UNIX_EPOCH - Duration::new(5, 250);
    assert_eq!(
        UnixTime::from_system_time(before),
        UnixTime::from_unix_parts(-6, 999_999_750)
    );
}

#[test]
fn providers_answer_as_documented() {
    let pinned = parse("2026-01-01T00:00:00Z");
    let clock: &dyn TimeProvider = &FixedTimeProvider::new(pinned);
    assert_eq!(clock.now(), pinned);
    // The system clock is past the date this code was written.
    assert!(SystemTimeProvider.now() > pinned.saturating_sub(Duration::from_secs(86_400 * 365)));
}

proptest! {
    #[test]
    fn format_then_parse_round_trips(
        secs in -62_135_596_800i64..=253_402_300_799,
        nanos in 0u32..1_000_000_000,
    ) {
        let t = UnixTime::from_unix_parts(secs, nanos).unwrap();
        prop_assert_eq!(UnixTime::parse_xs_datetime(&t.to_string()), Ok(t));
    }

    #[test]
    fn civil_conversion_round_trips(days in -1_000_000_000i64..1_000_000_000) {
        let (year, month, day) = civil_from_days(days);
        prop_assert!((1..=12).contains(&month));
        prop_assert!((1..=31).contains(&day));
        let month = u32::try_from(month).unwrap();
        let day = u32::try_from(day).unwrap();
        prop_assert_eq!(days_from_civil(year, month, day), days);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        let _ = UnixTime::parse_xs_datetime(&text);
    }

    #[test]
    fn near_miss_text_never_panics(text in "[0-9T:.Z+-]{0,40}") {
        if let Ok(t) = UnixTime::parse_xs_datetime(&text) {
            prop_assert!(t.subsec_nanos() < 1_000_000_000);
        }
    }

    #[test]
    fn offsets_shift_by_exactly_their_value(
        secs in 0i64..4_000_000_000,
        hours in 0u32..14,
        minutes in 0u32..60,
        negative in any::<bool>(),
    ) {
        let t = UnixTime::from_unix_seconds(secs);
        let shift = i64::from(hours * 3600 + minutes * 60);
        let local = UnixTime::from_unix_seconds(if negative { secs - shift } else { secs + shift });
        let text = local.to_string();
        let sign = if negative { '-' } else { '+' };
        let with_offset = format!("{}{sign}{hours:02}:{minutes:02}", text.trim_end_matches('Z'));
        prop_assert_eq!(UnixTime::parse_xs_datetime(&with_offset), Ok(t));
    }
}

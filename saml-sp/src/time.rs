//! Points in time and the clock they come from.
//!
//! Verification never reads the clock itself: every check takes a `now: UnixTime`, and long-lived
//! configuration holds an `Arc<dyn TimeProvider>`. [`SystemTimeProvider`] is the one place in the
//! crate that reads the system clock, so tests can pin "now" for recorded responses with
//! [`FixedTimeProvider`].
//!
//! SAML timestamps are `xs:dateTime` values in UTC (SAML core §1.3.3), written with a `Z`, with
//! or without fractional seconds. [`UnixTime::parse_saml_datetime`] reads them for message
//! validation: it accepts `Z` and the zero offsets `+00:00`/`-00:00` (some SAML toolkits write
//! UTC that way), and refuses a missing zone (a local time of unknown offset) and any other
//! offset. [`UnixTime::parse_xs_datetime`] is the general `xs:dateTime` reader (any offset, a
//! missing zone read as UTC), for values that are not part of a SAML message's validity.
//!
//! ```
//! use saml_sp::time::UnixTime;
//!
//! let t = UnixTime::parse_xs_datetime("2024-01-02T03:04:05.123Z")?;
//! assert_eq!(t.as_unix_seconds(), 1_704_164_645);
//! assert_eq!(t.subsec_nanos(), 123_000_000);
//! assert_eq!(t.to_string(), "2024-01-02T03:04:05.123Z");
//! # Ok::<(), saml_sp::time::DateTimeError>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

/// Longest timestamp text accepted by [`UnixTime::parse_xs_datetime`], in bytes.
///
/// A full timestamp with nanoseconds and an offset is 35 bytes; the cap leaves room for extra
/// fractional digits (which are allowed and truncated) while refusing absurd inputs early.
pub const MAX_DATETIME_LEN: usize = 64;

const NANOS_PER_SEC: u32 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// A point in time: seconds and nanoseconds since 1970-01-01T00:00:00Z, ignoring leap seconds.
///
/// Ordering is chronological. Values before 1970 are representable (negative seconds), which
/// keeps arithmetic on old `AuthnInstant`s total.
///
/// ```
/// use std::time::Duration;
/// use saml_sp::time::UnixTime;
///
/// let issued = UnixTime::from_unix_seconds(1_700_000_000);
/// let expires = issued.saturating_add(Duration::from_secs(300));
/// assert!(issued < expires);
/// assert_eq!(expires.duration_since(issued), Some(Duration::from_secs(300)));
/// assert_eq!(issued.to_xs_datetime(), "2023-11-14T22:13:20Z");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime {
    // Field order matters: the derived `Ord` compares seconds first.
    secs: i64,
    nanos: u32,
}

impl UnixTime {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Self = Self { secs: 0, nanos: 0 };

    /// A whole number of seconds since the Unix epoch.
    ///
    /// ```
    /// use saml_sp::time::UnixTime;
    /// assert_eq!(UnixTime::from_unix_seconds(0), UnixTime::UNIX_EPOCH);
    /// ```
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Self { secs, nanos: 0 }
    }

    /// Seconds and nanoseconds since the Unix epoch; `None` when `nanos` is a billion or more.
    ///
    /// ```
    /// use saml_sp::time::UnixTime;
    /// assert!(UnixTime::from_unix_parts(1, 999_999_999).is_some());
    /// assert!(UnixTime::from_unix_parts(1, 1_000_000_000).is_none());
    /// ```
    pub const fn from_unix_parts(secs: i64, nanos: u32) -> Option<Self> {
        if nanos < NANOS_PER_SEC {
            Some(Self { secs, nanos })
        } else {
            None
        }
    }

    /// Converts a [`SystemTime`]; `None` when it is outside the representable range.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use saml_sp::time::UnixTime;
    ///
    /// let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_500);
    /// assert_eq!(UnixTime::from_system_time(t), UnixTime::from_unix_parts(1, 500_000_000));
    /// ```
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        match time.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => Self::UNIX_EPOCH.checked_add(after),
            Err(before) => Self::UNIX_EPOCH.checked_sub(before.duration()),
        }
    }

    /// Whole seconds since the Unix epoch (rounded towards the past).
    pub const fn as_unix_seconds(&self) -> i64 {
        self.secs
    }

    /// The nanoseconds past [`as_unix_seconds`](Self::as_unix_seconds), below one billion.
    pub const fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// `self + duration`, or `None` on overflow.
    pub fn checked_add(self, duration: Duration) -> Option<Self> {
        let secs = i64::try_from(duration.as_secs()).ok()?;
        let mut secs = self.secs.checked_add(secs)?;
        let mut nanos = self.nanos + duration.subsec_nanos();
        if nanos >= NANOS_PER_SEC {
            nanos -= NANOS_PER_SEC;
            secs = secs.checked_add(1)?;
        }
        Some(Self { secs, nanos })
    }

    /// `self - duration`, or `None` on overflow.
    pub fn checked_sub(self, duration: Duration) -> Option<Self> {
        let secs = i64::try_from(duration.as_secs()).ok()?;
        let mut secs = self.secs.checked_sub(secs)?;
        let nanos = match self.nanos.checked_sub(duration.subsec_nanos()) {
            Some(nanos) => nanos,
            None => {
                secs = secs.checked_sub(1)?;
                self.nanos + NANOS_PER_SEC - duration.subsec_nanos()
            }
        };
        Some(Self { secs, nanos })
    }

    /// `self + duration`, clamped to the latest representable time.
    pub fn saturating_add(self, duration: Duration) -> Self {
        self.checked_add(duration).unwrap_or(Self {
            secs: i64::MAX,
            nanos: NANOS_PER_SEC - 1,
        })
    }

    /// `self - duration`, clamped to the earliest representable time.
    pub fn saturating_sub(self, duration: Duration) -> Self {
        self.checked_sub(duration).unwrap_or(Self {
            secs: i64::MIN,
            nanos: 0,
        })
    }

    /// How long after `earlier` this is; `None` when `earlier` is later than `self`.
    pub fn duration_since(self, earlier: Self) -> Option<Duration> {
        if self < earlier {
            return None;
        }
        let (secs, nanos) = if self.nanos >= earlier.nanos {
            (self.secs.abs_diff(earlier.secs), self.nanos - earlier.nanos)
        } else {
            (
                self.secs.abs_diff(earlier.secs) - 1,
                self.nanos + NANOS_PER_SEC - earlier.nanos,
            )
        };
        Some(Duration::new(secs, nanos))
    }

    /// Parses an `xs:dateTime`: `YYYY-MM-DDThh:mm:ss[.fraction][Z|(+|-)hh:mm]`.
    ///
    /// Years are four digits (0001-9999). The fraction may have any number of digits; digits past
    /// nanoseconds are ignored. A numeric offset is applied, and a missing zone is read as UTC.
    /// The text is limited to [`MAX_DATETIME_LEN`] bytes. Timestamps of SAML messages are read
    /// with the stricter [`parse_saml_datetime`](Self::parse_saml_datetime).
    ///
    /// ```
    /// use saml_sp::time::UnixTime;
    ///
    /// let z = UnixTime::parse_xs_datetime("2014-07-17T01:01:48Z")?;
    /// let offset = UnixTime::parse_xs_datetime("2014-07-17T03:01:48+02:00")?;
    /// let bare = UnixTime::parse_xs_datetime("2014-07-17T01:01:48")?;
    /// assert_eq!(z, offset);
    /// assert_eq!(z, bare);
    /// assert!(UnixTime::parse_xs_datetime("2014-07-17").is_err());
    /// # Ok::<(), saml_sp::time::DateTimeError>(())
    /// ```
    pub fn parse_xs_datetime(text: &str) -> Result<Self, DateTimeError> {
        parse_with_zone(text).map(|(time, _)| time)
    }

    /// Parses a SAML timestamp: an `xs:dateTime` in UTC (SAML core §1.3.3).
    ///
    /// The zone must be `Z`, or an explicit zero offset (`+00:00` or `-00:00`, which denote UTC
    /// as well and which some SAML toolkits write). A missing zone is refused with
    /// [`DateTimeError::MissingZone`]: the time would be a local time whose offset nobody knows.
    /// Any other offset is refused with [`DateTimeError::NotUtc`]. Otherwise the same as
    /// [`parse_xs_datetime`](Self::parse_xs_datetime).
    ///
    /// ```
    /// use saml_sp::time::{DateTimeError, UnixTime};
    ///
    /// let z = UnixTime::parse_saml_datetime("2014-07-17T01:01:48Z")?;
    /// assert_eq!(UnixTime::parse_saml_datetime("2014-07-17T01:01:48+00:00")?, z);
    /// assert_eq!(
    ///     UnixTime::parse_saml_datetime("2014-07-17T01:01:48"),
    ///     Err(DateTimeError::MissingZone)
    /// );
    /// assert_eq!(
    ///     UnixTime::parse_saml_datetime("2014-07-17T03:01:48+02:00"),
    ///     Err(DateTimeError::NotUtc { offset_minutes: 120 })
    /// );
    /// # Ok::<(), saml_sp::time::DateTimeError>(())
    /// ```
    pub fn parse_saml_datetime(text: &str) -> Result<Self, DateTimeError> {
        match parse_with_zone(text)? {
            (time, Zone::Offset(0)) => Ok(time),
            (_, Zone::Offset(seconds)) => Err(DateTimeError::NotUtc {
                offset_minutes: i32::try_from(seconds / 60).unwrap_or(i32::MAX),
            }),
            (_, Zone::Missing) => Err(DateTimeError::MissingZone),
        }
    }
    /// Formats as a UTC `xs:dateTime` with a `Z`: no fraction when the nanoseconds are zero,
    /// otherwise the fraction without trailing zeros.
    ///
    /// ```
    /// use saml_sp::time::UnixTime;
    /// let t = UnixTime::from_unix_parts(1_704_164_645, 120_000_000).unwrap();
    /// assert_eq!(t.to_xs_datetime(), "2024-01-02T03:04:05.12Z");
    /// ```
    pub fn to_xs_datetime(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(SECS_PER_DAY);
        let rem = self.secs.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )?;
        if self.nanos != 0 {
            let mut digits = format!("{:09}", self.nanos);
            while digits.ends_with('0') {
                digits.pop();
            }
            write!(f, ".{digits}")?;
        }
        f.write_str("Z")
    }
}

impl FromStr for UnixTime {
    type Err = DateTimeError;

    /// Same as [`UnixTime::parse_xs_datetime`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_xs_datetime(text)
    }
}

/// Why a timestamp could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateTimeError {
    /// The text is longer than [`MAX_DATETIME_LEN`].
    #[error("timestamp is {len} bytes long, more than the limit of {max}")]
    TooLong {
        /// Length of the text, in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text does not follow the `xs:dateTime` layout.
    #[error("timestamp syntax: expected {expected} at byte {position}")]
    Syntax {
        /// Byte offset of the problem.
        position: usize,
        /// What was expected there.
        expected: &'static str,
    },
    /// A field has an impossible value (month 13, February 30th, hour 24, ...).
    #[error("timestamp {field} is out of range")]
    OutOfRange {
        /// The field: `year`, `month`, `day`, `hour`, `minute`, `second` or `offset`.
        field: &'static str,
    },
    /// A SAML timestamp has no zone ([`UnixTime::parse_saml_datetime`]).
    #[error("timestamp has no time zone (SAML requires UTC, written with a 'Z')")]
    MissingZone,
    /// A SAML timestamp has an offset other than zero ([`UnixTime::parse_saml_datetime`]).
    #[error("timestamp has the offset {offset_minutes} minutes (SAML requires UTC)")]
    NotUtc {
        /// The offset, in minutes east of UTC.
        offset_minutes: i32,
    },
}

/// The zone written after an `xs:dateTime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Zone {
    /// No zone at all.
    Missing,
    /// `Z` (zero) or a numeric offset, in seconds east of UTC.
    Offset(i64),
}

/// Parses an `xs:dateTime` and reports its zone.
fn parse_with_zone(text: &str) -> Result<(UnixTime, Zone), DateTimeError> {
    if text.len() > MAX_DATETIME_LEN {
        return Err(DateTimeError::TooLong {
            len: text.len(),
            max: MAX_DATETIME_LEN,
        });
    }
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let year = cursor.digits(4, "year")?;
    cursor.expect(b'-', "'-' after the year")?;
    let month = cursor.digits(2, "month")?;
    cursor.expect(b'-', "'-' after the month")?;
    let day = cursor.digits(2, "day")?;
    cursor.expect(b'T', "'T' between date and time")?;
    let hour = cursor.digits(2, "hour")?;
    cursor.expect(b':', "':' after the hour")?;
    let minute = cursor.digits(2, "minute")?;
    cursor.expect(b':', "':' after the minutes")?;
    let second = cursor.digits(2, "second")?;

    let mut nanos: u32 = 0;
    if cursor.peek() == Some(b'.') {
        cursor.pos += 1;
        let start = cursor.pos;
        let mut scale = NANOS_PER_SEC / 10;
        while let Some(digit) = cursor.peek().filter(u8::is_ascii_digit) {
            nanos += u32::from(digit - b'0') * scale;
            scale /= 10;
            cursor.pos += 1;
        }
        if cursor.pos == start {
            return Err(cursor.error("a digit after the decimal point"));
        }
    }

    let zone = match cursor.peek() {
        None => Zone::Missing,
        Some(b'Z') => {
            cursor.pos += 1;
            Zone::Offset(0)
        }
        Some(sign @ (b'+' | b'-')) => {
            cursor.pos += 1;
            let oh = cursor.digits(2, "offset hours")?;
            cursor.expect(b':', "':' in the offset")?;
            let om = cursor.digits(2, "offset minutes")?;
            if oh > 14 || om > 59 || (oh == 14 && om != 0) {
                return Err(DateTimeError::OutOfRange { field: "offset" });
            }
            let magnitude = i64::from(oh * 3600 + om * 60);
            Zone::Offset(if sign == b'+' { magnitude } else { -magnitude })
        }
        Some(_) => return Err(cursor.error("'Z', an offset or the end")),
    };
    if cursor.pos != cursor.bytes.len() {
        return Err(cursor.error("the end of the timestamp"));
    }

    if year == 0 {
        return Err(DateTimeError::OutOfRange { field: "year" });
    }
    if !(1..=12).contains(&month) {
        return Err(DateTimeError::OutOfRange { field: "month" });
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(DateTimeError::OutOfRange { field: "day" });
    }
    if hour > 23 {
        return Err(DateTimeError::OutOfRange { field: "hour" });
    }
    if minute > 59 {
        return Err(DateTimeError::OutOfRange { field: "minute" });
    }
    if second > 59 {
        return Err(DateTimeError::OutOfRange { field: "second" });
    }

    let offset_secs = match zone {
        Zone::Offset(seconds) => seconds,
        Zone::Missing => 0,
    };
    let days = days_from_civil(i64::from(year), month, day);
    // The ranges checked above keep every term small: no overflow is possible.
    let secs = days * SECS_PER_DAY + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Ok((UnixTime { secs, nanos }, zone))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error(&self, expected: &'static str) -> DateTimeError {
        DateTimeError::Syntax {
            position: self.pos,
            expected,
        }
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), DateTimeError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    /// Exactly `count` ASCII digits (count ≤ 4, so the value fits easily).
    fn digits(&mut self, count: usize, expected: &'static str) -> Result<u32, DateTimeError> {
        let mut value = 0u32;
        for _ in 0..count {
            match self.peek() {
                Some(digit @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(digit - b'0');
                    self.pos += 1;
                }
                _ => return Err(self.error(expected)),
            }
        }
        Ok(value)
    }
}

fn is_leap_year(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the "days from civil" algorithm, with
/// eras of 400 years starting in March so that the leap day comes last).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A source of the current time, held by long-lived configuration as `Arc<dyn TimeProvider>`.
///
/// ```
/// use saml_sp::time::{FixedTimeProvider, TimeProvider, UnixTime};
///
/// let clock = FixedTimeProvider::new(UnixTime::from_unix_seconds(1_700_000_000));
/// assert_eq!(clock.now().as_unix_seconds(), 1_700_000_000);
/// ```
pub trait TimeProvider: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> UnixTime;
}

/// The system clock: the only place in this crate that reads it.
///
/// ```
/// use saml_sp::time::{SystemTimeProvider, TimeProvider, UnixTime};
/// assert!(SystemTimeProvider.now() > UnixTime::from_unix_seconds(1_600_000_000));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemTimeProvider;

impl TimeProvider for SystemTimeProvider {
    // This is the single sanctioned clock read; everything else takes `now` as a parameter.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> UnixTime {
        // A clock outside ±292 billion years is not a real clock; clamp rather than panic.
        UnixTime::from_system_time(SystemTime::now()).unwrap_or(UnixTime::UNIX_EPOCH)
    }
}

/// A clock stopped at one instant, for tests and for replaying recorded responses.
///
/// ```
/// use saml_sp::time::{FixedTimeProvider, TimeProvider, UnixTime};
///
/// let pinned = UnixTime::parse_xs_datetime("2020-06-01T12:00:00Z")?;
/// assert_eq!(FixedTimeProvider::new(pinned).now(), pinned);
/// # Ok::<(), saml_sp::time::DateTimeError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedTimeProvider {
    now: UnixTime,
}

impl FixedTimeProvider {
    /// A clock that always answers `now`.
    pub const fn new(now: UnixTime) -> Self {
        Self { now }
    }
}

impl TimeProvider for FixedTimeProvider {
    fn now(&self) -> UnixTime {
        self.now
    }
}

#[cfg(test)]
mod tests;

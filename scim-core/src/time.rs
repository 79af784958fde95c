//! Timestamps and the injected clock. The only place that reads the system clock.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, Result};

/// A point in time, UTC, with nanosecond precision. Written as RFC 3339 (`xsd:dateTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// From seconds since the Unix epoch.
    pub fn from_unix_seconds(secs: i64) -> Result<Self> {
        OffsetDateTime::from_unix_timestamp(secs)
            .map(Self)
            .map_err(|e| Error::invalid_value("dateTime", e.to_string()))
    }

    /// From nanoseconds since the Unix epoch.
    pub fn from_unix_nanos(nanos: i128) -> Result<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .map(Self)
            .map_err(|e| Error::invalid_value("dateTime", e.to_string()))
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(self) -> i128 {
        self.0.unix_timestamp_nanos()
    }

    /// Parses an `xsd:dateTime` / RFC 3339 value such as `2011-08-01T18:29:49.793Z`.
    pub fn parse(s: &str) -> Result<Self> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(|t| Self(t.to_offset(time::UtcOffset::UTC)))
            .map_err(|e| {
                Error::invalid_value("dateTime", format!("'{s}' is not an xsd:dateTime: {e}"))
            })
    }

    /// RFC 3339 text in UTC, e.g. `2011-08-01T18:29:49.793Z`.
    pub fn to_rfc3339(self) -> String {
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.0.unix_timestamp().to_string())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Source of the current time, injected so tests can pin "now".
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the clock (see clippy.toml)
    fn now(&self) -> Timestamp {
        Timestamp(OffsetDateTime::now_utc())
    }
}

/// A clock that always says the same time (tests), advanced by hand with [`FixedClock::set`].
#[derive(Debug)]
pub struct FixedClock(std::sync::Mutex<Timestamp>);

impl FixedClock {
    /// A clock fixed at `t`.
    pub fn new(t: Timestamp) -> Self {
        Self(std::sync::Mutex::new(t))
    }

    /// Moves the clock to `t`.
    pub fn set(&self, t: Timestamp) {
        if let Ok(mut g) = self.0.lock() {
            *g = t;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        match self.0.lock() {
            Ok(g) => *g,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

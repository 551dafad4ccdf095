//! Time zones for EventBridge Scheduler (`ScheduleExpressionTimezone`): a schedule's
//! cron and at() expressions are read in local time, daylight saving time included.
//! The engine carries no time-zone database; it knows the standard offset and the
//! daylight-saving rule (US, EU, Australian, or none) of the zones listed in `ZONES`,
//! and `Etc/GMT±N`. Any other name is refused with the list.

/// When a zone's clocks go forward and back.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Dst {
    None,
    /// Second Sunday of March 02:00 local → first Sunday of November 02:00 local.
    Us,
    /// Last Sunday of March 01:00 UTC → last Sunday of October 01:00 UTC.
    Eu,
    /// First Sunday of October 02:00 local → first Sunday of April 03:00 local.
    Au,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Zone {
    /// Standard offset from UTC in minutes.
    std_min: i64,
    dst: Dst,
}

pub(crate) const UTC: Zone = Zone {
    std_min: 0,
    dst: Dst::None,
};

const ZONES: &[(&str, i64, Dst)] = &[
    ("UTC", 0, Dst::None),
    ("America/New_York", -300, Dst::Us),
    ("America/Toronto", -300, Dst::Us),
    ("America/Chicago", -360, Dst::Us),
    ("America/Denver", -420, Dst::Us),
    ("America/Phoenix", -420, Dst::None),
    ("America/Los_Angeles", -480, Dst::Us),
    ("America/Anchorage", -540, Dst::Us),
    ("America/Sao_Paulo", -180, Dst::None),
    ("Europe/London", 0, Dst::Eu),
    ("Europe/Dublin", 0, Dst::Eu),
    ("Europe/Lisbon", 0, Dst::Eu),
    ("Europe/Paris", 60, Dst::Eu),
    ("Europe/Berlin", 60, Dst::Eu),
    ("Europe/Madrid", 60, Dst::Eu),
    ("Europe/Rome", 60, Dst::Eu),
    ("Europe/Amsterdam", 60, Dst::Eu),
    ("Europe/Brussels", 60, Dst::Eu),
    ("Europe/Vienna", 60, Dst::Eu),
    ("Europe/Zurich", 60, Dst::Eu),
    ("Europe/Stockholm", 60, Dst::Eu),
    ("Europe/Warsaw", 60, Dst::Eu),
    ("Europe/Athens", 120, Dst::Eu),
    ("Europe/Helsinki", 120, Dst::Eu),
    ("Asia/Dubai", 240, Dst::None),
    ("Asia/Kolkata", 330, Dst::None),
    ("Asia/Singapore", 480, Dst::None),
    ("Asia/Shanghai", 480, Dst::None),
    ("Asia/Tokyo", 540, Dst::None),
    ("Asia/Seoul", 540, Dst::None),
    ("Australia/Brisbane", 600, Dst::None),
    ("Australia/Sydney", 600, Dst::Au),
    ("Australia/Melbourne", 600, Dst::Au),
    ("Pacific/Auckland", 720, Dst::None),
];

/// Days since 1970-01-01 of a civil date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day of month of the `n`th Sunday (n ≥ 1), or the last one for `n = 0`.
fn sunday(y: i64, m: u32, n: u32) -> i64 {
    let first = days_from_civil(y, m, 1);
    // 1970-01-04 was a Sunday.
    let first_sunday = first + (3 - first).rem_euclid(7);
    if n > 0 {
        return first_sunday + 7 * (n as i64 - 1);
    }
    let next_month = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let mut d = first_sunday;
    while d + 7 < next_month {
        d += 7;
    }
    d
}

/// A zone by its IANA name (or `Etc/GMT±N`, whose sign is POSIX's: GMT+5 is UTC−5).
pub(crate) fn zone(name: &str) -> Result<Zone, String> {
    if let Some(&(_, std_min, dst)) = ZONES.iter().find(|(n, _, _)| *n == name) {
        return Ok(Zone { std_min, dst });
    }
    if let Some(rest) = name.strip_prefix("Etc/GMT") {
        let h: i64 = if rest.is_empty() {
            0
        } else {
            rest.parse()
                .map_err(|_| format!("'{name}' is not a time zone"))?
        };
        return Ok(Zone {
            std_min: -h * 60,
            dst: Dst::None,
        });
    }
    Err(format!(
        "'{name}' is not a time zone the playground knows (it knows {} and Etc/GMT±N)",
        ZONES.iter().map(|z| z.0).collect::<Vec<_>>().join(", ")
    ))
}

impl Zone {
    /// The offset from UTC in minutes at a UTC instant (minutes since the epoch).
    pub fn offset_min(&self, utc_min: i64) -> i64 {
        let (y, ..) = super::civil(utc_min.div_euclid(1440));
        let at = |day: i64, minute_utc: i64| day * 1440 + minute_utc;
        let std = self.std_min;
        let daylight = match self.dst {
            Dst::None => false,
            Dst::Us => {
                let start = at(sunday(y, 3, 2), 120 - std);
                let end = at(sunday(y, 11, 1), 120 - (std + 60));
                utc_min >= start && utc_min < end
            }
            Dst::Eu => {
                let start = at(sunday(y, 3, 0), 60);
                let end = at(sunday(y, 10, 0), 60);
                utc_min >= start && utc_min < end
            }
            Dst::Au => {
                let end = at(sunday(y, 4, 1), 180 - (std + 60));
                let start = at(sunday(y, 10, 1), 120 - std);
                utc_min < end || utc_min >= start
            }
        };
        std + if daylight { 60 } else { 0 }
    }

    /// The UTC instant (minutes) of a local wall-clock time (in the hour a transition
    /// skips or repeats, the offset before it).
    pub fn utc_of_local(&self, local_min: i64) -> i64 {
        local_min - self.offset_min(local_min - self.std_min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daylight_saving_time_follows_each_rule() {
        let ny = zone("America/New_York").unwrap();
        let utc_min = |y: i64, m: u32, d: u32, h: i64| days_from_civil(y, m, d) * 1440 + h * 60;
        // 2026: DST from 8 March 07:00 UTC to 1 November 06:00 UTC.
        assert_eq!(ny.offset_min(utc_min(2026, 1, 15, 12)), -300);
        assert_eq!(ny.offset_min(utc_min(2026, 7, 1, 12)), -240);
        assert_eq!(ny.offset_min(utc_min(2026, 3, 8, 6)), -300);
        assert_eq!(ny.offset_min(utc_min(2026, 3, 8, 7)), -240);
        let paris = zone("Europe/Paris").unwrap();
        assert_eq!(paris.offset_min(utc_min(2026, 3, 29, 0)), 60);
        assert_eq!(paris.offset_min(utc_min(2026, 3, 29, 1)), 120);
        let sydney = zone("Australia/Sydney").unwrap();
        assert_eq!(sydney.offset_min(utc_min(2026, 1, 1, 0)), 660);
        assert_eq!(sydney.offset_min(utc_min(2026, 6, 1, 0)), 600);
        assert_eq!(zone("Etc/GMT+5").unwrap().offset_min(0), -300);
        assert!(zone("Mars/Olympus")
            .unwrap_err()
            .contains("America/New_York"));
        // 09:00 in New York in July is 13:00 UTC.
        let local = days_from_civil(2026, 7, 1) * 1440 + 9 * 60;
        assert_eq!(ny.utc_of_local(local), local + 240);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 1, 1), 20_454);
    }
}

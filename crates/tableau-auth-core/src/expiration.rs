//! The `estimatedTimeToExpiration` value of a PAT sign-in (`D:HH:MM`).

use std::time::Duration;

/// The text was not a `D:HH:MM` duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not an estimatedTimeToExpiration value (expected D:HH:MM, for example 364:23:59)"
)]
pub struct ExpirationParseError {
    input: String,
}

/// Parses `estimatedTimeToExpiration` (`D:HH:MM`, days unpadded) into a [`Duration`].
///
/// The value says how long the **personal access token** has left, not the session.
///
/// ```
/// use std::time::Duration;
/// use tableau_auth_core::parse_estimated_time_to_expiration;
///
/// let left = parse_estimated_time_to_expiration("364:23:59").unwrap();
/// assert_eq!(left, Duration::from_secs(((364 * 24 + 23) * 60 + 59) * 60));
/// assert!(parse_estimated_time_to_expiration("1:24:00").is_err());
/// ```
pub fn parse_estimated_time_to_expiration(s: &str) -> Result<Duration, ExpirationParseError> {
    let err = || ExpirationParseError {
        input: s.chars().take(40).collect(),
    };
    let mut parts = s.split(':');
    let (Some(d), Some(h), Some(m), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(err());
    };
    let number = |part: &str, max_len: usize| -> Result<u64, ExpirationParseError> {
        if part.is_empty() || part.len() > max_len || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        part.parse::<u64>().map_err(|_| err())
    };
    let days = number(d, 7)?;
    let hours = number(h, 2)?;
    let minutes = number(m, 2)?;
    if hours >= 24 || minutes >= 60 {
        return Err(err());
    }
    Ok(Duration::from_secs(
        ((days * 24 + hours) * 60 + minutes) * 60,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_values() {
        let p = |s| parse_estimated_time_to_expiration(s).unwrap();
        assert_eq!(p("0:00:00"), Duration::ZERO);
        assert_eq!(p("0:00:01"), Duration::from_secs(60));
        assert_eq!(p("1:00:00"), Duration::from_secs(86_400));
        assert_eq!(p("364:23:59"), Duration::from_secs(31_535_940));
        assert_eq!(
            p("7:5:3"),
            Duration::from_secs(((7 * 24 + 5) * 60 + 3) * 60)
        );
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "1",
            "1:00",
            "1:00:00:00",
            "1:24:00",
            "1:00:60",
            "-1:00:00",
            "1:0a:00",
            "1::00",
            " 1:00:00",
            "1:00:00 ",
            "99999999:00:00",
            "1:000:00",
            "+1:00:00",
        ] {
            assert!(parse_estimated_time_to_expiration(bad).is_err(), "{bad:?}");
        }
    }
}

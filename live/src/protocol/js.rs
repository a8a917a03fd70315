//! JavaScript's rules, where the wire meets a JavaScript client: its number range and the
//! object keys that must never reach one.

use serde_json::Value;

/// 2^53 − 1, JavaScript's `Number.MAX_SAFE_INTEGER`.
pub(crate) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Keys that would pollute a JavaScript object's prototype; dropped from every client
/// payload and decoded msgpack map, and never writable as a property (reference §14.3).
pub(crate) const RESERVED_KEYS: [&str; 3] = ["__proto__", "constructor", "prototype"];

/// Whether `key` is one of [`RESERVED_KEYS`].
pub(crate) fn is_reserved_key(key: &str) -> bool {
    RESERVED_KEYS.contains(&key)
}

/// Whether `number` is a whole number JavaScript holds exactly (|n| ≤ 2^53 − 1).
pub(crate) fn is_safe_integer(number: f64) -> bool {
    number.is_finite() && number.fract() == 0.0 && number.abs() <= MAX_SAFE_INTEGER
}

/// `number` as a non-negative whole number within the safe range, else `None`.
pub(crate) fn safe_unsigned(number: f64) -> Option<u64> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // whole, in range
    (is_safe_integer(number) && number >= 0.0).then_some(number as u64)
}

/// A JSON number the way JavaScript holds it: safe integers without a fraction, other
/// values as floats (non-finite → `null`).
pub(crate) fn js_number(number: f64) -> Value {
    if is_safe_integer(number) {
        #[allow(clippy::cast_possible_truncation)] // integral and within ±2^53
        Value::from(number as i64)
    } else {
        Value::from(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_integers_follow_javascript() {
        assert!(is_safe_integer(MAX_SAFE_INTEGER));
        assert!(is_safe_integer(-MAX_SAFE_INTEGER));
        assert!(!is_safe_integer(MAX_SAFE_INTEGER + 2.0));
        assert!(!is_safe_integer(1.5));
        assert!(!is_safe_integer(f64::NAN));
        assert_eq!(safe_unsigned(4.0), Some(4));
        assert_eq!(safe_unsigned(-1.0), None);
        assert_eq!(js_number(3.0), Value::from(3));
        assert_eq!(js_number(1.5), Value::from(1.5));
        assert_eq!(js_number(f64::INFINITY), Value::Null);
        assert!(is_reserved_key("__proto__") && !is_reserved_key("proto"));
    }
}

//! JavaScript's rules, where the wire meets a JavaScript client: its number range, how it
//! prints a number, and the object keys that must never reach one.

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
    // Whole and in range, so the cast is exact.
    (is_safe_integer(number) && number >= 0.0).then_some(number as u64)
}

/// A JSON number the way JavaScript holds it: safe integers without a fraction, other
/// values as floats (non-finite → `null`).
pub(crate) fn js_number(number: f64) -> Value {
    if is_safe_integer(number) {
        // Integral and within ±2^53, so the cast is exact.
        Value::from(number as i64)
    } else {
        Value::from(number)
    }
}

/// 2^53: every integer below it is exact in an `f64`.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// `x` as JavaScript prints it, ECMAScript `Number::toString(x)` in radix 10: `4`,
/// `1760000123456`, `1.5`, `1e+21`, `1e-7`, `18446744073709552000`.
pub(crate) fn js_number_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if x.fract() == 0.0 && x.abs() < MAX_EXACT_INTEGER {
        // An integer below 2^53 prints as its digits (versions, timestamps): no need for
        // the shortest-digits search below.
        #[allow(clippy::cast_possible_truncation)]
        return (x as i64).to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's `{:e}` gives the shortest round-trip digits, as JS uses: "1.2345e-7".
    let scientific = format!("{:e}", x.abs());
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return x.to_string();
    };
    let Ok(exponent) = exponent.parse::<i32>() else {
        return x.to_string();
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    // ECMA-262 names: k = digit count, n = decimal point position.
    let k = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let n = exponent + 1;
    let zeros = |count: i32| "0".repeat(usize::try_from(count).unwrap_or(0));
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", zeros(n - k))
    } else if 0 < n && n <= 21 {
        match digits.split_at_checked(usize::try_from(n).unwrap_or(0)) {
            Some((int, frac)) => format!("{int}.{frac}"),
            None => return x.to_string(),
        }
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", zeros(-n))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        match digits.split_at_checked(1) {
            Some((first, rest)) if !rest.is_empty() => format!("{first}.{rest}e{e}"),
            _ => format!("{digits}e{e}"),
        }
    };
    format!("{sign}{body}")
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

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let cases: [(f64, &str); 26] = [
            (4.0, "4"),
            (-7.0, "-7"),
            (9_007_199_254_740_991.0, "9007199254740991"),
            (-9_007_199_254_740_991.0, "-9007199254740991"),
            (-1e21, "-1e+21"),
            (1_760_000_123_456.0, "1760000123456"),
            (18_446_744_073_709_551_616.0, "18446744073709552000"),
            (1_152_921_504_606_846_976.0, "1152921504606847000"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5, "1.5"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (-0.0, "0"),
            (1.2345e-10, "1.2345e-10"),
            (1.5e300, "1.5e+300"),
            (0.1, "0.1"),
            (100.0, "100"),
            (-42.25, "-42.25"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (123.456, "123.456"),
            (9_007_199_254_740_993.0, "9007199254740992"),
            (0.000123, "0.000123"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, expected) in cases {
            assert_eq!(js_number_text(x), expected, "{x:e}");
        }
    }
}

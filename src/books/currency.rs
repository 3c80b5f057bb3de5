//! What the books know of currencies: how many minor digits each has (ISO 4217's exponent), so
//! an amount is always written with its cents, and never with fewer digits than it holds.

use rust_decimal::Decimal;

/// The most characters an amount a person types may have.
pub const MAX_TYPED_AMOUNT: usize = 24;

/// An amount as a person types it on the command line or in a box: digits with an optional
/// decimal point, thousands commas allowed ("12,000.50"); None for anything else (a sign, a
/// letter, an exponent, too long). Whether it fits the currency is the books' to say.
pub fn typed_amount(text: &str) -> Option<Decimal> {
    let plain = text.trim().replace(',', "");
    if plain.is_empty()
        || plain.chars().count() > MAX_TYPED_AMOUNT
        || !plain.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return None;
    }
    plain.parse().ok()
}

/// ISO 4217 minor digits: 0 for the yen and the won, 3 for the dinars and rials that count in
/// thousandths, 2 for everything else (and for a code we do not know).
pub fn minor_digits(currency: &str) -> u32 {
    match currency.trim().to_ascii_uppercase().as_str() {
        "JPY" | "KRW" => 0,
        "BHD" | "KWD" | "JOD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// An amount written exactly, with at least its currency's minor digits: "21.60", "-129.00",
/// "1500" in yen. One with more digits than the currency has keeps them all ("3.125" dollars):
/// nothing is rounded away where the books are read.
pub fn exact(amount: Decimal, currency: &str) -> String {
    let mut exact = amount.normalize();
    if exact.is_zero() {
        // No "-0.00".
        exact.set_sign_positive(true);
    }
    // Zeros are added to the text, not the number: a number near Decimal's 28 digits has no
    // room for more scale.
    let mut text = exact.to_string();
    let have = text
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len());
    let digits = minor_digits(currency) as usize;
    if have < digits {
        if have == 0 {
            text.push('.');
        }
        text.extend(std::iter::repeat_n('0', digits - have));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_amount_is_digits_a_point_and_commas_only() {
        assert_eq!(
            typed_amount(" 12,000.50 "),
            Some(Decimal::new(1_200_050, 2))
        );
        assert_eq!(typed_amount("6000"), Some(Decimal::from(6000)));
        for refused in ["", "-5", "+5", "1e5", "six k", "12.0.1", &"9".repeat(25)] {
            assert_eq!(typed_amount(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn amounts_carry_their_currencys_minor_digits_and_lose_none() {
        let d = |n: i64, scale: u32| Decimal::new(n, scale);
        assert_eq!(exact(d(216, 1), "USD"), "21.60");
        assert_eq!(exact(d(162, 0), "USD"), "162.00");
        assert_eq!(exact(d(-129, 0), "EUR"), "-129.00");
        assert_eq!(exact(d(18_000, 3), "USD"), "18.00");
        assert_eq!(exact(d(3125, 3), "USD"), "3.125");
        assert_eq!(exact(d(1500, 0), "JPY"), "1500");
        assert_eq!(exact(d(15_005, 1), "jpy"), "1500.5");
        assert_eq!(exact(d(12, 1), "KWD"), "1.200");
        assert_eq!(exact(d(-0, 2), "USD"), "0.00");
        assert_eq!(
            exact(Decimal::new(-1, 2) + Decimal::new(1, 2), "USD"),
            "0.00"
        );
        assert_eq!(exact(d(5, 0), ""), "5.00");
        assert_eq!(exact(Decimal::MAX, "USD"), format!("{}.00", Decimal::MAX));
        assert_eq!(exact(Decimal::MIN, "KWD"), format!("{}.000", Decimal::MIN));
    }
}

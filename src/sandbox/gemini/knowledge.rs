//! What the sandbox's Gemini "knows" of payees: well-known words on a bank line and the class
//! they belong to (adobe → Software, gusto → Payroll, util → Utilities), consistent with the
//! lines the sandbox bank makes (`sandbox/bank/expenses.rs`), used for a class enum when the
//! line names none of the classes itself; and the full names of a few well-known payees, for a
//! payee field (`ADOBE *CREATIVE CLD` → Adobe Creative Cloud). Deterministic, so a test can
//! predict the answer.

use super::words::Words;

/// (words that must all be on the line, the class), first match wins: the more precise first.
const KNOWN: &[(&str, &str)] = &[
    ("gusto tax", "Payroll taxes"),
    ("adp tax", "Payroll taxes"),
    ("paychex tax", "Payroll taxes"),
    ("gusto", "Payroll"),
    ("adp", "Payroll"),
    ("paychex", "Payroll"),
    ("payroll", "Payroll"),
    ("properties", "Rent"),
    ("landlord", "Rent"),
    ("lease", "Rent"),
    ("adobe", "Software"),
    ("mindbody", "Software"),
    ("zoom", "Software"),
    // Sold at the front desk: before "water", which on a bank line is the water bill.
    ("water bottle", "Retail sales"),
    ("protein", "Retail sales"),
    ("towel", "Retail sales"),
    ("personal training", "Private sessions"),
    ("util", "Utilities"),
    ("utility", "Utilities"),
    ("electric", "Utilities"),
    ("energy", "Utilities"),
    ("water", "Utilities"),
    ("at&t", "Telephone and internet"),
    ("verizon", "Telephone and internet"),
    ("comcast", "Telephone and internet"),
    ("wireless", "Telephone and internet"),
    ("service fee", "Bank fees"),
    ("overdraft", "Bank fees"),
    ("transfer", "Transfers"),
    ("savings", "Transfers"),
    ("janitorial", "Cleaning"),
    ("membership", "Membership revenue"),
    ("unlimited", "Membership revenue"),
    ("private", "Private sessions"),
    ("class", "Class revenue"),
    ("pack", "Class revenue"),
    ("mat", "Retail sales"),
];

/// (words that must all be on the line, the payee's full name), first match wins: the more
/// precise first. Only names a model would know; a line it does not know gets no name.
const NAMES: &[(&str, &str)] = &[
    ("adobe creative", "Adobe Creative Cloud"),
    ("adobe stock", "Adobe Stock"),
    ("adobe", "Adobe"),
    ("zoom", "Zoom"),
    ("blue bottle", "Blue Bottle Coffee"),
    ("amzn", "Amazon"),
    ("amazon", "Amazon"),
    ("costco", "Costco"),
    ("verizon", "Verizon"),
    ("comcast", "Comcast"),
];

/// The full name of the well-known payee the line's words name, if any.
pub fn known_name(words: &Words) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(known, _)| words.contain_all(known))
        .map(|(_, name)| *name)
}

/// The enum value the line's well-known words point to, when the enum has it (case aside).
pub fn known_value<'v>(values: &[&'v str], words: &Words) -> Option<&'v str> {
    KNOWN
        .iter()
        .filter(|(known, _)| words.contain_all(known))
        .find_map(|(_, class)| values.iter().find(|v| v.eq_ignore_ascii_case(class)))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_known_payee_points_to_its_class_when_the_enum_has_it() {
        let values = ["Bank fees", "Payroll", "Payroll taxes", "Software"];
        let known = |line: &str| known_value(&values, &Words::new(line));
        assert_eq!(known("POS 4821 ADOBE *CREATIVE CLD"), Some("Software"));
        assert_eq!(
            known("ORIG CO NAME:GUSTO CO ENTRY DESCR:TAX 1A2B3C"),
            Some("Payroll taxes")
        );
        assert_eq!(
            known("ORIG CO NAME:GUSTO CO ENTRY DESCR:NET 1A2B3C"),
            Some("Payroll")
        );
        assert_eq!(known("MONTHLY SERVICE FEE"), Some("Bank fees"));
        assert_eq!(known("CHECK 1042"), None);
        assert_eq!(
            known("ORIG CO NAME:CITY OF AUSTIN CO ENTRY DESCR:UTIL PYMT"),
            None
        );
        // A water bottle sold at the desk is not the water bill.
        let values = ["Retail sales", "Utilities"];
        let known = |line: &str| known_value(&values, &Words::new(line));
        assert_eq!(known("Water Bottle | 43.2 USD"), Some("Retail sales"));
        assert_eq!(known("CITY OF AUSTIN WATER UTIL"), Some("Utilities"));
    }

    #[test]
    fn a_well_known_payee_has_its_full_name_and_an_unknown_one_none() {
        let name = |line: &str| known_name(&Words::new(line));
        assert_eq!(
            name("1 | POS 4821 ADOBE *CREATIVE CLD 800-833 | -89.99 USD | 2026-11-14"),
            Some("Adobe Creative Cloud")
        );
        assert_eq!(name("ADOBE *STOCK 800-833"), Some("Adobe Stock"));
        assert_eq!(
            name("SQ *BLUE BOTTLE #0412 AUSTIN"),
            Some("Blue Bottle Coffee")
        );
        assert_eq!(name("CHECK 1042"), None);
        assert_eq!(name("Online Transfer to SAV ...7731"), None);
    }
}

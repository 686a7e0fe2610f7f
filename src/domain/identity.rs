//! Identifiers of the parties to an enforcement case and of the case itself: national ID numbers
//! (GB 11643-1999), unified social credit codes (GB 32100-2015), mainland phone numbers and
//! enforcement case numbers such as `(2024)苏1283执1234号`.
//!
//! Each `parse` is the only way to build one, so a value in hand is known to be valid and is held
//! in one canonical spelling (which is what uniqueness checks compare). ID numbers and phone
//! numbers are personal data: their `Debug` shows only the masked form, because debug output can
//! reach logs, and their validation errors never repeat the whole number.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::ValidationError;

/// Collects the leading ASCII digits of `s`, returning them and the rest. ASCII digits are one
/// byte each, so the split always falls on a character boundary.
fn split_digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at(n)
}

/// Numeric value of a string of ASCII digits (callers have checked it is one and that it is short
/// enough not to overflow).
fn digits_value(s: &str) -> u32 {
    s.bytes()
        .fold(0, |acc, b| acc * 10 + u32::from(b.wrapping_sub(b'0')))
}

// ---------------------------------------------------------------------------------------------
// National ID number
// ---------------------------------------------------------------------------------------------

/// ISO 7064 MOD 11-2 weights for the first 17 characters of a national ID number.
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of the weighted sum modulo 11.
const ID_CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// An 18-character national ID number (居民身份证号码, GB 11643-1999): a 6-digit administrative
/// division code whose first digit is 1–8, the holder's birth date as `YYYYMMDD` (a real date,
/// not before 1900-01-01 and not after the day of parsing), a 3-digit sequence number, and an
/// ISO 7064 MOD 11-2 check character (`0`–`9` or `X`). Stored with an upper-case `X`.
///
/// `Debug` prints only the masked form; use [`NationalId::as_str`] where the full number is
/// genuinely needed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NationalId(String, NaiveDate);

impl NationalId {
    /// Number of characters in a national ID number.
    pub const LEN: usize = 18;

    /// Validates `raw` (surrounding white space and a lower-case `x` are accepted). `today`
    /// bounds the birth date, since nobody can be born in the future.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<NationalId, ValidationError> {
        let trimmed = raw.trim();
        let len = trimmed.chars().count();
        if len != Self::LEN {
            // First-generation cards had 15 digits; naming that saves the clerk a puzzle.
            let hint = if len == 15 {
                " (15-digit first-generation numbers are not accepted)"
            } else {
                ""
            };
            return Err(ValidationError::new(format!(
                "must be {} characters{hint}",
                Self::LEN
            )));
        }
        let chars: Vec<char> = trimmed.chars().collect();
        if let Some(pos) = chars[..17].iter().position(|c| !c.is_ascii_digit()) {
            return Err(ValidationError::new(format!(
                "character {} must be a digit",
                pos + 1
            )));
        }
        let last = chars[17].to_ascii_uppercase();
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(ValidationError::new("the last character must be a digit or X"));
        }
        // From here on the number is 18 ASCII bytes, so byte slicing is safe.
        let number = trimmed.to_ascii_uppercase();

        if !(b'1'..=b'8').contains(&number.as_bytes()[0]) {
            return Err(ValidationError::new(
                "administrative division code must start with a digit from 1 to 8",
            ));
        }

        let birth = &number[6..14];
        let year = digits_value(&birth[..4]);
        let date = NaiveDate::from_ymd_opt(
            year as i32,
            digits_value(&birth[4..6]),
            digits_value(&birth[6..8]),
        )
        .ok_or_else(|| ValidationError::new(format!("birth date {birth} is not a date")))?;
        // A valid date is before 1900-01-01 exactly when its year is.
        if year < 1900 {
            return Err(ValidationError::new(format!("birth date {birth} is before 1900")));
        }
        if date > today {
            return Err(ValidationError::new(format!(
                "birth date {birth} is in the future"
            )));
        }

        let expected = national_id_check_char(&number.as_bytes()[..17]);
        if number.as_bytes()[17] != expected {
            return Err(ValidationError::new(format!(
                "check character should be {}",
                char::from(expected)
            )));
        }
        Ok(NationalId(number, date))
    }

    /// The full number, e.g. `11010519491231002X`. Personal data: show [`NationalId::masked`]
    /// to anyone who does not need the whole number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with the birth date and sequence hidden: first 6 and last 4 characters kept,
    /// e.g. `320282********1234`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// The holder's birth date, as encoded in characters 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.1
    }
}

/// MOD 11-2 check character for the 17 leading ASCII digits of a national ID number.
fn national_id_check_char(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ID_CHECK_CHARS[(sum % 11) as usize]
}

// The full number must never reach a log through `{:?}`.
impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NationalId").field(&self.masked()).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Unified social credit code
// ---------------------------------------------------------------------------------------------

/// The 31 characters of GB 32100-2015, in value order (I, O, Z, S and V are left out because
/// they are easily confused with 1, 0, 2, 5 and U).
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of the first 17 characters (3^i mod 31).
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// An 18-character unified social credit code (统一社会信用代码, GB 32100-2015) of an
/// organisation: registration authority (1 character), organisation type (1), administrative
/// division (6 digits), organisation code (9) and a MOD 31 check character, all drawn from
/// `0123456789ABCDEFGHJKLMNPQRTUWXY`. Stored upper-case.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct CreditCode(String);

impl CreditCode {
    /// Number of characters in a unified social credit code.
    pub const LEN: usize = 18;

    /// Validates `raw`. Surrounding white space is dropped and lower-case letters are folded to
    /// upper case, so one organisation has one spelling.
    pub fn parse(raw: &str) -> Result<CreditCode, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() != Self::LEN {
            return Err(ValidationError::new(format!("must be {} characters", Self::LEN)));
        }
        let code = trimmed.to_ascii_uppercase();
        let mut values = [0u32; 18];
        for (i, c) in code.chars().enumerate() {
            let value = u8::try_from(c)
                .ok()
                .and_then(|b| CREDIT_ALPHABET.iter().position(|&a| a == b));
            match value {
                Some(v) => values[i] = v as u32,
                None if matches!(c, 'I' | 'O' | 'Z' | 'S' | 'V') => {
                    return Err(ValidationError::new(format!(
                        "character {} is {c}, but I, O, Z, S and V are never used",
                        i + 1
                    )));
                }
                None => {
                    return Err(ValidationError::new(format!(
                        "character {} must be a digit or an upper-case letter other than I, O, Z, S and V",
                        i + 1
                    )));
                }
            }
        }
        // Every character is now in the ASCII alphabet, so byte slicing is safe.
        if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
            return Err(ValidationError::new(
                "characters 3 to 8 (administrative division code) must be digits",
            ));
        }
        let expected = credit_check_char(&values[..17]);
        if code.as_bytes()[17] != expected {
            return Err(ValidationError::new(format!(
                "check character should be {}",
                char::from(expected)
            )));
        }
        Ok(CreditCode(code))
    }

    /// The code, e.g. `91350100M000100Y43`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Check character for the values of the first 17 characters of a credit code.
fn credit_check_char(values: &[u32]) -> u8 {
    let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    // 31 − (Σ mod 31), where a result of 31 means 0.
    CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize]
}

// ---------------------------------------------------------------------------------------------
// Party identifier
// ---------------------------------------------------------------------------------------------

/// Either kind of identifier of a party: a person's national ID number or an organisation's
/// unified social credit code.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PartyIdentifier {
    /// A natural person (自然人).
    Person(NationalId),
    /// A legal person or other organisation (法人或非法人组织).
    Organisation(CreditCode),
}

// ---------------------------------------------------------------------------------------------
// Phone number
// ---------------------------------------------------------------------------------------------

/// A mainland China phone number, stored canonically: a mobile as 11 digits `1[3-9]XXXXXXXXX`
/// (an optional `+86`/`86` prefix and spaces or hyphens are accepted and removed), or a landline
/// as area code, hyphen and 7–8 digit local number, e.g. `0523-87654321`.
///
/// `Debug` prints only the masked form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Validates `raw` and brings it to the canonical form.
    pub fn parse(raw: &str) -> Result<Phone, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new("must not be empty"));
        }
        let (has_plus, body) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        if body
            .chars()
            .any(|c| !(c.is_ascii_digit() || c == ' ' || c == '-'))
        {
            return Err(ValidationError::new(
                "may contain only digits, spaces, hyphens and a leading +86",
            ));
        }
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();

        // No mainland number starts with 8, so a leading 86 can only be the country code.
        if has_plus || digits.starts_with("86") {
            let Some(national) = digits.strip_prefix("86") else {
                return Err(ValidationError::new(
                    "only mainland China numbers (+86) are accepted",
                ));
            };
            if !national.starts_with('1') {
                // Landlines are written with their domestic 0 prefix, not after +86.
                return Err(ValidationError::new(
                    "+86 is accepted only before a mobile number; write a landline as 0523-87654321",
                ));
            }
            return Self::mobile(national);
        }
        match digits.as_bytes().first() {
            Some(b'1') => Self::mobile(&digits),
            Some(b'0') => Self::landline(body, &digits),
            _ => Err(ValidationError::new(
                "must be a mobile number starting with 1 or a landline starting with the area code",
            )),
        }
    }

    fn mobile(digits: &str) -> Result<Phone, ValidationError> {
        if digits.len() != 11 {
            return Err(ValidationError::new("mobile number must be 11 digits"));
        }
        if !(b'3'..=b'9').contains(&digits.as_bytes()[1]) {
            return Err(ValidationError::new("mobile number must start with 13 to 19"));
        }
        Ok(Phone(digits.to_owned()))
    }

    /// `body` is the input as typed (only digits, spaces and hyphens); `digits` its digits,
    /// starting with 0.
    fn landline(body: &str, digits: &str) -> Result<Phone, ValidationError> {
        // Three-digit area codes are exactly 010 and 02X (Beijing and the big cities); all
        // others are four digits. Knowing that is what lets an unseparated number be split.
        let area_len = match digits.as_bytes().get(1) {
            Some(b'0') => {
                return Err(ValidationError::new("international numbers are not accepted"));
            }
            Some(b'1' | b'2') => 3,
            _ => 4,
        };
        if digits.len() < area_len {
            return Err(ValidationError::new(
                "landline number must have an area code and a 7 or 8 digit number",
            ));
        }
        let (area, local) = digits.split_at(area_len);
        // Where the clerk separated the number, the first group must be the area code; otherwise
        // a slip such as 052-387654321 would be silently re-split.
        let first_group = body.split([' ', '-']).find(|g| !g.is_empty());
        if first_group.is_some_and(|g| g.len() != digits.len() && g != area) {
            return Err(ValidationError::new(format!("area code should be {area}")));
        }
        if !(7..=8).contains(&local.len()) {
            return Err(ValidationError::new(format!(
                "landline number must be 7 or 8 digits after the area code {area}"
            )));
        }
        if local.starts_with(['0', '1']) {
            return Err(ValidationError::new(
                "landline number must not start with 0 or 1 after the area code",
            ));
        }
        Ok(Phone(format!("{area}-{local}")))
    }

    /// The canonical number: `13800138000` or `0523-87654321`. Personal data: show
    /// [`Phone::masked`] to anyone who does not need the whole number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle hidden: mobile `138****5678`; landline `0523-****4321` (the
    /// area code and last 4 digits kept, one `*` per hidden digit).
    pub fn masked(&self) -> String {
        match self.0.split_once('-') {
            Some((area, local)) => {
                let keep = local.len() - 4;
                format!("{area}-{}{}", "*".repeat(keep), &local[keep..])
            }
            None => format!("{}****{}", &self.0[..3], &self.0[7..]),
        }
    }
}

// The full number must never reach a log through `{:?}`.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Case number
// ---------------------------------------------------------------------------------------------

/// The 31 mainland provincial abbreviations that open a court code.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
/// Enforcement case-type words, longest first so that matching in order is longest-match.
const CASE_TYPES: [&str; 8] = ["执恢", "执保", "执异", "执复", "执监", "执协", "执配", "执"];
/// Earliest accepted case year (the current numbering scheme is far younger; this only catches
/// typos).
const FIRST_CASE_YEAR: i32 = 1990;

/// An enforcement case number (执行案号), e.g. `(2024)苏1283执1234号`: the year in parentheses,
/// the court code (province abbreviation and 2–4 digits), the case type (执, 执恢, 执保, 执异,
/// 执复, 执监, 执协 or 执配) and a sequence number, then 号. Half- and full-width parentheses
/// are accepted; the canonical form uses half-width ones.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct CaseNumber {
    canonical: String,
    year: i32,
    court_code: String,
    case_type: &'static str,
    sequence: u32,
}

impl CaseNumber {
    /// Validates `raw` (surrounding white space is dropped). The year may be at most one past
    /// `today`'s, since a case filed late in December can carry the next year's number.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<CaseNumber, ValidationError> {
        let s = raw.trim();
        let rest = s
            .strip_prefix(['(', '（'])
            .ok_or_else(|| ValidationError::new("must start with the year in parentheses, e.g. (2024)"))?;
        let (year_digits, rest) = split_digits(rest);
        if year_digits.len() != 4 {
            return Err(ValidationError::new("year must be 4 digits"));
        }
        let year = digits_value(year_digits) as i32;
        let last_year = today.year() + 1;
        if !(FIRST_CASE_YEAR..=last_year).contains(&year) {
            return Err(ValidationError::new(format!(
                "year {year} must be between {FIRST_CASE_YEAR} and {last_year}"
            )));
        }
        let rest = rest
            .strip_prefix([')', '）'])
            .ok_or_else(|| ValidationError::new("year must be followed by a closing parenthesis"))?;

        let mut chars = rest.chars();
        let province = match chars.next() {
            Some(c) if PROVINCES.contains(c) => c,
            Some(c) => {
                return Err(ValidationError::new(format!(
                    "court code must start with a provincial abbreviation such as 苏, not {c}"
                )));
            }
            None => return Err(ValidationError::new("court code is missing")),
        };
        let (court_digits, rest) = split_digits(chars.as_str());
        if !(2..=4).contains(&court_digits.len()) {
            return Err(ValidationError::new(
                "court code must be the provincial abbreviation followed by 2 to 4 digits",
            ));
        }
        let court_code = format!("{province}{court_digits}");

        let (case_type, rest) = CASE_TYPES
            .iter()
            .find_map(|t| rest.strip_prefix(t).map(|r| (*t, r)))
            .ok_or_else(|| {
                ValidationError::new("case type must be one of 执, 执恢, 执保, 执异, 执复, 执监, 执协, 执配")
            })?;

        let (seq_digits, rest) = split_digits(rest);
        if !(1..=6).contains(&seq_digits.len()) {
            return Err(ValidationError::new("sequence number must be 1 to 6 digits"));
        }
        if seq_digits.starts_with('0') {
            return Err(ValidationError::new("sequence number must not start with 0"));
        }
        let sequence = digits_value(seq_digits);
        match rest {
            "号" => {}
            "" => return Err(ValidationError::new("must end with 号")),
            _ => {
                return Err(ValidationError::new(
                    "sequence number must be followed by 号 and nothing else",
                ));
            }
        }

        Ok(CaseNumber {
            canonical: format!("({year}){court_code}{case_type}{sequence}号"),
            year,
            court_code,
            case_type,
            sequence,
        })
    }

    /// Canonical form with half-width parentheses, e.g. `(2024)苏1283执1234号`; two spellings of
    /// one case compare equal here.
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    /// The year in the parentheses.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The court code, e.g. `苏1283`.
    pub fn court_code(&self) -> &str {
        &self.court_code
    }

    /// The case-type word, e.g. `执` or `执恢`.
    pub fn case_type(&self) -> &str {
        self.case_type
    }

    /// The sequence number within year, court and type.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    /// Appends the GB 11643 check character to 17 digits, computed independently of the module.
    fn id_with_check(body: &str) -> String {
        assert_eq!(body.len(), 17);
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body
            .chars()
            .zip(weights)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        let check = "10X98765432".chars().nth((sum % 11) as usize).unwrap();
        format!("{body}{check}")
    }

    /// A valid ID with the check character replaced by a wrong one.
    fn id_with_wrong_check(body: &str) -> String {
        let good = id_with_check(body);
        let wrong = if good.ends_with('0') { '1' } else { '0' };
        format!("{body}{wrong}")
    }

    /// Appends the GB 32100 check character to 17 characters, computed independently.
    fn credit_with_check(body: &str) -> String {
        assert_eq!(body.len(), 17);
        let alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        let mut sum = 0;
        let mut weight = 1;
        for c in body.chars() {
            sum += alphabet.find(c).unwrap() * weight;
            weight = weight * 3 % 31;
        }
        let check = (31 - sum % 31) % 31;
        format!("{body}{}", alphabet.chars().nth(check).unwrap())
    }

    fn id_err(raw: &str) -> String {
        NationalId::parse(raw, today()).unwrap_err().0
    }

    // --- national ID ---

    #[test]
    fn id_accepts_the_gb11643_sample() {
        let id = NationalId::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
    }

    #[test]
    fn id_accepts_computed_numbers() {
        for body in [
            "32128319850615123",
            "32028220000229001",
            "81000019000101001",
            "65010120250601999",
        ] {
            let raw = id_with_check(body);
            let id = NationalId::parse(&raw, today()).unwrap();
            assert_eq!(id.as_str(), raw);
        }
        let leap = NationalId::parse(&id_with_check("32028220000229001"), today()).unwrap();
        assert_eq!(leap.birth_date(), NaiveDate::from_ymd_opt(2000, 2, 29).unwrap());
    }

    #[test]
    fn id_trims_and_upper_cases_x() {
        let id = NationalId::parse("  11010519491231002x\t", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id, NationalId::parse("11010519491231002X", today()).unwrap());
        // Full-width (ideographic) spaces around a pasted number are white space too.
        assert!(NationalId::parse("\u{3000}11010519491231002X\u{3000}", today()).is_ok());
    }

    #[test]
    fn id_refuses_wrong_length() {
        assert_eq!(id_err(""), "must be 18 characters");
        assert_eq!(id_err("11010519491231002"), "must be 18 characters");
        assert_eq!(id_err("11010519491231002X0"), "must be 18 characters");
        assert!(id_err("110105491231002").contains("15-digit"));
        // Inner white space is not trimmed away.
        assert_eq!(id_err("110105 19491231002X"), "must be 18 characters");
    }

    #[test]
    fn id_refuses_bad_characters() {
        assert_eq!(id_err("1101051949123100XX"), "character 17 must be a digit");
        assert_eq!(
            id_err("11010519491231002Y"),
            "the last character must be a digit or X"
        );
        assert_eq!(id_err("１1010519491231002X"), "character 1 must be a digit");
        assert_eq!(
            id_err("11010519491231002中"),
            "the last character must be a digit or X"
        );
        assert_eq!(id_err("x10105194912310021"), "character 1 must be a digit");
    }

    #[test]
    fn id_refuses_bad_checksum_without_echoing_number() {
        let raw = id_with_wrong_check("32128319850615123");
        let good = id_with_check("32128319850615123");
        let msg = id_err(&raw);
        assert_eq!(
            msg,
            format!("check character should be {}", good.chars().last().unwrap())
        );
        assert!(!msg.contains(&raw[..17]));
        assert_eq!(id_err("110105194912310021"), "check character should be X");
        assert_eq!(
            id_err("11010519491231002Ｘ"),
            "the last character must be a digit or X"
        );
    }

    #[test]
    fn id_refuses_impossible_and_out_of_range_dates() {
        assert_eq!(
            id_err(&id_with_check("32128319990230123")),
            "birth date 19990230 is not a date"
        );
        assert_eq!(
            id_err(&id_with_check("32128319991332123")),
            "birth date 19991332 is not a date"
        );
        assert_eq!(
            id_err(&id_with_check("32128319990229123")),
            "birth date 19990229 is not a date"
        );
        assert_eq!(
            id_err(&id_with_check("32128319990000123")),
            "birth date 19990000 is not a date"
        );
        assert_eq!(
            id_err(&id_with_check("32128319991200123")),
            "birth date 19991200 is not a date"
        );
        // Tomorrow is in the future; today is not.
        assert_eq!(
            id_err(&id_with_check("32128320250602123")),
            "birth date 20250602 is in the future"
        );
        assert!(NationalId::parse(&id_with_check("32128320250601123"), today()).is_ok());
        assert_eq!(
            id_err(&id_with_check("32128318991231123")),
            "birth date 18991231 is before 1900"
        );
        // The standard's second sample has a correct check digit but an 1880 birth date.
        assert_eq!(id_err("440524188001010014"), "birth date 18800101 is before 1900");
    }

    #[test]
    fn id_refuses_region_starting_with_0_or_9() {
        for body in ["02128319850615123", "92128319850615123"] {
            assert_eq!(
                id_err(&id_with_check(body)),
                "administrative division code must start with a digit from 1 to 8"
            );
        }
    }

    #[test]
    fn id_masks_and_hides_from_debug() {
        let raw = id_with_check("32028219850615123");
        let id = NationalId::parse(&raw, today()).unwrap();
        let masked = id.masked();
        assert_eq!(masked, format!("320282********{}", &raw[14..]));
        assert_eq!(masked.chars().count(), 18);
        for shown in [
            format!("{id:?}"),
            format!("{id:#?}"),
            format!("{:?}", PartyIdentifier::Person(id.clone())),
            format!("{:?}", Some(id.clone())),
        ] {
            assert!(!shown.contains(&raw), "{shown}");
            assert!(!shown.contains("19850615"), "{shown}");
            assert!(shown.contains(&masked), "{shown}");
        }
        assert_eq!(format!("{id:?}"), format!("NationalId({masked:?})"));
        let sample = NationalId::parse("11010519491231002X", today()).unwrap();
        assert_eq!(sample.masked(), "110105********002X");
    }

    // --- credit code ---

    #[test]
    fn credit_accepts_published_and_computed_codes() {
        let c = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(c.as_str(), "91350100M000100Y43");
        for body in [
            "91321283MA1WXY0H2",
            "12100000400000624",
            "Y1321283000000000",
            "5332128300000000A",
        ] {
            let raw = credit_with_check(body);
            assert_eq!(CreditCode::parse(&raw).unwrap().as_str(), raw);
        }
        // A body whose sum is a multiple of 31 takes check character 0.
        let zero = credit_with_check("00000000000000000");
        assert_eq!(zero, "000000000000000000");
        assert!(CreditCode::parse(&zero).is_ok());
    }

    #[test]
    fn credit_trims_and_upper_cases() {
        let c = CreditCode::parse(" 91350100m000100y43 ").unwrap();
        assert_eq!(c.as_str(), "91350100M000100Y43");
        assert_eq!(c, CreditCode::parse("91350100M000100Y43").unwrap());
    }

    #[test]
    fn credit_refuses_excluded_letters() {
        for bad in ['I', 'O', 'Z', 'S', 'V', 'i', 'o'] {
            let raw = format!("91350100M000100Y4{bad}");
            let msg = CreditCode::parse(&raw).unwrap_err().0;
            assert_eq!(
                msg,
                format!(
                    "character 18 is {}, but I, O, Z, S and V are never used",
                    bad.to_ascii_uppercase()
                )
            );
        }
        let msg = CreditCode::parse("9135010OM000100Y43").unwrap_err().0;
        assert!(msg.starts_with("character 8 is O"), "{msg}");
        let msg = CreditCode::parse("91350100M00010-Y43").unwrap_err().0;
        assert!(msg.starts_with("character 15 must be a digit"), "{msg}");
        assert!(CreditCode::parse("91350100M000100Y4中").is_err());
    }

    #[test]
    fn credit_refuses_bad_check_length_and_division() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44").unwrap_err().0,
            "check character should be 3"
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4").unwrap_err().0,
            "must be 18 characters"
        );
        assert_eq!(CreditCode::parse("").unwrap_err().0, "must be 18 characters");
        let raw = credit_with_check("913501A0M000100Y4");
        assert_eq!(
            CreditCode::parse(&raw).unwrap_err().0,
            "characters 3 to 8 (administrative division code) must be digits"
        );
    }

    #[test]
    fn party_identifier_holds_either_kind() {
        let person = PartyIdentifier::Person(NationalId::parse("11010519491231002X", today()).unwrap());
        let org = PartyIdentifier::Organisation(CreditCode::parse("91350100M000100Y43").unwrap());
        assert_ne!(person, org);
        assert!(format!("{org:?}").contains("91350100M000100Y43"));
    }

    // --- phone ---

    fn phone(raw: &str) -> String {
        Phone::parse(raw).unwrap().as_str().to_owned()
    }

    fn phone_err(raw: &str) -> String {
        Phone::parse(raw).unwrap_err().0
    }

    #[test]
    fn phone_accepts_mobiles_in_common_spellings() {
        for raw in [
            "13800138000",
            " 13800138000 ",
            "+8613800138000",
            "+86 138 0013 8000",
            "+86-138-0013-8000",
            "8613800138000",
            "86 13800138000",
            "138 0013 8000",
            "138-0013-8000",
        ] {
            assert_eq!(phone(raw), "13800138000", "{raw}");
        }
        assert_eq!(phone("19912345678"), "19912345678");
        assert_eq!(phone("16612345678"), "16612345678");
    }

    #[test]
    fn phone_refuses_bad_mobiles() {
        assert_eq!(phone_err("138001380001"), "mobile number must be 11 digits");
        assert_eq!(phone_err("1380013800"), "mobile number must be 11 digits");
        assert_eq!(phone_err("+86138001380001"), "mobile number must be 11 digits");
        assert_eq!(phone_err("10012345678"), "mobile number must start with 13 to 19");
        assert_eq!(phone_err("10812345678"), "mobile number must start with 13 to 19");
        assert_eq!(phone_err("12012345678"), "mobile number must start with 13 to 19");
        assert_eq!(
            phone_err("+85291234567"),
            "only mainland China numbers (+86) are accepted"
        );
        assert!(phone_err("+86 0523 87654321").starts_with("+86 is accepted only"));
        assert_eq!(phone_err(""), "must not be empty");
        assert_eq!(phone_err("   "), "must not be empty");
        assert!(phone_err("138.0013.8000").starts_with("may contain only"));
        assert!(phone_err("138 0013 800O").starts_with("may contain only"));
        assert!(phone_err("138+0013+8000").starts_with("may contain only"));
        assert!(phone_err("23800138000").starts_with("must be a mobile number"));
    }

    #[test]
    fn phone_accepts_landlines_with_and_without_hyphen() {
        assert_eq!(phone("0523-87654321"), "0523-87654321");
        assert_eq!(phone("052387654321"), "0523-87654321");
        assert_eq!(phone("0523 87654321"), "0523-87654321");
        assert_eq!(phone("0523-8765-4321"), "0523-87654321");
        assert_eq!(phone("0523-8765432"), "0523-8765432");
        assert_eq!(phone("05238765432"), "0523-8765432");
        assert_eq!(phone("010-87654321"), "010-87654321");
        assert_eq!(phone("01087654321"), "010-87654321");
        assert_eq!(phone("025-8765432"), "025-8765432");
        assert_eq!(phone("0258765432"), "025-8765432");
    }

    #[test]
    fn phone_refuses_bad_landlines() {
        assert_eq!(phone_err("052-387654321"), "area code should be 0523");
        assert_eq!(phone_err("0108-7654321"), "area code should be 010");
        assert_eq!(phone_err("05238-7654321"), "area code should be 0523");
        assert_eq!(
            phone_err("0523-876543"),
            "landline number must be 7 or 8 digits after the area code 0523"
        );
        assert_eq!(
            phone_err("0523-876543210"),
            "landline number must be 7 or 8 digits after the area code 0523"
        );
        assert_eq!(
            phone_err("0523-07654321"),
            "landline number must not start with 0 or 1 after the area code"
        );
        assert_eq!(
            phone_err("0085212345678"),
            "international numbers are not accepted"
        );
        assert!(phone_err("05").starts_with("landline number must have"));
    }

    #[test]
    fn phone_masks_and_hides_from_debug() {
        let m = Phone::parse("+86 138 0013 5678").unwrap();
        assert_eq!(m.masked(), "138****5678");
        assert_eq!(format!("{m:?}"), "Phone(\"138****5678\")");
        let l = Phone::parse("0523-87654321").unwrap();
        assert_eq!(l.masked(), "0523-****4321");
        assert!(!format!("{l:#?}").contains("87654321"));
        assert_eq!(Phone::parse("010-8765432").unwrap().masked(), "010-***5432");
        assert!(!format!("{:?}", Some(m)).contains("13800135678"));
    }

    // --- case number ---

    fn case(raw: &str) -> CaseNumber {
        CaseNumber::parse(raw, today()).unwrap()
    }

    fn case_err(raw: &str) -> String {
        CaseNumber::parse(raw, today()).unwrap_err().0
    }

    #[test]
    fn case_parses_parts() {
        let c = case("(2024)苏1283执1234号");
        assert_eq!(c.as_str(), "(2024)苏1283执1234号");
        assert_eq!(c.year(), 2024);
        assert_eq!(c.court_code(), "苏1283");
        assert_eq!(c.case_type(), "执");
        assert_eq!(c.sequence(), 1234);
        let higher = case("(2023)苏12执复7号");
        assert_eq!(higher.court_code(), "苏12");
        assert_eq!(higher.case_type(), "执复");
        assert_eq!(higher.sequence(), 7);
        assert_eq!(case("(2020)京105执999999号").court_code(), "京105");
    }

    #[test]
    fn case_normalises_parentheses() {
        let half = case("(2024)苏1283执1234号");
        for raw in [
            "（2024）苏1283执1234号",
            "（2024)苏1283执1234号",
            "  (2024）苏1283执1234号 ",
        ] {
            let c = case(raw);
            assert_eq!(c.as_str(), "(2024)苏1283执1234号", "{raw}");
            assert_eq!(c, half);
        }
    }

    #[test]
    fn case_takes_longest_case_type() {
        let c = case("(2024)苏1283执恢56号");
        assert_eq!(c.case_type(), "执恢");
        assert_eq!(c.sequence(), 56);
        assert_ne!(c, case("(2024)苏1283执56号"));
        for t in ["执", "执恢", "执保", "执异", "执复", "执监", "执协", "执配"] {
            let c = case(&format!("(2024)苏1283{t}1号"));
            assert_eq!(c.case_type(), t);
            assert_eq!(c.as_str(), format!("(2024)苏1283{t}1号"));
        }
        assert!(case_err("(2024)苏1283执他1号").starts_with("sequence number must be 1 to 6"));
        assert!(case_err("(2024)苏1283民初1号").starts_with("case type must be one of"));
    }

    #[test]
    fn case_refuses_bad_sequence_and_ending() {
        assert_eq!(
            case_err("(2024)苏1283执0123号"),
            "sequence number must not start with 0"
        );
        assert_eq!(
            case_err("(2024)苏1283执0号"),
            "sequence number must not start with 0"
        );
        assert_eq!(
            case_err("(2024)苏1283执1234567号"),
            "sequence number must be 1 to 6 digits"
        );
        assert_eq!(
            case_err("(2024)苏1283执号"),
            "sequence number must be 1 to 6 digits"
        );
        assert_eq!(case_err("(2024)苏1283执1234"), "must end with 号");
        assert_eq!(
            case_err("(2024)苏1283执1234号号"),
            "sequence number must be followed by 号 and nothing else"
        );
        assert_eq!(
            case_err("(2024)苏1283执1234号之一"),
            "sequence number must be followed by 号 and nothing else"
        );
    }

    #[test]
    fn case_refuses_bad_court_code() {
        assert_eq!(
            case_err("(2024)港1283执1234号"),
            "court code must start with a provincial abbreviation such as 苏, not 港"
        );
        assert!(case_err("(2024)X1283执1234号").ends_with("not X"));
        assert_eq!(case_err("(2024)"), "court code is missing");
        for raw in ["(2024)苏执1234号", "(2024)苏1执1234号", "(2024)苏12834执1234号"] {
            assert_eq!(
                case_err(raw),
                "court code must be the provincial abbreviation followed by 2 to 4 digits",
                "{raw}"
            );
        }
        assert_eq!(PROVINCES.chars().count(), 31);
        for p in PROVINCES.chars() {
            assert!(CaseNumber::parse(&format!("(2024){p}01执1号"), today()).is_ok());
        }
    }

    #[test]
    fn case_refuses_year_out_of_range_and_bad_brackets() {
        assert!(CaseNumber::parse("(1990)苏1283执1号", today()).is_ok());
        assert!(CaseNumber::parse("(2026)苏1283执1号", today()).is_ok());
        assert_eq!(
            case_err("(1989)苏1283执1号"),
            "year 1989 must be between 1990 and 2026"
        );
        assert_eq!(
            case_err("(2027)苏1283执1号"),
            "year 2027 must be between 1990 and 2026"
        );
        assert_eq!(case_err("(24)苏1283执1号"), "year must be 4 digits");
        assert_eq!(case_err("(02024)苏1283执1号"), "year must be 4 digits");
        assert!(case_err("2024苏1283执1号").starts_with("must start with the year"));
        assert!(case_err("[2024]苏1283执1号").starts_with("must start with the year"));
        assert!(case_err("〔2024〕苏1283执1号").starts_with("must start with the year"));
        assert_eq!(
            case_err("(2024苏1283执1号"),
            "year must be followed by a closing parenthesis"
        );
        assert!(case_err("").starts_with("must start with the year"));
        assert!(case_err("(2024) 苏1283执1号").starts_with("court code must start"));
    }
}

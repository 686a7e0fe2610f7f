//! Validated strings: codes of courts, townships and grids; display names; free text (notes,
//! instructions); usernames; passwords. Each `parse` is the only way to build one, so a value in
//! hand is known to be valid.
//!
//! Text people type is judged by one rule, [`refused_char`], whether it is a name or a paragraph:
//! no control characters (free text may break lines) and no invisible bidirectional controls. The
//! latter (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) make text display in another order than it
//! is stored (a name ending `\u{202E}txt.exe` shows as `exe.txt`), so what an officer reads on a
//! task, a worker on the phone or a clerk in an exported file would not be what was written.

/// Why a value was refused, in words a clerk understands. The caller adds the field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    pub fn new(message: impl Into<String>) -> ValidationError {
        ValidationError(message.into())
    }
}

/// The invisible characters that reorder text on display: the bidirectional embeddings and
/// overrides (U+202A–U+202E), isolates (U+2066–U+2069) and marks (U+200E, U+200F, U+061C).
fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether typed text may not hold `c`: a control character — except line breaks and tabs where
/// the text may span lines (`multiline`) — or a bidirectional control.
pub fn refused_char(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) || bidi_control(c)
}

/// The refusal [`refused_char`] gives, in one wording everywhere.
pub const REFUSED_CHARS: &str =
    "must not contain control characters or bidirectional overrides (U+202A–U+202E, U+2066–U+2069)";

/// Check `text` against [`refused_char`].
pub fn check_chars(text: &str, multiline: bool) -> Result<(), ValidationError> {
    if text.chars().any(|c| refused_char(c, multiline)) {
        return Err(ValidationError::new(REFUSED_CHARS));
    }
    Ok(())
}

/// An identifier a court or civil-affairs office already uses, e.g. a township's administrative
/// division code `321283101` or a grid code `321283101-007`: 1–64 ASCII letters, digits, `-`,
/// `_` or `.`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(String);

impl Code {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Code, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::new("must not be empty"));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(ValidationError::new(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        let first_ok = raw.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        let all_ok = raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !first_ok || !all_ok {
            return Err(ValidationError::new(
                "may contain only ASCII letters, digits, '-', '_' and '.', and must start with a letter or digit",
            ));
        }
        Ok(Code(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A human-readable name (Chinese or otherwise): trimmed, 1–100 characters, on one line, none
/// of the [`refused_char`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Name, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new("must not be empty"));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        check_chars(trimmed, false)?;
        Ok(Name(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Free text a person writes — a task's instructions, a note: trimmed, at most a given number
/// of characters, may be empty and may span lines, none of the other [`refused_char`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeText(String);

impl FreeText {
    pub fn parse(raw: &str, max_chars: usize) -> Result<FreeText, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > max_chars {
            return Err(ValidationError::new(format!(
                "must be at most {max_chars} characters"
            )));
        }
        check_chars(trimmed, true)?;
        Ok(FreeText(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A login name: 3–32 characters of lowercase ASCII letters, digits, `.`, `_`, `-`, starting with
/// a letter or digit. Upper-case input is folded to lower case so `Zhang.Wei` and `zhang.wei`
/// are one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, ValidationError> {
        let folded = raw.to_ascii_lowercase();
        let len = folded.chars().count();
        if !(3..=32).contains(&len) {
            return Err(ValidationError::new("must be 3 to 32 characters"));
        }
        let first_ok = folded
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let all_ok = folded
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if !first_ok || !all_ok {
            return Err(ValidationError::new(
                "may contain only letters a-z, digits, '.', '_' and '-', and must start with a letter or digit",
            ));
        }
        Ok(Username(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A new password: 10–128 characters, not only white space, no control characters. (Length is
/// what resists guessing; we do not impose composition rules, following NIST SP 800-63B.)
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Password, ValidationError> {
        let len = raw.chars().count();
        if len < Self::MIN_CHARS {
            return Err(ValidationError::new(format!(
                "must be at least {} characters",
                Self::MIN_CHARS
            )));
        }
        if len > Self::MAX_CHARS {
            return Err(ValidationError::new(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        if raw.trim().is_empty() || raw.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "must not be blank or contain control characters",
            ));
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Never print a password, even in debug output.
impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_accept_division_and_grid_codes() {
        assert_eq!(Code::parse("321283101").unwrap().as_str(), "321283101");
        assert!(Code::parse("321283101-007").is_ok());
        assert!(Code::parse("JS1283").is_ok());
    }

    #[test]
    fn codes_refuse_empty_long_and_odd_characters() {
        assert!(Code::parse("").is_err());
        assert!(Code::parse(&"1".repeat(65)).is_err());
        assert!(Code::parse("-abc").is_err());
        assert!(Code::parse("a b").is_err());
        assert!(Code::parse("黄桥").is_err());
        assert!(Code::parse("a\0b").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("  黄桥镇 ").unwrap().as_str(), "黄桥镇");
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"网".repeat(100)).is_ok());
        assert!(Name::parse(&"网".repeat(101)).is_err());
        assert!(Name::parse("a\u{0}b").is_err());
        assert!(Name::parse("a\nb").is_err());
    }

    #[test]
    fn names_and_free_text_refuse_bidirectional_overrides_alike() {
        for sneaky in ["张三\u{202E}txt.exe", "a\u{2066}b", "a\u{200F}b", "a\u{061C}b"] {
            assert!(Name::parse(sneaky).is_err(), "{sneaky:?}");
            let e = FreeText::parse(sneaky, 100).unwrap_err();
            assert!(e.0.contains("bidirectional"), "{e}");
        }
        // Joiners used in ordinary text stay allowed.
        assert!(Name::parse("a\u{200D}b").is_ok());
    }

    #[test]
    fn free_text_spans_lines_but_refuses_other_controls_and_length() {
        assert_eq!(
            FreeText::parse("  第一行\r\n第二行\t备注 ", 100)
                .unwrap()
                .as_str(),
            "第一行\r\n第二行\t备注"
        );
        assert_eq!(FreeText::parse("   ", 10).unwrap().as_str(), "");
        assert!(FreeText::parse("a\u{0}b", 10).is_err());
        assert!(FreeText::parse("a\u{7}b", 10).is_err());
        assert!(FreeText::parse(&"字".repeat(11), 10).is_err());
        assert!(FreeText::parse(&"字".repeat(10), 10).is_ok());
    }

    #[test]
    fn usernames_fold_case_and_refuse_odd_characters() {
        assert_eq!(Username::parse("Zhang.Wei").unwrap().as_str(), "zhang.wei");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("_admin").is_err());
        assert!(Username::parse("zhang wei").is_err());
        assert!(Username::parse("张伟").is_err());
    }

    #[test]
    fn passwords_need_length_and_never_show_in_debug() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("          ").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        let p = Password::parse("correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(p.expose(), "correct horse battery");
    }
}

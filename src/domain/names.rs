//! Validated strings: codes of courts, townships and grids; display names; usernames; passwords.
//! Each `parse` is the only way to build one, so a value in hand is known to be valid.

/// Why a value was refused, in words a clerk understands. The caller adds the field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    pub fn new(message: impl Into<String>) -> ValidationError {
        ValidationError(message.into())
    }
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

/// A human-readable name (Chinese or otherwise): trimmed, 1–100 characters, no control
/// characters.
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
        if trimmed.chars().any(char::is_control) {
            return Err(ValidationError::new("must not contain control characters"));
        }
        Ok(Name(trimmed.to_owned()))
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

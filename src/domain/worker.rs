//! Grid-worker availability and capacity.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ValidationError;

/// Whether a worker can take tasks now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Active,
    /// On leave until a date (inclusive); assignment skips them.
    OnLeave,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Active => "active",
            Availability::OnLeave => "on_leave",
        }
    }

    pub fn parse(s: &str) -> Option<Availability> {
        match s {
            "active" => Some(Availability::Active),
            "on_leave" => Some(Availability::OnLeave),
            _ => None,
        }
    }
}

/// The most open tasks a worker may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity(i32);

impl Capacity {
    pub const MAX: i32 = 200;
    pub const DEFAULT: Capacity = Capacity(10);

    pub fn parse(value: i64) -> Result<Capacity, ValidationError> {
        if (0..=i64::from(Self::MAX)).contains(&value) {
            Ok(Capacity(value as i32))
        } else {
            Err(ValidationError::new(format!(
                "capacity must be between 0 and {}",
                Self::MAX
            )))
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_is_bounded() {
        assert_eq!(Capacity::parse(0).unwrap().get(), 0);
        assert_eq!(Capacity::parse(200).unwrap().get(), 200);
        assert!(Capacity::parse(-1).is_err());
        assert!(Capacity::parse(201).is_err());
    }

    #[test]
    fn availability_parses_its_own_names_only() {
        for a in [Availability::Active, Availability::OnLeave] {
            assert_eq!(Availability::parse(a.as_str()), Some(a));
        }
        assert_eq!(Availability::parse("away"), None);
    }
}

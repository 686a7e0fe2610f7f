//! Stored enums, typed at the diesel boundary. A status, kind, role, priority, queue or event
//! action is `TEXT` in both engines; rows read it straight into the domain's enum and inserts,
//! updates and filters take the enum ([`text_enum!`] implements diesel's `FromSql`, `ToSql` and
//! `AsExpression` over `Text` for any backend, so it works for SQLite, PostgreSQL and the
//! multi-connection alike). A stored value no enum variant knows is a deserialisation error —
//! never silently read as some default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, SingleValue, Text};

use crate::domain::case::{CaseStatus, PartyKind, PartyRole};
use crate::domain::dishonest::{DebtorKind, EntryStatus};
use crate::domain::media::EvidenceKind;
use crate::domain::scoring::{AppealStatus, LineCode};
use crate::domain::submission::Verdict;
use crate::domain::task_record::{EventAction, FeedChange, Priority, Queue};
use crate::domain::task_state::TaskStatus;
use crate::domain::{Availability, Role, TaskKind};

/// Map a domain enum with `as_str()` and `parse(&str) -> Option<Self>` onto a `Text` column.
macro_rules! text_enum {
    ($($ty:ty),* $(,)?) => {$(
        impl<DB> ToSql<Text, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                <$ty>::parse(&text).ok_or_else(|| {
                    format!("{} has no variant {text:?}", stringify!($ty)).into()
                })
            }
        }

        // Bound as the text it stands for, through diesel's own string expressions (no hidden
        // diesel internals). The owned form binds a `String`: binding the `&'static str` would
        // clash with the `&'a str: AsExpression` bounds the `Insertable` derive writes for
        // borrowed text fields.
        impl AsExpression<Text> for $ty {
            type Expression = <String as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <String as AsExpression<Text>>::as_expression(self.as_str().to_owned())
            }
        }

        impl<'a> AsExpression<Text> for &'a $ty {
            type Expression = <&'a str as AsExpression<Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'a str as AsExpression<Text>>::as_expression(self.as_str())
            }
        }

        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = <String as AsExpression<Nullable<Text>>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <String as AsExpression<Nullable<Text>>>::as_expression(self.as_str().to_owned())
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $ty {
            type Expression = <&'a str as AsExpression<Nullable<Text>>>::Expression;

            fn as_expression(self) -> Self::Expression {
                <&'a str as AsExpression<Nullable<Text>>>::as_expression(self.as_str())
            }
        }

        impl<DB, ST> Queryable<ST, DB> for $ty
        where
            DB: Backend,
            ST: SingleValue,
            Self: FromSql<ST, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )*};
}

text_enum!(
    TaskStatus,
    TaskKind,
    Role,
    EventAction,
    Priority,
    Queue,
    CaseStatus,
    PartyRole,
    PartyKind,
    AppealStatus,
    FeedChange,
    Availability,
    DebtorKind,
    EntryStatus,
    Verdict,
    LineCode,
    EvidenceKind,
);

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::prelude::*;

    use super::*;

    #[test]
    fn a_stored_value_no_variant_knows_is_an_error_not_a_default() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let known: TaskStatus = diesel::select(sql::<Text>("'in_progress'"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(known, TaskStatus::InProgress);
        let unknown: QueryResult<TaskStatus> = diesel::select(sql::<Text>("'bogus'")).get_result(&mut conn);
        assert!(unknown.is_err());
    }
}

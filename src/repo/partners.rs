//! Partner departments, their API keys (digests only, with their own identity budgets), what each
//! key has spent of its budgets, and their webhook subscriptions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::PageRequest;
use crate::db::DbConn;
use crate::db::schema::{partner_key_usage, partner_keys, partner_subscriptions, partners};
use crate::domain::partner_budget::Usage;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partners)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partner_keys)]
pub struct PartnerKey {
    pub id: i64,
    pub partner_id: i64,
    /// The public id of the key (`gapk_<prefix>_…`).
    pub prefix: String,
    pub secret_hash: String,
    /// JSON array of scopes.
    pub scopes: String,
    pub label: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<i64>,
    /// The key's own budget of identities a minute; None follows the server's default.
    pub identities_per_minute: Option<i64>,
    /// The key's own budget of identities a day; None follows the server's default.
    pub identities_per_day: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = partner_keys)]
pub struct NewKey<'a> {
    pub partner_id: i64,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub scopes: &'a str,
    pub label: Option<&'a str>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub identities_per_minute: Option<i64>,
    pub identities_per_day: Option<i64>,
}

#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = partner_subscriptions)]
pub struct Subscription {
    pub id: i64,
    pub partner_id: i64,
    /// The key that registered it; revoking the key ends the subscription.
    pub key_id: i64,
    pub url: String,
    /// The signing secret, `whsec_<base64>`.
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

// The signing secret must never reach a log through `{:?}`.
impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("partner_id", &self.partner_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

pub fn insert_partner(
    conn: &mut DbConn,
    name: &str,
    created_by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<Partner> {
    diesel::insert_into(partners::table)
        .values((
            partners::name.eq(name),
            partners::created_by.eq(created_by),
            partners::created_at.eq(now),
        ))
        .returning(partners::all_columns)
        .get_result(conn)
}

pub fn find_partner(conn: &mut DbConn, id: i64) -> QueryResult<Option<Partner>> {
    partners::table
        .find(id)
        .select(Partner::as_select())
        .first(conn)
        .optional()
}

pub fn partner_name_taken(conn: &mut DbConn, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        partners::table.filter(partners::name.eq(name)),
    ))
    .get_result(conn)
}

pub fn list_partners(conn: &mut DbConn, page: PageRequest) -> QueryResult<Vec<Partner>> {
    let mut query = partners::table
        .select(Partner::as_select())
        .order(partners::id)
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(partners::id.gt(after));
    }
    query.limit(page.fetch_limit()).load(conn)
}

pub fn insert_key(conn: &mut DbConn, new: &NewKey<'_>) -> QueryResult<PartnerKey> {
    diesel::insert_into(partner_keys::table)
        .values(new)
        .returning(partner_keys::all_columns)
        .get_result(conn)
}

pub fn keys_of(conn: &mut DbConn, partner_id: i64) -> QueryResult<Vec<PartnerKey>> {
    partner_keys::table
        .filter(partner_keys::partner_id.eq(partner_id))
        .select(PartnerKey::as_select())
        .order(partner_keys::id)
        .load(conn)
}

pub fn find_key(conn: &mut DbConn, id: i64) -> QueryResult<Option<PartnerKey>> {
    partner_keys::table
        .find(id)
        .select(PartnerKey::as_select())
        .first(conn)
        .optional()
}

pub fn find_key_by_prefix(conn: &mut DbConn, prefix: &str) -> QueryResult<Option<PartnerKey>> {
    partner_keys::table
        .filter(partner_keys::prefix.eq(prefix))
        .select(PartnerKey::as_select())
        .first(conn)
        .optional()
}

/// Revoke a key; false when it already was.
pub fn revoke_key(conn: &mut DbConn, id: i64, by: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        partner_keys::table
            .find(id)
            .filter(partner_keys::revoked_at.is_null()),
    )
    .set((partner_keys::revoked_at.eq(now), partner_keys::revoked_by.eq(by)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Note that a key was just used (shown to admins deciding which keys are still needed). On
/// PostgreSQL the update also locks the key's row until the transaction ends, which is what makes
/// checks with one key take turns on its budget (see [`usage`]).
pub fn touch_key(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(partner_keys::table.find(id))
        .set(partner_keys::last_used_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// Set a key's own budgets (None: back to the server's defaults).
pub fn set_budgets(
    conn: &mut DbConn,
    id: i64,
    per_minute: Option<i64>,
    per_day: Option<i64>,
) -> QueryResult<()> {
    diesel::update(partner_keys::table.find(id))
        .set((
            partner_keys::identities_per_minute.eq(per_minute),
            partner_keys::identities_per_day.eq(per_day),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partner_key_usage)]
struct UsageRow {
    minute_full_at: NaiveDateTime,
    counted_on: NaiveDate,
    day_identities: i64,
}

impl From<UsageRow> for Usage {
    fn from(r: UsageRow) -> Usage {
        Usage {
            minute_full_at: r.minute_full_at,
            counted_on: r.counted_on,
            day_identities: r.day_identities,
        }
    }
}

/// What a key has spent. Read it after [`touch_key`] in the same transaction: on PostgreSQL the
/// key's row lock makes a concurrent check with the same key (on any node) wait, and this read
/// then sees what that check committed; SQLite's write transactions run one at a time anyway.
pub fn usage(conn: &mut DbConn, key_id: i64) -> QueryResult<Option<Usage>> {
    partner_key_usage::table
        .find(key_id)
        .select(UsageRow::as_select())
        .first(conn)
        .optional()
        .map(|row| row.map(Usage::from))
}

/// What each of `key_ids` has spent (keys that never checked anything are absent).
pub fn usage_of(conn: &mut DbConn, key_ids: &[i64]) -> QueryResult<Vec<(i64, Usage)>> {
    partner_key_usage::table
        .filter(partner_key_usage::key_id.eq_any(key_ids))
        .select((partner_key_usage::key_id, UsageRow::as_select()))
        .load::<(i64, UsageRow)>(conn)
        .map(|rows| rows.into_iter().map(|(k, u)| (k, u.into())).collect())
}

/// Store what a key has spent; `existed` says whether [`usage`] found a row.
pub fn save_usage(conn: &mut DbConn, key_id: i64, usage: &Usage, existed: bool) -> QueryResult<()> {
    let values = (
        partner_key_usage::minute_full_at.eq(usage.minute_full_at),
        partner_key_usage::counted_on.eq(usage.counted_on),
        partner_key_usage::day_identities.eq(usage.day_identities),
    );
    if existed {
        diesel::update(partner_key_usage::table.find(key_id))
            .set(values)
            .execute(conn)
            .map(|_| ())
    } else {
        diesel::insert_into(partner_key_usage::table)
            .values((partner_key_usage::key_id.eq(key_id), values))
            .execute(conn)
            .map(|_| ())
    }
}

pub fn insert_subscription(
    conn: &mut DbConn,
    (partner_id, key_id): (i64, i64),
    url: &str,
    secret: &str,
    now: NaiveDateTime,
) -> QueryResult<Subscription> {
    diesel::insert_into(partner_subscriptions::table)
        .values((
            partner_subscriptions::partner_id.eq(partner_id),
            partner_subscriptions::key_id.eq(key_id),
            partner_subscriptions::url.eq(url),
            partner_subscriptions::secret.eq(secret),
            partner_subscriptions::created_at.eq(now),
        ))
        .returning(partner_subscriptions::all_columns)
        .get_result(conn)
}

/// A partner's subscriptions that are not deleted, oldest first.
pub fn subscriptions_of(conn: &mut DbConn, partner_id: i64) -> QueryResult<Vec<Subscription>> {
    partner_subscriptions::table
        .filter(partner_subscriptions::partner_id.eq(partner_id))
        .filter(partner_subscriptions::deleted_at.is_null())
        .select(Subscription::as_select())
        .order(partner_subscriptions::id)
        .load(conn)
}

pub fn find_subscription(conn: &mut DbConn, id: i64) -> QueryResult<Option<Subscription>> {
    partner_subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

/// Delete a subscription (it is kept, marked); false when it already was.
pub fn delete_subscription(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        partner_subscriptions::table
            .find(id)
            .filter(partner_subscriptions::deleted_at.is_null()),
    )
    .set(partner_subscriptions::deleted_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Subscriptions that are not deleted and whose key is not revoked, each with its key's scopes
/// (JSON), in id order.
pub fn live_subscriptions(conn: &mut DbConn) -> QueryResult<Vec<(Subscription, String)>> {
    partner_subscriptions::table
        .inner_join(partner_keys::table)
        .filter(partner_subscriptions::deleted_at.is_null())
        .filter(partner_keys::revoked_at.is_null())
        .select((Subscription::as_select(), partner_keys::scopes))
        .order(partner_subscriptions::id)
        .load(conn)
}

/// One subscription if it is still live (not deleted, key not revoked), with its key's scopes.
pub fn live_subscription(conn: &mut DbConn, id: i64) -> QueryResult<Option<(Subscription, String)>> {
    partner_subscriptions::table
        .inner_join(partner_keys::table)
        .filter(partner_subscriptions::id.eq(id))
        .filter(partner_subscriptions::deleted_at.is_null())
        .filter(partner_keys::revoked_at.is_null())
        .select((Subscription::as_select(), partner_keys::scopes))
        .first(conn)
        .optional()
}

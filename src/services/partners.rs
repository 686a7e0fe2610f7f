//! Partner departments (a permit office, a housing authority, …) that compare people against the
//! list of dishonest debtors from their own systems.
//!
//! Admins create partners and issue, list, re-budget and revoke their API keys. A partner
//! authenticates with a key ([`authenticate`]); what it may do is the key's scopes. With
//! `dishonest:check` it asks whether identities are listed and hears only "listed or not" and, if
//! listed, the case numbers and courts — every check is audited, and spends the key's budget of
//! identities per minute and per day ([`crate::domain::partner_budget`]) in the check's own
//! transaction, so the budgets hold across nodes and restarts; the check that takes a key past
//! most of its daily budget tells the admins through the outbox. With `dishonest:subscribe` it
//! registers webhooks for additions and removals — to public addresses only, judged by the
//! delivery job's SSRF guard at registration ([`vet_target`]); [`announce`] queues those events in
//! the outbox in the transaction of the list change itself, and the delivery job signs and sends
//! them.

use std::time::Duration;

use base64::Engine;
use chrono::NaiveDateTime;
use rand::RngCore;
use serde_json::json;

use crate::auth::api_key;
use crate::db::{DbConn, write_tx};
use crate::domain::access::{Access, Operation};
use crate::domain::dishonest::PartnerScope;
use crate::domain::partner_budget::{self, Budgets, Refusal, Usage};
use crate::domain::{Name, time};
use crate::error::ApiError;
/// The rows this service hands out: partners and their webhook subscriptions.
pub use crate::repo::partners::{Partner, Subscription};
use crate::repo::{
    self, PageRequest,
    audit::Actor,
    courts::Court,
    dishonest::Entry,
    partners::{NewKey, PartnerKey},
};
use crate::services::Caller;
use crate::services::webhook::{self, ConfigError, TargetError, WebhookConfig};

/// Most identities one check may carry.
pub const MAX_BATCH: usize = 1_000;
/// Most live webhook subscriptions a partner may hold.
pub const MAX_SUBSCRIPTIONS: usize = 5;

/// A partner, as proven by one of its API keys.
#[derive(Debug, Clone)]
pub struct PartnerCaller {
    pub partner_id: i64,
    pub key_id: i64,
    pub scopes: Vec<PartnerScope>,
    /// The key's own budgets (identities a minute, a day); None follows the server's default.
    pub own_budgets: (Option<i64>, Option<i64>),
    pub request_id: Option<String>,
    pub client_ip: Option<std::net::IpAddr>,
}

/// How checks are budgeted: the server's defaults for keys without budgets of their own, and the
/// share of a daily budget at which admins are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetPolicy {
    pub defaults: Budgets,
    pub alert_percent: u8,
}

impl BudgetPolicy {
    /// The budgets a key with these overrides has.
    pub fn for_key(&self, (per_minute, per_day): (Option<i64>, Option<i64>)) -> Budgets {
        Budgets {
            per_minute: per_minute.unwrap_or(self.defaults.per_minute),
            per_day: per_day.unwrap_or(self.defaults.per_day),
        }
    }
}

/// A key as admins see it: the row, the budgets it has now, and what it checked today.
#[derive(Debug, Clone)]
pub struct KeyView {
    pub key: PartnerKey,
    pub budgets: Budgets,
    /// Identities checked on the current China-local day.
    pub identities_today: i64,
}

fn key_view(key: PartnerKey, usage: Option<Usage>, policy: &BudgetPolicy) -> KeyView {
    KeyView {
        budgets: policy.for_key((key.identities_per_minute, key.identities_per_day)),
        identities_today: usage.map_or(0, |u| u.spent_today(time::now())),
        key,
    }
}

/// A key's own budgets, as an admin sets them; each `None` follows the server's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OwnBudgets {
    pub per_minute: Option<i64>,
    pub per_day: Option<i64>,
}

/// A change of a key's own budgets: a field left out stays; `Some(None)` returns it to the
/// server's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BudgetPatch {
    pub per_minute: Option<Option<i64>>,
    pub per_day: Option<Option<i64>>,
}

impl PartnerCaller {
    /// 403 unless the operation is a partner operation (the matrix, `domain::access`) and the
    /// key holds the scope it names.
    pub fn permit(&self, operation: Operation) -> Result<(), ApiError> {
        match operation.access() {
            Access::Partner(scope) if self.scopes.contains(&scope) => Ok(()),
            Access::Partner(scope) => Err(ApiError::MissingScope(scope.as_str())),
            Access::Public | Access::Granted(_) => Err(ApiError::Forbidden),
        }
    }

    /// The audit identity: no user, the role `partner`; the partner and key are in the row.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: None,
            role: Some("partner".into()),
            request_id: self.request_id.clone(),
            client_ip: self.client_ip.map(|ip| ip.to_string()),
        }
    }
}

/// The scopes stored with a key (a JSON array); unknown ones are ignored.
pub fn scopes_of(stored: &str) -> Vec<PartnerScope> {
    serde_json::from_str::<Vec<String>>(stored)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| PartnerScope::parse(s))
        .collect()
}

/// The partner a presented key belongs to. Unknown, malformed, wrong and revoked keys all get
/// the same 401, so a caller learns nothing about which keys exist.
pub fn authenticate(
    conn: &mut DbConn,
    key: &str,
    request_id: Option<String>,
    client_ip: Option<std::net::IpAddr>,
) -> Result<PartnerCaller, ApiError> {
    let (prefix, secret) = api_key::split(key).ok_or(ApiError::ApiKeyRequired)?;
    let Some(row) = repo::partners::find_key_by_prefix(conn, prefix)? else {
        // Spend the same work as a real comparison.
        let _ = api_key::matches(secret, "");
        return Err(ApiError::ApiKeyRequired);
    };
    if !api_key::matches(secret, &row.secret_hash) || row.revoked_at.is_some() {
        return Err(ApiError::ApiKeyRequired);
    }
    Ok(PartnerCaller {
        partner_id: row.partner_id,
        key_id: row.id,
        scopes: scopes_of(&row.scopes),
        own_budgets: (row.identities_per_minute, row.identities_per_day),
        request_id,
        client_ip,
    })
}

// ---------------------------------------------------------------------------------------------
// Administration
// ---------------------------------------------------------------------------------------------

pub fn create_partner(conn: &mut DbConn, caller: &Caller, name: Name) -> Result<Partner, ApiError> {
    caller.permit(Operation::CreatePartner)?;
    write_tx(conn, |conn| {
        if repo::partners::partner_name_taken(conn, name.as_str())? {
            return Err(ApiError::conflict(
                "name_taken",
                "a partner with that name exists",
            ));
        }
        let partner = repo::partners::insert_partner(conn, name.as_str(), Some(caller.id), time::now())?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "partner.create",
            "partner",
            Some(partner.id.to_string()),
            None,
        )?;
        Ok(partner)
    })
}

pub fn list_partners(
    conn: &mut DbConn,
    caller: &Caller,
    page: PageRequest,
) -> Result<Vec<Partner>, ApiError> {
    caller.permit(Operation::ListPartners)?;
    Ok(repo::partners::list_partners(conn, page)?)
}

fn partner(conn: &mut DbConn, id: i64) -> Result<Partner, ApiError> {
    repo::partners::find_partner(conn, id)?.ok_or(ApiError::NotFound("partner"))
}

/// Issue a new key, with budgets of its own or the server's defaults; returns it with the whole
/// key, which is shown this once.
pub fn issue_key(
    conn: &mut DbConn,
    caller: &Caller,
    partner_id: i64,
    (mut scopes, label, own): (Vec<PartnerScope>, Option<Name>, OwnBudgets),
    policy: &BudgetPolicy,
) -> Result<(KeyView, String), ApiError> {
    caller.permit(Operation::IssueKey)?;
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes", "give at least one scope"));
    }
    scopes.sort_unstable();
    scopes.dedup();
    let stored: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let stored = serde_json::to_string(&stored).map_err(ApiError::internal)?;
    write_tx(conn, |conn| {
        partner(conn, partner_id)?;
        let issued = api_key::issue();
        let key = repo::partners::insert_key(
            conn,
            &NewKey {
                partner_id,
                prefix: &issued.id,
                secret_hash: &issued.secret_hash,
                scopes: &stored,
                label: label.as_ref().map(Name::as_str),
                created_by: Some(caller.id),
                created_at: time::now(),
                identities_per_minute: own.per_minute,
                identities_per_day: own.per_day,
            },
        )?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "partner_key.issue",
            "partner_key",
            Some(key.id.to_string()),
            Some(json!({
                "partner_id": partner_id,
                "scopes": scopes,
                "identities_per_minute": own.per_minute,
                "identities_per_day": own.per_day,
            })),
        )?;
        Ok((key_view(key, None, policy), issued.key))
    })
}

/// A partner's keys with their budgets and what each checked today.
pub fn list_keys(
    conn: &mut DbConn,
    caller: &Caller,
    partner_id: i64,
    policy: &BudgetPolicy,
) -> Result<Vec<KeyView>, ApiError> {
    caller.permit(Operation::ListKeys)?;
    partner(conn, partner_id)?;
    let keys = repo::partners::keys_of(conn, partner_id)?;
    let ids: Vec<i64> = keys.iter().map(|k| k.id).collect();
    let usage = repo::partners::usage_of(conn, &ids)?;
    Ok(keys
        .into_iter()
        .map(|k| {
            let spent = usage.iter().find(|(id, _)| *id == k.id).map(|(_, u)| *u);
            key_view(k, spent, policy)
        })
        .collect())
}

/// Change a key's own budgets (an admin raising or lowering what a partner may check); takes
/// effect at the key's next check, on every node. A revoked key is not changed.
pub fn update_key(
    conn: &mut DbConn,
    caller: &Caller,
    (partner_id, key_id): (i64, i64),
    patch: BudgetPatch,
    policy: &BudgetPolicy,
) -> Result<KeyView, ApiError> {
    caller.permit(Operation::UpdateKey)?;
    write_tx(conn, |conn| {
        let key = repo::partners::find_key(conn, key_id)?
            .filter(|k| k.partner_id == partner_id)
            .ok_or(ApiError::NotFound("key"))?;
        if key.revoked_at.is_some() {
            return Err(ApiError::conflict(
                "invalid_transition",
                "the key is revoked; issue a new one",
            ));
        }
        let per_minute = patch.per_minute.unwrap_or(key.identities_per_minute);
        let per_day = patch.per_day.unwrap_or(key.identities_per_day);
        repo::partners::set_budgets(conn, key.id, per_minute, per_day)?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "partner_key.update",
            "partner_key",
            Some(key.id.to_string()),
            Some(json!({
                "partner_id": partner_id,
                "identities_per_minute": { "from": key.identities_per_minute, "to": per_minute },
                "identities_per_day": { "from": key.identities_per_day, "to": per_day },
            })),
        )?;
        let key = repo::partners::find_key(conn, key.id)?.ok_or(ApiError::NotFound("key"))?;
        let usage = repo::partners::usage(conn, key.id)?;
        Ok(key_view(key, usage, policy))
    })
}

/// Revoke a key: it stops working at once, and the subscriptions it registered end with it.
pub fn revoke_key(
    conn: &mut DbConn,
    caller: &Caller,
    (partner_id, key_id): (i64, i64),
    policy: &BudgetPolicy,
) -> Result<KeyView, ApiError> {
    caller.permit(Operation::RevokeKey)?;
    write_tx(conn, |conn| {
        let key = repo::partners::find_key(conn, key_id)?
            .filter(|k| k.partner_id == partner_id)
            .ok_or(ApiError::NotFound("key"))?;
        if !repo::partners::revoke_key(conn, key.id, caller.id, time::now())? {
            return Err(ApiError::conflict(
                "invalid_transition",
                "the key is already revoked",
            ));
        }
        repo::audit::record(
            conn,
            &caller.actor(),
            "partner_key.revoke",
            "partner_key",
            Some(key.id.to_string()),
            Some(json!({ "partner_id": partner_id })),
        )?;
        let key = repo::partners::find_key(conn, key.id)?.ok_or(ApiError::NotFound("key"))?;
        let usage = repo::partners::usage(conn, key.id)?;
        Ok(key_view(key, usage, policy))
    })
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// One listing as a partner hears of it: the case and the court, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedIn {
    pub case_number: String,
    pub court_code: String,
    pub court_name: String,
}

/// The answer for one identity of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckAnswer {
    /// The identity is well-formed: its canonical form and where it is listed (empty: not listed).
    Checked {
        id_number: String,
        listed_in: Vec<ListedIn>,
    },
    /// Not a national ID number or credit code; the batch goes on without it.
    Invalid { detail: String },
}

/// Answer a check of identities (each already validated to its canonical form, or refused), and
/// audit it: the partner, the key, how many identities, how many were invalid, and which list
/// entries matched — by entry id, never the ID numbers themselves. The well-formed identities
/// (those answered, as the response's `checked` counts them) are spent from the key's budgets
/// first; a request they cannot take is refused whole and spends nothing.
pub fn check(
    conn: &mut DbConn,
    partner: &PartnerCaller,
    items: Vec<Result<String, String>>,
    policy: &BudgetPolicy,
) -> Result<Vec<CheckAnswer>, ApiError> {
    partner.permit(Operation::CheckIdentities)?;
    let mut wanted: Vec<String> = items.iter().filter_map(|i| i.as_ref().ok().cloned()).collect();
    let identities = i64::try_from(wanted.len()).unwrap_or(i64::MAX);
    wanted.sort_unstable();
    wanted.dedup();
    write_tx(conn, |conn| {
        let now = time::now();
        // First, so that on PostgreSQL this transaction holds the key's row lock while it reads
        // and spends the budget: checks with one key take turns, on every node.
        repo::partners::touch_key(conn, partner.key_id, now)?;
        spend_budget(conn, partner, policy, identities, now)?;
        let listed = repo::dishonest::listed_for(conn, &wanted)?;
        let mut matched: Vec<i64> = listed.iter().map(|l| l.entry_id).collect();
        matched.sort_unstable();
        let answers: Vec<CheckAnswer> = items
            .into_iter()
            .map(|item| match item {
                Ok(id_number) => CheckAnswer::Checked {
                    listed_in: listed
                        .iter()
                        .filter(|l| l.id_number == id_number)
                        .map(|l| ListedIn {
                            case_number: l.case_number.clone(),
                            court_code: l.court_code.clone(),
                            court_name: l.court_name.clone(),
                        })
                        .collect(),
                    id_number,
                },
                Err(detail) => CheckAnswer::Invalid { detail },
            })
            .collect();
        let invalid = answers
            .iter()
            .filter(|a| matches!(a, CheckAnswer::Invalid { .. }))
            .count();
        repo::audit::record(
            conn,
            &partner.actor(),
            "dishonest.check",
            "partner",
            Some(partner.partner_id.to_string()),
            Some(json!({
                "key_id": partner.key_id,
                "identities": answers.len(),
                "invalid": invalid,
                "matched_entries": matched,
            })),
        )?;
        Ok(answers)
    })
}

/// Event raised, once a day per key, when a key's checks reach the alert share of its budget.
pub const BUDGET_ALERT_EVENT: &str = "partner_key.daily_budget_alert";

/// Spend `identities` of the key's budgets at `now`, in the check's transaction, or refuse: 400
/// naming `id_numbers` when the request is larger than a whole budget (it could never be taken),
/// else 429 with the wait. The request that crosses the alert share of the daily budget queues
/// [`BUDGET_ALERT_EVENT`] for the admins in the same transaction.
fn spend_budget(
    conn: &mut DbConn,
    partner: &PartnerCaller,
    policy: &BudgetPolicy,
    identities: i64,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if identities == 0 {
        return Ok(());
    }
    let budgets = policy.for_key(partner.own_budgets);
    let before = repo::partners::usage(conn, partner.key_id)?;
    let after = partner_budget::spend(budgets, before, identities, now).map_err(|refusal| {
        match refusal {
            Refusal::LargerThanBudget { period, limit } => ApiError::invalid(
                "id_numbers",
                format!(
                    "this API key may check at most {limit} identities a {}; split the batch",
                    period.as_str()
                ),
            ),
            Refusal::Spent { period, limit, wait } => {
                let wait = wait.to_std().unwrap_or_default();
                let retry_after = crate::auth::rate_limit::retry_after_secs(wait);
                tracing::info!(
                    key_id = partner.key_id,
                    period = period.as_str(),
                    identities,
                    "partner key budget spent; check refused"
                );
                ApiError::BudgetSpent {
                    detail: format!(
                        "this API key's budget of {limit} identities a {} is spent; the {identities} of this request fit again in {retry_after} seconds",
                        period.as_str()
                    ),
                    retry_after,
                }
            }
        }
    })?;
    repo::partners::save_usage(conn, partner.key_id, &after, before.is_some())?;
    let spent_before = before.map_or(0, |u| u.spent_today(now));
    if partner_budget::crossed_alert(
        budgets.per_day,
        policy.alert_percent,
        spent_before,
        after.day_identities,
    ) {
        budget_alert(conn, partner, budgets, &after, policy.alert_percent, now)?;
    }
    Ok(())
}

/// Queue the admins' notice that a key has used most of its daily budget: a key working through
/// its day's allowance is either a partner that needs a larger budget or a leaked key sweeping ID
/// numbers, and either way an admin should look. Carries the key's public prefix, never a secret
/// or an identity.
fn budget_alert(
    conn: &mut DbConn,
    partner: &PartnerCaller,
    budgets: Budgets,
    usage: &Usage,
    percent: u8,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let key = repo::partners::find_key(conn, partner.key_id)?.ok_or(ApiError::NotFound("key"))?;
    let name = repo::partners::find_partner(conn, partner.partner_id)?.map(|p| p.name);
    let payload = json!({
        "type": BUDGET_ALERT_EVENT,
        "timestamp": time::to_utc(now),
        "data": {
            "partner_id": partner.partner_id,
            "partner_name": name,
            "key_id": key.id,
            "key_prefix": format!("{}{}", api_key::PREFIX, key.prefix),
            "key_label": key.label,
            "day": usage.counted_on,
            "identities_checked": usage.day_identities,
            "identities_per_day": budgets.per_day,
            "alert_percent": percent,
            "recipient": { "role": "admin" },
        }
    });
    repo::outbox::enqueue(conn, BUDGET_ALERT_EVENT, &payload.to_string(), now)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Webhook subscriptions
// ---------------------------------------------------------------------------------------------

/// A new signing secret in Standard Webhooks form.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A webhook target a partner asked for, checked: the URL, the signing secret (the partner's, or
/// one made here and shown once), and where the host leads.
pub struct Target {
    url: String,
    secret: String,
    generated: Option<String>,
}

// The secret must never reach a log through `{:?}`.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").finish_non_exhaustive()
    }
}

/// Check a webhook a partner wants to register. `secret` is the partner's own
/// (`whsec_<base64>`, at least 16 bytes) or, when absent, one is made. The URL must be `https`:
/// the messages carry ID numbers. And it must lead to a public address — the delivery job's SSRF
/// guard ([`webhook::checked_addresses`]) is asked now, so a target on loopback, a private
/// network or link-local (cloud metadata) is refused at once (`400`, field `url`) instead of
/// being accepted and then dead-lettered. A name that does not resolve (yet) is taken: nothing is
/// known against it, and every delivery resolves and checks again. Plain `http` and private
/// addresses only where `GRIDASSIST_WEBHOOK_ALLOW_PRIVATE` allows an on-premises receiver.
pub async fn vet_target(
    url: &str,
    secret: Option<String>,
    allow_private: bool,
    resolve_timeout: Duration,
) -> Result<Target, ApiError> {
    let generated = secret.is_none().then(new_secret);
    let secret = secret.or_else(|| generated.clone()).unwrap_or_default();
    let checked =
        WebhookConfig::new(url, &secret, allow_private, Duration::from_secs(1), 1).map_err(|e| match e {
            ConfigError::Url(detail) => ApiError::invalid("url", detail),
            ConfigError::Secret(detail) => ApiError::invalid("secret", detail),
            other => ApiError::internal(anyhow::anyhow!("{other}")),
        })?;
    if checked.url.scheme() != "https" && !allow_private {
        return Err(ApiError::invalid(
            "url",
            "must be https: the messages carry ID numbers",
        ));
    }
    match webhook::checked_addresses(&checked.url, allow_private, resolve_timeout).await {
        Ok(_) | Err(TargetError::Unresolved(_)) => {}
        Err(TargetError::Refused { host, ip }) => {
            let what = match host {
                Some(_) => format!("its host resolves to {ip}, which"),
                None => ip.to_string(),
            };
            return Err(ApiError::invalid(
                "url",
                format!(
                    "{what} is a loopback, private, link-local or otherwise non-public address; webhooks go to public addresses only"
                ),
            ));
        }
        Err(TargetError::Invalid(detail)) => return Err(ApiError::invalid("url", detail)),
    }
    Ok(Target {
        url: checked.url.to_string(),
        secret: secret.trim().to_owned(),
        generated,
    })
}

/// Register a checked webhook ([`vet_target`]) for additions to and removals from the list;
/// returns the subscription and the secret when it was made here (shown this once).
pub fn subscribe(
    conn: &mut DbConn,
    partner: &PartnerCaller,
    target: Target,
) -> Result<(Subscription, Option<String>), ApiError> {
    partner.permit(Operation::CreateSubscription)?;
    let Target {
        url,
        secret,
        generated,
    } = target;
    write_tx(conn, |conn| {
        if repo::partners::subscriptions_of(conn, partner.partner_id)?.len() >= MAX_SUBSCRIPTIONS {
            return Err(ApiError::conflict(
                "subscription_limit",
                format!("a partner may hold at most {MAX_SUBSCRIPTIONS} subscriptions; delete one first"),
            ));
        }
        let now = time::now();
        let subscription = repo::partners::insert_subscription(
            conn,
            (partner.partner_id, partner.key_id),
            &url,
            &secret,
            now,
        )?;
        repo::audit::record(
            conn,
            &partner.actor(),
            "partner_subscription.create",
            "partner_subscription",
            Some(subscription.id.to_string()),
            Some(json!({ "partner_id": partner.partner_id, "key_id": partner.key_id })),
        )?;
        repo::partners::touch_key(conn, partner.key_id, now)?;
        Ok((subscription, generated))
    })
}

/// The partner's subscriptions (those of all its keys), without their secrets.
pub fn subscriptions(conn: &mut DbConn, partner: &PartnerCaller) -> Result<Vec<Subscription>, ApiError> {
    partner.permit(Operation::ListSubscriptions)?;
    Ok(repo::partners::subscriptions_of(conn, partner.partner_id)?)
}

/// Delete one of the partner's subscriptions; messages still waiting for it are not sent.
pub fn unsubscribe(conn: &mut DbConn, partner: &PartnerCaller, id: i64) -> Result<(), ApiError> {
    partner.permit(Operation::DeleteSubscription)?;
    write_tx(conn, |conn| {
        let subscription = repo::partners::find_subscription(conn, id)?
            .filter(|s| s.partner_id == partner.partner_id && s.deleted_at.is_none())
            .ok_or(ApiError::NotFound("subscription"))?;
        repo::partners::delete_subscription(conn, subscription.id, time::now())?;
        repo::audit::record(
            conn,
            &partner.actor(),
            "partner_subscription.delete",
            "partner_subscription",
            Some(subscription.id.to_string()),
            Some(json!({ "partner_id": partner.partner_id, "key_id": partner.key_id })),
        )?;
        Ok(())
    })
}

/// The subscriptions that hear of list changes now: not deleted, registered by a key that is
/// not revoked and holds the subscribe scope.
pub fn listeners(conn: &mut DbConn) -> Result<Vec<i64>, ApiError> {
    Ok(repo::partners::live_subscriptions(conn)?
        .into_iter()
        .filter(|(_, scopes)| scopes_of(scopes).contains(&PartnerScope::Subscribe))
        .map(|(s, _)| s.id)
        .collect())
}

/// A change of the list that partners hear of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEvent {
    Listed,
    Removed,
}

impl ListEvent {
    pub fn event_type(self) -> &'static str {
        match self {
            ListEvent::Listed => "dishonest.listed",
            ListEvent::Removed => "dishonest.removed",
        }
    }
}

/// Queue `event` about `entry` for every listener, in the caller's transaction. The message says
/// what a check would: the identifier, the case and the court (and the dates) — never the name,
/// the reason or anything else on the entry.
pub fn announce(
    conn: &mut DbConn,
    listeners: &[i64],
    event: ListEvent,
    entry: &Entry,
    court: &Court,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if listeners.is_empty() {
        return Ok(());
    }
    let mut data = json!({
        "entry_id": entry.id,
        "id_number": entry.id_number,
        "kind": entry.kind,
        "case_number": entry.case_number,
        "court": { "code": court.code, "name": court.name },
        "listed_on": entry.listed_on,
    });
    if let (ListEvent::Removed, Some(removed_on)) = (event, entry.removed_on) {
        data["removed_on"] = json!(removed_on);
    }
    let payload = json!({
        "type": event.event_type(),
        "timestamp": time::to_utc(now),
        "data": data,
    })
    .to_string();
    for &subscription in listeners {
        repo::outbox::enqueue_to(conn, subscription, event.event_type(), &payload, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_scopes_are_read_and_unknown_ones_ignored() {
        assert_eq!(
            scopes_of(r#"["dishonest:check","dishonest:subscribe","cases:read"]"#),
            [PartnerScope::Check, PartnerScope::Subscribe]
        );
        assert!(scopes_of("not json").is_empty());
    }

    #[test]
    fn a_key_without_the_scope_is_forbidden_naming_it() {
        let partner = PartnerCaller {
            partner_id: 1,
            key_id: 2,
            scopes: vec![PartnerScope::Subscribe],
            own_budgets: (None, None),
            request_id: None,
            client_ip: None,
        };
        let e = partner.permit(Operation::CheckIdentities).unwrap_err();
        assert_eq!(e.code(), "forbidden");
        assert!(e.to_string().contains("dishonest:check"));
        assert!(partner.permit(Operation::CreateSubscription).is_ok());
    }

    #[test]
    fn generated_secrets_are_standard_webhooks_secrets() {
        let secret = new_secret();
        assert!(WebhookConfig::new("https://a.example/h", &secret, false, Duration::from_secs(1), 1).is_ok());
        assert_ne!(secret, new_secret());
    }
}

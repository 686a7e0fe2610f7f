//! Partner departments (a permit office, a housing authority, …) that compare people against the
//! list of dishonest debtors from their own systems.
//!
//! Admins create partners and issue, list and revoke their API keys. A partner authenticates with
//! a key ([`authenticate`]); what it may do is the key's scopes. With `dishonest:check` it asks
//! whether identities are listed and hears only "listed or not" and, if listed, the case numbers
//! and courts — every check is audited. With `dishonest:subscribe` it registers webhooks for
//! additions and removals; [`announce`] queues those events in the outbox in the transaction of
//! the list change itself, and the delivery job signs and sends them.

use std::time::Duration;

use base64::Engine;
use chrono::NaiveDateTime;
use rand::RngCore;
use serde_json::json;

use crate::auth::api_key;
use crate::db::{DbConn, write_tx};
use crate::domain::access::{Access, Operation};
use crate::domain::dishonest::PartnerScope;
use crate::domain::{Name, time};
use crate::error::ApiError;
use crate::repo::{
    self, PageRequest,
    audit::Actor,
    courts::Court,
    dishonest::Entry,
    partners::{NewKey, Partner, PartnerKey, Subscription},
};
use crate::services::Caller;
use crate::services::webhook::{ConfigError, WebhookConfig};

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
    pub request_id: Option<String>,
    pub client_ip: Option<std::net::IpAddr>,
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

/// Issue a new key; returns it with the whole key, which is shown this once.
pub fn issue_key(
    conn: &mut DbConn,
    caller: &Caller,
    partner_id: i64,
    mut scopes: Vec<PartnerScope>,
    label: Option<Name>,
) -> Result<(PartnerKey, String), ApiError> {
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
            },
        )?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "partner_key.issue",
            "partner_key",
            Some(key.id.to_string()),
            Some(json!({ "partner_id": partner_id, "scopes": scopes })),
        )?;
        Ok((key, issued.key))
    })
}

pub fn list_keys(conn: &mut DbConn, caller: &Caller, partner_id: i64) -> Result<Vec<PartnerKey>, ApiError> {
    caller.permit(Operation::ListKeys)?;
    partner(conn, partner_id)?;
    Ok(repo::partners::keys_of(conn, partner_id)?)
}

/// Revoke a key: it stops working at once, and the subscriptions it registered end with it.
pub fn revoke_key(
    conn: &mut DbConn,
    caller: &Caller,
    partner_id: i64,
    key_id: i64,
) -> Result<PartnerKey, ApiError> {
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
        repo::partners::find_key(conn, key.id)?.ok_or(ApiError::NotFound("key"))
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
/// entries matched — by entry id, never the ID numbers themselves.
pub fn check(
    conn: &mut DbConn,
    partner: &PartnerCaller,
    items: Vec<Result<String, String>>,
) -> Result<Vec<CheckAnswer>, ApiError> {
    partner.permit(Operation::CheckIdentities)?;
    let mut wanted: Vec<String> = items.iter().filter_map(|i| i.as_ref().ok().cloned()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    write_tx(conn, |conn| {
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
        repo::partners::touch_key(conn, partner.key_id, time::now())?;
        Ok(answers)
    })
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

/// Register a webhook for additions to and removals from the list. `secret` is the partner's own
/// (`whsec_<base64>`, at least 16 bytes) or, when absent, one made here and returned this once.
/// The URL must be `https`: the messages carry ID numbers. Plain `http` (and private addresses)
/// only where `GRIDASSIST_WEBHOOK_ALLOW_PRIVATE` allows an on-premises receiver.
pub fn subscribe(
    conn: &mut DbConn,
    partner: &PartnerCaller,
    url: &str,
    secret: Option<String>,
    allow_private: bool,
) -> Result<(Subscription, Option<String>), ApiError> {
    partner.permit(Operation::CreateSubscription)?;
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
            checked.url.as_str(),
            secret.trim(),
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

//! The notification outbox for admins: `GET /api/v1/notifications` (what is pending, delivered
//! or dead, and why) and `POST /api/v1/notifications/{id}/retry` (a dead one, once the gateway
//! is fixed). Messages to partners' webhooks are listed too, with their subscription and the
//! ID numbers they carry masked: admins run the outbox, they have no need of the numbers.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::request_id;
use super::pagination::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::dishonest::DebtorKind;
use crate::domain::time;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::notifications::Message;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Dead,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    pub status: Option<DeliveryStatus>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    /// Sent as `webhook-id` on every attempt.
    pub message_id: String,
    /// `task.assigned`, `task.reminder`, `task.overdue`, `task.returned`, `task.approved`,
    /// `partner_key.daily_budget_alert` (to the admins: a partner key has used most of its daily
    /// budget of identities); to partners, `dishonest.listed` and `dishonest.removed`.
    pub event_type: String,
    /// The partner subscription it goes to; absent for the configured gateway.
    pub subscription_id: Option<i64>,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The body sent (a person's ID number in a partner event shown masked).
    pub payload: serde_json::Value,
}

/// The payload as admins see it: the ID number of a partner event masked.
fn shown_payload(event_type: &str, payload: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(payload).unwrap_or(serde_json::Value::Null);
    if event_type.starts_with("dishonest.") {
        // An unreadable kind is masked as a person's number: masking too much is the safe side.
        let kind = value["data"]["kind"]
            .as_str()
            .and_then(DebtorKind::parse)
            .unwrap_or(DebtorKind::Person);
        if let Some(id) = value["data"]["id_number"].as_str() {
            let masked = crate::domain::dishonest::mask(kind, id);
            value["data"]["id_number"] = serde_json::Value::String(masked);
        }
    }
    value
}

fn dto(m: Message) -> NotificationDto {
    NotificationDto {
        id: m.id,
        message_id: m.message_id,
        payload: shown_payload(&m.event_type, &m.payload),
        subscription_id: m.subscription_id,
        event_type: m.event_type,
        status: m.status,
        attempts: m.attempts,
        created_at: time::to_utc(m.created_at),
        next_attempt_at: time::to_utc(m.next_attempt_at),
        delivered_at: m.delivered_at.map(time::to_utc),
        last_error: m.last_error,
    }
}

/// Notifications in the outbox, oldest first (admins).
#[utoipa::path(tag = "notifications", params(NotificationQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<NotificationDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListNotifications)?;
    let q = query.into_inner();
    let page = PageQuery {
        cursor: q.cursor,
        limit: q.limit,
    }
    .to_request()?;
    let status = q.status.map(DeliveryStatus::as_str);
    let rows = state
        .run_as(permit, None, move |conn, caller| {
            services::notifications::list(conn, caller, status, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |m| m.id, dto)))
}

/// Put a dead notification back in line (admins); 409 when it is not dead.
#[utoipa::path(tag = "notifications", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = NotificationDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/notifications/{id}/retry")]
pub async fn retry_notification(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::RetryNotification)?;
    let (id, rid) = (path.into_inner(), request_id(&rid));
    let message = state
        .run_as(permit, rid, move |conn, caller| {
            services::notifications::retry(conn, caller, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(dto(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_events_show_a_persons_id_number_masked_and_task_events_as_sent() {
        let event =
            r#"{"type":"dishonest.listed","data":{"kind":"person","id_number":"11010519491231002X"}}"#;
        let shown = shown_payload("dishonest.listed", event);
        assert_eq!(shown["data"]["id_number"], "110105********002X");
        let org = r#"{"data":{"kind":"organisation","id_number":"91350100M000100Y43"}}"#;
        assert_eq!(
            shown_payload("dishonest.removed", org)["data"]["id_number"],
            "91350100M000100Y43"
        );
        let task = r#"{"data":{"task_id":1,"id_number":"kept"}}"#;
        assert_eq!(shown_payload("task.assigned", task)["data"]["id_number"], "kept");
    }
}

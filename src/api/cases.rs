//! Enforcement cases: filed and read by officers of the court.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, request_id, valid};
use super::pagination::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::identity::{CaseNumber, CreditCode, NationalId, PartyIdentifier, Phone};
use crate::domain::{Name, time};
use crate::error::{ApiError, Problem};
use crate::geo::{Crs, validate_point};
use crate::services;
use crate::services::cases::{
    Case, CaseStatus, Closing, ListedCase, NewCaseInput, Party, PartyInput, PartyRole, StoredAddress,
};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyRoleDto {
    Applicant,
    Debtor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyKindDto {
    Person,
    Organisation,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    /// The address as written, e.g. 泰兴市黄桥镇东进路18号.
    pub text: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The system of lat/lon: `wgs84` (default), `gcj02`, `bd09`.
    pub crs: Option<Crs>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    pub role: PartyRoleDto,
    pub kind: PartyKindDto,
    pub name: String,
    /// National ID number (person, GB 11643) or unified social credit code (organisation, GB 32100).
    pub id_number: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub addresses: Vec<AddressBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    /// e.g. `(2024)苏1283执1234号`; full-width parentheses are accepted.
    pub case_number: String,
    /// The handling officer (an officer of your court); you, when absent.
    pub officer_id: Option<i64>,
    /// Amount owed, in fen (integer; 1 yuan = 100 fen).
    pub amount_owed_fen: i64,
    pub filed_on: NaiveDate,
    pub parties: Vec<PartyBody>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddressDto {
    pub text: String,
    /// WGS-84.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyDto {
    pub id: i64,
    pub role: String,
    pub kind: String,
    pub name: String,
    pub id_number: Option<String>,
    pub phones: Vec<String>,
    pub addresses: Vec<AddressDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDto {
    pub id: i64,
    pub case_number: String,
    pub court_id: i64,
    pub officer_id: i64,
    pub amount_owed_fen: i64,
    /// `open`, `concluded` or `terminated` (终本).
    pub status: String,
    pub filed_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    /// When the case was closed (concluded or terminated); null while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Present when one case is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parties: Option<Vec<PartyDto>>,
    /// The debtors' names (被执行人), in the list of cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debtors: Option<Vec<String>>,
    /// The officer in charge (承办人), by name, in the list of cases and when one case is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub officer_name: Option<String>,
}

/// A stored party, shown in full (officers of the case's court only).
pub fn party_dto(p: Party) -> PartyDto {
    PartyDto {
        id: p.id,
        role: p.role.as_str().to_owned(),
        kind: p.kind.as_str().to_owned(),
        name: p.name,
        id_number: p.id_number,
        phones: serde_json::from_str(&p.phones).unwrap_or_default(),
        addresses: serde_json::from_str::<Vec<StoredAddress>>(&p.addresses)
            .unwrap_or_default()
            .into_iter()
            .map(|a| AddressDto {
                text: a.text,
                lat: a.lat,
                lon: a.lon,
            })
            .collect(),
    }
}

fn case_dto(c: Case, parties: Option<Vec<Party>>) -> CaseDto {
    CaseDto {
        id: c.id,
        case_number: c.case_number,
        court_id: c.court_id,
        officer_id: c.officer_id,
        amount_owed_fen: c.amount_owed_fen,
        status: c.status.as_str().to_owned(),
        filed_on: c.filed_on,
        created_at: time::to_utc(c.created_at),
        closed_at: c.closed_at.map(time::to_utc),
        parties: parties.map(|ps| ps.into_iter().map(party_dto).collect()),
        debtors: None,
        officer_name: None,
    }
}

fn listed_dto(row: ListedCase) -> CaseDto {
    CaseDto {
        debtors: Some(row.debtors),
        officer_name: row.officer_name,
        ..case_dto(row.case, None)
    }
}

/// Turn a request body into a validated case, naming the exact field that is wrong.
fn validate(body: CreateCase) -> Result<NewCaseInput, ApiError> {
    let today = time::today_local();
    if body.amount_owed_fen < 0 {
        return Err(ApiError::invalid("amount_owed_fen", "must not be negative"));
    }
    if body.parties.len() > 50 {
        return Err(ApiError::invalid("parties", "at most 50 parties"));
    }
    let mut parties = Vec::with_capacity(body.parties.len());
    for (i, p) in body.parties.into_iter().enumerate() {
        let at = |f: &str| format!("parties[{i}].{f}");
        let identifier = match (
            p.kind,
            p.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()),
        ) {
            (_, None) => None,
            (PartyKindDto::Person, Some(raw)) => Some(PartyIdentifier::Person(valid(
                &at("id_number"),
                NationalId::parse(raw, today),
            )?)),
            (PartyKindDto::Organisation, Some(raw)) => Some(PartyIdentifier::Organisation(valid(
                &at("id_number"),
                CreditCode::parse(raw),
            )?)),
        };
        if p.phones.len() > 10 || p.addresses.len() > 10 {
            return Err(ApiError::invalid(
                at("phones"),
                "at most 10 phones and 10 addresses",
            ));
        }
        let phones = p
            .phones
            .iter()
            .enumerate()
            .map(|(j, raw)| valid(&at(&format!("phones[{j}]")), Phone::parse(raw)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut addresses = Vec::with_capacity(p.addresses.len());
        for (j, a) in p.addresses.into_iter().enumerate() {
            let text = valid(&at(&format!("addresses[{j}].text")), Name::parse(&a.text))?;
            let point = match (a.lat, a.lon) {
                (None, None) => None,
                (Some(lat), Some(lon)) => {
                    let raw = validate_point(lat, lon)
                        .map_err(|e| ApiError::invalid(at(&format!("addresses[{j}].lat")), e.to_string()))?;
                    Some(a.crs.unwrap_or_default().to_wgs84(raw))
                }
                _ => {
                    return Err(ApiError::invalid(
                        at(&format!("addresses[{j}]")),
                        "give both lat and lon, or neither",
                    ));
                }
            };
            addresses.push((text.into_string(), point));
        }
        parties.push(PartyInput {
            role: match p.role {
                PartyRoleDto::Applicant => PartyRole::Applicant,
                PartyRoleDto::Debtor => PartyRole::Debtor,
            },
            name: valid(&at("name"), Name::parse(&p.name))?,
            identifier,
            phones,
            addresses,
        });
    }
    Ok(NewCaseInput {
        case_number: valid("case_number", CaseNumber::parse(&body.case_number, today))?,
        officer_id: body.officer_id,
        amount_owed_fen: body.amount_owed_fen,
        filed_on: body.filed_on,
        parties,
    })
}

/// File an enforcement case with its parties.
#[utoipa::path(tag = "cases", request_body = CreateCase, security(("bearer" = [])), responses(
    (status = 201, body = CaseDto),
    (status = 400, description = "A field is invalid (case number, ID checksum, phone...)", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "case_number_taken", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<CreateCase>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CreateCase)?;
    let input = validate(body.0)?;
    let rid = request_id(&rid);
    let (case, parties) = state
        .run_as(permit, rid, move |conn, caller| {
            services::cases::create(conn, caller, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(case_dto(case, Some(parties))))
}

#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    /// `open`, `concluded` or `terminated`.
    pub status: Option<String>,
    /// Only cases whose case number or a party's name contains this text (at most 100
    /// characters; full-width parentheses match too).
    pub q: Option<String>,
}

/// The cases of the officer's court, with their debtors and the officer in charge by name
/// (audited as a read of the parties' names); `q` searches case numbers and party names.
#[utoipa::path(tag = "cases", params(CaseQuery, PageQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<CaseDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    auth: AuthUser,
    filter: web::Query<CaseQuery>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListCases)?;
    let page = query.to_request()?;
    let filter = filter.into_inner();
    if filter.q.as_deref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::invalid("q", "at most 100 characters"));
    }
    let text = filter.q;
    let status = match filter.status.as_deref() {
        None => None,
        Some(s) => Some(
            CaseStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", "must be open, concluded or terminated"))?,
        ),
    };
    let rows = state
        .run_as(permit, None, move |conn, caller| {
            services::cases::list(conn, caller, status, text, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |c| c.case.id, listed_dto)))
}

/// One case with its parties (full personal data: officers of the court only; audited).
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = CaseDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::GetCase)?;
    let id = path.into_inner();
    let rid = request_id(&rid);
    let (case, parties, officer_name) = state
        .run_as(permit, rid, move |conn, caller| {
            let (case, parties) = services::cases::get(conn, caller, id)?;
            let officer_name = services::cases::officer_name(conn, &case)?;
            Ok::<_, ApiError>((case, parties, officer_name))
        })
        .await?;
    Ok(HttpResponse::Ok().json(CaseDto {
        officer_name,
        ..case_dto(case, Some(parties))
    }))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClosingDto {
    /// 执行完毕: the judgment has been enforced.
    Concluded,
    /// 终结本次执行 (终本): nothing more can be enforced for now.
    Terminated,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCase {
    /// How the case closes: `concluded` or `terminated`.
    pub status: ClosingDto,
}

/// Close a case (结案) of your court as concluded or terminated. Its tasks must all be approved or
/// cancelled first. Closed cases take no new tasks; closing dates feed the court's statistics.
#[utoipa::path(tag = "cases", params(("id" = i64, Path)), request_body = CloseCase, security(("bearer" = [])), responses(
    (status = 200, body = CaseDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`case_closed` (already closed) or `case_has_open_tasks`", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/cases/{id}/close")]
pub async fn close_case(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<CloseCase>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CloseCase)?;
    let id = path.into_inner();
    let closing = match body.0.status {
        ClosingDto::Concluded => Closing::Concluded,
        ClosingDto::Terminated => Closing::Terminated,
    };
    let rid = request_id(&rid);
    let case = state
        .run_as(permit, rid, move |conn, caller| {
            services::cases::close(conn, caller, id, closing)
        })
        .await?;
    Ok(HttpResponse::Ok().json(case_dto(case, None)))
}

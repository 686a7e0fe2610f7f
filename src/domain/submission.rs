//! The typed result a grid worker submits for an assistance task, and its validation.
//!
//! This module owns the *shape* and the *rules* of a result: which fields each of the
//! [`TaskKind`]s carries, which combinations make sense, and the canonical JSON a valid result is
//! stored and returned as ([`TaskResult`]'s `Serialize`). It does no I/O. Evidence files are
//! uploaded before the result and referenced by id; whether those ids exist on the task and have
//! the right kind is the service's job, so [`TaskResult::evidence_refs`] only says which ids are
//! referenced, where, and which [`EvidenceKind`]s are acceptable at each place.
//!
//! [`parse`] is the only way in from a client. It reports the first problem as a [`FieldError`]
//! whose `field` is a JSON path relative to the result object (`attempts[1].witness.name`), so the
//! phone can put the message next to the input that caused it.
//!
//! # General rules
//!
//! * Unknown fields are rejected everywhere: a misspelt optional field would otherwise vanish
//!   silently and the worker would believe it was recorded.
//! * `kind` must be present and equal the task's kind, so a result cannot land on the wrong task.
//! * Text is trimmed. Required text must not be blank; optional text that is blank counts as
//!   absent (phones send `""` for an untouched input). Names are at most 100 characters,
//!   addresses 300 and free text 2000; only free text may contain line breaks.
//! * Phone numbers are 5–20 characters of digits, spaces, `+` and `-`.
//! * Points are `{lat, lon, crs}` in the system the phone's map SDK reports (`crs` defaults to
//!   `wgs84`); they are range-checked but stored as given, see [`Point::to_wgs84`].
//! * Times are RFC 3339 instants with an offset; none may be more than 10 minutes after the
//!   server's clock (phones' clocks drift a little, but not into the future).
//! * Money is integer fen, 0 to 10^13 (a hundred billion yuan): floats would lose cents.
//! * Evidence id lists hold at most 20 positive ids without duplicates.
//!
//! # Per kind
//!
//! * `serve_documents` (文书送达): 1–10 attempts in chronological order, each with an outcome.
//!   Serving to an adult family member names the recipient and relation. `refused` is 留置送达
//!   (lodged service, Civil Procedure Law art. 89): the documents are left at the residence and
//!   the refusal recorded, by either of the law's two routes — a witness invited to the scene (a
//!   representative of the grassroots organisation or the recipient's work unit), or the process
//!   recorded by photo or recording — so it needs a named witness, or at least one photo or audio
//!   recording, or both. It counts as served.
//!   `moved` needs the new address. Fields that do not belong to an outcome are rejected rather
//!   than ignored. Serving ends the task, so no attempt may follow a serving one, and
//!   `served_attempt` must name it.
//! * `locate_person` (查人): found ⇒ whereabouts and how it was verified; not found ⇒ a note on the
//!   search and no whereabouts or contact.
//! * `locate_assets` (找物): 0–50 assets found and what was searched; finding nothing is a valid
//!   result, not searching is not.
//! * `urge_performance` (督促履行): the debtor's response; a promise needs an amount and a date not
//!   before today in China; a payment needs an amount and a receipt.
//! * `facilitate_settlement` (促成和解): reached ⇒ terms and both parties' signatures; not reached ⇒
//!   a note on why.
//! * `publicize_dishonesty` (失信曝光): 1–20 postings, each photographed.
//! * `report_refusal` (拒执打击): what happened, when, and at least one piece of evidence.
//! * `take_down_notice` (撤除失信曝光公告): 1–20 places where the notice was taken down, each
//!   photographed afterwards.

use std::collections::HashSet;
use std::fmt;
use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::TaskKind;
use crate::domain::media::EvidenceKind;
use crate::domain::media::EvidenceKind as E;
use crate::geo::LatLon;
use crate::geo::crs::{Crs, validate_point};

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// A validated, normalised task result. Its JSON (tagged by `kind`) is the canonical form that is
/// stored and returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskResult {
    ServeDocuments(ServeDocuments),
    LocatePerson(LocatePerson),
    LocateAssets(LocateAssets),
    UrgePerformance(UrgePerformance),
    FacilitateSettlement(FacilitateSettlement),
    PublicizeDishonesty(PublicizeDishonesty),
    ReportRefusal(ReportRefusal),
    TakeDownNotice(TakeDownNotice),
}

/// One evidence id referenced by a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRef {
    /// JSON path of the id itself, e.g. `attempts[0].evidence_ids[1]`.
    pub path: String,
    pub id: i64,
    /// The kinds of evidence acceptable at that place.
    pub accepted: &'static [EvidenceKind],
}

/// Why a submitted result was refused: a JSON path relative to the result object (empty for the
/// object as a whole) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A deserialisation error at its path. serde reports a missing key at the enclosing object
    /// and names it only in the message, so the key is moved into the path.
    fn from_serde(err: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
        let path = err.path().to_string();
        // serde_path_to_error renders the empty path as ".".
        let path = if path == "." { String::new() } else { path };
        let message = err.inner().to_string();
        if let Some(rest) = message.strip_prefix("missing field `")
            && let Some((key, _)) = rest.split_once('`')
        {
            return FieldError::new(join(&path, key), "is required");
        }
        FieldError::new(path, message)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

/// A position as reported by the phone, in the coordinate system its map SDK uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub crs: Crs,
}

impl Point {
    /// The point in WGS-84, the system the server computes distances in.
    pub fn to_wgs84(&self) -> LatLon {
        self.crs.to_wgs84(LatLon::new(self.lat, self.lon))
    }
}

/// A person present as a witness (见证人).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub name: String,
    /// E.g. the residents' or village committee the witness belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

// --- serve_documents ---------------------------------------------------------------------------

/// 文书送达: the attempts made to serve court documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServeDocuments {
    /// 1–10 attempts, oldest first.
    pub attempts: Vec<ServiceAttempt>,
    /// Index into `attempts` of the attempt that served the documents; required iff one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_attempt: Option<usize>,
}

/// One visit to serve documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAttempt {
    #[serde(deserialize_with = "rfc3339")]
    pub at: DateTime<Utc>,
    /// Where the attempt was made.
    pub place: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<Point>,
    pub outcome: ServiceOutcome,
    /// Who received the documents (`served_to_adult_family_member`, required) or who refused
    /// them when it was not the addressee (`refused`, optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Recipient>,
    /// Only for `refused` (留置送达): the witness invited to the scene. Art. 89 takes a witness
    /// or a photo/audio record of leaving the documents (`evidence_ids`), so `refused` needs at
    /// least one of the two; not allowed otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// Required for `moved`, not allowed otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_address: Option<String>,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceOutcome {
    /// 直接送达 to the addressee.
    ServedPersonally,
    /// 直接送达 to an adult family member living with the addressee.
    ServedToAdultFamilyMember,
    /// 留置送达: refused, documents left with a witness present (Civil Procedure Law art. 89).
    Refused,
    NotFound,
    Moved,
}

impl ServiceOutcome {
    /// Whether this outcome legally served the documents.
    pub fn serves(self) -> bool {
        matches!(
            self,
            ServiceOutcome::ServedPersonally
                | ServiceOutcome::ServedToAdultFamilyMember
                | ServiceOutcome::Refused
        )
    }
}

/// The person documents were handed to, or who refused them, and how they relate to the
/// addressee (e.g. 配偶, 子女).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub name: String,
    pub relation: String,
}

// --- locate_person -----------------------------------------------------------------------------

/// 查人: whether the person was found and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocatePerson {
    pub found: bool,
    /// Required when found, not allowed otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whereabouts: Option<Whereabouts>,
    /// Not allowed when not found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// Required when found, not allowed otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_by: Option<VerifiedBy>,
    /// Required when `verified_by` is `other`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_note: Option<String>,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    /// Required when not found: how the person was searched for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Whereabouts {
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<Point>,
}

/// How to reach the person; at least one of the two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Who confirmed the whereabouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifiedBy {
    InPerson,
    Neighbour,
    Family,
    Employer,
    PropertyManager,
    VillageCommittee,
    Other,
}

// --- locate_assets -----------------------------------------------------------------------------

/// 找物: the assets found and what was searched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocateAssets {
    /// 0–50 assets; none found is a valid result.
    #[serde(default)]
    pub assets: Vec<Asset>,
    /// What was checked, so an empty result can be judged.
    pub searched: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    #[serde(rename = "type")]
    pub asset_type: AssetType,
    /// At least 4 characters for `other`.
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<AssetLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_value_fen: Option<i64>,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetType {
    RealEstate,
    Vehicle,
    BankAccountClue,
    Business,
    Equipment,
    Other,
}

/// Where an asset is; at least one of the two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<Point>,
}

// --- urge_performance --------------------------------------------------------------------------

/// 督促履行: how the debtor responded to being urged to pay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UrgePerformance {
    pub response: UrgeResponse,
    /// Required (> 0) for `agreed_to_pay`; not allowed for `refused`, `unable_to_pay`,
    /// `not_reached`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_promised_fen: Option<i64>,
    /// Date (China) by which payment was promised; required for `agreed_to_pay`, not before today.
    #[serde(default, deserialize_with = "date", skip_serializing_if = "Option::is_none")]
    pub promised_by: Option<NaiveDate>,
    /// Paid on the spot; > 0 exactly for `paid_in_full` and `paid_in_part`.
    #[serde(default)]
    pub amount_paid_now_fen: i64,
    /// Receipts for the payment: required when something was paid, not allowed otherwise.
    #[serde(default)]
    pub receipt_evidence_ids: Vec<i64>,
    /// What the debtor said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UrgeResponse {
    AgreedToPay,
    PaidInFull,
    PaidInPart,
    Refused,
    UnableToPay,
    NotReached,
}

impl UrgeResponse {
    fn pays_now(self) -> bool {
        matches!(self, UrgeResponse::PaidInFull | UrgeResponse::PaidInPart)
    }
}

// --- facilitate_settlement ---------------------------------------------------------------------

/// 促成和解: whether the parties settled, and on what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilitateSettlement {
    pub reached: bool,
    /// Required when reached; `terms`, `amount_fen`, `pay_by` are not allowed otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    #[serde(default, deserialize_with = "date", skip_serializing_if = "Option::is_none")]
    pub pay_by: Option<NaiveDate>,
    /// Both parties' signatures on the agreement: at least 2 when reached, none otherwise.
    #[serde(default)]
    pub signature_evidence_ids: Vec<i64>,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    /// Required when not reached: why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

// --- publicize_dishonesty ----------------------------------------------------------------------

/// 失信曝光: where the notice of the dishonest debtor was posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicizeDishonesty {
    /// 1–20 postings.
    pub postings: Vec<Posting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Posting {
    pub place: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<Point>,
    #[serde(deserialize_with = "rfc3339")]
    pub posted_at: DateTime<Utc>,
    /// At least one photo of the posted notice.
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
}

// --- report_refusal ----------------------------------------------------------------------------

/// 拒执打击: a report of conduct obstructing enforcement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRefusal {
    #[serde(deserialize_with = "rfc3339")]
    pub occurred_at: DateTime<Utc>,
    /// One or more kinds of conduct, each at most once.
    pub conduct: Vec<Conduct>,
    pub description: String,
    /// At least one.
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    #[serde(default)]
    pub witnesses: Vec<Witness>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Conduct {
    ObstructedService,
    RefusedToDeclareAssets,
    HidOrTransferredAssets,
    ViolentResistance,
    ThreatenedStaff,
    Other,
}

// --- take_down_notice --------------------------------------------------------------------------

/// 撤除失信曝光公告: where the notice of a debtor who has left the list was taken down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeDownNotice {
    /// 1–20 places.
    pub removals: Vec<NoticeRemoval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRemoval {
    pub place: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<Point>,
    #[serde(deserialize_with = "rfc3339")]
    pub removed_at: DateTime<Utc>,
    /// At least one photo of the place once the notice is gone.
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parse and validate a submitted result for a task of `expected` kind, at server time `now`.
pub fn parse(expected: TaskKind, value: Value, now: DateTime<Utc>) -> Result<TaskResult, FieldError> {
    let Value::Object(mut object) = value else {
        return Err(FieldError::new("", "must be a JSON object"));
    };
    // `kind` is checked by hand rather than by serde's tagged-enum support: that buffers the
    // content and loses the path of every later error, and it could not name both kinds.
    let kind = match object.remove("kind") {
        Some(Value::String(kind)) => kind,
        Some(_) => return Err(FieldError::new("kind", "must be a string")),
        None => return Err(FieldError::new("kind", "is required")),
    };
    if TaskKind::parse(&kind) != Some(expected) {
        return Err(FieldError::new(
            "kind",
            format!("the task is `{expected}` but the result is `{kind}`"),
        ));
    }
    let body = Value::Object(object);
    let mut result = match expected {
        TaskKind::ServeDocuments => TaskResult::ServeDocuments(deserialize(body)?),
        TaskKind::LocatePerson => TaskResult::LocatePerson(deserialize(body)?),
        TaskKind::LocateAssets => TaskResult::LocateAssets(deserialize(body)?),
        TaskKind::UrgePerformance => TaskResult::UrgePerformance(deserialize(body)?),
        TaskKind::FacilitateSettlement => TaskResult::FacilitateSettlement(deserialize(body)?),
        TaskKind::PublicizeDishonesty => TaskResult::PublicizeDishonesty(deserialize(body)?),
        TaskKind::ReportRefusal => TaskResult::ReportRefusal(deserialize(body)?),
        TaskKind::TakeDownNotice => TaskResult::TakeDownNotice(deserialize(body)?),
    };
    result.body_mut().validate(now)?;
    Ok(result)
}

fn deserialize<T: DeserializeOwned>(body: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(body).map_err(FieldError::from_serde)
}

// Times and dates are parsed by hand only for the message: chrono's own ("input contains invalid
// characters") does not tell a client what it should have sent.

/// An RFC 3339 instant, which always carries an offset: a bare local time is ambiguous.
fn rfc3339<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let raw = String::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| D::Error::custom("must be an RFC 3339 time with offset, e.g. 2026-03-01T09:30:00+08:00"))
}

/// An optional calendar date, `YYYY-MM-DD`.
fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|raw| {
            NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
                .map_err(|_| D::Error::custom("must be a date YYYY-MM-DD, e.g. 2026-03-31"))
        })
        .transpose()
}

impl TaskResult {
    pub fn kind(&self) -> TaskKind {
        match self {
            TaskResult::ServeDocuments(_) => TaskKind::ServeDocuments,
            TaskResult::LocatePerson(_) => TaskKind::LocatePerson,
            TaskResult::LocateAssets(_) => TaskKind::LocateAssets,
            TaskResult::UrgePerformance(_) => TaskKind::UrgePerformance,
            TaskResult::FacilitateSettlement(_) => TaskKind::FacilitateSettlement,
            TaskResult::PublicizeDishonesty(_) => TaskKind::PublicizeDishonesty,
            TaskResult::ReportRefusal(_) => TaskKind::ReportRefusal,
            TaskResult::TakeDownNotice(_) => TaskKind::TakeDownNotice,
        }
    }

    /// Every evidence id referenced, with the JSON path of the id and the kinds acceptable there.
    pub fn evidence_refs(&self) -> Vec<EvidenceRef> {
        let mut refs = Vec::new();
        self.body().evidence_refs(&mut refs);
        refs
    }

    /// The amount (fen) paid on the spot for `urge_performance`; 0 for every other kind.
    pub fn amount_paid_fen(&self) -> i64 {
        match self {
            TaskResult::UrgePerformance(urge) => urge.amount_paid_now_fen,
            _ => 0,
        }
    }

    /// Whether the task achieved its purpose: documents served, person found, assets found,
    /// debtor paid or promised to, settlement reached, notice posted, refusal reported.
    pub fn successful(&self) -> bool {
        self.body().successful()
    }

    fn body(&self) -> &dyn Body {
        match self {
            TaskResult::ServeDocuments(b) => b,
            TaskResult::LocatePerson(b) => b,
            TaskResult::LocateAssets(b) => b,
            TaskResult::UrgePerformance(b) => b,
            TaskResult::FacilitateSettlement(b) => b,
            TaskResult::PublicizeDishonesty(b) => b,
            TaskResult::ReportRefusal(b) => b,
            TaskResult::TakeDownNotice(b) => b,
        }
    }

    fn body_mut(&mut self) -> &mut dyn Body {
        match self {
            TaskResult::ServeDocuments(b) => b,
            TaskResult::LocatePerson(b) => b,
            TaskResult::LocateAssets(b) => b,
            TaskResult::UrgePerformance(b) => b,
            TaskResult::FacilitateSettlement(b) => b,
            TaskResult::PublicizeDishonesty(b) => b,
            TaskResult::ReportRefusal(b) => b,
            TaskResult::TakeDownNotice(b) => b,
        }
    }
}

/// What every kind's result does; `TaskResult` dispatches to it.
trait Body {
    /// Check the semantic rules, trimming text in place.
    fn validate(&mut self, now: DateTime<Utc>) -> Checked;
    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>);
    fn successful(&self) -> bool;
}

type Checked = Result<(), FieldError>;

// ---------------------------------------------------------------------------------------------
// Limits and acceptable evidence
// ---------------------------------------------------------------------------------------------

/// How far ahead of the server clock a reported time may be: phone clocks drift.
const CLOCK_SKEW: TimeDelta = TimeDelta::minutes(10);
/// China Standard Time is UTC+8 all year (no daylight saving).
const CHINA_OFFSET: TimeDelta = TimeDelta::hours(8);
const MAX_FEN: i64 = 10_000_000_000_000;
const MAX_EVIDENCE_IDS: usize = 20;

/// Proof that documents were served: the signed 送达回证 (photo or PDF scan), a signature drawn
/// on the phone, or a recording.
const SERVICE_PROOF: &[EvidenceKind] = &[E::Photo, E::Signature, E::Pdf, E::Audio];
/// What happened on site when nothing could be signed: a refusal (留置送达 must be recorded) or a
/// visit that found nobody.
const SCENE_RECORD: &[EvidenceKind] = &[E::Photo, E::Audio];
/// Photos and documents, e.g. of an asset or a payment receipt.
const PAPERS: &[EvidenceKind] = &[E::Photo, E::Pdf];
/// Anything but a bare signature, which proves nothing on its own here.
const RECORDS: &[EvidenceKind] = &[E::Photo, E::Audio, E::Pdf];
/// Where a signed promise or agreement is as good as a photo or recording.
const ANY_EVIDENCE: &[EvidenceKind] = &[E::Photo, E::Signature, E::Audio, E::Pdf];
/// Signatures on a settlement, drawn on the phone or photographed/scanned on paper.
const SIGNATURES: &[EvidenceKind] = &[E::Signature, E::Photo, E::Pdf];
const PHOTOS: &[EvidenceKind] = &[E::Photo];

#[derive(Clone, Copy)]
struct TextRule {
    max_chars: usize,
    multiline: bool,
}

const NAME: TextRule = TextRule {
    max_chars: 100,
    multiline: false,
};
const ADDRESS: TextRule = TextRule {
    max_chars: 300,
    multiline: false,
};
const FREE_TEXT: TextRule = TextRule {
    max_chars: 2000,
    multiline: true,
};

// ---------------------------------------------------------------------------------------------
// Field checks
// ---------------------------------------------------------------------------------------------

/// `prefix.name`, or `name` at the top level.
fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Required text: trimmed in place, not blank, within the rule's length.
fn text(field: &str, value: &mut String, rule: TextRule) -> Checked {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be blank"));
    }
    if trimmed.chars().count() > rule.max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {} characters", rule.max_chars),
        ));
    }
    if let Err(e) = super::names::check_chars(trimmed, rule.multiline) {
        return Err(FieldError::new(field, e.0));
    }
    if trimmed.len() != value.len() {
        *value = trimmed.to_owned();
    }
    Ok(())
}

/// Optional text: blank becomes absent, anything else is checked like required text.
fn optional_text(field: &str, value: &mut Option<String>, rule: TextRule) -> Checked {
    if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
        *value = None;
    }
    value.as_mut().map_or(Ok(()), |v| text(field, v, rule))
}

fn phone(field: &str, value: &mut Option<String>) -> Checked {
    optional_text(field, value, NAME)?;
    let Some(phone) = value else { return Ok(()) };
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-'));
    let has_digit = phone.chars().any(|c| c.is_ascii_digit());
    if !(5..=20).contains(&phone.chars().count()) || !allowed || !has_digit {
        return Err(FieldError::new(
            field,
            "must be 5–20 characters of digits, spaces, '+' and '-'",
        ));
    }
    Ok(())
}

fn point(field: &str, value: Option<&Point>) -> Checked {
    let Some(p) = value else { return Ok(()) };
    validate_point(p.lat, p.lon).map(drop).map_err(|err| {
        // Blame whichever coordinate is wrong on its own, so the path names it.
        let axis = if validate_point(p.lat, 0.0).is_err() {
            "lat"
        } else {
            "lon"
        };
        FieldError::new(join(field, axis), err.to_string())
    })
}

fn money(field: &str, fen: i64) -> Checked {
    if (0..=MAX_FEN).contains(&fen) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "must be a whole number of fen from 0 to 10^13",
        ))
    }
}

fn optional_money(field: &str, fen: Option<i64>) -> Checked {
    fen.map_or(Ok(()), |fen| money(field, fen))
}

fn positive(field: &str, fen: i64, context: &str) -> Checked {
    if fen > 0 {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("must be more than 0 {context}")))
    }
}

/// Positive ids, each once, at most [`MAX_EVIDENCE_IDS`].
fn evidence_ids(field: &str, ids: &[i64]) -> Checked {
    if ids.len() > MAX_EVIDENCE_IDS {
        return Err(FieldError::new(
            field,
            format!("must list at most {MAX_EVIDENCE_IDS} evidence ids"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, &id) in ids.iter().enumerate() {
        if id <= 0 {
            return Err(FieldError::new(
                format!("{field}[{i}]"),
                "must be a positive evidence id",
            ));
        }
        if !seen.insert(id) {
            return Err(FieldError::new(format!("{field}[{i}]"), "is listed twice"));
        }
    }
    Ok(())
}

fn at_least(field: &str, ids: &[i64], min: usize, why: &str) -> Checked {
    if ids.len() >= min {
        Ok(())
    } else {
        Err(FieldError::new(field, why))
    }
}

fn count(field: &str, len: usize, allowed: RangeInclusive<usize>) -> Checked {
    if allowed.contains(&len) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must have {} to {} items", allowed.start(), allowed.end()),
        ))
    }
}

fn not_future(field: &str, time: DateTime<Utc>, now: DateTime<Utc>) -> Checked {
    if time > now + CLOCK_SKEW {
        Err(FieldError::new(field, "must not be in the future"))
    } else {
        Ok(())
    }
}

/// Today's date in China: dates a worker records are local dates.
fn china_today(now: DateTime<Utc>) -> NaiveDate {
    (now + CHINA_OFFSET).date_naive()
}

fn not_before_today(field: &str, date: Option<NaiveDate>, now: DateTime<Utc>) -> Checked {
    match date {
        Some(date) if date < china_today(now) => {
            Err(FieldError::new(field, "must not be before today (China time)"))
        }
        _ => Ok(()),
    }
}

/// Whether an optional field must, may or must not be present in a given situation.
#[derive(Clone, Copy)]
enum Presence {
    Required,
    Allowed,
    Forbidden,
}

impl Presence {
    /// `context` says why, e.g. "when `outcome` is `moved`".
    fn check<T>(self, field: &str, value: &Option<T>, context: &str) -> Checked {
        match (self, value.is_some()) {
            (Presence::Required, false) => Err(FieldError::new(field, format!("is required {context}"))),
            (Presence::Forbidden, true) => {
                Err(FieldError::new(field, format!("must not be given {context}")))
            }
            _ => Ok(()),
        }
    }
}

/// A unit enum's JSON name, for messages.
fn json_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        _ => String::new(),
    }
}

fn push_refs(refs: &mut Vec<EvidenceRef>, field: &str, ids: &[i64], accepted: &'static [EvidenceKind]) {
    refs.extend(ids.iter().enumerate().map(|(i, &id)| EvidenceRef {
        path: format!("{field}[{i}]"),
        id,
        accepted,
    }));
}

impl Witness {
    fn validate(&mut self, field: &str) -> Checked {
        text(&join(field, "name"), &mut self.name, NAME)?;
        optional_text(&join(field, "organisation"), &mut self.organisation, NAME)
    }
}

// ---------------------------------------------------------------------------------------------
// Per-kind rules
// ---------------------------------------------------------------------------------------------

impl Body for ServeDocuments {
    fn validate(&mut self, now: DateTime<Utc>) -> Checked {
        count("attempts", self.attempts.len(), 1..=10)?;
        let mut previous = None;
        for (i, attempt) in self.attempts.iter_mut().enumerate() {
            let field = format!("attempts[{i}]");
            attempt.validate(&field, now)?;
            if previous.is_some_and(|previous| attempt.at < previous) {
                return Err(FieldError::new(
                    join(&field, "at"),
                    "is before the previous attempt: attempts must be in chronological order",
                ));
            }
            previous = Some(attempt.at);
        }

        let first_served = self.attempts.iter().position(|a| a.outcome.serves());
        let Some(first_served) = first_served else {
            return Presence::Forbidden.check(
                "served_attempt",
                &self.served_attempt,
                "when no attempt served",
            );
        };
        let Some(served) = self.served_attempt else {
            return Err(FieldError::new(
                "served_attempt",
                format!("is required: attempts[{first_served}] served the documents"),
            ));
        };
        if !self.attempts.get(served).is_some_and(|a| a.outcome.serves()) {
            return Err(FieldError::new(
                "served_attempt",
                "must be the index of an attempt whose outcome served the documents",
            ));
        }
        // Serving ends the task: a later attempt means the record is wrong somewhere.
        if first_served + 1 < self.attempts.len() {
            return Err(FieldError::new(
                format!("attempts[{}]", first_served + 1),
                format!("no attempt may follow attempts[{first_served}], which served the documents"),
            ));
        }
        Ok(())
    }

    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>) {
        for (i, attempt) in self.attempts.iter().enumerate() {
            let accepted = match attempt.outcome {
                ServiceOutcome::ServedPersonally | ServiceOutcome::ServedToAdultFamilyMember => SERVICE_PROOF,
                ServiceOutcome::Refused | ServiceOutcome::NotFound | ServiceOutcome::Moved => SCENE_RECORD,
            };
            push_refs(
                refs,
                &format!("attempts[{i}].evidence_ids"),
                &attempt.evidence_ids,
                accepted,
            );
        }
    }

    fn successful(&self) -> bool {
        self.served_attempt.is_some()
    }
}

impl ServiceAttempt {
    fn validate(&mut self, field: &str, now: DateTime<Utc>) -> Checked {
        let f = |name| join(field, name);
        not_future(&f("at"), self.at, now)?;
        text(&f("place"), &mut self.place, ADDRESS)?;
        point(&f("point"), self.point.as_ref())?;
        if let Some(recipient) = &mut self.recipient {
            text(&f("recipient.name"), &mut recipient.name, NAME)?;
            text(&f("recipient.relation"), &mut recipient.relation, NAME)?;
        }
        if let Some(witness) = &mut self.witness {
            witness.validate(&f("witness"))?;
        }
        optional_text(&f("new_address"), &mut self.new_address, ADDRESS)?;
        evidence_ids(&f("evidence_ids"), &self.evidence_ids)?;
        optional_text(&f("note"), &mut self.note, FREE_TEXT)?;

        use Presence::{Allowed, Forbidden, Required};
        let (recipient, witness, new_address) = match self.outcome {
            ServiceOutcome::ServedPersonally | ServiceOutcome::NotFound => (Forbidden, Forbidden, Forbidden),
            ServiceOutcome::ServedToAdultFamilyMember => (Required, Forbidden, Forbidden),
            // The refusing person may be a family member rather than the addressee (art. 89).
            // The witness is one of the two lawful routes; the other is a recording (below).
            ServiceOutcome::Refused => (Allowed, Allowed, Forbidden),
            ServiceOutcome::Moved => (Forbidden, Forbidden, Required),
        };
        let context = format!("when `outcome` is `{}`", json_name(&self.outcome));
        recipient.check(&f("recipient"), &self.recipient, &context)?;
        witness.check(&f("witness"), &self.witness, &context)?;
        new_address.check(&f("new_address"), &self.new_address, &context)?;
        if self.outcome == ServiceOutcome::Refused && self.witness.is_none() && self.evidence_ids.is_empty() {
            return Err(FieldError::new(
                f("witness"),
                "留置送达 (Civil Procedure Law art. 89) needs a witness (a representative of the grassroots \
                 organisation or the work unit) or a photo or audio recording of leaving the documents",
            ));
        }
        Ok(())
    }
}

impl Body for LocatePerson {
    fn validate(&mut self, _now: DateTime<Utc>) -> Checked {
        if let Some(whereabouts) = &mut self.whereabouts {
            text("whereabouts.address", &mut whereabouts.address, ADDRESS)?;
            point("whereabouts.point", whereabouts.point.as_ref())?;
        }
        if let Some(contact) = &mut self.contact {
            phone("contact.phone", &mut contact.phone)?;
            optional_text("contact.note", &mut contact.note, FREE_TEXT)?;
            if contact.phone.is_none() && contact.note.is_none() {
                return Err(FieldError::new("contact", "must have a phone or a note"));
            }
        }
        optional_text("verification_note", &mut self.verification_note, FREE_TEXT)?;
        evidence_ids("evidence_ids", &self.evidence_ids)?;
        optional_text("note", &mut self.note, FREE_TEXT)?;

        use Presence::{Allowed, Forbidden, Required};
        let context = format!("when `found` is {}", self.found);
        // Not found leaves nothing to locate, contact or verify; the note must say how we looked.
        let (found_fields, note) = if self.found {
            (Required, Allowed)
        } else {
            (Forbidden, Required)
        };
        found_fields.check("whereabouts", &self.whereabouts, &context)?;
        let contact = if self.found { Allowed } else { Forbidden };
        contact.check("contact", &self.contact, &context)?;
        found_fields.check("verified_by", &self.verified_by, &context)?;
        let verification_note = match self.verified_by {
            Some(VerifiedBy::Other) => Required,
            Some(_) => Allowed,
            None => Forbidden,
        };
        let why = match self.verified_by {
            Some(by) => format!("when `verified_by` is `{}`", json_name(&by)),
            None => "without `verified_by`".to_owned(),
        };
        verification_note.check("verification_note", &self.verification_note, &why)?;
        note.check("note", &self.note, &context)
    }

    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>) {
        push_refs(refs, "evidence_ids", &self.evidence_ids, RECORDS);
    }

    fn successful(&self) -> bool {
        self.found
    }
}

impl Body for LocateAssets {
    fn validate(&mut self, _now: DateTime<Utc>) -> Checked {
        count("assets", self.assets.len(), 0..=50)?;
        for (i, asset) in self.assets.iter_mut().enumerate() {
            asset.validate(&format!("assets[{i}]"))?;
        }
        text("searched", &mut self.searched, FREE_TEXT)?;
        optional_text("note", &mut self.note, FREE_TEXT)
    }

    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>) {
        for (i, asset) in self.assets.iter().enumerate() {
            push_refs(
                refs,
                &format!("assets[{i}].evidence_ids"),
                &asset.evidence_ids,
                PAPERS,
            );
        }
    }

    fn successful(&self) -> bool {
        !self.assets.is_empty()
    }
}

impl Asset {
    fn validate(&mut self, field: &str) -> Checked {
        let f = |name| join(field, name);
        text(&f("description"), &mut self.description, FREE_TEXT)?;
        // `other` says nothing by itself, so its description must.
        if self.asset_type == AssetType::Other && self.description.chars().count() < 4 {
            return Err(FieldError::new(
                f("description"),
                "must be at least 4 characters when `type` is `other`",
            ));
        }
        if let Some(location) = &mut self.location {
            optional_text(&f("location.address"), &mut location.address, ADDRESS)?;
            point(&f("location.point"), location.point.as_ref())?;
            if location.address.is_none() && location.point.is_none() {
                return Err(FieldError::new(f("location"), "must have an address or a point"));
            }
        }
        optional_money(&f("estimated_value_fen"), self.estimated_value_fen)?;
        evidence_ids(&f("evidence_ids"), &self.evidence_ids)
    }
}

impl Body for UrgePerformance {
    fn validate(&mut self, now: DateTime<Utc>) -> Checked {
        optional_money("amount_promised_fen", self.amount_promised_fen)?;
        not_before_today("promised_by", self.promised_by, now)?;
        money("amount_paid_now_fen", self.amount_paid_now_fen)?;
        evidence_ids("receipt_evidence_ids", &self.receipt_evidence_ids)?;
        optional_text("statement", &mut self.statement, FREE_TEXT)?;
        evidence_ids("evidence_ids", &self.evidence_ids)?;
        optional_text("note", &mut self.note, FREE_TEXT)?;

        use Presence::{Allowed, Forbidden, Required};
        let context = format!("when `response` is `{}`", json_name(&self.response));
        let promise = match self.response {
            UrgeResponse::AgreedToPay => Required,
            UrgeResponse::PaidInFull | UrgeResponse::PaidInPart => Allowed,
            UrgeResponse::Refused | UrgeResponse::UnableToPay | UrgeResponse::NotReached => Forbidden,
        };
        promise.check("amount_promised_fen", &self.amount_promised_fen, &context)?;
        if self.response == UrgeResponse::AgreedToPay {
            positive(
                "amount_promised_fen",
                self.amount_promised_fen.unwrap_or(0),
                &context,
            )?;
        }
        promise.check("promised_by", &self.promised_by, &context)?;

        if self.response.pays_now() {
            positive("amount_paid_now_fen", self.amount_paid_now_fen, &context)?;
            at_least(
                "receipt_evidence_ids",
                &self.receipt_evidence_ids,
                1,
                "a payment needs at least one receipt",
            )?;
        } else if self.amount_paid_now_fen != 0 {
            return Err(FieldError::new(
                "amount_paid_now_fen",
                format!("must be 0 {context}"),
            ));
        } else if !self.receipt_evidence_ids.is_empty() {
            return Err(FieldError::new(
                "receipt_evidence_ids",
                format!("must be empty {context}"),
            ));
        }
        Ok(())
    }

    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>) {
        push_refs(refs, "receipt_evidence_ids", &self.receipt_evidence_ids, PAPERS);
        push_refs(refs, "evidence_ids", &self.evidence_ids, ANY_EVIDENCE);
    }

    fn successful(&self) -> bool {
        matches!(
            self.response,
            UrgeResponse::AgreedToPay | UrgeResponse::PaidInFull | UrgeResponse::PaidInPart
        )
    }
}

impl Body for FacilitateSettlement {
    fn validate(&mut self, _now: DateTime<Utc>) -> Checked {
        optional_text("terms", &mut self.terms, FREE_TEXT)?;
        optional_money("amount_fen", self.amount_fen)?;
        evidence_ids("signature_evidence_ids", &self.signature_evidence_ids)?;
        evidence_ids("evidence_ids", &self.evidence_ids)?;
        optional_text("note", &mut self.note, FREE_TEXT)?;

        use Presence::{Allowed, Forbidden, Required};
        let context = format!("when `reached` is {}", self.reached);
        // Without a settlement there are no terms to record, and the note must say why.
        let (terms, details, note) = if self.reached {
            (Required, Allowed, Allowed)
        } else {
            (Forbidden, Forbidden, Required)
        };
        terms.check("terms", &self.terms, &context)?;
        details.check("amount_fen", &self.amount_fen, &context)?;
        details.check("pay_by", &self.pay_by, &context)?;
        if self.reached {
            at_least(
                "signature_evidence_ids",
                &self.signature_evidence_ids,
                2,
                "a settlement needs both parties' signatures: at least 2 ids",
            )?;
        } else if !self.signature_evidence_ids.is_empty() {
            return Err(FieldError::new(
                "signature_evidence_ids",
                format!("must be empty {context}"),
            ));
        }
        note.check("note", &self.note, &context)
    }

    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>) {
        push_refs(
            refs,
            "signature_evidence_ids",
            &self.signature_evidence_ids,
            SIGNATURES,
        );
        push_refs(refs, "evidence_ids", &self.evidence_ids, ANY_EVIDENCE);
    }

    fn successful(&self) -> bool {
        self.reached
    }
}

impl Body for PublicizeDishonesty {
    fn validate(&mut self, now: DateTime<Utc>) -> Checked {
        count("postings", self.postings.len(), 1..=20)?;
        for (i, posting) in self.postings.iter_mut().enumerate() {
            let f = |name| format!("postings[{i}].{name}");
            text(&f("place"), &mut posting.place, ADDRESS)?;
            point(&f("point"), posting.point.as_ref())?;
            not_future(&f("posted_at"), posting.posted_at, now)?;
            evidence_ids(&f("evidence_ids"), &posting.evidence_ids)?;
            at_least(
                &f("evidence_ids"),
                &posting.evidence_ids,
                1,
                "a posting needs at least one photo of the notice",
            )?;
        }
        optional_text("note", &mut self.note, FREE_TEXT)
    }

    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>) {
        for (i, posting) in self.postings.iter().enumerate() {
            push_refs(
                refs,
                &format!("postings[{i}].evidence_ids"),
                &posting.evidence_ids,
                PHOTOS,
            );
        }
    }

    fn successful(&self) -> bool {
        true
    }
}

impl Body for ReportRefusal {
    fn validate(&mut self, now: DateTime<Utc>) -> Checked {
        not_future("occurred_at", self.occurred_at, now)?;
        if self.conduct.is_empty() {
            return Err(FieldError::new(
                "conduct",
                "must name at least one kind of conduct",
            ));
        }
        let mut seen = HashSet::new();
        if let Some(i) = self.conduct.iter().position(|c| !seen.insert(*c)) {
            return Err(FieldError::new(format!("conduct[{i}]"), "is listed twice"));
        }
        text("description", &mut self.description, FREE_TEXT)?;
        evidence_ids("evidence_ids", &self.evidence_ids)?;
        at_least(
            "evidence_ids",
            &self.evidence_ids,
            1,
            "a report needs at least one piece of evidence",
        )?;
        count("witnesses", self.witnesses.len(), 0..=20)?;
        for (i, witness) in self.witnesses.iter_mut().enumerate() {
            witness.validate(&format!("witnesses[{i}]"))?;
        }
        optional_text("note", &mut self.note, FREE_TEXT)
    }

    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>) {
        push_refs(refs, "evidence_ids", &self.evidence_ids, RECORDS);
    }

    fn successful(&self) -> bool {
        true
    }
}

impl Body for TakeDownNotice {
    fn validate(&mut self, now: DateTime<Utc>) -> Checked {
        count("removals", self.removals.len(), 1..=20)?;
        for (i, removal) in self.removals.iter_mut().enumerate() {
            let f = |name| format!("removals[{i}].{name}");
            text(&f("place"), &mut removal.place, ADDRESS)?;
            point(&f("point"), removal.point.as_ref())?;
            not_future(&f("removed_at"), removal.removed_at, now)?;
            evidence_ids(&f("evidence_ids"), &removal.evidence_ids)?;
            at_least(
                &f("evidence_ids"),
                &removal.evidence_ids,
                1,
                "a removal needs at least one photo of the place without the notice",
            )?;
        }
        optional_text("note", &mut self.note, FREE_TEXT)
    }

    fn evidence_refs(&self, refs: &mut Vec<EvidenceRef>) {
        for (i, removal) in self.removals.iter().enumerate() {
            push_refs(
                refs,
                &format!("removals[{i}].evidence_ids"),
                &removal.evidence_ids,
                PHOTOS,
            );
        }
    }

    fn successful(&self) -> bool {
        true
    }
}

crate::domain::named::named_enum! {
    /// The officer's verdict on a submitted result, as stored with the submission.
    pub enum Verdict {
        Approved = "approved",
        /// Sent back for rework.
        Returned = "returned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2026-03-02 10:00 in China.
    fn now() -> DateTime<Utc> {
        "2026-03-02T02:00:00Z".parse().unwrap()
    }

    fn ok(kind: TaskKind, value: Value) -> TaskResult {
        parse(kind, value, now()).unwrap_or_else(|e| panic!("unexpected error {e}"))
    }

    fn err(kind: TaskKind, value: Value) -> FieldError {
        match parse(kind, value, now()) {
            Ok(result) => panic!("accepted {result:?}"),
            Err(e) => e,
        }
    }

    /// Assert the value is rejected at `field`; returns the message for further checks.
    #[track_caller]
    fn rejects_at(kind: TaskKind, value: Value, field: &str) -> String {
        let e = err(kind, value);
        assert_eq!(e.field, field, "wrong field for {e:?}");
        e.message
    }

    /// Replace or insert the value at a JSON pointer.
    fn set(mut value: Value, pointer: &str, new: Value) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match value.pointer_mut(parent).unwrap() {
            Value::Object(map) => {
                map.insert(key.to_owned(), new);
            }
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = new,
            other => panic!("cannot set inside {other}"),
        }
        value
    }

    fn remove(mut value: Value, pointer: &str) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        value
            .pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key)
            .unwrap();
        value
    }

    const SERVE: TaskKind = TaskKind::ServeDocuments;
    const PERSON: TaskKind = TaskKind::LocatePerson;
    const ASSETS: TaskKind = TaskKind::LocateAssets;
    const URGE: TaskKind = TaskKind::UrgePerformance;
    const SETTLE: TaskKind = TaskKind::FacilitateSettlement;
    const PUBLICIZE: TaskKind = TaskKind::PublicizeDishonesty;
    const REFUSAL: TaskKind = TaskKind::ReportRefusal;
    const TAKE_DOWN: TaskKind = TaskKind::TakeDownNotice;

    fn serve() -> Value {
        json!({
            "kind": "serve_documents",
            "attempts": [
                {
                    "at": "2026-03-01T01:00:00Z",
                    "place": "  兴化市昭阳街道英武路12号 ",
                    "outcome": "not_found",
                    "evidence_ids": [1],
                },
                {
                    "at": "2026-03-02T09:30:00+08:00",
                    "place": "兴化市昭阳街道英武路12号",
                    "point": { "lat": 32.94, "lon": 119.83, "crs": "gcj02" },
                    "outcome": "refused",
                    "witness": { "name": " 王五 ", "organisation": "昭阳社区居委会" },
                    "evidence_ids": [2, 3],
                    "note": "拒收，文书留置于门口\n已拍照",
                },
            ],
            "served_attempt": 1,
        })
    }

    fn serve_one(attempt: Value) -> Value {
        json!({ "kind": "serve_documents", "attempts": [attempt], "served_attempt": 0 })
    }

    fn attempt(outcome: &str) -> Value {
        json!({ "at": "2026-03-01T01:00:00Z", "place": "英武路12号", "outcome": outcome, "evidence_ids": [] })
    }

    fn person_found() -> Value {
        json!({
            "kind": "locate_person",
            "found": true,
            "whereabouts": { "address": "兴化市英武路8号", "point": { "lat": 32.9, "lon": 119.8 } },
            "contact": { "phone": "+86 138-0000-0000" },
            "verified_by": "neighbour",
            "evidence_ids": [4],
        })
    }

    fn person_not_found() -> Value {
        json!({ "kind": "locate_person", "found": false, "note": "走访原住址及村委会，均称已外出务工" })
    }

    fn assets() -> Value {
        json!({
            "kind": "locate_assets",
            "assets": [
                {
                    "type": "vehicle",
                    "description": "白色轿车 苏M12345",
                    "location": { "address": "小区地下车库" },
                    "estimated_value_fen": 8_000_000,
                    "evidence_ids": [5, 6],
                },
                { "type": "other", "description": "鱼塘承包经营权", "evidence_ids": [] },
            ],
            "searched": "住所、车库、村委会登记",
        })
    }

    fn urge_agreed() -> Value {
        json!({
            "kind": "urge_performance",
            "response": "agreed_to_pay",
            "amount_promised_fen": 500_000,
            "promised_by": "2026-03-31",
            "statement": "月底前还清",
            "evidence_ids": [7],
        })
    }

    fn urge_paid() -> Value {
        json!({
            "kind": "urge_performance",
            "response": "paid_in_part",
            "amount_paid_now_fen": 120_000,
            "receipt_evidence_ids": [8],
            "amount_promised_fen": 380_000,
            "promised_by": "2026-04-30",
        })
    }

    fn settled() -> Value {
        json!({
            "kind": "facilitate_settlement",
            "reached": true,
            "terms": "分三期还款",
            "amount_fen": 1_000_000,
            "pay_by": "2026-06-30",
            "signature_evidence_ids": [9, 10],
            "evidence_ids": [11],
        })
    }

    fn not_settled() -> Value {
        json!({ "kind": "facilitate_settlement", "reached": false, "note": "申请人不同意分期" })
    }

    fn publicized() -> Value {
        json!({
            "kind": "publicize_dishonesty",
            "postings": [
                { "place": "昭阳社区公告栏", "posted_at": "2026-03-01T02:00:00Z", "evidence_ids": [12] },
                {
                    "place": "村口",
                    "point": { "lat": 32.9, "lon": 119.8, "crs": "bd09" },
                    "posted_at": "2026-03-01T03:00:00Z",
                    "evidence_ids": [13, 14],
                },
            ],
        })
    }

    fn refusal() -> Value {
        json!({
            "kind": "report_refusal",
            "occurred_at": "2026-03-01T06:00:00Z",
            "conduct": ["obstructed_service", "threatened_staff"],
            "description": "被执行人锁门并辱骂送达人员",
            "evidence_ids": [15],
            "witnesses": [{ "name": "赵六" }],
        })
    }

    fn all_valid() -> Vec<(TaskKind, Value)> {
        vec![
            (SERVE, serve()),
            (PERSON, person_found()),
            (PERSON, person_not_found()),
            (ASSETS, assets()),
            (URGE, urge_agreed()),
            (URGE, urge_paid()),
            (SETTLE, settled()),
            (SETTLE, not_settled()),
            (PUBLICIZE, publicized()),
            (REFUSAL, refusal()),
        ]
    }

    // --- general ---------------------------------------------------------------------------

    #[test]
    fn every_valid_example_parses_and_round_trips_through_the_canonical_json() {
        for (kind, value) in all_valid() {
            let result = ok(kind, value);
            assert_eq!(result.kind(), kind);
            let canonical = serde_json::to_value(&result).unwrap();
            assert_eq!(canonical["kind"], kind.as_str());
            // The stored form reads back as the same result, and is itself a valid submission.
            assert_eq!(
                serde_json::from_value::<TaskResult>(canonical.clone()).unwrap(),
                result
            );
            assert_eq!(ok(kind, canonical), result);
        }
    }

    #[test]
    fn text_is_trimmed_and_absent_options_are_omitted() {
        let TaskResult::ServeDocuments(serve) = ok(SERVE, serve()) else {
            panic!()
        };
        assert_eq!(serve.attempts[0].place, "兴化市昭阳街道英武路12号");
        assert_eq!(serve.attempts[1].witness.as_ref().unwrap().name, "王五");
        // Free text keeps its line breaks.
        assert_eq!(
            serve.attempts[1].note.as_deref(),
            Some("拒收，文书留置于门口\n已拍照")
        );
        let canonical = serde_json::to_value(TaskResult::ServeDocuments(serve)).unwrap();
        assert!(canonical["attempts"][0].get("point").is_none());
        assert!(canonical["attempts"][0].get("note").is_none());
        assert_eq!(canonical["attempts"][1]["at"], "2026-03-02T01:30:00Z");
    }

    #[test]
    fn blank_optional_text_counts_as_absent() {
        let value = set(person_not_found(), "/verification_note", json!("  "));
        let TaskResult::LocatePerson(person) = ok(PERSON, value) else {
            panic!()
        };
        assert_eq!(person.verification_note, None);
    }

    #[test]
    fn kind_must_match_the_task() {
        let message = rejects_at(PERSON, serve(), "kind");
        assert!(
            message.contains("locate_person") && message.contains("serve_documents"),
            "{message}"
        );
        rejects_at(SERVE, set(serve(), "/kind", json!("serve")), "kind");
        rejects_at(SERVE, set(serve(), "/kind", json!(3)), "kind");
        assert_eq!(rejects_at(SERVE, remove(serve(), "/kind"), "kind"), "is required");
    }

    #[test]
    fn a_result_must_be_an_object() {
        assert_eq!(err(SERVE, json!([1, 2])).field, "");
        assert_eq!(err(SERVE, json!(null)).to_string(), "must be a JSON object");
    }

    #[test]
    fn unknown_fields_are_rejected_where_they_are() {
        let message = rejects_at(SERVE, set(serve(), "/colour", json!("red")), "colour");
        assert!(message.starts_with("unknown field"), "{message}");
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/colour", json!(1)),
            "attempts[1].colour",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/witness/age", json!(40)),
            "attempts[1].witness.age",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/point/alt", json!(3.0)),
            "attempts[1].point.alt",
        );
        rejects_at(
            URGE,
            set(urge_agreed(), "/amount_paid_fen", json!(1)),
            "amount_paid_fen",
        );
    }

    #[test]
    fn type_errors_name_their_path() {
        rejects_at(
            SERVE,
            set(serve(), "/attempts/0/outcome", json!("lost")),
            "attempts[0].outcome",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/at", json!("yesterday")),
            "attempts[1].at",
        );
        // A time without an offset is ambiguous.
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/at", json!("2026-03-01T09:00:00")),
            "attempts[1].at",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/point/crs", json!("utm")),
            "attempts[1].point.crs",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/evidence_ids/1", json!("3")),
            "attempts[1].evidence_ids[1]",
        );
        rejects_at(
            SERVE,
            set(serve(), "/served_attempt", json!(-1)),
            "served_attempt",
        );
        rejects_at(
            URGE,
            set(urge_agreed(), "/promised_by", json!("next week")),
            "promised_by",
        );
        rejects_at(
            URGE,
            set(urge_agreed(), "/amount_promised_fen", json!(12.5)),
            "amount_promised_fen",
        );
        rejects_at(
            ASSETS,
            set(assets(), "/assets/1/type", json!("boat")),
            "assets[1].type",
        );
        rejects_at(PERSON, set(person_found(), "/found", json!("yes")), "found");
    }

    #[test]
    fn bad_times_and_dates_say_what_is_expected() {
        let message = rejects_at(
            SERVE,
            set(serve(), "/attempts/1/at", json!("1 March")),
            "attempts[1].at",
        );
        assert!(message.contains("RFC 3339"), "{message}");
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/at", json!(1_772_330_400)),
            "attempts[1].at",
        );
        let message = rejects_at(
            URGE,
            set(urge_agreed(), "/promised_by", json!("31/03/2026")),
            "promised_by",
        );
        assert!(message.contains("YYYY-MM-DD"), "{message}");
        rejects_at(SETTLE, set(settled(), "/pay_by", json!("2026-02-30")), "pay_by");
        rejects_at(SETTLE, set(settled(), "/pay_by", json!(20_260_630)), "pay_by");
        let TaskResult::FacilitateSettlement(s) = ok(SETTLE, set(settled(), "/pay_by", json!(null))) else {
            panic!()
        };
        assert_eq!(s.pay_by, None);
    }

    #[test]
    fn missing_fields_are_named() {
        let message = rejects_at(
            SERVE,
            remove(serve(), "/attempts/0/outcome"),
            "attempts[0].outcome",
        );
        assert_eq!(message, "is required");
        rejects_at(SERVE, remove(serve(), "/attempts"), "attempts");
        rejects_at(ASSETS, remove(assets(), "/searched"), "searched");
    }

    #[test]
    fn field_error_displays_field_and_message() {
        let e = FieldError::new("attempts[0].at", "must not be in the future");
        assert_eq!(e.to_string(), "attempts[0].at: must not be in the future");
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().starts_with("attempts[0].at"));
    }

    #[test]
    fn times_may_run_ten_minutes_ahead_but_no_more() {
        let ahead = |t: &str| set(serve(), "/attempts/1/at", json!(t));
        ok(SERVE, ahead("2026-03-02T02:10:00Z"));
        assert_eq!(
            rejects_at(SERVE, ahead("2026-03-02T02:10:01Z"), "attempts[1].at"),
            "must not be in the future"
        );
        let late = set(
            publicized(),
            "/postings/1/posted_at",
            json!("2026-03-03T00:00:00Z"),
        );
        rejects_at(PUBLICIZE, late, "postings[1].posted_at");
        rejects_at(
            REFUSAL,
            set(refusal(), "/occurred_at", json!("2026-03-02T11:00:00+08:00")),
            "occurred_at",
        );
    }

    #[test]
    fn text_limits() {
        let long = |n: usize| json!("字".repeat(n));
        ok(SERVE, set(serve(), "/attempts/0/place", long(300)));
        rejects_at(
            SERVE,
            set(serve(), "/attempts/0/place", long(301)),
            "attempts[0].place",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/witness/name", long(101)),
            "attempts[1].witness.name",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/note", long(2001)),
            "attempts[1].note",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/0/place", json!(" \t ")),
            "attempts[0].place",
        );
        // Names and addresses are one line.
        rejects_at(
            SERVE,
            set(serve(), "/attempts/0/place", json!("英武路\n12号")),
            "attempts[0].place",
        );
        rejects_at(
            REFUSAL,
            set(refusal(), "/witnesses/0/name", json!("")),
            "witnesses[0].name",
        );
    }

    #[test]
    fn points_are_range_checked() {
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/point/lat", json!(119.83)),
            "attempts[1].point.lat",
        );
        rejects_at(
            PERSON,
            set(person_found(), "/whereabouts/point/lon", json!(-181)),
            "whereabouts.point.lon",
        );
        rejects_at(
            ASSETS,
            set(
                assets(),
                "/assets/0/location/point",
                json!({ "lat": 91, "lon": 0 }),
            ),
            "assets[0].location.point.lat",
        );
        rejects_at(
            PUBLICIZE,
            set(publicized(), "/postings/1/point/lon", json!(200)),
            "postings[1].point.lon",
        );
    }

    #[test]
    fn points_default_to_wgs84_and_convert() {
        let TaskResult::LocatePerson(person) = ok(PERSON, person_found()) else {
            panic!()
        };
        let point = person.whereabouts.unwrap().point.unwrap();
        assert_eq!(point.crs, Crs::Wgs84);
        assert_eq!(point.to_wgs84(), LatLon::new(32.9, 119.8));
        let gcj = Point {
            crs: Crs::Gcj02,
            ..point
        };
        assert_ne!(gcj.to_wgs84(), LatLon::new(32.9, 119.8));
    }

    #[test]
    fn evidence_lists_hold_at_most_twenty_distinct_positive_ids() {
        let ids = |ids: Value| set(serve(), "/attempts/1/evidence_ids", ids);
        rejects_at(SERVE, ids(json!([2, 0])), "attempts[1].evidence_ids[1]");
        rejects_at(SERVE, ids(json!([-4])), "attempts[1].evidence_ids[0]");
        assert_eq!(
            rejects_at(SERVE, ids(json!([2, 3, 2])), "attempts[1].evidence_ids[2]"),
            "is listed twice"
        );
        ok(SERVE, ids(json!((1..=20).collect::<Vec<_>>())));
        rejects_at(
            SERVE,
            ids(json!((1..=21).collect::<Vec<_>>())),
            "attempts[1].evidence_ids",
        );
        rejects_at(
            URGE,
            set(urge_paid(), "/receipt_evidence_ids", json!([8, 8])),
            "receipt_evidence_ids[1]",
        );
    }

    #[test]
    fn money_is_whole_fen_within_range() {
        rejects_at(
            ASSETS,
            set(assets(), "/assets/0/estimated_value_fen", json!(-1)),
            "assets[0].estimated_value_fen",
        );
        ok(
            ASSETS,
            set(
                assets(),
                "/assets/0/estimated_value_fen",
                json!(10_000_000_000_000_i64),
            ),
        );
        rejects_at(
            ASSETS,
            set(
                assets(),
                "/assets/0/estimated_value_fen",
                json!(10_000_000_000_001_i64),
            ),
            "assets[0].estimated_value_fen",
        );
        rejects_at(SETTLE, set(settled(), "/amount_fen", json!(-100)), "amount_fen");
        rejects_at(
            URGE,
            set(urge_paid(), "/amount_paid_now_fen", json!(-5)),
            "amount_paid_now_fen",
        );
    }

    // --- serve_documents -------------------------------------------------------------------

    #[test]
    fn serving_outcomes_and_what_they_need() {
        ok(SERVE, serve_one(attempt("served_personally")));
        let family = set(
            attempt("served_to_adult_family_member"),
            "/recipient",
            json!({ "name": "李四", "relation": "配偶" }),
        );
        ok(SERVE, serve_one(family.clone()));
        rejects_at(
            SERVE,
            serve_one(remove(family.clone(), "/recipient")),
            "attempts[0].recipient",
        );
        rejects_at(
            SERVE,
            serve_one(set(family.clone(), "/recipient/relation", json!(" "))),
            "attempts[0].recipient.relation",
        );
        rejects_at(
            SERVE,
            serve_one(remove(family, "/recipient/relation")),
            "attempts[0].recipient.relation",
        );
        let moved = json!({ "kind": "serve_documents", "attempts": [set(attempt("moved"), "/new_address", json!("泰州市海陵区"))] });
        let TaskResult::ServeDocuments(moved_result) = ok(SERVE, moved.clone()) else {
            panic!()
        };
        assert_eq!(moved_result.served_attempt, None);
        rejects_at(
            SERVE,
            remove(moved, "/attempts/0/new_address"),
            "attempts[0].new_address",
        );
    }

    #[test]
    fn lodged_service_needs_a_witness_or_a_record_as_the_law_has_it() {
        // Either route of art. 89 alone is lawful: a witness without a recording...
        ok(SERVE, set(serve(), "/attempts/1/evidence_ids", json!([])));
        // ... or a recording without a witness.
        ok(SERVE, remove(serve(), "/attempts/1/witness"));
        // Neither is not.
        let message = rejects_at(
            SERVE,
            set(
                remove(serve(), "/attempts/1/witness"),
                "/attempts/1/evidence_ids",
                json!([]),
            ),
            "attempts[1].witness",
        );
        assert!(message.contains("留置送达"), "{message}");
        // A witness given is a real one.
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/witness/name", json!("  ")),
            "attempts[1].witness.name",
        );
        // Who refused, when it was a family member, may be recorded.
        ok(
            SERVE,
            set(
                serve(),
                "/attempts/1/recipient",
                json!({ "name": "李四", "relation": "子女" }),
            ),
        );
    }

    #[test]
    fn fields_that_do_not_belong_to_the_outcome_are_rejected() {
        let recipient = json!({ "name": "李四", "relation": "配偶" });
        let witness = json!({ "name": "王五" });
        let not_found = json!({ "kind": "serve_documents", "attempts": [attempt("not_found")] });
        ok(SERVE, not_found.clone());
        rejects_at(
            SERVE,
            set(not_found.clone(), "/attempts/0/recipient", recipient.clone()),
            "attempts[0].recipient",
        );
        rejects_at(
            SERVE,
            set(not_found.clone(), "/attempts/0/witness", witness.clone()),
            "attempts[0].witness",
        );
        let message = rejects_at(
            SERVE,
            set(not_found, "/attempts/0/new_address", json!("海陵区")),
            "attempts[0].new_address",
        );
        assert_eq!(message, "must not be given when `outcome` is `not_found`");
        let personal = serve_one(attempt("served_personally"));
        rejects_at(
            SERVE,
            set(personal.clone(), "/attempts/0/recipient", recipient),
            "attempts[0].recipient",
        );
        rejects_at(
            SERVE,
            set(personal, "/attempts/0/witness", witness),
            "attempts[0].witness",
        );
        rejects_at(
            SERVE,
            set(serve(), "/attempts/1/new_address", json!("海陵区")),
            "attempts[1].new_address",
        );
    }

    #[test]
    fn attempts_are_counted_and_chronological() {
        rejects_at(SERVE, set(serve(), "/attempts", json!([])), "attempts");
        let eleven: Vec<Value> = (0..11).map(|_| attempt("not_found")).collect();
        rejects_at(
            SERVE,
            json!({ "kind": "serve_documents", "attempts": eleven }),
            "attempts",
        );
        let ten: Vec<Value> = (0..10).map(|_| attempt("not_found")).collect();
        ok(SERVE, json!({ "kind": "serve_documents", "attempts": ten }));
        let backwards = set(serve(), "/attempts/1/at", json!("2026-03-01T00:59:59Z"));
        rejects_at(SERVE, backwards, "attempts[1].at");
    }

    #[test]
    fn served_attempt_must_name_the_serving_attempt_which_ends_the_task() {
        rejects_at(SERVE, remove(serve(), "/served_attempt"), "served_attempt");
        rejects_at(SERVE, set(serve(), "/served_attempt", json!(0)), "served_attempt");
        rejects_at(SERVE, set(serve(), "/served_attempt", json!(2)), "served_attempt");
        let unserved =
            json!({ "kind": "serve_documents", "attempts": [attempt("not_found")], "served_attempt": 0 });
        rejects_at(SERVE, unserved, "served_attempt");
        let after = json!({
            "kind": "serve_documents",
            "attempts": [attempt("served_personally"), attempt("not_found")],
            "served_attempt": 0,
        });
        rejects_at(SERVE, after, "attempts[1]");
        let twice = json!({
            "kind": "serve_documents",
            "attempts": [attempt("refused"), attempt("served_personally")],
            "served_attempt": 1,
        });
        let twice = set(twice, "/attempts/0/witness", json!({ "name": "王五" }));
        let twice = set(twice, "/attempts/0/evidence_ids", json!([1]));
        rejects_at(SERVE, twice, "attempts[1]");
    }

    #[test]
    fn serve_documents_evidence_refs_depend_on_the_outcome() {
        let result = ok(SERVE, serve());
        assert_eq!(
            result.evidence_refs(),
            vec![
                EvidenceRef {
                    path: "attempts[0].evidence_ids[0]".into(),
                    id: 1,
                    accepted: SCENE_RECORD
                },
                EvidenceRef {
                    path: "attempts[1].evidence_ids[0]".into(),
                    id: 2,
                    accepted: SCENE_RECORD
                },
                EvidenceRef {
                    path: "attempts[1].evidence_ids[1]".into(),
                    id: 3,
                    accepted: SCENE_RECORD
                },
            ]
        );
        assert_eq!(SCENE_RECORD, &[EvidenceKind::Photo, EvidenceKind::Audio]);
        let personal = ok(
            SERVE,
            serve_one(set(attempt("served_personally"), "/evidence_ids", json!([9]))),
        );
        let refs = personal.evidence_refs();
        assert_eq!(refs.len(), 1);
        for kind in [
            EvidenceKind::Photo,
            EvidenceKind::Signature,
            EvidenceKind::Pdf,
            EvidenceKind::Audio,
        ] {
            assert!(refs[0].accepted.contains(&kind));
        }
        assert!(personal.successful());
        assert!(ok(SERVE, serve()).successful());
        assert!(
            !ok(
                SERVE,
                json!({ "kind": "serve_documents", "attempts": [attempt("not_found")] })
            )
            .successful()
        );
    }

    // --- locate_person ---------------------------------------------------------------------

    #[test]
    fn found_needs_whereabouts_and_verification() {
        rejects_at(PERSON, remove(person_found(), "/whereabouts"), "whereabouts");
        rejects_at(PERSON, remove(person_found(), "/verified_by"), "verified_by");
        rejects_at(
            PERSON,
            set(person_found(), "/whereabouts/address", json!("")),
            "whereabouts.address",
        );
        let other = set(person_found(), "/verified_by", json!("other"));
        rejects_at(PERSON, other.clone(), "verification_note");
        ok(PERSON, set(other, "/verification_note", json!("快递员指认")));
    }

    #[test]
    fn not_found_needs_a_note_and_nothing_found() {
        rejects_at(PERSON, remove(person_not_found(), "/note"), "note");
        rejects_at(PERSON, set(person_not_found(), "/note", json!("   ")), "note");
        let whereabouts = json!({ "address": "英武路8号" });
        rejects_at(
            PERSON,
            set(person_not_found(), "/whereabouts", whereabouts),
            "whereabouts",
        );
        rejects_at(
            PERSON,
            set(person_not_found(), "/contact", json!({ "phone": "13800000000" })),
            "contact",
        );
        rejects_at(
            PERSON,
            set(person_not_found(), "/verified_by", json!("family")),
            "verified_by",
        );
    }

    #[test]
    fn contact_phone_is_checked() {
        let phone = |p: &str| set(person_found(), "/contact/phone", json!(p));
        ok(PERSON, phone("0523-8888 1234"));
        rejects_at(PERSON, phone("1234"), "contact.phone");
        rejects_at(PERSON, phone("138 0000 0000 ext 5"), "contact.phone");
        rejects_at(PERSON, phone("123456789012345678901"), "contact.phone");
        rejects_at(PERSON, phone("+ - + -"), "contact.phone");
        rejects_at(PERSON, set(person_found(), "/contact", json!({})), "contact");
    }

    #[test]
    fn locate_person_refs_and_success() {
        let found = ok(PERSON, person_found());
        assert!(found.successful());
        assert_eq!(
            found.evidence_refs(),
            vec![EvidenceRef {
                path: "evidence_ids[0]".into(),
                id: 4,
                accepted: RECORDS
            }]
        );
        assert!(!ok(PERSON, person_not_found()).successful());
        assert_eq!(found.amount_paid_fen(), 0);
    }

    // --- locate_assets ---------------------------------------------------------------------

    #[test]
    fn assets_rules() {
        let none = json!({ "kind": "locate_assets", "assets": [], "searched": "住所及车库" });
        assert!(!ok(ASSETS, none.clone()).successful());
        rejects_at(ASSETS, set(none, "/searched", json!(" ")), "searched");
        let many: Vec<Value> = (0..51)
            .map(|_| json!({ "type": "vehicle", "description": "车" }))
            .collect();
        rejects_at(ASSETS, set(assets(), "/assets", json!(many)), "assets");
        let message = rejects_at(
            ASSETS,
            set(assets(), "/assets/1/description", json!(" 鱼塘 ")),
            "assets[1].description",
        );
        assert!(message.contains("other"), "{message}");
        ok(ASSETS, set(assets(), "/assets/0/description", json!("车")));
        rejects_at(
            ASSETS,
            set(assets(), "/assets/0/description", json!("")),
            "assets[0].description",
        );
        rejects_at(
            ASSETS,
            set(assets(), "/assets/0/location", json!({})),
            "assets[0].location",
        );
        rejects_at(
            ASSETS,
            remove(assets(), "/assets/0/description"),
            "assets[0].description",
        );
    }

    #[test]
    fn locate_assets_refs_and_success() {
        let result = ok(ASSETS, assets());
        assert!(result.successful());
        let refs = result.evidence_refs();
        assert_eq!(
            refs.iter().map(|r| (r.path.as_str(), r.id)).collect::<Vec<_>>(),
            [("assets[0].evidence_ids[0]", 5), ("assets[0].evidence_ids[1]", 6)]
        );
        assert!(
            refs.iter()
                .all(|r| r.accepted == [EvidenceKind::Photo, EvidenceKind::Pdf])
        );
        let canonical = serde_json::to_value(&result).unwrap();
        assert_eq!(canonical["assets"][0]["type"], "vehicle");
    }

    // --- urge_performance ------------------------------------------------------------------

    #[test]
    fn a_promise_needs_an_amount_and_a_date_not_before_today_in_china() {
        rejects_at(
            URGE,
            remove(urge_agreed(), "/amount_promised_fen"),
            "amount_promised_fen",
        );
        rejects_at(
            URGE,
            set(urge_agreed(), "/amount_promised_fen", json!(0)),
            "amount_promised_fen",
        );
        rejects_at(URGE, remove(urge_agreed(), "/promised_by"), "promised_by");
        ok(URGE, set(urge_agreed(), "/promised_by", json!("2026-03-02")));
        rejects_at(
            URGE,
            set(urge_agreed(), "/promised_by", json!("2026-03-01")),
            "promised_by",
        );
        // 01:00 on 2 March in China is still 1 March in UTC: "today" is China's.
        let early: DateTime<Utc> = "2026-03-01T17:00:00Z".parse().unwrap();
        assert!(
            parse(
                URGE,
                set(urge_agreed(), "/promised_by", json!("2026-03-02")),
                early
            )
            .is_ok()
        );
        let e = parse(
            URGE,
            set(urge_agreed(), "/promised_by", json!("2026-03-01")),
            early,
        )
        .unwrap_err();
        assert_eq!(e.field, "promised_by");
        rejects_at(
            URGE,
            set(urge_agreed(), "/amount_paid_now_fen", json!(100)),
            "amount_paid_now_fen",
        );
        rejects_at(
            URGE,
            set(urge_agreed(), "/receipt_evidence_ids", json!([3])),
            "receipt_evidence_ids",
        );
    }

    #[test]
    fn a_payment_needs_an_amount_and_a_receipt() {
        rejects_at(
            URGE,
            set(urge_paid(), "/amount_paid_now_fen", json!(0)),
            "amount_paid_now_fen",
        );
        rejects_at(
            URGE,
            remove(urge_paid(), "/amount_paid_now_fen"),
            "amount_paid_now_fen",
        );
        rejects_at(
            URGE,
            set(urge_paid(), "/receipt_evidence_ids", json!([])),
            "receipt_evidence_ids",
        );
        let full = json!({
            "kind": "urge_performance",
            "response": "paid_in_full",
            "amount_paid_now_fen": 5_000_000,
            "receipt_evidence_ids": [1, 2],
        });
        let result = ok(URGE, full);
        assert_eq!(result.amount_paid_fen(), 5_000_000);
        assert!(result.successful());
        assert_eq!(ok(URGE, urge_paid()).amount_paid_fen(), 120_000);
        assert_eq!(ok(URGE, urge_agreed()).amount_paid_fen(), 0);
    }

    #[test]
    fn no_promise_or_payment_without_agreement() {
        for response in ["refused", "unable_to_pay", "not_reached"] {
            let base = json!({ "kind": "urge_performance", "response": response });
            let result = ok(URGE, base.clone());
            assert!(!result.successful());
            assert_eq!(result.amount_paid_fen(), 0);
            rejects_at(
                URGE,
                set(base.clone(), "/amount_promised_fen", json!(100)),
                "amount_promised_fen",
            );
            rejects_at(
                URGE,
                set(base.clone(), "/promised_by", json!("2026-04-01")),
                "promised_by",
            );
            let message = rejects_at(
                URGE,
                set(base, "/amount_paid_now_fen", json!(100)),
                "amount_paid_now_fen",
            );
            assert_eq!(message, format!("must be 0 when `response` is `{response}`"));
        }
    }

    #[test]
    fn urge_refs() {
        let refs = ok(URGE, urge_paid()).evidence_refs();
        assert_eq!(
            refs,
            vec![EvidenceRef {
                path: "receipt_evidence_ids[0]".into(),
                id: 8,
                accepted: PAPERS
            }]
        );
        let refs = ok(URGE, urge_agreed()).evidence_refs();
        assert_eq!(
            refs,
            vec![EvidenceRef {
                path: "evidence_ids[0]".into(),
                id: 7,
                accepted: ANY_EVIDENCE
            }]
        );
    }

    // --- facilitate_settlement -------------------------------------------------------------

    #[test]
    fn a_settlement_needs_terms_and_both_signatures() {
        rejects_at(SETTLE, remove(settled(), "/terms"), "terms");
        rejects_at(SETTLE, set(settled(), "/terms", json!("")), "terms");
        let message = rejects_at(
            SETTLE,
            set(settled(), "/signature_evidence_ids", json!([9])),
            "signature_evidence_ids",
        );
        assert!(message.contains("2"), "{message}");
        let result = ok(SETTLE, settled());
        assert!(result.successful());
        assert_eq!(result.amount_paid_fen(), 0);
        let refs = result.evidence_refs();
        assert_eq!(refs.len(), 3);
        assert_eq!(refs[1].path, "signature_evidence_ids[1]");
        assert_eq!(
            refs[1].accepted,
            [EvidenceKind::Signature, EvidenceKind::Photo, EvidenceKind::Pdf]
        );
        assert_eq!(refs[2].path, "evidence_ids[0]");
    }

    #[test]
    fn no_settlement_needs_a_note_and_no_terms() {
        assert!(!ok(SETTLE, not_settled()).successful());
        rejects_at(SETTLE, remove(not_settled(), "/note"), "note");
        rejects_at(SETTLE, set(not_settled(), "/terms", json!("分期")), "terms");
        rejects_at(SETTLE, set(not_settled(), "/amount_fen", json!(1)), "amount_fen");
        rejects_at(
            SETTLE,
            set(not_settled(), "/pay_by", json!("2026-05-01")),
            "pay_by",
        );
        rejects_at(
            SETTLE,
            set(not_settled(), "/signature_evidence_ids", json!([1])),
            "signature_evidence_ids",
        );
    }

    // --- publicize_dishonesty --------------------------------------------------------------

    #[test]
    fn postings_rules() {
        rejects_at(PUBLICIZE, set(publicized(), "/postings", json!([])), "postings");
        let many: Vec<Value> = (0..21)
            .map(|i| json!({ "place": "公告栏", "posted_at": "2026-03-01T02:00:00Z", "evidence_ids": [i + 1] }))
            .collect();
        rejects_at(PUBLICIZE, set(publicized(), "/postings", json!(many)), "postings");
        rejects_at(
            PUBLICIZE,
            set(publicized(), "/postings/0/evidence_ids", json!([])),
            "postings[0].evidence_ids",
        );
        rejects_at(
            PUBLICIZE,
            remove(publicized(), "/postings/0/evidence_ids"),
            "postings[0].evidence_ids",
        );
        rejects_at(
            PUBLICIZE,
            set(publicized(), "/postings/1/place", json!(" ")),
            "postings[1].place",
        );
        let result = ok(PUBLICIZE, publicized());
        assert!(result.successful());
        let refs = result.evidence_refs();
        assert_eq!(
            refs.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
            [
                "postings[0].evidence_ids[0]",
                "postings[1].evidence_ids[0]",
                "postings[1].evidence_ids[1]"
            ]
        );
        assert!(refs.iter().all(|r| r.accepted == [EvidenceKind::Photo]));
    }

    // --- report_refusal --------------------------------------------------------------------

    #[test]
    fn refusal_report_rules() {
        rejects_at(REFUSAL, set(refusal(), "/conduct", json!([])), "conduct");
        rejects_at(
            REFUSAL,
            set(
                refusal(),
                "/conduct",
                json!(["other", "violent_resistance", "other"]),
            ),
            "conduct[2]",
        );
        rejects_at(REFUSAL, set(refusal(), "/conduct/1", json!("lied")), "conduct[1]");
        rejects_at(
            REFUSAL,
            set(refusal(), "/description", json!("  ")),
            "description",
        );
        rejects_at(
            REFUSAL,
            set(refusal(), "/evidence_ids", json!([])),
            "evidence_ids",
        );
        rejects_at(REFUSAL, remove(refusal(), "/occurred_at"), "occurred_at");
        ok(REFUSAL, remove(refusal(), "/witnesses"));
        let result = ok(REFUSAL, refusal());
        assert!(result.successful());
        assert_eq!(
            result.evidence_refs(),
            vec![EvidenceRef {
                path: "evidence_ids[0]".into(),
                id: 15,
                accepted: &[EvidenceKind::Photo, EvidenceKind::Audio, EvidenceKind::Pdf],
            }]
        );
    }

    // --- take_down_notice ------------------------------------------------------------------

    fn taken_down() -> Value {
        json!({
            "kind": "take_down_notice",
            "removals": [
                { "place": " 昭阳社区公告栏 ", "removed_at": "2026-03-02T01:00:00Z", "evidence_ids": [21] },
                {
                    "place": "村口",
                    "point": { "lat": 32.9, "lon": 119.8, "crs": "gcj02" },
                    "removed_at": "2026-03-02T09:30:00+08:00",
                    "evidence_ids": [22, 23],
                },
            ],
        })
    }

    #[test]
    fn take_down_rules() {
        rejects_at(TAKE_DOWN, set(taken_down(), "/removals", json!([])), "removals");
        rejects_at(
            TAKE_DOWN,
            set(taken_down(), "/removals/1/evidence_ids", json!([])),
            "removals[1].evidence_ids",
        );
        rejects_at(
            TAKE_DOWN,
            set(
                taken_down(),
                "/removals/0/removed_at",
                json!("2026-03-02T03:00:00Z"),
            ),
            "removals[0].removed_at",
        );
        rejects_at(
            TAKE_DOWN,
            set(taken_down(), "/removals/0/place", json!("")),
            "removals[0].place",
        );
        rejects_at(
            TAKE_DOWN,
            set(taken_down(), "/removals/0/postered", json!(true)),
            "removals[0].postered",
        );
        // A posting result does not fit a take-down task.
        rejects_at(TAKE_DOWN, publicized(), "kind");
        let result = ok(TAKE_DOWN, taken_down());
        assert_eq!(result.kind(), TAKE_DOWN);
        assert!(result.successful());
        let TaskResult::TakeDownNotice(body) = &result else {
            panic!("wrong variant")
        };
        assert_eq!(body.removals[0].place, "昭阳社区公告栏", "trimmed");
        let refs = result.evidence_refs();
        assert_eq!(
            refs.iter().map(|r| (r.path.as_str(), r.id)).collect::<Vec<_>>(),
            [
                ("removals[0].evidence_ids[0]", 21),
                ("removals[1].evidence_ids[0]", 22),
                ("removals[1].evidence_ids[1]", 23)
            ]
        );
        assert!(refs.iter().all(|r| r.accepted == [EvidenceKind::Photo]));
    }

    #[test]
    fn the_schema_describes_every_kind() {
        let schema = serde_json::to_string(&<TaskResult as utoipa::PartialSchema>::schema()).unwrap();
        for kind in TaskKind::ALL {
            assert!(schema.contains(kind.as_str()), "{kind} missing from {schema}");
        }
    }
}

//! The list of dishonest judgment debtors (失信被执行人名单) as the courts keep it: who may be on
//! it and why, why they leave it, how a list entry is validated (one set of rules for the JSON
//! API and for each row of a CSV import), the scopes of partner departments' API keys, and the
//! wording of the take-down task a removal sends to the grid worker who posted the notice.
//!
//! The reasons are those of the Supreme People's Court's provisions on publishing the list
//! (《最高人民法院关于公布失信被执行人名单信息的若干规定》, art. 1 for listing, art. 10 for removal,
//! art. 12 for correcting an entry made in error). Pure: no I/O.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::identity::{CaseNumber, CreditCode, NationalId};
use super::{Name, ValidationError};

/// Whom an entry concerns: a natural person (by national ID number) or an organisation (by
/// unified social credit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DebtorKind {
    /// 自然人
    Person,
    /// 法人或者其他组织
    Organisation,
}

impl DebtorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DebtorKind::Person => "person",
            DebtorKind::Organisation => "organisation",
        }
    }

    /// The code, or the words a clerk's spreadsheet may hold (`自然人`, `单位`, `法人`).
    pub fn parse(raw: &str) -> Option<DebtorKind> {
        match raw.trim() {
            "person" | "自然人" => Some(DebtorKind::Person),
            "organisation" | "单位" | "法人" => Some(DebtorKind::Organisation),
            _ => None,
        }
    }
}

/// The identifier a list entry is keyed by, in canonical form (upper case, trimmed).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DebtorIdentity {
    kind: DebtorKind,
    value: String,
}

impl DebtorIdentity {
    /// Validate `raw` as the identifier of `kind`; without a kind, whichever of the two it is
    /// (a string valid as both — possible, since a credit code may be all digits — must name its
    /// kind).
    pub fn parse(
        kind: Option<DebtorKind>,
        raw: &str,
        today: NaiveDate,
    ) -> Result<DebtorIdentity, ValidationError> {
        let person = |id: NationalId| DebtorIdentity {
            kind: DebtorKind::Person,
            value: id.as_str().to_owned(),
        };
        let organisation = |code: CreditCode| DebtorIdentity {
            kind: DebtorKind::Organisation,
            value: code.as_str().to_owned(),
        };
        match kind {
            Some(DebtorKind::Person) => NationalId::parse(raw, today).map(person),
            Some(DebtorKind::Organisation) => CreditCode::parse(raw).map(organisation),
            None => match (NationalId::parse(raw, today), CreditCode::parse(raw)) {
                (Ok(id), Err(_)) => Ok(person(id)),
                (Err(_), Ok(code)) => Ok(organisation(code)),
                (Ok(_), Ok(_)) => Err(ValidationError::new(
                    "is valid both as a national ID number and as a unified social credit code; give the kind",
                )),
                (Err(as_id), Err(as_code)) => Err(ValidationError::new(format!(
                    "is neither a national ID number ({as_id}) nor a unified social credit code ({as_code})"
                ))),
            },
        }
    }

    /// The canonical form of an identifier to look up, whichever kind it is: partners send
    /// national ID numbers and credit codes alike.
    pub fn lookup_key(raw: &str, today: NaiveDate) -> Result<String, ValidationError> {
        match (NationalId::parse(raw, today), CreditCode::parse(raw)) {
            (Ok(id), _) => Ok(id.as_str().to_owned()),
            (Err(_), Ok(code)) => Ok(code.as_str().to_owned()),
            (Err(as_id), Err(_)) => Err(ValidationError::new(format!(
                "is not a valid national ID number ({as_id}) or unified social credit code"
            ))),
        }
    }

    pub fn kind(&self) -> DebtorKind {
        self.kind
    }

    /// The full identifier. Personal data for a person.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

// The full number must never reach a log through `{:?}`.
impl std::fmt::Debug for DebtorIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DebtorIdentity")
            .field("kind", &self.kind)
            .field("value", &mask(self.kind, &self.value))
            .finish()
    }
}

/// A stored identifier as shown to someone who may not see it whole: a person's national ID
/// number keeps its first 6 and last 4 characters (`320282********1234`, as elsewhere in the
/// API); an organisation's credit code is on a public register and is shown as is.
pub fn mask(kind: DebtorKind, value: &str) -> String {
    if kind == DebtorKind::Organisation {
        return value.to_owned();
    }
    match (value.get(..6), value.get(14..)) {
        (Some(head), Some(tail)) if value.len() == NationalId::LEN && value.is_ascii() => {
            format!("{head}********{tail}")
        }
        _ => "******".to_owned(),
    }
}

/// Why a debtor is listed (art. 1 of the provisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingReason {
    /// 有履行能力而拒不履行生效法律文书确定义务
    AbleButRefused,
    /// 以伪造证据、暴力、威胁等方法妨碍、抗拒执行
    ObstructedEnforcement,
    /// 以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行
    EvadedEnforcement,
    /// 违反财产报告制度
    ViolatedAssetReporting,
    /// 违反限制消费令
    ViolatedConsumptionBan,
    /// 无正当理由拒不履行执行和解协议
    BreachedSettlement,
}

impl ListingReason {
    pub const ALL: [ListingReason; 6] = [
        ListingReason::AbleButRefused,
        ListingReason::ObstructedEnforcement,
        ListingReason::EvadedEnforcement,
        ListingReason::ViolatedAssetReporting,
        ListingReason::ViolatedConsumptionBan,
        ListingReason::BreachedSettlement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ListingReason::AbleButRefused => "able_but_refused",
            ListingReason::ObstructedEnforcement => "obstructed_enforcement",
            ListingReason::EvadedEnforcement => "evaded_enforcement",
            ListingReason::ViolatedAssetReporting => "violated_asset_reporting",
            ListingReason::ViolatedConsumptionBan => "violated_consumption_ban",
            ListingReason::BreachedSettlement => "breached_settlement",
        }
    }

    pub fn parse(raw: &str) -> Option<ListingReason> {
        ListingReason::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }
}

/// Why a debtor leaves the list (art. 10 and 12 of the provisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// 已履行生效法律文书确定的义务或人民法院已执行完毕
    Performed,
    /// 当事人达成执行和解协议且已履行完毕
    Settled,
    /// 申请执行人书面申请删除，人民法院审查同意
    ApplicantRequest,
    /// 终结本次执行程序后两次以上查询未发现可供执行财产
    NoAssetsFound,
    /// 因审判监督或破产程序裁定中止执行
    Suspended,
    /// 人民法院依法裁定不予执行
    NotEnforceable,
    /// 人民法院依法裁定终结执行
    EnforcementEnded,
    /// 纳入期限届满
    TermExpired,
    /// 错误纳入，予以更正
    ListedInError,
}

impl RemovalReason {
    pub const ALL: [RemovalReason; 9] = [
        RemovalReason::Performed,
        RemovalReason::Settled,
        RemovalReason::ApplicantRequest,
        RemovalReason::NoAssetsFound,
        RemovalReason::Suspended,
        RemovalReason::NotEnforceable,
        RemovalReason::EnforcementEnded,
        RemovalReason::TermExpired,
        RemovalReason::ListedInError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RemovalReason::Performed => "performed",
            RemovalReason::Settled => "settled",
            RemovalReason::ApplicantRequest => "applicant_request",
            RemovalReason::NoAssetsFound => "no_assets_found",
            RemovalReason::Suspended => "suspended",
            RemovalReason::NotEnforceable => "not_enforceable",
            RemovalReason::EnforcementEnded => "enforcement_ended",
            RemovalReason::TermExpired => "term_expired",
            RemovalReason::ListedInError => "listed_in_error",
        }
    }

    pub fn parse(raw: &str) -> Option<RemovalReason> {
        RemovalReason::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// The reason in a few Chinese words, for notes people read.
    pub fn label(self) -> &'static str {
        match self {
            RemovalReason::Performed => "已履行完毕",
            RemovalReason::Settled => "执行和解已履行完毕",
            RemovalReason::ApplicantRequest => "申请执行人申请删除",
            RemovalReason::NoAssetsFound => "终本后未发现可供执行财产",
            RemovalReason::Suspended => "裁定中止执行",
            RemovalReason::NotEnforceable => "裁定不予执行",
            RemovalReason::EnforcementEnded => "裁定终结执行",
            RemovalReason::TermExpired => "纳入期限届满",
            RemovalReason::ListedInError => "错误纳入，予以更正",
        }
    }
}

/// Where an entry stands. Removal is final for the entry; it is kept with its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Listed,
    Removed,
}

impl EntryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Listed => "listed",
            EntryStatus::Removed => "removed",
        }
    }

    pub fn parse(raw: &str) -> Option<EntryStatus> {
        match raw {
            "listed" => Some(EntryStatus::Listed),
            "removed" => Some(EntryStatus::Removed),
            _ => None,
        }
    }
}

/// What a partner department's API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub enum PartnerScope {
    /// Check identities against the list (`POST /api/v1/dishonest-checks`).
    #[serde(rename = "dishonest:check")]
    Check,
    /// Register webhooks for additions to and removals from the list.
    #[serde(rename = "dishonest:subscribe")]
    Subscribe,
}

impl PartnerScope {
    pub const ALL: [PartnerScope; 2] = [PartnerScope::Check, PartnerScope::Subscribe];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerScope::Check => "dishonest:check",
            PartnerScope::Subscribe => "dishonest:subscribe",
        }
    }

    pub fn parse(raw: &str) -> Option<PartnerScope> {
        PartnerScope::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// The earliest listing date: the provisions took effect on 2013-10-01.
pub fn earliest_listing() -> NaiveDate {
    NaiveDate::from_ymd_opt(2013, 10, 1).unwrap_or_default()
}

/// Longest note on an entry or a removal.
pub const NOTE_MAX_CHARS: usize = 500;

/// An optional free-text note: trimmed, blank is absent, at most [`NOTE_MAX_CHARS`], line breaks
/// allowed but none of the other characters typed text refuses ([`super::names::refused_char`]).
pub fn note(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > NOTE_MAX_CHARS {
        return Err(ValidationError::new(format!(
            "must be at most {NOTE_MAX_CHARS} characters"
        )));
    }
    super::names::check_chars(text, true)?;
    Ok(Some(text.to_owned()))
}

/// A date as a clerk writes it: `2026-01-05`, or `2026/1/5` as spreadsheets export it.
pub fn date(raw: &str) -> Result<NaiveDate, ValidationError> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%Y/%m/%d"))
        .map_err(|_| ValidationError::new("must be a date YYYY-MM-DD, e.g. 2026-01-05"))
}

/// A listing date: a real date, not before the list existed and not in the future.
pub fn listing_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, ValidationError> {
    let day = date(raw)?;
    if day > today {
        return Err(ValidationError::new("must not be in the future"));
    }
    if day < earliest_listing() {
        return Err(ValidationError::new(
            "must not be before 2013-10-01, when the list began",
        ));
    }
    Ok(day)
}

/// A list entry as given, every value still text: a JSON body or one CSV row. Field names are
/// the JSON members and the CSV columns alike.
#[derive(Debug, Clone, Default)]
pub struct RawEntry {
    pub name: String,
    pub kind: Option<String>,
    pub id_number: String,
    pub case_number: String,
    pub listed_on: String,
    pub reason: String,
    pub note: Option<String>,
}

/// One problem with one field of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub detail: String,
}

/// A valid list entry, ready to store.
#[derive(Debug, Clone)]
pub struct EntryDraft {
    pub name: Name,
    pub identity: DebtorIdentity,
    pub case_number: CaseNumber,
    pub listed_on: NaiveDate,
    pub reason: ListingReason,
    pub note: Option<String>,
}

impl EntryDraft {
    /// Check every field and report every problem (a clerk fixing a spreadsheet row wants them
    /// all at once), in field order.
    pub fn validate(raw: &RawEntry, today: NaiveDate) -> Result<EntryDraft, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut check = |field: &'static str, result: Result<(), ValidationError>| {
            if let Err(e) = result {
                problems.push(FieldProblem { field, detail: e.0 });
            }
        };
        let name = Name::parse(&raw.name);
        check("name", name.as_ref().map(drop).map_err(Clone::clone));
        let kind = match raw.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => Ok(None),
            Some(k) => DebtorKind::parse(k)
                .map(Some)
                .ok_or_else(|| ValidationError::new("must be person or organisation (自然人 or 单位)")),
        };
        check("kind", kind.as_ref().map(drop).map_err(Clone::clone));
        // With a wrong kind the identifier cannot be judged; the kind's problem says enough.
        let identity = match &kind {
            Ok(kind) => {
                let parsed = DebtorIdentity::parse(*kind, &raw.id_number, today);
                check("id_number", parsed.as_ref().map(drop).map_err(Clone::clone));
                parsed.ok()
            }
            Err(_) => None,
        };
        let case_number = CaseNumber::parse(&raw.case_number, today);
        check(
            "case_number",
            case_number.as_ref().map(drop).map_err(Clone::clone),
        );
        let listed_on = listing_date(&raw.listed_on, today);
        check("listed_on", listed_on.as_ref().map(drop).map_err(Clone::clone));
        let reason = ListingReason::parse(&raw.reason).ok_or_else(|| {
            ValidationError::new(format!(
                "must be one of {}",
                ListingReason::ALL.map(ListingReason::as_str).join(", ")
            ))
        });
        check("reason", reason.as_ref().map(drop).map_err(Clone::clone));
        let note = note(raw.note.as_deref());
        check("note", note.as_ref().map(drop).map_err(Clone::clone));
        match (name, identity, case_number, listed_on, reason, note) {
            (Ok(name), Some(identity), Ok(case_number), Ok(listed_on), Ok(reason), Ok(note))
                if problems.is_empty() =>
            {
                Ok(EntryDraft {
                    name,
                    identity,
                    case_number,
                    listed_on,
                    reason,
                    note,
                })
            }
            _ => Err(problems),
        }
    }

    /// What makes two entries the same: one court lists one debtor once per case.
    pub fn key(&self) -> (String, String) {
        (
            self.case_number.as_str().to_owned(),
            self.identity.as_str().to_owned(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// CSV import columns
// ---------------------------------------------------------------------------------------------

/// The columns of an import file, by their English names; each also answers to the Chinese
/// headings a court's spreadsheet is likely to carry.
const COLUMNS: [(&str, &[&str], bool); 7] = [
    ("name", &["姓名", "名称", "被执行人", "姓名/名称"], true),
    ("kind", &["类型"], false),
    (
        "id_number",
        &[
            "证件号码",
            "身份证号码",
            "统一社会信用代码",
            "身份证号码/统一社会信用代码",
        ],
        true,
    ),
    ("case_number", &["案号", "执行案号"], true),
    ("listed_on", &["列入日期", "发布日期"], true),
    ("reason", &["失信情形"], true),
    ("note", &["备注"], false),
];

/// Where each column is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportColumns {
    positions: [Option<usize>; 7],
    width: usize,
}

impl ImportColumns {
    /// Read the header row: every required column present, none unknown or repeated.
    pub fn from_header(header: &[String]) -> Result<ImportColumns, ValidationError> {
        let mut positions = [None; 7];
        for (at, heading) in header.iter().enumerate() {
            let heading = heading.trim();
            let Some(i) = COLUMNS
                .iter()
                .position(|(name, aliases, _)| *name == heading || aliases.contains(&heading))
            else {
                return Err(ValidationError::new(format!(
                    "unknown column `{heading}`; the columns are {}",
                    COLUMNS.map(|c| c.0).join(", ")
                )));
            };
            if positions[i].replace(at).is_some() {
                return Err(ValidationError::new(format!(
                    "column `{}` appears twice",
                    COLUMNS[i].0
                )));
            }
        }
        let missing: Vec<&str> = COLUMNS
            .iter()
            .zip(positions)
            .filter(|((_, _, required), at)| *required && at.is_none())
            .map(|((name, _, _), _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(ValidationError::new(format!(
                "missing column(s): {}",
                missing.join(", ")
            )));
        }
        Ok(ImportColumns {
            positions,
            width: header.len(),
        })
    }

    /// One data row as a raw entry; a row with the wrong number of fields is refused whole.
    pub fn entry(&self, fields: &[String]) -> Result<RawEntry, String> {
        if fields.len() != self.width {
            return Err(format!(
                "has {} fields, the header has {}",
                fields.len(),
                self.width
            ));
        }
        let get = |i: usize| self.positions[i].map(|at| fields[at].clone());
        Ok(RawEntry {
            name: get(0).unwrap_or_default(),
            kind: get(1),
            id_number: get(2).unwrap_or_default(),
            case_number: get(3).unwrap_or_default(),
            listed_on: get(4).unwrap_or_default(),
            reason: get(5).unwrap_or_default(),
            note: get(6),
        })
    }
}

/// Duplicates within one import: the same case and identifier in one court, seen before.
#[derive(Debug, Default)]
pub struct SeenKeys(HashMap<(String, String), usize>);

impl SeenKeys {
    /// Ok the first time a key is offered (on `line`); otherwise the line it was first seen on.
    pub fn first(&mut self, key: (String, String), line: usize) -> Result<(), usize> {
        match self.0.entry(key) {
            Entry::Occupied(seen) => Err(*seen.get()),
            Entry::Vacant(slot) => {
                slot.insert(line);
                Ok(())
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Take-down task
// ---------------------------------------------------------------------------------------------

use super::task_kind::INSTRUCTIONS_MAX_CHARS;

/// The instructions of a take-down task: which case, since when, and where the notice was posted
/// (from the worker's own posting result), within the 2,000 characters instructions may hold.
pub fn take_down_instructions(case_number: &str, removed_on: NaiveDate, places: &[String]) -> String {
    let mut text = format!(
        "{case_number}的被执行人已于{removed_on}移出失信被执行人名单。请撤除张贴的失信曝光公告，并拍照留存。"
    );
    if !places.is_empty() {
        text.push_str("张贴地点：");
        text.push_str(&places.join("；"));
    }
    if text.chars().count() > INSTRUCTIONS_MAX_CHARS {
        text = text.chars().take(INSTRUCTIONS_MAX_CHARS - 1).collect();
        text.push('…');
    }
    text
}

/// The `Authorization` scheme partner departments' API keys are sent with
/// (`Authorization: ApiKey gapk_…`), and the challenge a refusal names.
pub const API_KEY_SCHEME: &str = "ApiKey";

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    /// A national ID number with the right check character.
    fn id(prefix17: &str) -> String {
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = prefix17
            .chars()
            .zip(W)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        format!("{prefix17}{}", b"10X98765432"[(sum % 11) as usize] as char)
    }

    fn raw() -> RawEntry {
        RawEntry {
            name: " 张三 ".into(),
            kind: None,
            id_number: id("32128319800101123"),
            case_number: "（2025）苏1283执12号".into(),
            listed_on: "2026/1/5".into(),
            reason: "able_but_refused".into(),
            note: Some("  ".into()),
        }
    }

    #[test]
    fn the_identifier_decides_the_kind_when_none_is_given() {
        let person = DebtorIdentity::parse(None, &id("11010519491231002"), today()).unwrap();
        assert_eq!(person.kind(), DebtorKind::Person);
        // A published credit code (GB 32100-2015 example).
        let org = DebtorIdentity::parse(None, "91350100m000100y43", today()).unwrap();
        assert_eq!(org.kind(), DebtorKind::Organisation);
        assert_eq!(org.as_str(), "91350100M000100Y43");
        let e = DebtorIdentity::parse(None, "12345", today()).unwrap_err();
        assert!(e.0.contains("neither"), "{e}");
        assert!(
            DebtorIdentity::parse(Some(DebtorKind::Person), "91350100M000100Y43", today()).is_err(),
            "an organisation's code is not a person's number"
        );
    }

    #[test]
    fn a_string_valid_as_both_kinds_must_name_its_kind() {
        // Find an all-digit string that passes both checksums (and is a real birth date).
        let both = (0..100_000u32)
            .map(|n| id(&format!("320282198001{:05}", n)))
            .find(|s| NationalId::parse(s, today()).is_ok() && CreditCode::parse(s).is_ok())
            .expect("some number is valid as both");
        let e = DebtorIdentity::parse(None, &both, today()).unwrap_err();
        assert!(e.0.contains("give the kind"), "{e}");
        let org = DebtorIdentity::parse(Some(DebtorKind::Organisation), &both, today()).unwrap();
        assert_eq!(org.kind(), DebtorKind::Organisation);
        assert_eq!(DebtorIdentity::lookup_key(&both, today()).unwrap(), both);
    }

    #[test]
    fn lookups_take_either_kind_in_canonical_form() {
        let number = id("32128319800101123");
        assert_eq!(
            DebtorIdentity::lookup_key(&format!(" {} ", number.to_lowercase()), today()).unwrap(),
            number
        );
        assert_eq!(
            DebtorIdentity::lookup_key("91350100m000100y43", today()).unwrap(),
            "91350100M000100Y43"
        );
        assert!(DebtorIdentity::lookup_key("320282", today()).is_err());
    }

    #[test]
    fn masking_keeps_a_persons_region_and_last_four_and_shows_an_organisations_code() {
        let number = id("32128319800101123");
        let masked = mask(DebtorKind::Person, &number);
        assert_eq!(masked, format!("321283********{}", &number[14..]));
        assert!(!masked.contains("19800101"));
        assert_eq!(
            mask(DebtorKind::Organisation, "91350100M000100Y43"),
            "91350100M000100Y43"
        );
        assert_eq!(mask(DebtorKind::Person, "short"), "******");
        let identity = DebtorIdentity::parse(None, &number, today()).unwrap();
        assert!(!format!("{identity:?}").contains("19800101"), "Debug is masked");
    }

    #[test]
    fn a_valid_entry_is_normalised() {
        let draft = EntryDraft::validate(&raw(), today()).unwrap();
        assert_eq!(draft.name.as_str(), "张三");
        assert_eq!(draft.identity.kind(), DebtorKind::Person);
        assert_eq!(draft.case_number.as_str(), "(2025)苏1283执12号");
        assert_eq!(draft.listed_on, NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        assert_eq!(draft.reason, ListingReason::AbleButRefused);
        assert_eq!(draft.note, None, "a blank note is absent");
        assert_eq!(draft.key(), ("(2025)苏1283执12号".to_owned(), raw().id_number));
    }

    #[test]
    fn every_problem_of_an_entry_is_reported_naming_its_field() {
        let bad = RawEntry {
            name: "".into(),
            kind: Some("robot".into()),
            id_number: "x".into(),
            case_number: "2025-12".into(),
            listed_on: "2030-01-01".into(),
            reason: "rude".into(),
            note: Some("a\u{0}b".into()),
        };
        let problems = EntryDraft::validate(&bad, today()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["name", "kind", "case_number", "listed_on", "reason", "note"],
            "the identifier is not judged under a wrong kind: {problems:?}"
        );
        assert!(problems[4].detail.contains("able_but_refused"));
        let mut r = raw();
        r.id_number = id("32128319800101123").replace('3', "4");
        let problems = EntryDraft::validate(&r, today()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "id_number");
        r = raw();
        r.listed_on = "2013-09-30".into();
        assert_eq!(
            EntryDraft::validate(&r, today()).unwrap_err()[0].field,
            "listed_on"
        );
        r = raw();
        r.note = Some("备".repeat(NOTE_MAX_CHARS + 1));
        assert_eq!(EntryDraft::validate(&r, today()).unwrap_err()[0].field, "note");
    }

    #[test]
    fn codes_round_trip_and_spreadsheet_words_are_understood() {
        for r in ListingReason::ALL {
            assert_eq!(ListingReason::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for r in RemovalReason::ALL {
            assert_eq!(RemovalReason::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for s in PartnerScope::ALL {
            assert_eq!(PartnerScope::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(DebtorKind::parse("自然人"), Some(DebtorKind::Person));
        assert_eq!(DebtorKind::parse(" 单位 "), Some(DebtorKind::Organisation));
        assert_eq!(DebtorKind::parse("Person"), None);
        assert_eq!(EntryStatus::parse("removed"), Some(EntryStatus::Removed));
    }

    #[test]
    fn import_headers_are_checked_and_rows_mapped_by_position() {
        let header: Vec<String> = ["案号", "name", "证件号码", "listed_on", "reason"]
            .map(String::from)
            .to_vec();
        let columns = ImportColumns::from_header(&header).unwrap();
        let row: Vec<String> = [
            "(2025)苏1283执12号",
            "张三",
            "X",
            "2026-01-05",
            "able_but_refused",
        ]
        .map(String::from)
        .to_vec();
        let entry = columns.entry(&row).unwrap();
        assert_eq!(entry.name, "张三");
        assert_eq!(entry.case_number, "(2025)苏1283执12号");
        assert_eq!(entry.kind, None);
        assert_eq!(entry.note, None);
        assert!(columns.entry(&row[..4]).unwrap_err().contains("header has 5"));

        let e = ImportColumns::from_header(&["name".to_owned()]).unwrap_err();
        assert!(e.0.contains("id_number, case_number, listed_on, reason"), "{e}");
        let e = ImportColumns::from_header(&["name".to_owned(), "姓名".to_owned()]).unwrap_err();
        assert!(e.0.contains("twice"), "{e}");
        let e = ImportColumns::from_header(&["colour".to_owned()]).unwrap_err();
        assert!(e.0.contains("unknown column `colour`"), "{e}");
    }

    #[test]
    fn duplicates_within_a_file_are_seen() {
        let mut seen = SeenKeys::default();
        assert_eq!(seen.first(("a".into(), "1".into()), 2), Ok(()));
        assert_eq!(seen.first(("a".into(), "2".into()), 3), Ok(()));
        assert_eq!(seen.first(("a".into(), "1".into()), 7), Err(2));
    }

    #[test]
    fn take_down_instructions_name_the_case_the_date_and_the_places_within_the_limit() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let text = take_down_instructions(
            "(2025)苏1283执12号",
            day,
            &["村口公告栏".into(), "社区服务中心".into()],
        );
        assert!(text.starts_with("(2025)苏1283执12号的被执行人已于2026-03-01移出"));
        assert!(text.ends_with("张贴地点：村口公告栏；社区服务中心"), "{text}");
        let many: Vec<String> = (0..50).map(|_| "很".repeat(100)).collect();
        let long = take_down_instructions("(2025)苏1283执12号", day, &many);
        assert_eq!(long.chars().count(), 2000);
        assert!(long.ends_with('…'));
        assert!(!take_down_instructions("x", day, &[]).contains("张贴地点"));
    }

    #[test]
    fn dates_take_both_spellings_and_listing_dates_their_bounds() {
        assert_eq!(
            date("2026/1/5").unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
        );
        assert_eq!(
            date(" 2026-01-05 ").unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
        );
        assert!(date("05.01.2026").is_err());
        assert!(listing_date("2026-03-03", today()).is_err());
        assert!(listing_date("2026-03-02", today()).is_ok());
    }
}

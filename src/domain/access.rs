//! The authorization matrix: for every operation of the API, which roles may call it and over
//! which objects. This table is the single source of truth for role admission — every handler
//! asks it (`AuthUser::permit`) before doing anything else, a unit test checks that every
//! operation of the OpenAPI document has a row, and the `authz` integration test walks every
//! operation × role × an in-scope and an out-of-scope object against it.
//!
//! The scope column says which objects a granted role reaches; the services enforce it where
//! they load the object (a task outside the caller's scope is "not found", a filter naming
//! another court or township is forbidden), and the integration test holds them to the table.

use super::Role;
use super::dishonest::PartnerScope;

/// Which objects a granted role reaches with an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every object of the kind (administrators).
    All,
    /// Objects of the caller's court: its cases, their tasks, its townships and grids.
    Court,
    /// Objects in the caller's township: its workers, their tasks, boards and appeals.
    Township,
    /// The caller's own objects: tasks assigned to them, their profile, scores and appeals.
    Own,
    /// Not about one object: a lookup or reference data every holder of the role may read.
    Unscoped,
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No sign-in: probes, signing in, the public contract.
    Public,
    /// Signed in with one of these roles, each over its scope; every other role gets 403.
    Granted(&'static [(Role, Scope)]),
    /// A partner department's API key (`Authorization: ApiKey`) holding this scope; user tokens
    /// are refused (401), as API keys are on every other operation.
    Partner(PartnerScope),
}

macro_rules! operations {
    ($($variant:ident => $id:literal),* $(,)?) => {
        /// An operation of the API; `id()` is its `operationId` in the OpenAPI document.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation { $($variant),* }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$variant),*];

            pub fn id(self) -> &'static str {
                match self { $(Operation::$variant => $id),* }
            }

            pub fn from_id(id: &str) -> Option<Operation> {
                match id { $($id => Some(Operation::$variant),)* _ => None }
            }
        }
    };
}

operations! {
    Healthz => "healthz",
    Readyz => "readyz",
    Metrics => "metrics",
    Login => "login",
    Refresh => "refresh",
    Logout => "logout",
    Me => "me",
    CreateCourt => "create_court",
    ListCourts => "list_courts",
    CreateTownship => "create_township",
    ListTownships => "list_townships",
    ImportGrids => "import_grids",
    ListGrids => "list_grids",
    Locate => "locate",
    CreateUser => "create_user",
    ListUsers => "list_users",
    GetUser => "get_user",
    UpdateUser => "update_user",
    ListWorkers => "list_workers",
    GetWorker => "get_worker",
    UpdateWorker => "update_worker",
    CreateCase => "create_case",
    ListCases => "list_cases",
    GetCase => "get_case",
    CreateTask => "create_task",
    ListTasks => "list_tasks",
    GetTask => "get_task",
    TaskEvents => "task_events",
    AcceptTask => "accept_task",
    DeclineTask => "decline_task",
    CancelTask => "cancel_task",
    AssignTask => "assign_task",
    PinTask => "pin_task",
    Optimize => "optimize",
    CreateCheckIn => "create_check_in",
    ListCheckIns => "list_check_ins",
    UploadEvidence => "upload_evidence",
    DownloadEvidence => "download_evidence",
    ListEvidence => "list_evidence",
    SubmitResult => "submit_result",
    ListSubmissions => "list_submissions",
    ReviewResult => "review_result",
    RecordOutcome => "record_outcome",
    GetOutcome => "get_outcome",
    SyncTasks => "sync_tasks",
    ListNotifications => "list_notifications",
    RetryNotification => "retry_notification",
    GetScheme => "get_scheme",
    PutScheme => "put_scheme",
    GetBoard => "get_board",
    ClosePeriod => "close_period",
    WorkerScores => "worker_scores",
    Incentives => "incentives",
    CreateAppeal => "create_appeal",
    ListAppeals => "list_appeals",
    DecideAppeal => "decide_appeal",
    CreateModule => "create_module",
    ListModules => "list_modules",
    RecordCompletion => "record_completion",
    WorkerTraining => "worker_training",
    DisputeCheckIn => "dispute_check_in",
    ClawBack => "claw_back",
    ListAuditEvents => "list_audit_events",
    VerifyAuditEvents => "verify_audit_events",
    CloseCase => "close_case",
    IssueAccessCode => "issue_access_code",
    AccessCodeState => "access_code_state",
    RevokeAccessCode => "revoke_access_code",
    CaseProgress => "case_progress",
    CourtStatistics => "court_statistics",
    CreateEntry => "create_entry",
    ListEntries => "list_entries",
    GetEntry => "get_entry",
    UpdateEntry => "update_entry",
    RemoveEntry => "remove_entry",
    ImportEntries => "import_entries",
    CreatePartner => "create_partner",
    ListPartners => "list_partners",
    IssueKey => "issue_key",
    ListKeys => "list_keys",
    UpdateKey => "update_key",
    RevokeKey => "revoke_key",
    CheckIdentities => "check_identities",
    CreateSubscription => "create_subscription",
    ListSubscriptions => "list_subscriptions",
    DeleteSubscription => "delete_subscription",
}

use Role::{Admin, Officer, Supervisor, Worker};
use Scope::{All, Court, Own, Township, Unscoped};

/// Everyone signed in, each over their own account.
const SELF: &[(Role, Scope)] = &[(Admin, Own), (Officer, Own), (Supervisor, Own), (Worker, Own)];
const ADMIN: &[(Role, Scope)] = &[(Admin, All)];
/// Case work: the officers of the case's court.
const COURT_OFFICER: &[(Role, Scope)] = &[(Officer, Court)];
/// Field work: the worker the task is assigned to.
const ASSIGNEE: &[(Role, Scope)] = &[(Worker, Own)];
/// Reading a task and what hangs off it.
const TASK_READERS: &[(Role, Scope)] = &[
    (Admin, All),
    (Officer, Court),
    (Supervisor, Township),
    (Worker, Own),
];
/// A worker's profile, scores and training.
const WORKER_READERS: &[(Role, Scope)] = &[(Admin, All), (Supervisor, Township), (Worker, Own)];
/// The organisation's structure.
const ORGANISATION_READERS: &[(Role, Scope)] = &[(Admin, All), (Officer, Court), (Supervisor, Township)];
/// The map: the organisation's readers, and each worker the grids they cover.
const MAP_READERS: &[(Role, Scope)] = &[
    (Admin, All),
    (Officer, Court),
    (Supervisor, Township),
    (Worker, Own),
];

impl Operation {
    /// The matrix. One row per operation; read it as "who may, over what".
    pub fn access(self) -> Access {
        use Access::{Granted, Partner, Public};
        use Operation::*;
        match self {
            Healthz | Readyz | Metrics | Login | Refresh => Public,
            // The applicant's view: the access code is the credential (rate-limited per address).
            CaseProgress => Public,
            Logout | Me => Granted(SELF),

            CreateCourt | ListCourts | CreateTownship | ImportGrids => Granted(ADMIN),
            ListTownships => Granted(ORGANISATION_READERS),
            ListGrids => Granted(MAP_READERS),
            Locate => Granted(&[(Admin, Unscoped), (Officer, Unscoped), (Supervisor, Unscoped)]),

            CreateUser | ListUsers | GetUser | UpdateUser => Granted(ADMIN),
            ListWorkers => Granted(&[(Admin, All), (Officer, Court), (Supervisor, Township)]),
            GetWorker => Granted(WORKER_READERS),
            UpdateWorker => Granted(&[(Admin, All), (Supervisor, Township)]),

            CreateCase | ListCases | GetCase | CloseCase => Granted(COURT_OFFICER),
            IssueAccessCode | AccessCodeState | RevokeAccessCode | CourtStatistics => {
                Granted(&[(Admin, All), (Officer, Court)])
            }
            CreateTask | CancelTask | PinTask => Granted(COURT_OFFICER),
            ListTasks | GetTask | TaskEvents => Granted(TASK_READERS),
            AcceptTask | DeclineTask => Granted(ASSIGNEE),
            AssignTask | Optimize => Granted(&[(Officer, Court), (Supervisor, Township)]),

            CreateCheckIn | UploadEvidence | SubmitResult => Granted(ASSIGNEE),
            ListEvidence | ListSubmissions | GetOutcome => Granted(TASK_READERS),
            DownloadEvidence => Granted(&[(Admin, All), (Officer, Court)]),
            // Where a worker stood: read by the court that judges the check-in, nobody else.
            ReviewResult | RecordOutcome | DisputeCheckIn | ClawBack | ListCheckIns => Granted(COURT_OFFICER),
            SyncTasks => Granted(ASSIGNEE),

            ListNotifications | RetryNotification => Granted(ADMIN),

            GetScheme => Granted(&[(Admin, All), (Supervisor, Unscoped)]),
            PutScheme | ClosePeriod | CreateModule => Granted(ADMIN),
            GetBoard | Incentives => Granted(&[(Admin, All), (Supervisor, Township)]),
            WorkerScores | WorkerTraining | ListAppeals => Granted(WORKER_READERS),
            CreateAppeal => Granted(&[(Worker, Own)]),
            DecideAppeal => Granted(&[(Supervisor, Township)]),
            ListModules => Granted(&[
                (Admin, Unscoped),
                (Officer, Unscoped),
                (Supervisor, Unscoped),
                (Worker, Unscoped),
            ]),
            RecordCompletion => Granted(&[(Admin, All), (Supervisor, Township)]),

            ListAuditEvents | VerifyAuditEvents => Granted(ADMIN),

            // The list of dishonest debtors is published by the courts: every officer reads every
            // court's entries (other courts' ID numbers masked); each court keeps its own.
            CreateEntry | UpdateEntry | RemoveEntry | ImportEntries => {
                Granted(&[(Admin, All), (Officer, Court)])
            }
            ListEntries | GetEntry => Granted(&[(Admin, All), (Officer, All)]),
            CreatePartner | ListPartners | IssueKey | ListKeys | UpdateKey | RevokeKey => Granted(ADMIN),
            CheckIdentities => Partner(PartnerScope::Check),
            // A partner sees and deletes only the subscriptions its own keys registered.
            CreateSubscription | ListSubscriptions | DeleteSubscription => Partner(PartnerScope::Subscribe),
        }
    }

    /// The scope `role` has for this operation; None when the role may not call it.
    pub fn grant(self, role: Role) -> Option<Scope> {
        match self.access() {
            Access::Public => Some(Scope::Unscoped),
            Access::Granted(grants) => grants.iter().find(|(r, _)| *r == role).map(|(_, s)| *s),
            Access::Partner(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for op in Operation::ALL {
            assert!(seen.insert(op.id()), "{} listed twice", op.id());
            assert_eq!(Operation::from_id(op.id()), Some(*op));
        }
        assert_eq!(Operation::from_id("no_such_operation"), None);
    }

    #[test]
    fn no_role_is_listed_twice_for_one_operation() {
        for op in Operation::ALL {
            if let Access::Granted(grants) = op.access() {
                assert!(!grants.is_empty(), "{} grants nobody", op.id());
                for role in Role::ALL {
                    assert!(
                        grants.iter().filter(|(r, _)| *r == role).count() <= 1,
                        "{} lists {role:?} twice",
                        op.id()
                    );
                }
            }
        }
    }

    #[test]
    fn field_work_is_the_assignees_alone_and_case_work_the_courts() {
        for op in [
            Operation::AcceptTask,
            Operation::CreateCheckIn,
            Operation::SubmitResult,
        ] {
            assert_eq!(op.grant(Role::Worker), Some(Scope::Own));
            for role in [Role::Admin, Role::Officer, Role::Supervisor] {
                assert_eq!(op.grant(role), None, "{} must not admit {role:?}", op.id());
            }
        }
        for op in [Operation::ReviewResult, Operation::CreateCase, Operation::GetCase] {
            assert_eq!(op.grant(Role::Officer), Some(Scope::Court));
            assert_eq!(op.grant(Role::Worker), None);
        }
    }

    #[test]
    fn workers_read_their_own_grids_but_not_the_organisation() {
        assert_eq!(Operation::ListGrids.grant(Role::Worker), Some(Scope::Own));
        assert_eq!(
            Operation::ListGrids.grant(Role::Supervisor),
            Some(Scope::Township)
        );
        assert_eq!(Operation::ListTownships.grant(Role::Worker), None);
        assert_eq!(Operation::ImportGrids.grant(Role::Worker), None);
    }

    #[test]
    fn only_administrators_reach_the_audit_trail_and_accounts() {
        for op in [
            Operation::ListAuditEvents,
            Operation::VerifyAuditEvents,
            Operation::CreateUser,
            Operation::UpdateUser,
        ] {
            for role in Role::ALL {
                assert_eq!(
                    op.grant(role).is_some(),
                    role == Role::Admin,
                    "{} for {role:?}",
                    op.id()
                );
            }
        }
    }
}

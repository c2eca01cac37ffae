//! Who may do what to which records: the access policy as data.
//!
//! One table, [`POLICY`], grants each role its actions and the scope within which it may take them.
//! The service layer asks [`authorize`] before every use case and applies the scope to the record (or,
//! for searches, to the query). Handlers never decide. The access tests are generated from this table.

use serde::{Deserialize, Serialize};

/// A user's or token's role (domain.md, "Who uses it").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Integration coordinator or counsellor in a municipal integration unit.
    Caseworker,
    /// Caseworker who also manages the unit's users and sees its access logs.
    Supervisor,
    /// Wellbeing services county worker in multisectoral assessments and plans.
    CountyWorker,
    /// Regional state centre (elinvoimakeskus) officer: regional aggregates only.
    RegionalOfficer,
    /// National analyst: national aggregates only.
    NationalAnalyst,
    /// System operator: organisations, users, tokens and the audit log; no customer data.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Caseworker,
        Role::Supervisor,
        Role::CountyWorker,
        Role::RegionalOfficer,
        Role::NationalAnalyst,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Supervisor => "supervisor",
            Role::CountyWorker => "county_worker",
            Role::RegionalOfficer => "regional_officer",
            Role::NationalAnalyst => "national_analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Roles that see personal data must sign in with a second factor.
    pub fn sees_personal_data(self) -> bool {
        POLICY
            .iter()
            .any(|grant| grant.role == self && grant.action.touches_personal_data())
    }

    /// Roles that must sign in with a second factor: those that see personal data, and administrators,
    /// who create accounts and tokens and read the audit log (staff's personal data and customer ids).
    pub fn requires_second_factor(self) -> bool {
        self.sees_personal_data() || self == Role::Admin
    }

    /// The kind of organisation a user of this role belongs to.
    pub fn organisation_kind(self) -> OrganisationKind {
        match self {
            Role::Caseworker | Role::Supervisor => OrganisationKind::MunicipalUnit,
            Role::CountyWorker => OrganisationKind::WellbeingCounty,
            Role::RegionalOfficer => OrganisationKind::RegionalCentre,
            Role::NationalAnalyst => OrganisationKind::National,
            Role::Admin => OrganisationKind::Operator,
        }
    }
}

/// The kinds of organisations that use Kotopolku.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OrganisationKind {
    /// A municipal integration unit serving one or more municipalities.
    MunicipalUnit,
    /// A wellbeing services county (hyvinvointialue).
    WellbeingCounty,
    /// A regional state centre (elinvoimakeskus).
    RegionalCentre,
    /// The national level (the ministry and the national development centre).
    National,
    /// The operator of the system.
    Operator,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 5] = [
        OrganisationKind::MunicipalUnit,
        OrganisationKind::WellbeingCounty,
        OrganisationKind::RegionalCentre,
        OrganisationKind::National,
        OrganisationKind::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::MunicipalUnit => "municipal-unit",
            OrganisationKind::WellbeingCounty => "wellbeing-county",
            OrganisationKind::RegionalCentre => "regional-centre",
            OrganisationKind::National => "national",
            OrganisationKind::Operator => "operator",
        }
    }

    pub fn parse(text: &str) -> Option<OrganisationKind> {
        OrganisationKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Everything a use case can ask permission for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    CustomerRegister,
    CustomerRead,
    CustomerSearch,
    CustomerUpdate,
    CustomerEnd,
    CustomerHistory,
    /// Who has seen a customer's data.
    CustomerAccessLog,
    /// Everything held about a customer, for their right of access (GDPR article 15).
    SubjectAccess,
    /// Hand a customer who moved over to the new municipality's unit, or withdraw the hand-over.
    HandoverRequest,
    /// See, accept or decline hand-overs of customers moving into the unit's municipalities.
    HandoverReceive,
    /// Give a customer's assessment and plan to the employment services, on a stated legal basis.
    EmploymentExchangeExport,
    /// Take an assessment and plan from the employment services into a customer's file.
    EmploymentExchangeImport,
    /// The feed of changes to the customers in scope (ids and kinds of change, no contents), for
    /// the unit's other systems.
    ChangeFeedRead,
    /// Start or end a wellbeing county's involvement in a customer's multisectoral process.
    CountyInvolvementManage,
    /// Read a customer's process records (assessments, plans, referrals, notes, ...) and deadlines.
    ProcessRead,
    /// Add or revise a customer's process records.
    ProcessWrite,
    /// See case notes marked sensitive.
    SensitiveNoteRead,
    /// One's own worklist: the deadlines of the customers one is responsible for.
    WorklistRead,
    /// The whole unit's worklist, by caseworker.
    UnitWorklistRead,
    UserManage,
    OrganisationManage,
    TokenManage,
    AuditRead,
    /// Deliver the unit's assessments and plans to the national integration data repository
    /// (681/2023 §74, Decree 874/2024): personal data of every customer in the period at once.
    RepositoryExport,
    /// Read the protected statistics of the areas within one's own (aggregates only).
    StatisticsRead,
    /// Make the statistics again now, instead of at the next scheduled refresh.
    StatisticsRefresh,
}

impl Action {
    pub const ALL: [Action; 26] = [
        Action::CustomerRegister,
        Action::CustomerRead,
        Action::CustomerSearch,
        Action::CustomerUpdate,
        Action::CustomerEnd,
        Action::CustomerHistory,
        Action::CustomerAccessLog,
        Action::SubjectAccess,
        Action::ChangeFeedRead,
        Action::HandoverRequest,
        Action::HandoverReceive,
        Action::EmploymentExchangeExport,
        Action::EmploymentExchangeImport,
        Action::CountyInvolvementManage,
        Action::ProcessRead,
        Action::ProcessWrite,
        Action::SensitiveNoteRead,
        Action::WorklistRead,
        Action::UnitWorklistRead,
        Action::UserManage,
        Action::OrganisationManage,
        Action::TokenManage,
        Action::AuditRead,
        Action::RepositoryExport,
        Action::StatisticsRead,
        Action::StatisticsRefresh,
    ];

    /// The action's name in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CustomerRegister => "customer.register",
            Action::CustomerRead => "customer.read",
            Action::CustomerSearch => "customer.search",
            Action::CustomerUpdate => "customer.update",
            Action::CustomerEnd => "customer.end",
            Action::CustomerHistory => "customer.history",
            Action::CustomerAccessLog => "customer.access_log",
            Action::SubjectAccess => "customer.subject_access",
            Action::ChangeFeedRead => "events.read",
            Action::HandoverRequest => "customer.handover.request",
            Action::HandoverReceive => "customer.handover.receive",
            Action::EmploymentExchangeExport => "customer.employment_exchange.export",
            Action::EmploymentExchangeImport => "customer.employment_exchange.import",
            Action::CountyInvolvementManage => "customer.county_involvement",
            Action::ProcessRead => "process.read",
            Action::ProcessWrite => "process.write",
            Action::SensitiveNoteRead => "process.sensitive_note_read",
            Action::WorklistRead => "worklist.read",
            Action::UnitWorklistRead => "worklist.unit_read",
            Action::UserManage => "user.manage",
            Action::OrganisationManage => "organisation.manage",
            Action::TokenManage => "token.manage",
            Action::AuditRead => "audit.read",
            Action::RepositoryExport => "repository_export",
            Action::StatisticsRead => "statistics.read",
            Action::StatisticsRefresh => "statistics.refresh",
        }
    }

    /// Whether the action reads or writes a customer's personal data.
    pub fn touches_personal_data(self) -> bool {
        matches!(
            self,
            Action::CustomerRegister
                | Action::CustomerRead
                | Action::CustomerSearch
                | Action::CustomerUpdate
                | Action::CustomerEnd
                | Action::CustomerHistory
                | Action::CustomerAccessLog
                | Action::SubjectAccess
                | Action::ChangeFeedRead
                | Action::HandoverRequest
                | Action::HandoverReceive
                | Action::EmploymentExchangeExport
                | Action::EmploymentExchangeImport
                | Action::CountyInvolvementManage
                | Action::ProcessRead
                | Action::ProcessWrite
                | Action::SensitiveNoteRead
                | Action::WorklistRead
                | Action::UnitWorklistRead
                | Action::RepositoryExport
        )
    }
}

/// Where a grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Customers living in the municipalities the actor's unit serves.
    UnitMunicipalities,
    /// Customers with an active multisectoral involvement of the actor's wellbeing county.
    CountyInvolvements,
    /// Records of the actor's own organisation (e.g. its users).
    OwnOrganisation,
    /// The area the actor's organisation covers, and every area within it (statistics: a unit's
    /// municipalities, a county, a regional centre with its regions, the nation).
    OwnArea,
    /// Everything (operator administration).
    Everything,
}

/// One row of the policy: `role` may take `action` within `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub action: Action,
    pub scope: Scope,
    /// The actor must state a purpose of use, stored with each audit row (county workers).
    pub requires_purpose: bool,
}

const fn grant(role: Role, action: Action, scope: Scope) -> Grant {
    Grant {
        role,
        action,
        scope,
        requires_purpose: false,
    }
}

const fn with_purpose(role: Role, action: Action, scope: Scope) -> Grant {
    Grant {
        role,
        action,
        scope,
        requires_purpose: true,
    }
}

use Action::*;
use Role::*;
use Scope::*;

/// The access policy. Anything not granted here is refused. Regional officers and national analysts
/// have no grant on personal data at all: they see aggregate statistics only.
pub const POLICY: &[Grant] = &[
    grant(Caseworker, CustomerRegister, UnitMunicipalities),
    grant(Caseworker, CustomerRead, UnitMunicipalities),
    grant(Caseworker, CustomerSearch, UnitMunicipalities),
    grant(Caseworker, CustomerUpdate, UnitMunicipalities),
    grant(Caseworker, CustomerEnd, UnitMunicipalities),
    grant(Caseworker, CustomerHistory, UnitMunicipalities),
    grant(Caseworker, CountyInvolvementManage, UnitMunicipalities),
    grant(Caseworker, ProcessRead, UnitMunicipalities),
    grant(Caseworker, ProcessWrite, UnitMunicipalities),
    grant(Caseworker, SensitiveNoteRead, UnitMunicipalities),
    grant(Caseworker, WorklistRead, UnitMunicipalities),
    grant(Caseworker, HandoverRequest, UnitMunicipalities),
    grant(Caseworker, HandoverReceive, UnitMunicipalities),
    grant(Caseworker, EmploymentExchangeExport, UnitMunicipalities),
    grant(Caseworker, EmploymentExchangeImport, UnitMunicipalities),
    grant(Supervisor, CustomerRegister, UnitMunicipalities),
    grant(Supervisor, CustomerRead, UnitMunicipalities),
    grant(Supervisor, CustomerSearch, UnitMunicipalities),
    grant(Supervisor, CustomerUpdate, UnitMunicipalities),
    grant(Supervisor, CustomerEnd, UnitMunicipalities),
    grant(Supervisor, CustomerHistory, UnitMunicipalities),
    grant(Supervisor, CustomerAccessLog, UnitMunicipalities),
    // A customer's request to see their data is answered by the unit's supervisor, who also sees
    // who has read it (GDPR article 15; the access log is part of the answer).
    grant(Supervisor, SubjectAccess, UnitMunicipalities),
    // Integrations of the unit read the change feed with a supervisor's API token.
    grant(Supervisor, ChangeFeedRead, UnitMunicipalities),
    grant(Supervisor, CountyInvolvementManage, UnitMunicipalities),
    grant(Supervisor, ProcessRead, UnitMunicipalities),
    grant(Supervisor, ProcessWrite, UnitMunicipalities),
    grant(Supervisor, SensitiveNoteRead, UnitMunicipalities),
    grant(Supervisor, WorklistRead, UnitMunicipalities),
    grant(Supervisor, UnitWorklistRead, UnitMunicipalities),
    grant(Supervisor, HandoverRequest, UnitMunicipalities),
    grant(Supervisor, HandoverReceive, UnitMunicipalities),
    grant(Supervisor, EmploymentExchangeExport, UnitMunicipalities),
    grant(Supervisor, EmploymentExchangeImport, UnitMunicipalities),
    grant(Supervisor, UserManage, OwnOrganisation),
    // The national repository export is the unit's own data delivery (681/2023 §74): its supervisor
    // makes it; regional, national and operator roles get nothing, as for any personal data.
    grant(Supervisor, RepositoryExport, UnitMunicipalities),
    with_purpose(CountyWorker, CustomerRead, CountyInvolvements),
    with_purpose(CountyWorker, CustomerSearch, CountyInvolvements),
    with_purpose(CountyWorker, CustomerHistory, CountyInvolvements),
    // A county worker sees and writes only the records of the county's own multisectoral process
    // (the service layer narrows the scope to them), and no sensitive notes of the municipality.
    with_purpose(CountyWorker, ProcessRead, CountyInvolvements),
    with_purpose(CountyWorker, ProcessWrite, CountyInvolvements),
    // Statistics are aggregates, protected by suppression; each level sees its own area (issue 6).
    grant(Supervisor, StatisticsRead, OwnArea),
    grant(RegionalOfficer, StatisticsRead, OwnArea),
    grant(NationalAnalyst, StatisticsRead, OwnArea),
    grant(Admin, StatisticsRefresh, Everything),
    grant(Admin, UserManage, Everything),
    grant(Admin, OrganisationManage, Everything),
    grant(Admin, TokenManage, Everything),
    grant(Admin, AuditRead, Everything),
];

/// The grant for `role` and `action`, if any.
pub fn grant_for(role: Role, action: Action) -> Option<&'static Grant> {
    POLICY.iter().find(|g| g.role == role && g.action == action)
}

/// Whether user management within `scope` may give a user of `role` a password to sign in with
/// (create them, or reset their sign-in): a unit's supervisor only for its caseworkers and
/// supervisors, as whoever holds a one-time password can sign in as that user.
pub fn may_issue_sign_in(scope: Scope, role: Role) -> bool {
    scope != Scope::OwnOrganisation || matches!(role, Role::Caseworker | Role::Supervisor)
}

/// The scope in which `role` sees customers at all: that of its read grant. A customer outside it
/// answers "not found", whatever the action, so that existence does not leak.
pub fn customer_visibility(role: Role) -> Option<Scope> {
    grant_for(role, Action::CustomerRead).map(|g| g.scope)
}

/// The area an actor's organisation covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "codes")]
pub enum Jurisdiction {
    /// A municipal unit: the municipalities it serves.
    Municipalities(Vec<String>),
    /// A wellbeing services county, by its code.
    WellbeingCounty(String),
    /// A regional state centre, by its code.
    RegionalCentre(String),
    National,
    Operator,
}

/// Whether a customer in `municipality_code` whose multisectoral process involves the counties
/// `involved_counties` is inside `scope` for an actor with `jurisdiction`.
pub fn customer_in_scope(
    scope: Scope,
    jurisdiction: &Jurisdiction,
    municipality_code: &str,
    involved_counties: &[String],
) -> bool {
    match (scope, jurisdiction) {
        (Scope::UnitMunicipalities, Jurisdiction::Municipalities(codes)) => {
            codes.iter().any(|c| c == municipality_code)
        }
        (Scope::CountyInvolvements, Jurisdiction::WellbeingCounty(county)) => {
            involved_counties.iter().any(|c| c == county)
        }
        (Scope::Everything, _) => true,
        _ => false,
    }
}

/// Whether an actor of `role` in `jurisdiction` may see (and so revise) a process record that
/// belongs to the multisectoral process of `record_county` (if any) and may be a sensitive note. A
/// county worker sees only the records of their own county's multisectoral process; sensitive notes
/// need their own grant.
pub fn process_record_visible(
    role: Role,
    jurisdiction: &Jurisdiction,
    record_county: Option<&str>,
    sensitive: bool,
) -> bool {
    if sensitive && grant_for(role, Action::SensitiveNoteRead).is_none() {
        return false;
    }
    match grant_for(role, Action::ProcessRead).map(|g| (g.scope, jurisdiction)) {
        Some((Scope::CountyInvolvements, Jurisdiction::WellbeingCounty(county))) => {
            record_county == Some(county.as_str())
        }
        Some((Scope::UnitMunicipalities | Scope::Everything, _)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_and_action_has_at_most_one_grant() {
        for role in Role::ALL {
            for action in Action::ALL {
                let count = POLICY.iter().filter(|g| g.role == role && g.action == action).count();
                assert!(count <= 1, "{role:?} {action:?} granted {count} times");
            }
        }
    }

    #[test]
    fn aggregate_roles_and_the_operator_see_no_personal_data() {
        for role in [Role::RegionalOfficer, Role::NationalAnalyst, Role::Admin] {
            assert!(!role.sees_personal_data(), "{role:?}");
            assert_eq!(customer_visibility(role), None);
        }
        for role in [Role::Caseworker, Role::Supervisor, Role::CountyWorker] {
            assert!(role.sees_personal_data(), "{role:?}");
        }
        let second_factor: Vec<Role> = Role::ALL.into_iter().filter(|r| r.requires_second_factor()).collect();
        assert_eq!(
            second_factor,
            [Role::Caseworker, Role::Supervisor, Role::CountyWorker, Role::Admin]
        );
    }

    #[test]
    fn every_customer_grant_is_within_the_roles_visibility() {
        // A role that may act on a customer must be able to see it, or the 403/404 rule breaks.
        for g in POLICY.iter().filter(|g| g.action.touches_personal_data()) {
            if g.action == Action::CustomerRegister {
                continue;
            }
            assert_eq!(customer_visibility(g.role), Some(g.scope), "{g:?}");
        }
    }

    #[test]
    fn scope_checks() {
        let unit = Jurisdiction::Municipalities(vec!["091".into(), "092".into()]);
        assert!(customer_in_scope(Scope::UnitMunicipalities, &unit, "092", &[]));
        assert!(!customer_in_scope(Scope::UnitMunicipalities, &unit, "049", &[]));
        let county = Jurisdiction::WellbeingCounty("90".into());
        assert!(customer_in_scope(
            Scope::CountyInvolvements,
            &county,
            "091",
            &["90".into()]
        ));
        assert!(!customer_in_scope(
            Scope::CountyInvolvements,
            &county,
            "091",
            &["01".into()]
        ));
        assert!(!customer_in_scope(Scope::UnitMunicipalities, &county, "091", &[]));
    }

    #[test]
    fn county_workers_see_only_their_countys_records_and_no_sensitive_notes() {
        let county = Jurisdiction::WellbeingCounty("90".into());
        assert!(process_record_visible(Role::CountyWorker, &county, Some("90"), false));
        assert!(!process_record_visible(Role::CountyWorker, &county, Some("01"), false));
        assert!(!process_record_visible(Role::CountyWorker, &county, None, false));
        assert!(!process_record_visible(Role::CountyWorker, &county, Some("90"), true));
        let unit = Jurisdiction::Municipalities(vec!["091".into()]);
        assert!(process_record_visible(Role::Caseworker, &unit, None, true));
        assert!(process_record_visible(Role::Supervisor, &unit, Some("90"), false));
        assert!(!process_record_visible(
            Role::NationalAnalyst,
            &Jurisdiction::National,
            None,
            false
        ));
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(kind.as_str()), Some(kind));
        }
    }
}

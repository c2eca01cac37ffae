//! The customer registry's use cases: register, read, update, search, end customership, history.

use chrono::NaiveDate;
use kotopolku_domain::access::{self, Action, Jurisdiction, Scope};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::code_lists::{self, CodeListName};
use kotopolku_domain::customer::{Customer, CustomerInput, EndCustomership};
use kotopolku_domain::identity_code::IdentityCode;
use kotopolku_domain::names;
use kotopolku_store::customers::{self as store, ChangeContext, ChangeRecord, FieldChange, SearchCriteria};
use kotopolku_store::{StoreError, Tx};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::{self, Target};
use crate::{DuplicateCandidate, ServiceError, Services};

/// Most words a name search may have; more would only slow the query down.
const MAX_NAME_FRAGMENTS: usize = 5;
pub const DEFAULT_PAGE_SIZE: u32 = 25;
pub const MAX_PAGE_SIZE: u32 = 100;

/// A search request as the caller gives it; every given criterion must match.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CustomerSearch {
    /// Exact personal identity code.
    pub identity_code: Option<String>,
    /// Name fragments, each matching the start of a word of the family or given names, insensitive to
    /// case and diacritics (`jarv` finds `Järvinen`).
    pub name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// Municipality of residence, a 3-digit code.
    pub municipality: Option<String>,
    /// Include customers whose customership has ended (default true).
    pub include_ended: Option<bool>,
    /// Page size, 1-100 (default 25).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of customers in family name, given names order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustomerPage {
    pub customers: Vec<Customer>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One entry of a customer's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub changed_at: chrono::DateTime<chrono::Utc>,
    pub actor_id: String,
    pub actor_name: String,
    /// `created`, `updated` or `ended`.
    pub change_kind: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl Services {
    /// Registers a new customer. Refuses an identity code that is in use, and, unless
    /// `confirm_not_duplicate`, a customer with the same birth date and a similar name.
    pub async fn register_customer(
        &self,
        actor: &Actor,
        input: &CustomerInput,
        confirm_not_duplicate: bool,
    ) -> Result<Customer, ServiceError> {
        let grant = self
            .authorize(actor, Action::CustomerRegister, Target::default())
            .await?;
        let data = input.validate(self.clock.today()).map_err(ServiceError::Validation)?;
        if let Some(grant) = grant
            && !in_jurisdiction(actor, grant.scope, &data.municipality_code)
        {
            return Err(ServiceError::field(
                "municipality_code",
                "outside_your_municipalities",
                "your unit does not serve this municipality",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if let Some(code) = &data.identity_code {
            ensure_identity_code_free(&mut tx, code, None).await?;
        }
        if !confirm_not_duplicate {
            let candidates: Vec<DuplicateCandidate> = store::born_on(&mut tx, data.birth_date)
                .await?
                .into_iter()
                .filter(|c| {
                    names::likely_same_person(
                        &data.family_name,
                        &data.given_names,
                        &c.data.family_name,
                        &c.data.given_names,
                    )
                })
                .map(|c| {
                    let visible = match grant {
                        Some(grant) => in_jurisdiction(actor, grant.scope, &c.data.municipality_code),
                        None => true,
                    };
                    DuplicateCandidate {
                        id: visible.then_some(c.id),
                        family_name: visible.then_some(c.data.family_name),
                        given_names: visible.then_some(c.data.given_names),
                        birth_date: c.data.birth_date,
                        municipality_code: c.data.municipality_code,
                        outside_your_scope: !visible,
                    }
                })
                .collect();
            if !candidates.is_empty() {
                return Err(ServiceError::LikelyDuplicates { candidates });
            }
        }
        let customer = Customer {
            id: uuid::Uuid::now_v7().to_string(),
            data,
            customership_end: None,
            end_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let identity_code = customer.data.identity_code.clone();
        if let Err(error) = store::insert(&mut tx, &customer).await {
            return Err(match (error, identity_code) {
                // Another registration with the same code committed between our check and insert.
                (StoreError::UniqueViolation(_), Some(code)) => {
                    drop(tx);
                    let mut tx = self.db.begin().await?;
                    match ensure_identity_code_free(&mut tx, &code, None).await {
                        Err(duplicate) => duplicate,
                        Ok(()) => ServiceError::Store(StoreError::UniqueViolation("identity_code".into())),
                    }
                }
                (error, _) => error.into(),
            });
        }
        let changes = diff(None, &customer)?;
        record(&mut tx, actor, &customer, "created", &changes).await?;
        audit::record_success(
            &mut tx,
            actor,
            Action::CustomerRegister.as_str(),
            Target::customer(&customer.id),
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::debug!(customer_id = %customer.id, actor = %actor.id, "customer registered");
        Ok(customer)
    }

    /// Reads one customer; the read is audited before the data is returned.
    pub async fn customer(&self, actor: &Actor, id: &str) -> Result<Customer, ServiceError> {
        let customer = self.visible_customer(actor, Action::CustomerRead, id).await?;
        self.audit_reads(actor, Action::CustomerRead, &[Target::customer(id)])
            .await?;
        Ok(customer)
    }

    /// Replaces a customer's basic data, if `expected_version` is still the current one. Every
    /// changed field is written to the history; an update that changes nothing writes nothing.
    pub async fn update_customer(
        &self,
        actor: &Actor,
        id: &str,
        input: &CustomerInput,
        expected_version: i64,
    ) -> Result<Customer, ServiceError> {
        let checked = self.visible_customer(actor, Action::CustomerUpdate, id).await?;
        let data = input.validate(self.clock.today()).map_err(ServiceError::Validation)?;
        if let Some(grant) = actor
            .role
            .and_then(|role| access::grant_for(role, Action::CustomerUpdate))
            && !in_jurisdiction(actor, grant.scope, &data.municipality_code)
        {
            return Err(ServiceError::field(
                "municipality_code",
                "outside_your_municipalities",
                "your unit does not serve this municipality; a move to another municipality is a hand-over",
            ));
        }
        let mut tx = self.db.begin().await?;
        let current = store::get_for_update(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        // The access check above saw `checked`; any change since then shows in the version.
        if current.version != expected_version || current.version != checked.version {
            return Err(ServiceError::VersionConflict {
                current_version: current.version,
            });
        }
        if let Some(code) = &data.identity_code {
            ensure_identity_code_free(&mut tx, code, Some(id)).await?;
        }
        if let Some(end) = current.customership_end
            && end < data.customership_start
        {
            return Err(ServiceError::field(
                "customership_start",
                "after_end",
                "the customership would start after it ended",
            ));
        }
        let updated = Customer {
            data,
            version: current.version + 1,
            updated_at: self.clock.now(),
            ..current.clone()
        };
        self.write_update(tx, actor, Action::CustomerUpdate, &current, updated, "updated")
            .await
    }

    /// Ends a customership with a reason from the `customership-end-reasons` code list.
    pub async fn end_customership(
        &self,
        actor: &Actor,
        id: &str,
        end: &EndCustomership,
    ) -> Result<Customer, ServiceError> {
        let checked = self.visible_customer(actor, Action::CustomerEnd, id).await?;
        let mut tx = self.db.begin().await?;
        let current = store::get_for_update(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if current.version != end.version || current.version != checked.version {
            return Err(ServiceError::VersionConflict {
                current_version: current.version,
            });
        }
        if current.customership_end.is_some() {
            return Err(ServiceError::AlreadyEnded);
        }
        end.validate(&current, self.clock.today())
            .map_err(ServiceError::Validation)?;
        let ended = Customer {
            customership_end: Some(end.end_date),
            end_reason: Some(end.reason.clone()),
            version: current.version + 1,
            updated_at: self.clock.now(),
            ..current.clone()
        };
        self.write_update(tx, actor, Action::CustomerEnd, &current, ended, "ended")
            .await
    }

    async fn write_update(
        &self,
        mut tx: Tx,
        actor: &Actor,
        action: Action,
        current: &Customer,
        updated: Customer,
        kind: &str,
    ) -> Result<Customer, ServiceError> {
        let changes = diff(Some(current), &updated)?;
        if changes.is_empty() {
            return Ok(current.clone());
        }
        if !store::update(&mut tx, &updated, current.version).await? {
            return Err(ServiceError::VersionConflict {
                current_version: current.version + 1,
            });
        }
        record(&mut tx, actor, &updated, kind, &changes).await?;
        // The statistics derive this customer's facts again at their next refresh.
        kotopolku_store::statistics::forget_facts(&mut tx, &updated.id).await?;
        audit::record_success(
            &mut tx,
            actor,
            action.as_str(),
            Target::customer(&updated.id),
            updated.updated_at,
        )
        .await?;
        tx.commit().await?;
        tracing::debug!(customer_id = %updated.id, actor = %actor.id, kind, "customer changed");
        Ok(updated)
    }

    /// Searches customers page by page in a stable order, within the actor's scope. Every customer
    /// in the answer counts as read and is audited.
    pub async fn search_customers(&self, actor: &Actor, search: &CustomerSearch) -> Result<CustomerPage, ServiceError> {
        let grant = self.authorize(actor, Action::CustomerSearch, Target::default()).await?;
        let mut criteria = search_criteria(search)?;
        if let Some(grant) = grant {
            match (grant.scope, &actor.jurisdiction) {
                (Scope::UnitMunicipalities, Some(Jurisdiction::Municipalities(codes))) => {
                    criteria.municipality_codes = Some(match criteria.municipality_codes.take() {
                        Some(asked) => asked.into_iter().filter(|c| codes.contains(c)).collect(),
                        None => codes.clone(),
                    });
                }
                (Scope::CountyInvolvements, Some(Jurisdiction::WellbeingCounty(county))) => {
                    if grant.requires_purpose && !crate::access::has_purpose(actor) {
                        return Err(self
                            .refuse(
                                actor,
                                Action::CustomerSearch,
                                Target::default(),
                                ServiceError::purpose_required(),
                            )
                            .await);
                    }
                    criteria.involved_county = Some(county.clone());
                }
                _ => criteria.municipality_codes = Some(Vec::new()),
            }
        }
        let page = store::search(&self.db, &criteria).await?;
        let targets: Vec<Target<'_>> = page.customers.iter().map(|c| Target::customer(&c.id)).collect();
        self.audit_reads(actor, Action::CustomerSearch, &targets).await?;
        Ok(CustomerPage {
            next_cursor: page.next.as_ref().map(|(key, id)| encode_cursor(key, id)),
            customers: page.customers,
        })
    }

    /// Every recorded change of a customer, oldest first.
    pub async fn customer_history(&self, actor: &Actor, id: &str) -> Result<Vec<HistoryEntry>, ServiceError> {
        self.visible_customer(actor, Action::CustomerHistory, id).await?;
        let records: Vec<ChangeRecord> = store::history(&self.db, id).await?;
        self.audit_reads(actor, Action::CustomerHistory, &[Target::customer(id)])
            .await?;
        Ok(records.into_iter().map(HistoryEntry::from).collect())
    }
}

impl From<ChangeRecord> for HistoryEntry {
    fn from(r: ChangeRecord) -> Self {
        HistoryEntry {
            changed_at: r.changed_at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            change_kind: r.change_kind,
            field: r.field,
            old_value: r.old_value,
            new_value: r.new_value,
        }
    }
}

/// Whether a customer of `municipality_code` is inside the actor's jurisdiction for `scope`.
fn in_jurisdiction(actor: &Actor, scope: Scope, municipality_code: &str) -> bool {
    actor
        .jurisdiction
        .as_ref()
        .is_some_and(|j| access::customer_in_scope(scope, j, municipality_code, &[]))
}

async fn ensure_identity_code_free(tx: &mut Tx, code: &IdentityCode, except: Option<&str>) -> Result<(), ServiceError> {
    match store::id_by_identity_code(tx, code.as_str()).await? {
        Some(existing) if Some(existing.as_str()) != except => Err(ServiceError::DuplicateIdentityCode {
            existing_customer_id: existing,
        }),
        _ => Ok(()),
    }
}

async fn record(
    tx: &mut Tx,
    actor: &Actor,
    customer: &Customer,
    kind: &str,
    changes: &[FieldChange],
) -> Result<(), ServiceError> {
    let context = ChangeContext {
        customer_id: &customer.id,
        at: customer.updated_at,
        actor_id: &actor.id,
        actor_name: &actor.display_name,
        kind,
    };
    Ok(store::record_changes(tx, &context, changes).await?)
}

/// The fields whose values differ between two versions of a customer (all set fields on creation).
/// Values are written as they appear in the API: strings as such, everything else as JSON.
pub(crate) fn diff(old: Option<&Customer>, new: &Customer) -> Result<Vec<FieldChange>, ServiceError> {
    let fields = |c: &Customer| -> Result<serde_json::Map<String, Value>, ServiceError> {
        let mut map = match serde_json::to_value(&c.data) {
            Ok(Value::Object(map)) => map,
            _ => return Err(StoreError::Corrupt("customer did not serialise to an object".into()).into()),
        };
        map.insert(
            "customership_end".into(),
            serde_json::to_value(c.customership_end).unwrap_or(Value::Null),
        );
        map.insert(
            "end_reason".into(),
            serde_json::to_value(&c.end_reason).unwrap_or(Value::Null),
        );
        Ok(map)
    };
    let new_fields = fields(new)?;
    let old_fields = old.map(fields).transpose()?.unwrap_or_default();
    let mut changes = Vec::new();
    for (field, new_value) in &new_fields {
        let old_value = old_fields.get(field).unwrap_or(&Value::Null);
        if old_value != new_value && !(old.is_none() && is_empty(new_value)) {
            changes.push(FieldChange {
                field: field.clone(),
                old_value: as_text(old_value),
                new_value: as_text(new_value),
            });
        }
    }
    Ok(changes)
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn search_criteria(search: &CustomerSearch) -> Result<SearchCriteria, ServiceError> {
    let identity_code = match search.identity_code.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(
            IdentityCode::parse(code)
                .map_err(|e| ServiceError::field("identity_code", "invalid_identity_code", e.to_string()))?
                .as_str()
                .to_owned(),
        ),
    };
    let name_prefixes = search.name.as_deref().map(names::tokens).unwrap_or_default();
    if name_prefixes.len() > MAX_NAME_FRAGMENTS {
        return Err(ServiceError::field(
            "name",
            "too_many_words",
            format!("at most {MAX_NAME_FRAGMENTS} name fragments"),
        ));
    }
    if name_prefixes.iter().any(|p| p.chars().count() > 100) {
        return Err(ServiceError::field(
            "name",
            "too_long",
            "a name fragment has at most 100 characters",
        ));
    }
    let municipality_codes = match search.municipality.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) if code_lists::contains(CodeListName::Municipalities, code) => Some(vec![code.to_owned()]),
        Some(_) => {
            return Err(ServiceError::field(
                "municipality",
                "unknown_code",
                "not in the code list municipalities",
            ));
        }
    };
    let limit = search.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ServiceError::field(
            "limit",
            "out_of_range",
            format!("between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let after = match search.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(
            decode_cursor(cursor)
                .ok_or_else(|| ServiceError::field("cursor", "invalid_cursor", "not a cursor from this API"))?,
        ),
    };
    Ok(SearchCriteria {
        identity_code,
        name_prefixes,
        birth_date: search.birth_date,
        municipality_codes,
        include_ended: search.include_ended.unwrap_or(true),
        after,
        limit,
        involved_county: None,
    })
}

/// Cursors are opaque to clients: hex of `sort_key`, a unit separator, and the id.
fn encode_cursor(sort_key: &str, id: &str) -> String {
    let raw = format!("{sort_key}\u{1f}{id}");
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Option<(String, String)> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 1000 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    let raw = String::from_utf8(bytes?).ok()?;
    let (key, id) = raw.split_once('\u{1f}')?;
    Some((key.to_owned(), id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let cursor = encode_cursor("järvinen / matti", "0190-abc");
        assert_eq!(
            decode_cursor(&cursor),
            Some(("järvinen / matti".into(), "0190-abc".into()))
        );
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("abc"), None);
    }
}

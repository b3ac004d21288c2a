//! Leader roles from a provider's claims: the directory's `[[role]]`
//! entries map an Entra ID app role (the `roles` claim) or a group object
//! id (`groups`) to units, next to the `[[person]]` subject mapping.
//!
//! The person is still the provider's subject (Entra `tid/oid`), never a
//! claim or an e-mail: someone known only by a role gets a principal that
//! is a keyed hash of `<provider id>:<subject>`. Roles are worked out from
//! the ID token the sign-in verified, kept (encrypted) with the session,
//! and against the directory in force at each request — never fetched
//! again from the provider — so taking a mapping out of the directory
//! ends the access on the next request, as for a removed `[[person]]`.
//!
//! Above 200 groups Entra ID leaves `groups` out of the token and puts an
//! overage marker in `_claim_names` instead. Samavvik does not go to Graph
//! for the groups: with the marker and no matching app role the sign-in is
//! refused ([`Refusal::GroupsOverage`]) rather than guessed.

use samavvik_core::UnitId;
use samavvik_routing::{Directory, OrgKind, RoleClaim};
use serde_json::{Map, Value};

use samavvik_store::SessionOrigin;

use super::Refusal;
use crate::app::App;
use crate::catalog::Catalog;
use crate::people::Person;
use crate::tokens::Secret;

/// What an ID token says about roles and groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleClaims {
    pub roles: Vec<String>,
    pub groups: Vec<String>,
    /// `_claim_names` names `groups`: the list was too long for the token.
    pub groups_overage: bool,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl RoleClaims {
    /// Reads `roles`, `groups` and the overage marker from the token's claims.
    pub fn from_claims(claims: &Map<String, Value>) -> Self {
        Self {
            roles: strings(claims.get("roles")),
            groups: strings(claims.get("groups")),
            groups_overage: claims
                .get("_claim_names")
                .and_then(Value::as_object)
                .is_some_and(|names| names.contains_key("groups")),
        }
    }
}

/// The units the claims grant through `provider`'s mappings, and whether
/// an app role (rather than only a group) matched.
fn granted(dir: &Directory, provider: &str, claims: &RoleClaims) -> (Vec<UnitId>, bool) {
    let mut units: Vec<UnitId> = Vec::new();
    let mut by_app_role = false;
    for m in dir.role_mappings().iter().filter(|m| m.provider == provider) {
        let hit = match &m.claim {
            RoleClaim::AppRole(v) => claims.roles.contains(v),
            RoleClaim::Group(v) => claims.groups.contains(v),
        };
        if hit {
            by_app_role |= matches!(m.claim, RoleClaim::AppRole(_));
            for u in &m.units {
                if !units.contains(u) {
                    units.push(u.clone());
                }
            }
        }
    }
    (units, by_app_role)
}

/// The principal of someone known to the directory only by a role claim.
pub fn role_principal(secret: &Secret, key: &str) -> String {
    format!("o-{}", &secret.pseudonym("oidc-principal", key)[..20])
}

/// The person behind subject `key` (`<provider id>:<subject>`) with the
/// roles the directory and the claims give, or why there is none.
///
/// # Errors
/// [`Refusal::UnknownSubject`] when neither a `[[person]]` entry nor a
/// `[[role]]` entry matches; [`Refusal::GroupsOverage`] when only the
/// missing groups could have; [`Refusal::NoLongerListed`] when a
/// `[[person]]` entry's e-mail leads nothing any more.
pub fn resolve(
    catalog: &Catalog,
    secret: &Secret,
    provider: &str,
    key: &str,
    claims: &RoleClaims,
) -> Result<Person, Refusal> {
    let dir = &catalog.directory;
    let (units, by_app_role) = granted(dir, provider, claims);
    let secretariat = units.iter().any(|u| {
        dir.unit(u)
            .and_then(|u| dir.organisation(&u.organisation))
            .is_some_and(|o| o.kind == OrgKind::Secretariat)
    });
    if let Some(known) = catalog.people.by_oidc(key) {
        let mut person = known.clone();
        for u in units {
            if !person.units.contains(&u) {
                person.units.push(u);
            }
        }
        person.secretariat |= secretariat;
        return if person.units.is_empty() && !person.admin {
            Err(Refusal::NoLongerListed)
        } else {
            Ok(person)
        };
    }
    if units.is_empty() {
        let groups_mapped = dir
            .role_mappings()
            .iter()
            .any(|m| m.provider == provider && matches!(m.claim, RoleClaim::Group(_)));
        return Err(if claims.groups_overage && groups_mapped && !by_app_role {
            Refusal::GroupsOverage
        } else {
            Refusal::UnknownSubject
        });
    }
    Ok(Person {
        principal: role_principal(secret, key),
        // Nobody is mailed at an address the provider asserts: role
        // holders get notices through the units' own lists, if at all.
        email: String::new(),
        units,
        subunits: Vec::new(),
        secretariat,
        admin: false,
    })
}

/// The person a provider's session stands for now: the roles worked out
/// again from the session's stored ID token against the current directory.
/// `None` when the provider is no longer configured, the token cannot be
/// read, or the person has no role left (or, having got a `[[person]]`
/// entry since, is a different principal: they sign in again).
pub fn for_session(app: &App, catalog: &Catalog, principal: &str, origin: &SessionOrigin) -> Option<Person> {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let p = app.oidc.get(&origin.provider)?;
    let raw = origin
        .id_token_sealed
        .as_deref()
        .and_then(|s| super::open_id_token(app, s))?;
    // The signature was checked at sign-in; the AEAD seal since keeps it whole.
    let payload = URL_SAFE_NO_PAD.decode(raw.split('.').nth(1)?).ok()?;
    let claims: super::Claims = serde_json::from_slice(&payload).ok()?;
    let pid = app.oidc.pid_key().ok().flatten();
    let subject = super::profile::subject(&p.config, &claims, pid).ok()?;
    let key = format!("{}:{subject}", origin.provider);
    let person = resolve(
        catalog,
        &app.secret,
        &origin.provider,
        &key,
        &RoleClaims::from_claims(&claims.additional_claims().0),
    )
    .ok()?;
    (person.principal == principal).then_some(person)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_roles_groups_and_the_overage_marker() {
        let c = serde_json::json!({
            "roles": ["Samavvik.Leder"], "groups": ["g-1", "g-2"],
        });
        let r = RoleClaims::from_claims(c.as_object().unwrap());
        assert_eq!(r.roles, vec!["Samavvik.Leder"]);
        assert_eq!(r.groups, vec!["g-1", "g-2"]);
        assert!(!r.groups_overage);
        let over = serde_json::json!({
            "_claim_names": {"groups": "src1"},
            "_claim_sources": {"src1": {"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}},
        });
        let r = RoleClaims::from_claims(over.as_object().unwrap());
        assert!(r.groups_overage);
        assert!(r.groups.is_empty());
        assert_eq!(
            RoleClaims::from_claims(&Map::new()),
            RoleClaims::default(),
            "no claims, no roles"
        );
    }
}

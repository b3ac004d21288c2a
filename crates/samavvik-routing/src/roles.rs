//! `[[role]]` entries: leader roles granted by a claim an OpenID provider
//! puts in the ID token, next to the `[[person]]` subject mapping.
//!
//! ```toml
//! [[role]]
//! provider = "horten-entra"                  # [[oidc.provider]] id
//! app_role = "Samavvik.Leder.Hjemmetjenesten" # a value in the `roles` claim
//! units = ["horten-hjemmetjenesten"]
//!
//! [[role]]
//! provider = "horten-entra"
//! group = "5f0c…"                            # a group object id in `groups`
//! units = ["horten-helse"]
//! ```
//!
//! Each entry names exactly one claim value. The same claim value may be
//! mapped once per provider (`samavvik directory check` says where a clash
//! is), and every unit must be in the file. Who the person is still comes
//! from the provider's subject, never from the claim.

use std::collections::HashMap;

use samavvik_core::UnitId;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::problem::Problem;

type Text = Spanned<String>;

/// An entry as the file has it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRole {
    provider: Text,
    app_role: Option<Text>,
    group: Option<Text>,
    #[serde(default)]
    units: Vec<Text>,
}

/// Which claim value grants the roles.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleClaim {
    /// An Entra ID app role's value, in the `roles` claim (recommended).
    AppRole(String),
    /// A group's object id, in the `groups` claim (missing above 200 groups).
    Group(String),
}

/// Leader roles in `units` for whoever signs in through `provider` with `claim`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct RoleMapping {
    pub provider: String,
    pub claim: RoleClaim,
    pub units: Vec<UnitId>,
}

/// A mapping with where its parts are in the file, for the cross-checks.
pub(crate) struct RoleLines {
    pub entry: usize,
    pub units: Vec<usize>,
}

/// Reads one entry; `line` turns a span into a line number. `None` (with
/// a problem) when it cannot be used.
pub(crate) fn read(
    raw: RawRole,
    line: &dyn Fn(std::ops::Range<usize>) -> usize,
    problems: &mut Vec<Problem>,
) -> Option<(RoleMapping, RoleLines)> {
    let entry = line(raw.provider.span());
    let provider = raw.provider.into_inner();
    let slug = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !slug(&provider) {
        problems.push(Problem::at(
            entry,
            format!("[[role]]: leverandøren «{provider}» må være en id (a–z, 0–9, «-»)."),
        ));
        return None;
    }
    let claim = match (raw.app_role, raw.group) {
        (Some(r), None) if !r.get_ref().trim().is_empty() => RoleClaim::AppRole(r.into_inner()),
        (None, Some(g)) if !g.get_ref().trim().is_empty() => RoleClaim::Group(g.into_inner()),
        _ => {
            problems.push(Problem::at(
                entry,
                format!("[[role]] for «{provider}»: oppgi nøyaktig én av «app_role» og «group», ikke tom."),
            ));
            return None;
        }
    };
    if raw.units.is_empty() {
        problems.push(Problem::at(
            entry,
            format!("[[role]] for «{provider}»: «units» kan ikke være tom."),
        ));
        return None;
    }
    let mut units = Vec::new();
    let mut unit_lines = Vec::new();
    for u in raw.units {
        let at = line(u.span());
        match UnitId::new(u.get_ref().as_str()) {
            Ok(id) => {
                units.push(id);
                unit_lines.push(at);
            }
            Err(_) => problems.push(Problem::at(
                at,
                format!("[[role]]: «{}» er ikke en gyldig enhets-id.", u.get_ref()),
            )),
        }
    }
    Some((
        RoleMapping { provider, claim, units },
        RoleLines {
            entry,
            units: unit_lines,
        },
    ))
}

/// Across entries: every unit exists, and no claim value is mapped twice
/// for one provider (which entry would win would be a guess).
pub(crate) fn cross_check(
    roles: &[(RoleMapping, RoleLines)],
    unit_exists: &dyn Fn(&UnitId) -> bool,
    problems: &mut Vec<Problem>,
) {
    let mut seen: HashMap<(&str, &RoleClaim), usize> = HashMap::new();
    for (role, lines) in roles {
        for (unit, at) in role.units.iter().zip(&lines.units) {
            if !unit_exists(unit) {
                problems.push(Problem::at(*at, format!("[[role]]: enheten «{unit}» finnes ikke.")));
            }
        }
        if let Some(first) = seen.insert((role.provider.as_str(), &role.claim), lines.entry) {
            let what = match &role.claim {
                RoleClaim::AppRole(v) => format!("app_role «{v}»"),
                RoleClaim::Group(v) => format!("group «{v}»"),
            };
            problems.push(Problem::at(
                lines.entry,
                format!("[[role]]: {what} for «{}» er brukt før (linje {first}).", role.provider),
            ));
        }
    }
}

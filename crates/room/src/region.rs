//! `[region]`: the municipalities the Room looks at by default, and the gazetteer it names
//! them from.
//!
//! ```toml
//! [region]
//! municipalities = ["GM0479", "GM0453"]   # CBS codes ...
//! province = "Noord-Holland"              # ... and/or every municipality of a province
//! ```
//!
//! The region scopes the Room's default view: the map shows its municipalities, the
//! municipality filters offer them, and a page without a chosen municipality shows them all.
//! It does not limit what anyone may read (that is an account's scope, set by an admin:
//! [`crate::scope`]). No section, or an empty one: the whole country. A code the shipped
//! gazetteer does not know, or a province that is not one of the twelve, stops the start with
//! an error naming the key.

use serde::{Deserialize, Serialize};
use websense_gazetteer::{Gazetteer, Municipality, PROVINCES};

/// `[region]` as written in the configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegionConfig {
    /// CBS codes (`GM0479`).
    pub municipalities: Vec<String>,
    /// A province as CBS writes it (`Noord-Holland`, `Fryslân`): all its municipalities.
    pub province: Option<String>,
}

impl RegionConfig {
    /// Check the section against `gazetteer`: every code known, the province one of the
    /// twelve. The message names the key and what it may hold.
    pub fn validate(&self, gazetteer: &Gazetteer) -> Result<(), String> {
        for code in &self.municipalities {
            if !websense_model::place::is_municipality_code(code) {
                return Err(format!(
                    "[region] municipalities: {code:?} is not a CBS municipality code like \
                     \"GM0479\" (GM and four digits)"
                ));
            }
            if gazetteer.municipality(code).is_none() {
                return Err(format!(
                    "[region] municipalities: {code:?} is not a municipality of the gazetteer \
                     (as of 1 January 2025; see gazetteer/municipalities.tsv)"
                ));
            }
        }
        if let Some(province) = &self.province {
            if !PROVINCES.contains(&province.as_str()) {
                return Err(format!(
                    "[region] province: {province:?} is not a Dutch province; write one of {}",
                    PROVINCES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Whether the section names anything (else the region is the whole country).
    pub fn is_set(&self) -> bool {
        !self.municipalities.is_empty() || self.province.is_some()
    }
}

/// The configured region, resolved: its municipalities sorted by name.
#[derive(Clone, Debug)]
pub struct Region {
    /// The configured province, for the pages' words ("Noord-Holland"); none for a region
    /// of codes only, or the whole country.
    pub label: Option<String>,
    /// Whether `[region]` named anything (else: the whole country).
    pub configured: bool,
    municipalities: Vec<Municipality>,
}

impl Region {
    /// Resolve `config` against `gazetteer` (checked first: see [`RegionConfig::validate`]).
    pub fn resolve(config: &RegionConfig, gazetteer: &Gazetteer) -> Result<Region, String> {
        config.validate(gazetteer)?;
        let mut municipalities: Vec<Municipality> = if config.is_set() {
            gazetteer
                .municipalities()
                .iter()
                .filter(|m| {
                    config.municipalities.contains(&m.code)
                        || config.province.as_deref() == Some(m.province.as_str())
                })
                .cloned()
                .collect()
        } else {
            gazetteer.municipalities().to_vec()
        };
        municipalities.sort_by_key(|a| sort_name(&a.name));
        Ok(Region {
            label: config.province.clone(),
            configured: config.is_set(),
            municipalities,
        })
    }

    /// The region's municipalities, by name.
    pub fn municipalities(&self) -> &[Municipality] {
        &self.municipalities
    }

    /// The region's municipality with this code.
    pub fn get(&self, code: &str) -> Option<&Municipality> {
        self.municipalities.iter().find(|m| m.code == code)
    }

    /// The region's codes.
    pub fn codes(&self) -> Vec<String> {
        self.municipalities.iter().map(|m| m.code.clone()).collect()
    }
}

/// Names sort as people look them up: `'s-Gravenhage` under G, case ignored.
fn sort_name(name: &str) -> String {
    name.trim_start_matches("'s-")
        .trim_start_matches("'t ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> RegionConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_province_and_codes_resolve_to_their_municipalities() {
        let g = Gazetteer::shipped();
        let all = Region::resolve(&RegionConfig::default(), &g).unwrap();
        assert_eq!(all.municipalities().len(), 342);
        let nh = Region::resolve(&config("province = \"Noord-Holland\""), &g).unwrap();
        assert!(nh.get("GM0479").is_some(), "Zaanstad is in Noord-Holland");
        assert!(nh.get("GM0599").is_none(), "Rotterdam is not");
        assert!(nh
            .municipalities()
            .iter()
            .all(|m| m.province == "Noord-Holland"));
        let two =
            Region::resolve(&config("municipalities = [\"GM0479\", \"GM0599\"]"), &g).unwrap();
        assert_eq!(
            two.codes(),
            ["GM0599", "GM0479"],
            "sorted by name: Rotterdam, Zaanstad"
        );
    }

    #[test]
    fn unknown_codes_and_provinces_are_errors_naming_the_key() {
        let g = Gazetteer::shipped();
        let e = Region::resolve(&config("municipalities = [\"GM9999\"]"), &g).unwrap_err();
        assert!(
            e.contains("[region] municipalities") && e.contains("GM9999"),
            "{e}"
        );
        let e = Region::resolve(&config("municipalities = [\"Zaanstad\"]"), &g).unwrap_err();
        assert!(e.contains("not a CBS municipality code"), "{e}");
        let e = Region::resolve(&config("province = \"Holland\""), &g).unwrap_err();
        assert!(
            e.contains("[region] province") && e.contains("Noord-Holland"),
            "{e}"
        );
        assert!(toml::from_str::<RegionConfig>("provinces = \"Zeeland\"").is_err());
    }
}

//! Who is who: resolves the names written in notes (slug, `name` or any
//! `aka`, any case) to people, and creates a person for each name that has
//! no profile (or reports it, with `people: strict`).

use crate::diag::closest;
use std::collections::HashMap;

/// How a lookup by name ended.
pub enum Lookup {
    Found(usize),
    /// Not known; the closest known name or slug, if any is near.
    Unknown {
        near: Option<String>,
    },
}

/// Name keys to person ids.
#[derive(Default)]
pub struct PeopleIndex {
    by_key: HashMap<String, usize>,
    /// Names offered in "did you mean", as written: profiles' names, slugs
    /// and akas, and the names of people without a profile seen so far.
    suggestable: Vec<String>,
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl PeopleIndex {
    /// Registers `name` for person `id`; returns the id already holding it
    /// if another person has it.
    pub fn insert(&mut self, name: &str, id: usize, suggest: bool) -> Option<usize> {
        let k = key(name);
        if k.is_empty() {
            return None;
        }
        if let Some(&other) = self.by_key.get(&k) {
            return (other != id).then_some(other);
        }
        if suggest {
            self.suggestable.push(name.trim().to_string());
        }
        self.by_key.insert(k, id);
        None
    }

    /// The person a name (as written in a note) already resolves to, if
    /// any; the same answer [`PeopleIndex::lookup`] gives, without looking
    /// for a near name when there is none.
    pub fn find(&self, raw: &str) -> Option<usize> {
        let name = raw.trim().trim_start_matches('@');
        if name.is_empty() {
            return None;
        }
        crate::slug::find_by_name(&self.by_key, name)
    }

    pub fn lookup(&self, name: &str) -> Lookup {
        if let Some(id) = crate::slug::find_by_name(&self.by_key, name) {
            return Lookup::Found(id);
        }
        let k = key(name);
        let near = closest(&k, self.suggestable.iter().map(String::as_str)).map(String::from);
        Lookup::Unknown { near }
    }
}

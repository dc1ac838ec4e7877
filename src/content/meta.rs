//! The typed front matter of each kind of note, as written (before
//! linking). Unknown keys do not land here: the loader keeps them as
//! `extra` for templates.

use super::fields::{Flag, Text, TextList};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SessionMeta {
    pub title: Option<Text>,
    pub date: Option<Text>,
    pub end: Option<Text>,
    pub duration: Option<Text>,
    pub community: Option<Text>,
    pub facilitators: TextList,
    pub attendees: TextList,
    pub tags: TextList,
    pub location: Option<Text>,
    pub status: Option<Text>,
    pub summary: Option<Text>,
    pub draft: Flag,
    pub slug: Option<Text>,
}

pub const SESSION_KEYS: &[&str] = &[
    "title",
    "date",
    "end",
    "duration",
    "community",
    "facilitators",
    "attendees",
    "tags",
    "location",
    "status",
    "summary",
    "draft",
    "slug",
];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberMeta {
    pub name: Option<Text>,
    pub role: Option<Text>,
    pub organization: Option<Text>,
    pub joined: Option<Text>,
    pub communities: TextList,
    pub expertise: TextList,
    pub aka: TextList,
    pub links: BTreeMap<String, Text>,
    pub avatar: Option<Text>,
    pub private: Flag,
    pub draft: Flag,
    pub slug: Option<Text>,
}

pub const MEMBER_KEYS: &[&str] = &[
    "name",
    "role",
    "organization",
    "joined",
    "communities",
    "expertise",
    "aka",
    "links",
    "avatar",
    "private",
    "draft",
    "slug",
];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommunityMeta {
    pub name: Option<Text>,
    pub description: Option<Text>,
    pub meets: Option<Text>,
    pub lead: TextList,
    pub draft: Flag,
    pub slug: Option<Text>,
}

pub const COMMUNITY_KEYS: &[&str] = &["name", "description", "meets", "lead", "draft", "slug"];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageMeta {
    pub title: Option<Text>,
    pub summary: Option<Text>,
    pub draft: Flag,
    pub slug: Option<Text>,
}

pub const PAGE_KEYS: &[&str] = &["title", "summary", "draft", "slug"];

/// Keys whose values are lists: aliases for them concatenate.
pub const LIST_KEYS: &[&str] = &[
    "facilitators",
    "attendees",
    "tags",
    "communities",
    "expertise",
    "aka",
    "lead",
];

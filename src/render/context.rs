//! Template contexts: one typed struct per page kind, holding only what that
//! page shows. Lists hold cards (title, URL, date), never whole pages.
//! URLs are relative to the site root; templates prefix them with `root`.

use serde::Serialize;

#[derive(Serialize)]
pub struct SiteCtx<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    pub dir: &'a str,
    pub generator: &'a str,
    /// `webcal://` address of the site's calendar folder (calendar apps
    /// subscribe to absolute addresses; every other link is relative).
    pub webcal: String,
    pub extra: &'a serde_json::Value,
}

/// Every page: the site, the way back to the root, and the page itself.
#[derive(Serialize)]
pub struct Page<'a, T: Serialize> {
    pub site: &'a SiteCtx<'a>,
    /// Relative path to the site root (`../../`), or an absolute path for 404.
    pub root: &'a str,
    /// This page's URL relative to the root.
    pub url: &'a str,
    /// Which top-level section this page belongs to, for the navigation.
    pub section: &'a str,
    /// Last change and edit link of the note behind the page, if any.
    pub source: Option<SourceCtx<'a>>,
    pub page: T,
}

#[derive(Serialize)]
pub struct SourceCtx<'a> {
    /// Path of the note in the site, e.g. `content/sessions/x.md`.
    pub path: String,
    pub updated: Option<&'a str>,
    pub updated_by: Option<&'a str>,
    pub edit_url: Option<String>,
}

/// A person's name, with a link unless the person is private.
#[derive(Serialize, Clone)]
pub struct PersonLink<'a> {
    pub name: &'a str,
    pub url: Option<&'a str>,
}

#[derive(Serialize, Clone)]
pub struct Link<'a> {
    pub title: &'a str,
    pub url: &'a str,
}

#[derive(Serialize)]
pub struct Counted<T: Serialize> {
    #[serde(flatten)]
    pub item: T,
    pub count: usize,
}

#[derive(Serialize)]
pub struct SessionCard<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub date: &'a str,
    pub datetime: &'a str,
    pub status: crate::content::Status,
    pub community: Option<Link<'a>>,
    pub summary: std::borrow::Cow<'a, str>,
    pub people: usize,
    /// This row as the default theme writes it on a page two folders deep
    /// ([`crate::render::html::ROW_ROOT`]), when already written once; empty
    /// otherwise. Not part of the template context. Written once for every
    /// page that lists the session: a row must depend on nothing but its
    /// session and the page's root.
    #[serde(skip)]
    pub row_html: &'a str,
}

#[derive(Serialize)]
pub struct CommunityCard<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub description: &'a str,
    pub meets: &'a str,
    pub sessions: usize,
    pub members: usize,
    /// One line on attendance and facilitation.
    pub trend: String,
}

/// One past session in a community's attendance table and chart.
#[derive(Serialize)]
pub struct SessionFigure<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub date: &'a str,
    pub total: usize,
    pub newcomers: usize,
    pub returning: usize,
    pub cancelled: bool,
}

#[derive(Serialize)]
pub struct QuarterLeads<'a> {
    pub quarter: String,
    pub people: Vec<PersonLink<'a>>,
}

#[derive(Serialize)]
pub struct Figures<'a> {
    pub held: usize,
    pub cancelled: usize,
    pub facilitators: usize,
    pub first_facilitators: Vec<QuarterLeads<'a>>,
    pub sessions: Vec<SessionFigure<'a>>,
    /// Inline SVG of attendance per session (empty when nothing is held).
    pub chart: String,
    /// Whether the chart has a column per month or quarter rather than a
    /// bar per session ([`super::charts::ATTENDANCE_BARS`]).
    pub chart_grouped: bool,
}

#[derive(Serialize)]
pub struct Home<'a> {
    pub upcoming: Vec<SessionCard<'a>>,
    pub recent: Vec<SessionCard<'a>>,
    pub communities: Vec<CommunityCard<'a>>,
    pub people: Vec<Counted<PersonLink<'a>>>,
    pub session_count: usize,
    pub people_count: usize,
    pub topic_count: usize,
}

#[derive(Serialize)]
pub struct Year<'a> {
    pub year: i32,
    pub sessions: Vec<SessionCard<'a>>,
}

/// One page of `/sessions/`: upcoming sessions, soonest first, then past
/// ones, newest first, 100 a page: `sessions/`, then `sessions/page/<n>/`.
#[derive(Serialize)]
pub struct SessionList<'a> {
    /// "Sessions", or "Sessions, page 3 of 12".
    pub title: String,
    /// This page's planned sessions, soonest first (they come before the
    /// past ones, so on the first page unless there are very many).
    pub upcoming: Vec<SessionCard<'a>>,
    /// This page's past sessions by year, newest first.
    pub years: Vec<Year<'a>>,
    /// Every year with sessions, newest first, with the page where it starts.
    pub index: Vec<YearLink>,
    /// Null when every session fits on one page.
    pub pager: Option<Pager>,
}

#[derive(Serialize, Clone)]
pub struct YearLink {
    pub year: i32,
    /// `sessions/page/3/#y2024`.
    pub url: String,
}

#[derive(Serialize)]
pub struct Pager {
    /// This page, from 1.
    pub number: usize,
    pub total: usize,
    /// The page of newer sessions, if any.
    pub prev: Option<String>,
    /// The page of older sessions, if any.
    pub next: Option<String>,
}

#[derive(Serialize)]
pub struct SessionPage<'a> {
    pub title: &'a str,
    pub date: String,
    pub datetime: String,
    pub end: Option<String>,
    pub status: crate::content::Status,
    pub location: Option<&'a str>,
    pub community: Option<Link<'a>>,
    pub facilitators: Vec<PersonLink<'a>>,
    pub attendees: Vec<PersonLink<'a>>,
    pub topics: Vec<Link<'a>>,
    pub summary: &'a str,
    pub content: &'a str,
    /// Where the default template put `content` in the page (set as it
    /// writes it, when asked), so that a build can hash the page without
    /// its body.
    #[serde(skip)]
    pub content_at: Option<&'a std::cell::Cell<usize>>,
    pub backlinks: Vec<Link<'a>>,
    pub prev: Option<Link<'a>>,
    pub next: Option<Link<'a>>,
    pub actions: Vec<ActionItem<'a>>,
    pub source: String,
    pub extra: &'a std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize)]
pub struct MemberCard<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub role: &'a str,
    pub organization: &'a str,
    pub sessions: usize,
}

#[derive(Serialize)]
pub struct MemberList<'a> {
    pub members: Vec<MemberCard<'a>>,
    /// People named in notes who have no profile.
    pub others: Vec<MemberCard<'a>>,
}

#[derive(Serialize)]
pub struct MemberPage<'a> {
    pub name: &'a str,
    pub has_profile: bool,
    pub role: &'a str,
    pub organization: &'a str,
    pub joined: &'a str,
    pub avatar: Option<String>,
    pub aka: &'a [String],
    pub links: Vec<Link<'a>>,
    pub expertise: Vec<Link<'a>>,
    pub communities: Vec<Link<'a>>,
    pub content: &'a str,
    pub facilitated: Vec<SessionCard<'a>>,
    pub attended: Vec<SessionCard<'a>>,
    pub topics: Vec<Counted<Link<'a>>>,
    pub met_most: Vec<Counted<PersonLink<'a>>>,
    /// Open action items this person owns.
    pub actions: Vec<ActionItem<'a>>,
    /// Inline SVG of the sessions this person took part in, over time.
    pub timeline: String,
    /// Whether the timeline shows columns per month or quarter (more than
    /// 40 sessions) rather than one mark per session.
    pub timeline_grouped: bool,
    pub backlinks: Vec<Link<'a>>,
    pub extra: Option<&'a std::collections::BTreeMap<String, serde_json::Value>>,
}

#[derive(Serialize)]
pub struct TopicList<'a> {
    pub topics: Vec<Counted<Link<'a>>>,
}

/// One page of a topic: its sessions, newest first, 100 a page
/// (`topics/<slug>/`, then `topics/<slug>/page/<n>/`); the people, the
/// related topics and the backlinks are on the first page only.
#[derive(Serialize)]
pub struct TopicPage<'a> {
    pub name: &'a str,
    /// The name, or "Name, page 3 of 12".
    pub title: String,
    /// Sessions with this topic, on every page.
    pub count: usize,
    /// This page's sessions.
    pub sessions: Vec<SessionCard<'a>>,
    pub people: Vec<Counted<PersonLink<'a>>>,
    pub experts: Vec<PersonLink<'a>>,
    /// Topics discussed in the same sessions.
    pub related: Vec<Counted<Link<'a>>>,
    pub backlinks: Vec<Link<'a>>,
    /// Null when every session fits on one page.
    pub pager: Option<Pager>,
}

#[derive(Serialize)]
pub struct CommunityList<'a> {
    pub communities: Vec<CommunityCard<'a>>,
}

#[derive(Serialize)]
pub struct CommunityPage<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub meets: &'a str,
    pub leads: Vec<PersonLink<'a>>,
    pub content: &'a str,
    pub upcoming: Vec<SessionCard<'a>>,
    pub past: Vec<SessionCard<'a>>,
    pub members: Vec<Counted<PersonLink<'a>>>,
    pub trend: String,
    pub figures: Figures<'a>,
    pub backlinks: Vec<Link<'a>>,
}

#[derive(Serialize)]
pub struct FreePage<'a> {
    pub title: &'a str,
    /// `summary` from front matter, else the first paragraph.
    pub summary: &'a str,
    pub content: &'a str,
    pub backlinks: Vec<Link<'a>>,
    pub extra: &'a std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize)]
pub struct NotFound {}

#[derive(Serialize)]
pub struct ActionItem<'a> {
    pub owner: PersonLink<'a>,
    pub text: &'a str,
    pub due: Option<String>,
    pub due_iso: Option<String>,
    pub overdue: bool,
    pub done: bool,
    pub session: Link<'a>,
    pub session_date: &'a str,
}

#[derive(Serialize)]
pub struct ActionGroup<'a> {
    pub owner: PersonLink<'a>,
    /// Anchor id of the group on /actions/.
    pub anchor: String,
    /// The soonest due open items: all of them, or, when the site has more
    /// than 500 open items, at most three of a person who has a page (it
    /// lists them all).
    pub items: Vec<ActionItem<'a>>,
    /// Open items this person owns.
    pub count: usize,
    /// Open items not in `items`.
    pub more: usize,
}

#[derive(Serialize)]
pub struct ActionsPage<'a> {
    pub open: Vec<ActionGroup<'a>>,
    /// The most recent done items.
    pub done: Vec<ActionItem<'a>>,
    /// All done items.
    pub done_count: usize,
    /// Done items not listed.
    pub done_more: usize,
    pub open_count: usize,
    pub overdue_count: usize,
}

//! The default theme's busiest templates, written in Rust.
//!
//! Sessions, members, topics, communities, the session list and the action
//! items make nearly every byte of a site. Rendering them through tera
//! means serializing each context into JSON values and interpreting the
//! templates, macros included, for every page: most of a build's time.
//! These functions write the same HTML straight from the typed contexts.
//!
//! `themes/default/templates/` stays the reference: a site (or theme) that
//! overrides a template, `base.html` or `macros.html` gets tera and the
//! full context, as documented. The test at the end of this file renders
//! sites both ways and requires the same HTML (up to whitespace between
//! tags), so a change to a template must be made here too.

use super::context::*;
use crate::content::Status;

/// A page context that may have a Rust version of its default template.
pub trait Native: serde::Serialize + Sized {
    /// Writes the page as the default theme's template would; false when
    /// only the template can.
    fn native(_page: &Page<'_, Self>, _out: &mut String) -> bool {
        false
    }
}

macro_rules! native {
    ($($ty:ident => $f:ident),* ; $($plain:ident),*) => {
        $(impl Native for $ty<'_> {
            fn native(page: &Page<'_, Self>, out: &mut String) -> bool {
                $f(out, page);
                true
            }
        })*
        $(impl Native for $plain<'_> {})*
    };
}

native!(
    SessionPage => session,
    MemberPage => member,
    TopicPage => topic,
    CommunityPage => community,
    ActionsPage => actions,
    SessionList => sessions;
    Home, MemberList, TopicList, CommunityList, FreePage
);
impl Native for NotFound {}

/// Appends `s` escaped like the theme's escape function (`& < > " '`).
pub fn esc(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut last = 0;
    let mut i = 0;
    // Eight bytes at a time while there is nothing to escape.
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        if !special_in(word) {
            i += 8;
            continue;
        }
        for j in i..i + 8 {
            if let Some(rep) = replacement(bytes[j]) {
                out.push_str(&s[last..j]);
                out.push_str(rep);
                last = j + 1;
            }
        }
        i += 8;
    }
    for j in i..bytes.len() {
        if let Some(rep) = replacement(bytes[j]) {
            out.push_str(&s[last..j]);
            out.push_str(rep);
            last = j + 1;
        }
    }
    out.push_str(&s[last..]);
}

#[inline]
fn replacement(b: u8) -> Option<&'static str> {
    match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    }
}

/// Whether any of the eight bytes of `w` must be escaped.
#[inline]
fn special_in(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `w` equals `c`.
    let has = |c: u8| {
        let x = w ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x & HIGH
    };
    (has(b'&') | has(b'<') | has(b'>') | has(b'"') | has(b'\'')) != 0
}

/// `n` in decimal, written at the end of `buf`.
pub fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

/// A tiny writer: `raw` appends markup, `t` appends escaped text.
pub struct H<'o> {
    pub out: &'o mut String,
}

impl H<'_> {
    #[inline]
    pub fn raw(&mut self, s: &str) -> &mut Self {
        self.out.push_str(s);
        self
    }

    #[inline]
    pub fn t(&mut self, s: &str) -> &mut Self {
        esc(self.out, s);
        self
    }

    #[inline]
    pub fn n(&mut self, n: usize) -> &mut Self {
        self.out.push_str(decimal(n as u64, &mut [0; 20]));
        self
    }

    #[inline]
    pub fn i(&mut self, n: i64) -> &mut Self {
        use std::fmt::Write as _;
        let _ = write!(self.out, "{n}");
        self
    }

    /// `{{ root }}{{ url }}`
    #[inline]
    pub fn url(&mut self, root: &str, url: &str) -> &mut Self {
        self.t(root).t(url)
    }

    /// Opens a section labelled by its `h2`: `title`, and a count after it
    /// when there is one. [`H::end_section`] closes it.
    fn section(&mut self, id: &str, title: &str, count: Option<usize>) -> &mut Self {
        self.raw("\n<section aria-labelledby=\"")
            .raw(id)
            .raw("\">\n<h2 id=\"")
            .raw(id)
            .raw("\">")
            .raw(title);
        if let Some(n) = count {
            self.raw(" <span class=\"count\">").n(n).raw("</span>");
        }
        self.raw("</h2>\n")
    }

    fn end_section(&mut self) -> &mut Self {
        self.raw("\n</section>\n")
    }

    /// `<ul class="…">`, one item written by `each` per element, `</ul>`.
    fn list<T>(
        &mut self,
        class: &str,
        items: &[T],
        mut each: impl FnMut(&mut Self, &T),
    ) -> &mut Self {
        self.raw("<ul class=\"").raw(class).raw("\">");
        for x in items {
            each(self, x);
        }
        self.raw("</ul>")
    }
}

/// A list of people, each as a `<li>`.
fn people(h: &mut H<'_>, list: &[PersonLink<'_>], root: &str, class: &str) {
    h.list("people", list, |h, x| {
        h.raw("<li>");
        person(h, x, root, class);
        h.raw("</li>");
    });
}

/// A list of people with a number each (sessions together, attended…);
/// with `titled`, the number says what it counts and is left out when 0.
fn counted_people(
    h: &mut H<'_>,
    list: &[Counted<PersonLink<'_>>],
    root: &str,
    titled: Option<&str>,
) {
    h.list("people", list, |h, c| {
        h.raw("<li>");
        person(h, &c.item, root, "person");
        match titled {
            Some(what) if c.count > 0 => {
                h.raw(" <span class=\"count\" title=\"")
                    .raw(what)
                    .raw("\">")
                    .n(c.count)
                    .raw("</span>");
            }
            Some(_) => {}
            None => {
                h.raw(" <span class=\"count\">").n(c.count).raw("</span>");
            }
        }
        h.raw("</li>");
    });
}

/// Tera's truthiness of an optional string.
fn some(s: Option<&str>) -> bool {
    s.is_some_and(|s| !s.is_empty())
}

/// `base.html` around `content`.
fn base<T: serde::Serialize>(
    out: &mut String,
    p: &Page<'_, T>,
    title: &str,
    content: impl FnOnce(&mut H<'_>),
) {
    let (site, root) = (p.site, p.root);
    let mut h = H { out };
    h.raw("<!doctype html>\n<html lang=\"")
        .t(site.language)
        .raw("\" dir=\"")
        .t(site.dir)
        .raw("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        .t(title)
        .raw(" · ")
        .t(site.title)
        .raw("</title>\n");
    if !site.description.is_empty() {
        h.raw("<meta name=\"description\" content=\"")
            .t(site.description)
            .raw("\">");
    }
    h.raw("\n<meta name=\"generator\" content=\"")
        .t(site.generator)
        .raw("\">\n<link rel=\"stylesheet\" href=\"")
        .t(root)
        .raw("cairn.css\">\n<link rel=\"alternate\" type=\"application/atom+xml\" title=\"")
        .t(site.title)
        .raw(": session notes\" href=\"")
        .t(root)
        .raw("feed.xml\">\n\n</head>\n<body>\n<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n<header class=\"site-header\">\n  <div class=\"wrap\">\n    <a class=\"site-title\" href=\"")
        .t(root)
        .raw("\" dir=\"auto\">")
        .t(site.title)
        .raw("</a>\n    <form class=\"site-search\" role=\"search\" aria-label=\"Site search\" action=\"")
        .t(root)
        .raw("search/\">\n      <label for=\"site-search-q\" class=\"visually-hidden\">Search</label>\n      <input id=\"site-search-q\" name=\"q\" type=\"search\" placeholder=\"Search  /\" autocomplete=\"off\" aria-controls=\"site-search-results\" aria-describedby=\"site-search-status\">\n      <div class=\"site-search-panel\"><p id=\"site-search-status\" class=\"search-status\" role=\"status\" aria-live=\"polite\"></p>\n      <ol id=\"site-search-results\" class=\"search-results\" aria-label=\"Search results\" hidden></ol></div>\n    </form>\n    <nav class=\"site-nav\" aria-label=\"Main\">\n      <ul>\n");
    for (section, label) in [
        ("sessions", "Sessions"),
        ("members", "People"),
        ("topics", "Topics"),
        ("communities", "Communities"),
        ("actions", "Actions"),
    ] {
        h.raw("        <li><a href=\"")
            .t(root)
            .raw(section)
            .raw("/\"");
        if p.section == section {
            h.raw(" aria-current=\"page\"");
        }
        h.raw(">").raw(label).raw("</a></li>\n");
    }
    h.raw("      </ul>\n    </nav>\n  </div>\n</header>\n<main id=\"main\" class=\"wrap\" tabindex=\"-1\">\n");
    content(&mut h);
    h.raw("\n");
    if let Some(src) = &p.source
        && (some(src.updated) || some(src.edit_url.as_deref()))
    {
        h.raw("\n<p class=\"page-source\">");
        if let Some(updated) = src.updated.filter(|u| !u.is_empty()) {
            h.raw("Last changed <time datetime=\"")
                .t(updated)
                .raw("\">")
                .t(updated)
                .raw("</time>");
            if let Some(by) = src.updated_by.filter(|u| !u.is_empty()) {
                h.raw(" by <span class=\"updated-by\">")
                    .t(by)
                    .raw("</span>");
            }
            h.raw(".");
        }
        h.raw("\n");
        if let Some(edit) = src.edit_url.as_deref().filter(|u| !u.is_empty()) {
            h.raw("<a class=\"edit-link\" href=\"")
                .t(edit)
                .raw("\" rel=\"nofollow\">Edit this page</a>");
        }
        h.raw("</p>\n");
    }
    h.raw("</main>\n<footer class=\"site-footer\">\n  <div class=\"wrap\">\n    <p><span dir=\"auto\">")
        .t(site.title)
        .raw("</span>");
    if !site.description.is_empty() {
        h.raw(" — <span dir=\"auto\">")
            .t(site.description)
            .raw("</span>");
    }
    h.raw("</p>\n    <p class=\"generator\">Made with ")
        .t(site.generator)
        .raw("</p>\n  </div>\n</footer>\n<script src=\"")
        .t(root)
        .raw("search.js\" data-root=\"")
        .t(root)
        .raw("\" defer></script>\n</body>\n</html>");
}

// ---- macros.html ----

fn person(h: &mut H<'_>, p: &PersonLink<'_>, root: &str, class: &str) {
    match p.url.filter(|u| !u.is_empty()) {
        Some(url) => h
            .raw("<a class=\"")
            .t(class)
            .raw("\" href=\"")
            .url(root, url)
            .raw("\"><bdi>")
            .t(p.name)
            .raw("</bdi></a>"),
        None => h
            .raw("<span class=\"")
            .t(class)
            .raw(" unlinked\"><bdi>")
            .t(p.name)
            .raw("</bdi></span>"),
    };
}

fn session_card(h: &mut H<'_>, s: &SessionCard<'_>, root: &str) {
    let cancelled = s.status == Status::Cancelled;
    h.raw("\n<li class=\"card session-card");
    if cancelled {
        h.raw(" is-cancelled");
    }
    h.raw("\">\n  <a class=\"card-title\" href=\"")
        .url(root, s.url)
        .raw("\" dir=\"auto\">")
        .t(s.title)
        .raw("</a>\n  <p class=\"card-meta\"><time datetime=\"")
        .t(s.datetime)
        .raw("\">")
        .t(s.date)
        .raw("</time>");
    if let Some(c) = &s.community {
        h.raw(" · <a href=\"")
            .url(root, c.url)
            .raw("\" dir=\"auto\">")
            .t(c.title)
            .raw("</a>");
    }
    if s.people > 0 {
        h.raw(" · ")
            .n(s.people)
            .raw(if s.people == 1 { " person" } else { " people" });
    }
    if cancelled {
        h.raw(" · <strong class=\"badge\">Cancelled</strong>");
    } else if s.status == Status::Planned {
        h.raw(" · <span class=\"badge\">Planned</span>");
    }
    h.raw("</p>\n  ");
    if !s.summary.is_empty() {
        h.raw("<p class=\"card-summary\" dir=\"auto\">")
            .t(&s.summary)
            .raw("</p>");
    }
    h.raw("\n</li>\n");
}

/// The `root` of every page two folders deep (members, topics,
/// communities), where long lists of session rows are.
pub const ROW_ROOT: &str = "../../";

/// `s` as a row of a list, written into a string of its own, for
/// [`SessionCard::row_html`].
pub fn session_row_html(s: &SessionCard<'_>) -> Box<str> {
    let mut out = String::with_capacity(320);
    session_row(&mut H { out: &mut out }, s, ROW_ROOT);
    out.into_boxed_str()
}

fn session_row(h: &mut H<'_>, s: &SessionCard<'_>, root: &str) {
    if root == ROW_ROOT && !s.row_html.is_empty() {
        h.raw(s.row_html);
        return;
    }
    let cancelled = s.status == Status::Cancelled;
    h.raw("<li class=\"row");
    if cancelled {
        h.raw(" is-cancelled");
    }
    h.raw("\"><time datetime=\"")
        .t(s.datetime)
        .raw("\">")
        .t(s.date)
        .raw("</time> <a class=\"card-title\" href=\"")
        .url(root, s.url)
        .raw("\" dir=\"auto\">")
        .t(s.title)
        .raw("</a>");
    if let Some(c) = &s.community {
        h.raw(" <span class=\"row-meta\">· <a href=\"")
            .url(root, c.url)
            .raw("\" dir=\"auto\">")
            .t(c.title)
            .raw("</a></span>");
    }
    if cancelled {
        h.raw(" <strong class=\"badge\">Cancelled</strong>");
    }
    h.raw("</li>");
}

fn link_list(h: &mut H<'_>, links: &[Link<'_>], root: &str, class: &str) {
    h.raw("<ul class=\"inline-list");
    if !class.is_empty() {
        h.raw(" ").t(class);
    }
    h.raw("\">");
    for l in links {
        h.raw("<li><a href=\"")
            .url(root, l.url)
            .raw("\" dir=\"auto\">")
            .t(l.title)
            .raw("</a></li>");
    }
    h.raw("</ul>");
}

/// "Coming up": the next sessions as cards, when there are any.
fn upcoming(h: &mut H<'_>, list: &[SessionCard<'_>], root: &str) {
    if !list.is_empty() {
        h.section("upcoming-h", "Coming up", None)
            .list("cards", list, |h, s| session_card(h, s, root))
            .end_section();
    }
}

/// The links to the pages of newer and older sessions of a paged list,
/// each line indented by `indent`.
fn pager_nav(h: &mut H<'_>, pager: &Pager, root: &str, label: &str, indent: &str) {
    h.raw("\n")
        .raw(indent)
        .raw("<nav class=\"pager\" aria-label=\"")
        .raw(label)
        .raw("\">\n")
        .raw(indent)
        .raw("  <ul class=\"inline-list\">\n")
        .raw(indent)
        .raw("    ");
    if let Some(prev) = pager.prev.as_deref().filter(|u| !u.is_empty()) {
        h.raw("<li><a rel=\"prev\" href=\"")
            .url(root, prev)
            .raw("\">Newer sessions</a></li>");
    }
    h.raw("\n").raw(indent).raw("    ");
    if let Some(next) = pager.next.as_deref().filter(|u| !u.is_empty()) {
        h.raw("<li><a rel=\"next\" href=\"")
            .url(root, next)
            .raw("\">Older sessions</a></li>");
    }
    h.raw("\n")
        .raw(indent)
        .raw("  </ul>\n")
        .raw(indent)
        .raw("</nav>");
}

fn backlinks(h: &mut H<'_>, links: &[Link<'_>], root: &str) {
    if links.is_empty() {
        return;
    }
    h.raw("\n<section class=\"backlinks\" aria-labelledby=\"backlinks-h\">\n  <h2 id=\"backlinks-h\">Mentioned in</h2>\n  <ul>");
    for l in links {
        h.raw("<li><a class=\"backlink\" href=\"")
            .url(root, l.url)
            .raw("\" dir=\"auto\">")
            .t(l.title)
            .raw("</a></li>");
    }
    h.raw("</ul>\n</section>\n");
}

fn action(h: &mut H<'_>, a: &ActionItem<'_>, root: &str, show_owner: bool, show_session: bool) {
    h.raw("<li class=\"action");
    if a.done {
        h.raw(" is-done");
    }
    if a.overdue {
        h.raw(" is-overdue");
    }
    h.raw("\">\n  <span class=\"action-state\">");
    if a.done {
        h.raw("<span aria-hidden=\"true\">☑</span><span class=\"visually-hidden\">Done:</span>");
    } else {
        h.raw("<span aria-hidden=\"true\">☐</span><span class=\"visually-hidden\">Open:</span>");
    }
    h.raw("</span>\n  ");
    if show_owner {
        person(h, &a.owner, root, "owner");
        h.raw(" — ");
    }
    h.raw("<span dir=\"auto\">").t(a.text).raw("</span>\n  ");
    if let Some(due) = a.due.as_deref().filter(|d| !d.is_empty()) {
        h.raw("<span class=\"due\">due <time datetime=\"")
            .t(a.due_iso.as_deref().unwrap_or_default())
            .raw("\">")
            .t(due)
            .raw("</time>");
        if a.overdue {
            h.raw(" <strong class=\"overdue\">overdue</strong>");
        }
        h.raw("</span>");
    }
    h.raw("\n  ");
    if show_session {
        h.raw("<span class=\"action-from\">from <a href=\"")
            .url(root, a.session.url)
            .raw("\" dir=\"auto\">")
            .t(a.session.title)
            .raw("</a>, ")
            .t(a.session_date)
            .raw("</span>");
    }
    h.raw("\n</li>");
}

// ---- pages ----

/// `session.html`
pub fn session(out: &mut String, p: &Page<'_, SessionPage<'_>>) {
    let (pg, root) = (&p.page, p.root);
    base(out, p, pg.title, |h| {
        h.raw("\n<article class=\"session");
        if pg.status == Status::Cancelled {
            h.raw(" is-cancelled");
        }
        h.raw("\">\n  <header class=\"page-head\">\n    ");
        if let Some(c) = &pg.community {
            h.raw("<p class=\"kicker\"><a href=\"")
                .url(root, c.url)
                .raw("\" dir=\"auto\">")
                .t(c.title)
                .raw("</a></p>");
        }
        h.raw("\n    <h1 dir=\"auto\">")
            .t(pg.title)
            .raw("</h1>\n    <dl class=\"facts\">\n      <div><dt>When</dt><dd><time datetime=\"")
            .t(&pg.datetime)
            .raw("\">")
            .t(&pg.date)
            .raw("</time>");
        if let Some(end) = pg.end.as_deref().filter(|e| !e.is_empty()) {
            h.raw(" – ").t(end);
        }
        h.raw("</dd></div>\n      ");
        if let Some(loc) = pg.location.filter(|l| !l.is_empty()) {
            h.raw("<div><dt>Where</dt><dd dir=\"auto\">")
                .t(loc)
                .raw("</dd></div>");
        }
        h.raw("\n      ");
        match pg.status {
            Status::Cancelled => {
                h.raw("<div><dt>Status</dt><dd><strong class=\"badge\">Cancelled</strong></dd></div>\n      ");
            }
            Status::Planned => {
                h.raw("<div><dt>Status</dt><dd><span class=\"badge\">Planned</span></dd></div>");
            }
            Status::Held => {}
        }
        h.raw("\n    </dl>\n  </header>\n  <div class=\"layout\">\n    <div class=\"prose\" dir=\"auto\">");
        if let Some(at) = pg.content_at {
            at.set(h.out.len());
        }
        h.raw(pg.content)
            .raw("</div>\n    <aside class=\"sidebar\" aria-label=\"About this session\">\n      ");
        if !pg.facilitators.is_empty() {
            h.section("facilitators-h", "Facilitated by", None);
            people(h, &pg.facilitators, root, "facilitator");
            h.end_section();
        }
        if !pg.attendees.is_empty() {
            h.section("attendees-h", "Attendees", Some(pg.attendees.len()));
            people(h, &pg.attendees, root, "attendee");
            h.end_section();
        }
        if !pg.topics.is_empty() {
            h.section("topics-h", "Topics", None);
            link_list(h, &pg.topics, root, "tags");
            h.end_section();
        }
        if !pg.actions.is_empty() {
            h.section("actions-h", "Action items", None)
                .list("actions", &pg.actions, |h, a| {
                    action(h, a, root, true, false)
                })
                .raw("\n<p><a href=\"")
                .t(root)
                .raw("actions/\">All action items</a></p>")
                .end_section();
        }
        h.raw("\n      ");
        backlinks(h, &pg.backlinks, root);
        h.raw("\n    </aside>\n  </div>\n  ");
        if pg.prev.is_some() || pg.next.is_some() {
            h.raw("\n  <nav class=\"prev-next\" aria-label=\"")
                .raw(if pg.community.is_some() {
                    "More from this community"
                } else {
                    "More sessions"
                })
                .raw("\">\n    ");
            if let Some(prev) = &pg.prev {
                h.raw("<a rel=\"prev\" href=\"")
                    .url(root, prev.url)
                    .raw("\"><span>Previous</span> <bdi>")
                    .t(prev.title)
                    .raw("</bdi></a>");
            }
            h.raw("\n    ");
            if let Some(next) = &pg.next {
                h.raw("<a rel=\"next\" href=\"")
                    .url(root, next.url)
                    .raw("\"><span>Next</span> <bdi>")
                    .t(next.title)
                    .raw("</bdi></a>");
            }
            h.raw("\n  </nav>\n  ");
        }
        h.raw("\n</article>\n");
    });
}

/// `member.html`
pub fn member(out: &mut String, p: &Page<'_, MemberPage<'_>>) {
    let (pg, root) = (&p.page, p.root);
    base(out, p, pg.name, |h| {
        h.raw("\n<article class=\"member-page\">\n  <header class=\"page-head\">\n    ");
        if let Some(avatar) = pg.avatar.as_deref().filter(|a| !a.is_empty()) {
            h.raw("<img class=\"avatar\" src=\"")
                .url(root, avatar)
                .raw("\" alt=\"\" width=\"96\" height=\"96\">");
        }
        h.raw("\n    <h1><bdi>").t(pg.name).raw("</bdi></h1>\n    ");
        if !pg.role.is_empty() || !pg.organization.is_empty() {
            h.raw("<p class=\"lede\" dir=\"auto\">").t(pg.role);
            if !pg.role.is_empty() && !pg.organization.is_empty() {
                h.raw(", ");
            }
            h.t(pg.organization).raw("</p>");
        }
        h.raw("\n    ");
        if !pg.has_profile {
            h.raw("<p class=\"note\">")
                .t(pg.name)
                .raw(" has no profile yet; this page lists the sessions that name them.</p>");
        }
        h.raw("\n    <dl class=\"facts\">\n      ");
        if !pg.joined.is_empty() {
            h.raw("<div><dt>Joined</dt><dd>")
                .t(pg.joined)
                .raw("</dd></div>");
        }
        h.raw("\n      ");
        if !pg.aka.is_empty() {
            h.raw("<div><dt>Also known as</dt><dd>");
            for (i, a) in pg.aka.iter().enumerate() {
                h.raw("<bdi>").t(a).raw("</bdi>");
                if i + 1 < pg.aka.len() {
                    h.raw(", ");
                }
            }
            h.raw("</dd></div>");
        }
        h.raw("\n      ");
        if !pg.communities.is_empty() {
            h.raw("<div><dt>Communities</dt><dd>");
            link_list(h, &pg.communities, root, "");
            h.raw("</dd></div>");
        }
        h.raw("\n      ");
        if !pg.expertise.is_empty() {
            h.raw("<div><dt>Knows about</dt><dd>");
            link_list(h, &pg.expertise, root, "tags");
            h.raw("</dd></div>");
        }
        h.raw("\n      ");
        if !pg.links.is_empty() {
            h.raw("<div><dt>Links</dt><dd><ul class=\"inline-list\">");
            for l in &pg.links {
                h.raw("<li><a href=\"")
                    .t(l.url)
                    .raw("\" rel=\"me noopener\">")
                    .t(l.title)
                    .raw("</a></li>");
            }
            h.raw("</ul></dd></div>");
        }
        h.raw("\n    </dl>\n  </header>\n  <div class=\"layout\">\n    <div class=\"main-col\">\n      ");
        if !pg.content.is_empty() {
            h.raw("<div class=\"prose\" dir=\"auto\">")
                .raw(pg.content)
                .raw("</div>");
        }
        h.raw("\n      ");
        if !pg.timeline.is_empty() {
            h.raw("\n      <section aria-labelledby=\"timeline-h\">\n        <h2 id=\"timeline-h\">Taking part over time</h2>\n        <figure class=\"chart\">")
                .raw(&pg.timeline)
                .raw("\n          <figcaption>")
                .raw(if pg.timeline_grouped {
                    "Columns: sessions per month (per quarter over long spans); the hatched part was facilitated."
                } else {
                    "Circles: sessions attended; diamonds: sessions facilitated."
                })
                .raw(" The lists below give every session.</figcaption></figure>\n      </section>\n      ");
        }
        h.raw("\n      ");
        if !pg.actions.is_empty() {
            h.section("actions-h", "Open action items", Some(pg.actions.len()))
                .list("actions", &pg.actions, |h, a| {
                    action(h, a, root, false, true)
                })
                .end_section();
        }
        h.raw("\n      ");
        for (list, id, label) in [
            (&pg.facilitated, "facilitated", "Sessions facilitated"),
            (&pg.attended, "attended", "Sessions attended"),
        ] {
            if !list.is_empty() {
                h.raw("\n      <section aria-labelledby=\"")
                    .raw(id)
                    .raw("-h\">\n        <h2 id=\"")
                    .raw(id)
                    .raw("-h\">")
                    .raw(label)
                    .raw(" <span class=\"count\">")
                    .n(list.len())
                    .raw("</span></h2>\n        <ul class=\"rows\">");
                for s in list.iter() {
                    session_row(h, s, root);
                }
                h.raw("</ul>\n      </section>\n      ");
            }
            h.raw("\n      ");
        }
        h.raw("\n    </div>\n    <aside class=\"sidebar\" aria-label=\"More about ")
            .t(pg.name)
            .raw("\">\n      ");
        if !pg.topics.is_empty() {
            h.raw("\n      <section aria-labelledby=\"topics-h\">\n        <h2 id=\"topics-h\">Topics</h2>\n        <ul class=\"inline-list tags\">");
            for t in &pg.topics {
                h.raw("<li><a href=\"")
                    .url(root, t.item.url)
                    .raw("\" dir=\"auto\">")
                    .t(t.item.title)
                    .raw("</a>");
                if t.count > 0 {
                    h.raw(" <span class=\"count\">").n(t.count).raw("</span>");
                }
                h.raw("</li>");
            }
            h.raw("</ul>\n      </section>\n      ");
        }
        h.raw("\n      ");
        if !pg.met_most.is_empty() {
            h.section("met-h", "Met most often", None);
            counted_people(h, &pg.met_most, root, None);
            h.end_section();
        }
        h.raw("\n      ");
        backlinks(h, &pg.backlinks, root);
        h.raw("\n    </aside>\n  </div>\n</article>\n");
    });
}

/// `topic.html`
pub fn topic(out: &mut String, p: &Page<'_, TopicPage<'_>>) {
    let (pg, root) = (&p.page, p.root);
    base(out, p, &pg.title, |h| {
        h.raw("\n<header class=\"page-head\">\n  <p class=\"kicker\"><a href=\"")
            .t(root)
            .raw("topics/\">Topic</a></p>\n  <h1 dir=\"auto\">")
            .t(pg.name)
            .raw("</h1>");
        if let Some(pager) = &pg.pager {
            h.raw("\n  <p class=\"lede\">Page ")
                .n(pager.number)
                .raw(" of ")
                .n(pager.total)
                .raw(".</p>");
        }
        h.raw("\n</header>\n<div class=\"layout\">\n  <section class=\"main-col\" aria-labelledby=\"sessions-h\">\n    <h2 id=\"sessions-h\">Sessions <span class=\"count\">")
            .n(pg.count)
            .raw("</span></h2>\n    ");
        if pg.sessions.is_empty() {
            h.raw("<p>No session is tagged with this topic yet.</p>");
        } else {
            h.raw("<ul class=\"rows\">");
            for s in &pg.sessions {
                session_row(h, s, root);
            }
            h.raw("</ul>\n    ");
        }
        if let Some(pager) = &pg.pager {
            pager_nav(h, pager, root, "Pages of sessions on this topic", "    ");
        }
        h.raw("\n  </section>\n  ");
        // No empty landmark: pages after the first have no sidebar, and
        // neither has a topic with nothing to put in it.
        if pg.related.is_empty()
            && pg.experts.is_empty()
            && pg.people.is_empty()
            && pg.backlinks.is_empty()
        {
            h.raw("\n</div>\n");
            return;
        }
        h.raw("<aside class=\"sidebar\" aria-label=\"People and this topic\">\n    ");
        if !pg.related.is_empty() {
            h.raw("\n    <section aria-labelledby=\"related-h\">\n      <h2 id=\"related-h\">Related topics</h2>\n      <ul class=\"inline-list tags\">");
            for t in &pg.related {
                h.raw("<li><a class=\"related\" href=\"")
                    .url(root, t.item.url)
                    .raw("\" dir=\"auto\">")
                    .t(t.item.title)
                    .raw("</a> <span class=\"count\">")
                    .n(t.count)
                    .raw("</span></li>");
            }
            h.raw("</ul>\n    </section>\n    ");
        }
        h.raw("\n    ");
        if !pg.experts.is_empty() {
            h.section("experts-h", "Who knows about it", None);
            people(h, &pg.experts, root, "person");
            h.end_section();
        }
        if !pg.people.is_empty() {
            h.section("people-h", "Who talked about it", None);
            counted_people(h, &pg.people, root, None);
            h.end_section();
        }
        h.raw("\n    ");
        backlinks(h, &pg.backlinks, root);
        h.raw("\n  </aside>\n</div>\n");
    });
}

/// `community.html`
pub fn community(out: &mut String, p: &Page<'_, CommunityPage<'_>>) {
    let (pg, root) = (&p.page, p.root);
    base(out, p, pg.name, |h| {
        h.raw("\n<article class=\"community\">\n  <header class=\"page-head\">\n    <p class=\"kicker\"><a href=\"")
            .t(root)
            .raw("communities/\">Community</a></p>\n    <h1 dir=\"auto\">")
            .t(pg.name)
            .raw("</h1>\n    ");
        if !pg.description.is_empty() {
            h.raw("<p class=\"lede\" dir=\"auto\">")
                .t(pg.description)
                .raw("</p>");
        }
        h.raw("\n    <dl class=\"facts\">\n      ");
        if !pg.meets.is_empty() {
            h.raw("<div><dt>Meets</dt><dd dir=\"auto\">")
                .t(pg.meets)
                .raw("</dd></div>");
        }
        h.raw("\n      <div><dt>Calendar</dt><dd><a class=\"subscribe-link\" href=\"")
            .t(&p.site.webcal)
            .t(p.url)
            .raw("calendar.ics\">Subscribe</a> · <a class=\"calendar-file\" href=\"calendar.ics\" download>calendar.ics</a></dd></div>\n      ");
        if !pg.leads.is_empty() {
            h.raw("<div><dt>Led by</dt><dd><ul class=\"inline-list\">");
            for l in &pg.leads {
                h.raw("<li>");
                person(h, l, root, "lead");
                h.raw("</li>");
            }
            h.raw("</ul></dd></div>");
        }
        h.raw("\n    </dl>\n  </header>\n  <div class=\"layout\">\n    <div class=\"main-col\">\n      ");
        if !pg.content.is_empty() {
            h.raw("<div class=\"prose\" dir=\"auto\">")
                .raw(pg.content)
                .raw("</div>");
        }
        h.raw("\n      <section aria-labelledby=\"attendance-h\">\n        <h2 id=\"attendance-h\">Attendance</h2>\n        <p class=\"trend\" dir=\"auto\">")
            .t(&pg.trend)
            .raw("</p>\n        ");
        let f = &pg.figures;
        if !f.chart.is_empty() {
            h.raw("<figure class=\"chart\">")
                .raw(&f.chart)
                .raw("\n          <figcaption>")
                .raw(if f.chart_grouped {
                    "Columns: the average session of each month (of each quarter over long spans), oldest first; the hatched part is people at their first session here. The table below gives every session."
                } else {
                    "Bars: people per session, oldest first; the hatched part is people at their first session here."
                })
                .raw("</figcaption></figure>");
        }
        h.raw("\n        ");
        if !f.sessions.is_empty() {
            h.raw("\n        <details class=\"figures-table\">\n          <summary>Attendance as a table</summary>\n          <table>\n            <thead><tr><th scope=\"col\">Session</th><th scope=\"col\">Date</th><th scope=\"col\">People</th><th scope=\"col\">New</th><th scope=\"col\">Returning</th></tr></thead>\n            <tbody>");
            for s in &f.sessions {
                h.raw("\n              <tr><th scope=\"row\"><a href=\"")
                    .url(root, s.url)
                    .raw("\" dir=\"auto\">")
                    .t(s.title)
                    .raw("</a></th><td>")
                    .t(s.date)
                    .raw("</td>");
                if s.cancelled {
                    h.raw("<td colspan=\"3\">cancelled</td>");
                } else {
                    h.raw("<td>")
                        .n(s.total)
                        .raw("</td><td>")
                        .n(s.newcomers)
                        .raw("</td><td>")
                        .n(s.returning)
                        .raw("</td>");
                }
                h.raw("</tr>");
            }
            h.raw("\n            </tbody>\n          </table>\n        </details>\n        ");
        }
        h.raw("\n      </section>\n      <section aria-labelledby=\"leadership-h\">\n        <h2 id=\"leadership-h\">Leadership from within</h2>\n        <dl class=\"facts\">\n          <div><dt>Sessions held</dt><dd>")
            .n(f.held)
            .raw("</dd></div>\n          <div><dt>Cancelled</dt><dd>")
            .n(f.cancelled)
            .raw("</dd></div>\n          <div><dt>People who facilitated</dt><dd>")
            .n(f.facilitators)
            .raw("</dd></div>\n        </dl>\n        ");
        if !f.first_facilitators.is_empty() {
            h.raw("\n        <h3>Facilitating for the first time</h3>\n        <ul class=\"first-facilitators\">");
            for q in &f.first_facilitators {
                h.raw("\n          <li><span class=\"quarter\">")
                    .t(&q.quarter)
                    .raw("</span>: ");
                for (i, x) in q.people.iter().enumerate() {
                    person(h, x, root, "person");
                    if i + 1 < q.people.len() {
                        h.raw(", ");
                    }
                }
                h.raw("</li>");
            }
            h.raw("\n        </ul>\n        ");
        }
        h.raw("\n      </section>\n      ");
        upcoming(h, &pg.upcoming, root);
        h.raw("\n      <section aria-labelledby=\"past-h\">\n        <h2 id=\"past-h\">Past sessions <span class=\"count\">")
            .n(pg.past.len())
            .raw("</span></h2>\n        ");
        if pg.past.is_empty() {
            h.raw("<p>No sessions yet.</p>");
        } else {
            h.raw("<ul class=\"rows\">");
            for s in &pg.past {
                session_row(h, s, root);
            }
            h.raw("</ul>\n        ");
        }
        h.raw(
            "\n      </section>\n    </div>\n    <aside class=\"sidebar\" aria-label=\"People of ",
        )
        .t(pg.name)
        .raw("\">\n      ");
        if !pg.members.is_empty() {
            h.section("members-h", "People", Some(pg.members.len()));
            counted_people(h, &pg.members, root, Some("sessions attended"));
            h.end_section();
        }
        h.raw("\n      ");
        backlinks(h, &pg.backlinks, root);
        h.raw("\n    </aside>\n  </div>\n</article>\n");
    });
}

/// `actions.html`
pub fn actions(out: &mut String, p: &Page<'_, ActionsPage<'_>>) {
    let (pg, root) = (&p.page, p.root);
    base(out, p, "Action items", |h| {
        h.raw(
            "\n<h1>Action items</h1>\n<p class=\"lede\">What we agreed to do, and who is on it: ",
        )
        .n(pg.open_count)
        .raw(" open");
        if pg.overdue_count > 0 {
            h.raw(", ").n(pg.overdue_count).raw(" overdue");
        }
        h.raw(", ").n(pg.done_count).raw(
            " done.</p>\n<section aria-labelledby=\"open-h\">\n  <h2 id=\"open-h\">Open</h2>\n  ",
        );
        for g in &pg.open {
            h.raw("\n  <section class=\"action-group\" id=\"")
                .t(&g.anchor)
                .raw("\" aria-label=\"")
                .t(g.owner.name)
                .raw("\">\n    <h3>");
            person(h, &g.owner, root, "person");
            h.raw(" <span class=\"count\">")
                .n(g.count)
                .raw("</span></h3>\n    <ul class=\"actions\">");
            for a in &g.items {
                action(h, a, root, false, true);
            }
            h.raw("</ul>\n    ");
            if g.more > 0 {
                h.raw("<p class=\"more\">And ")
                    .n(g.more)
                    .raw(" more on <a href=\"")
                    .url(root, g.owner.url.unwrap_or_default())
                    .raw("#actions-h\">the page of <bdi>")
                    .t(g.owner.name)
                    .raw("</bdi></a>.</p>");
            }
            h.raw("\n  </section>\n  ");
        }
        if pg.open.is_empty() {
            h.raw("\n  <p>Nothing open. Action items are task list lines in session notes, such as <code>- [ ] @dana-kim send the survey (due 2026-04-01)</code>.</p>\n  ");
        }
        h.raw("\n</section>\n");
        if !pg.done.is_empty() {
            h.section("done-h", "Done", None)
                .list("actions", &pg.done, |h, a| action(h, a, root, true, true))
                .raw("\n");
            if pg.done_more > 0 {
                h.raw("<p>And ")
                    .n(pg.done_more)
                    .raw(" earlier done items, on the pages of their <a href=\"")
                    .t(root)
                    .raw("sessions/\">sessions</a>.</p>");
            }
            h.raw("\n</section>\n");
        }
        h.raw("\n");
    });
}

/// `sessions.html`
pub fn sessions(out: &mut String, p: &Page<'_, SessionList<'_>>) {
    let (pg, root) = (&p.page, p.root);
    base(out, p, &pg.title, |h| {
        h.raw("\n<h1>Sessions</h1>\n");
        if let Some(pager) = &pg.pager {
            h.raw("<p class=\"lede\">Page ")
                .n(pager.number)
                .raw(" of ")
                .n(pager.total)
                .raw(".</p>");
        }
        h.raw("\n");
        if pg.index.len() > 1 {
            h.raw("\n<nav class=\"year-index\" aria-label=\"Sessions by year\">\n  <ul class=\"inline-list\">");
            for y in &pg.index {
                h.raw("<li><a href=\"")
                    .url(root, &y.url)
                    .raw("\">")
                    .i(y.year.into())
                    .raw("</a></li>");
            }
            h.raw("</ul>\n</nav>\n");
        }
        h.raw("\n");
        upcoming(h, &pg.upcoming, root);
        h.raw("\n");
        for y in &pg.years {
            let year = y.year.to_string();
            h.section(&format!("y{year}"), &year, None)
                .list("cards", &y.sessions, |h, s| session_card(h, s, root))
                .end_section();
        }
        h.raw("\n");
        if pg.upcoming.is_empty() && pg.years.is_empty() {
            h.raw("<p>No sessions yet.</p>");
        }
        h.raw("\n");
        if let Some(pager) = &pg.pager {
            pager_nav(h, pager, root, "Pages of sessions", "");
            h.raw("\n");
        }
        h.raw("\n");
    });
}

#[cfg(test)]
mod tests {
    use crate::build::{BuildOptions, build};
    use crate::config::Config;
    use crate::output::Content;
    use crate::render::{Theme, render};
    use std::path::Path;

    #[test]
    fn decimal_writes_as_std_does() {
        let mut next = crate::testing::picker(0x1234_5678_9abc_def1);
        let mut values = vec![0, 9, 10, 99, 100, u64::from(u32::MAX), u64::MAX];
        values.extend((0..10_000).map(|_| next(usize::MAX) as u64 >> next(64)));
        for n in values {
            assert_eq!(super::decimal(n, &mut [0; 20]), n.to_string());
        }
    }

    /// Whitespace runs as one space: the templates' indentation is not part
    /// of what they mean.
    fn normalize(html: &str) -> String {
        let mut out = String::with_capacity(html.len());
        let mut space = false;
        for c in html.chars() {
            if c.is_ascii_whitespace() {
                space = true;
            } else {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c);
            }
        }
        out
    }

    /// Renders the site at `root` with tera and with the Rust templates and
    /// requires the same pages; returns how many pages were compared.
    fn same_both_ways(root: &Path) -> usize {
        let config = Config::load(root).expect("config");
        let opts = BuildOptions {
            include_drafts: false,
            now: chrono::DateTime::from_timestamp(1_795_435_200, 0).unwrap(),
            exclude: vec![root.join("public")],
        };
        let (built, diags) = build(&config, &opts);
        assert!(!diags.has_errors(), "{diags:?}");
        let mut theme = Theme::load(&config).expect("theme");
        let history = Default::default();
        let (native, _) = render(&built.site, &config, &theme, opts.now, &history);
        theme.native = false;
        let (tera, _) = render(&built.site, &config, &theme, opts.now, &history);
        assert_eq!(
            native.files.keys().collect::<Vec<_>>(),
            tera.files.keys().collect::<Vec<_>>()
        );
        let mut compared = 0;
        for (path, content) in &native.files {
            let (Content::Bytes(a), Some(Content::Bytes(b))) = (content, tera.files.get(path))
            else {
                continue;
            };
            if !path.ends_with(".html") {
                assert_eq!(a, b, "{path}");
                continue;
            }
            let (a, b) = (
                normalize(std::str::from_utf8(a).unwrap()),
                normalize(std::str::from_utf8(b).unwrap()),
            );
            if a != b {
                let at = a
                    .char_indices()
                    .zip(b.chars())
                    .find(|((_, x), y)| x != y)
                    .map_or(a.len().min(b.len()), |((i, _), _)| i);
                let from = a.floor_char_boundary(at.saturating_sub(300));
                panic!(
                    "/{path} differs at byte {at}:\n  rust: {}\n  tera: {}",
                    &a[from..a.ceil_char_boundary((at + 200).min(a.len()))],
                    &b[b.floor_char_boundary(from)..b.ceil_char_boundary((at + 200).min(b.len()))]
                );
            }
            compared += 1;
        }
        compared
    }

    #[test]
    fn escaping_matches_the_plain_definition() {
        let plain = |s: &str| {
            s.chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    c => c.to_string(),
                })
                .collect::<String>()
        };
        let pieces = [
            "a", "&", "<", ">", "\"", "'", "é", "ب", " ", "xyzxyzx", "%", "&amp;",
        ];
        let mut seed = 7u64;
        for _ in 0..2000 {
            let mut s = String::new();
            let mut next = || {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (seed >> 33) as usize
            };
            for _ in 0..next() % 40 {
                s.push_str(pieces[next() % pieces.len()]);
            }
            let mut out = String::new();
            super::esc(&mut out, &s);
            assert_eq!(out, plain(&s), "{s:?}");
        }
    }

    #[test]
    fn the_example_site_is_the_same_with_tera_and_rust() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site");
        assert!(same_both_ways(&root) > 50);
    }

    fn write(root: &Path, path: &str, text: &str) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Everything the templates branch on, and text that needs escaping.
    #[test]
    fn an_awkward_site_is_the_same_with_tera_and_rust() {
        for (language, extra) in [
            (
                "en",
                "description: \"Fish & <chips> 'n' \\\"more\\\"\"\nrepo_url: https://github.com/x/y\n",
            ),
            ("ar", "git: false\n"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            write(
                root,
                "cairn.yaml",
                &format!(
                    "title: \"A & B <circle>\"\nbase_url: https://example.org/a/\nlanguage: {language}\ntimezone: America/Toronto\n{extra}"
                ),
            );
            write(
                root,
                "content/members/dana.md",
                "---\nname: Dana \"D\" <Kim>\nrole: Lead & host\norganization: O'Neil's\njoined: 2025\naka: [DK, Dee]\ncommunities: [tech]\nexpertise: [budgets, facilitation]\nlinks:\n  Site: https://example.org/?a=1&b=2\navatar: static/dana.png\n---\nHello *there*.\n",
            );
            write(root, "content/members/eli.md", "---\nname: Eli\n---\n");
            write(
                root,
                "content/members/hidden.md",
                "---\nname: Hidden Person\nprivate: true\n---\n",
            );
            write(
                root,
                "content/communities/tech.md",
                "---\nname: Tech <circle>\ndescription: People & tech\nmeets: Tuesdays\nlead: [dana]\n---\nAbout the circle.\n",
            );
            write(
                root,
                "content/pages/about.md",
                "---\ntitle: About\n---\nSee [[dana]].\n",
            );
            write(
                root,
                "content/sessions/2026-01-10-first.md",
                "---\ntitle: First <one> & \"only\"\ndate: 2026-01-10T18:30:00-05:00\nduration: 90m\nlocation: Room 'B'\ncommunity: tech\nfacilitators: [dana]\nattendees: [dana, eli, Hidden Person, Nobody Known]\ntags: [budgets, \"R&D\"]\n---\nText with [[eli]] and [[about]].\n\n- [ ] @eli send the survey (due 2026-02-01)\n- [x] @dana book the room\n- [ ] @\"Nobody Known\" think\n",
            );
            write(
                root,
                "content/sessions/2026-02-10-second.md",
                "---\ntitle: Second\ndate: 2026-02-10\nstatus: cancelled\ncommunity: tech\nattendees: [eli]\n---\nSee [[2026-01-10-first]].\n",
            );
            write(
                root,
                "content/sessions/2026-03-10-third.md",
                "---\ntitle: Third\ndate: 2026-03-10T10:00:00Z\nend: 2026-03-11T12:00:00Z\nattendees: [eli, dana]\nsummary: A summary that is set by hand.\n---\n",
            );
            write(
                root,
                "content/sessions/2027-12-01-later.md",
                "---\ntitle: Later\ndate: 2027-12-01\ncommunity: tech\nfacilitators: [eli]\n---\nPlanned.\n",
            );
            write(
                root,
                "content/sessions/2030-01-01-far.md",
                "---\ntitle: Far\ndate: 2030-01-01\ntags: [alone]\n---\n",
            );
            // Enough for several pages of /sessions/, two pages of a
            // topic, a grouped timeline and a grouped attendance chart.
            for i in 0..230 {
                let community = if i % 3 == 0 { "community: tech\n" } else { "" };
                let tags = if i % 2 == 0 { "tags: [budgets]\n" } else { "" };
                write(
                    root,
                    &format!("content/sessions/bulk/s{i}.md"),
                    &format!(
                        "---\ntitle: Bulk {i}\ndate: {}-{:02}-{:02}\n{community}{tags}attendees: [eli]\n---\n- [ ] @eli item {i}\n- [ ] @eli more {i}\n- [ ] @dana also {i}\n",
                        2022 + i / 80,
                        i % 12 + 1,
                        i % 28 + 1
                    ),
                );
            }
            assert!(same_both_ways(root) > 240);
        }
    }
}

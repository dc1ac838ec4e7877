//! End-to-end tests in a real browser: headless Chromium driven over W3C
//! WebDriver (chromedriver), against `cairn serve` on a copy of the example
//! site. Without Chromium and chromedriver every test prints "skipped: …" and
//! passes; `.ci/browser-setup` installs them (and axe-core for the
//! accessibility test).
//!
//! Set `CAIRN_SCREENSHOTS=1` to save the screenshots of `looks_right` into
//! `docs/screenshots/`.

mod site;
mod webdriver;

use serde_json::{Value, json};
use site::{Server, Site, http_get};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use webdriver::{Browser, wait};

/// The note edited by the live-reload test, and its page.
const NOTE: &str = "content/sessions/2026/2026-07-08-budgets-for-learning.md";
const NOTE_PAGE: &str = "sessions/2026-07-08-budgets-for-learning/";
/// A session with paragraphs in English and Arabic.
const BILINGUAL: &str = "sessions/2026-09-18-how-or-if-to-hold-the-reins/";
const MEMBER: &str = "members/karim-haddad/";

/// A browser on a served copy of the example site, or `None` (after saying
/// why) when Chromium or chromedriver is missing.
fn setup(test: &str) -> Option<(Site, Server, Browser)> {
    let tools = match webdriver::tools() {
        Ok(t) => t,
        Err(why) => {
            println!("skipped: {test}: {why}");
            return None;
        }
    };
    let site = Site::copy_example();
    let server = Server::start(&site);
    let browser = Browser::start(&tools);
    Some((site, server, browser))
}

/// Loads `path` and checks the console stayed clean.
fn open(b: &Browser, s: &Server, path: &str) {
    println!("open /{path}");
    b.goto(&s.url(path));
    b.assert_no_console_errors(path);
}

/// Clicks `e` and waits until the browser is on a different URL.
fn follow(b: &Browser, e: &webdriver::Element) -> String {
    let before = b.url();
    let href = b.property(e, "href");
    println!("click {href}");
    b.click(e);
    let now = wait(10, &format!("the click on {href} to navigate"), || {
        let u = b.url();
        (u != before && b.exec("return document.readyState", json!([])) == "complete").then_some(u)
    });
    b.assert_no_console_errors(&now);
    now
}

#[test]
fn journey_through_the_site() {
    let Some((_site, s, b)) = setup("journey_through_the_site") else {
        return;
    };
    open(&b, &s, "");
    assert!(!b.title().is_empty(), "the home page has a title");

    // Home → a session with attendees (notes of past sessions have them;
    // planned ones may not).
    let cards: Vec<String> = b
        .find_all(".session-card a.card-title")
        .iter()
        .map(|a| b.property(a, "href"))
        .collect();
    assert!(!cards.is_empty(), "the home page has session cards");
    let mut picked = None;
    for (i, href) in cards.iter().enumerate() {
        if i > 0 {
            open(&b, &s, "");
        }
        let card = b
            .find_all(".session-card a.card-title")
            .into_iter()
            .find(|a| b.property(a, "href") == *href)
            .expect("the session card again");
        let session = follow(&b, &card);
        assert!(session.contains("/sessions/"), "a session page: {session}");
        let attendees: Vec<String> = b
            .find_all("a.attendee")
            .iter()
            .map(|a| b.property(a, "href"))
            .collect();
        if !attendees.is_empty() {
            picked = Some((session, attendees));
            break;
        }
    }
    let (session, attendees) = picked.expect("a session card leading to attendees");

    // Session → an attendee who took part in another session too, then
    // that other session.
    let mut other = None;
    for (i, href) in attendees.iter().enumerate() {
        if i > 0 {
            b.goto(&session);
        }
        let link = b
            .find_all("a.attendee")
            .into_iter()
            .find(|a| b.property(a, "href") == *href)
            .expect("the attendee link again");
        let person = follow(&b, &link);
        assert!(person.contains("/members/"), "a member page: {person}");
        other = b
            .find_all(".main-col .rows a.card-title")
            .into_iter()
            .find(|a| b.property(a, "href") != session);
        if other.is_some() {
            break;
        }
    }
    let other = other.expect("an attendee of the first session with another session");
    let second = follow(&b, &other);
    assert!(
        second.contains("/sessions/") && second != session,
        "another session: {second}"
    );

    // Session → a topic.
    let topic = b.wait_for(".tags a", 5);
    let topic = follow(&b, &topic);
    assert!(topic.contains("/topics/"), "a topic page: {topic}");

    // Search: type in the search page's box, follow the first result.
    open(&b, &s, "search/");
    let title = b.title();
    let q = b.wait_for("#search-page-q", 5);
    b.click(&q);
    b.type_into(&q, "budget");
    let first = webdriver::try_wait(10, || {
        b.find_all("#search-page-results a.search-hit-link")
            .into_iter()
            .find(|e| b.displayed(e))
    })
    .unwrap_or_else(|| {
        panic!(
            "no results for \"budget\" within 10 s\n{}",
            search_state(&b, &s, "search-page")
        )
    });
    let hit = follow(&b, &first);
    assert_ne!(
        b.title(),
        title,
        "following the result {hit} changes the title"
    );
    assert!(
        b.body_text().to_lowercase().contains("budget"),
        "the result {hit} mentions budgets"
    );

    // The calendar link on the home page.
    open(&b, &s, "");
    let cal = b.wait_for("a.calendar-file", 5);
    let href = b.property(&cal, "href");
    assert!(href.ends_with("calendar.ics"), "calendar link: {href}");
    assert!(href.starts_with(&s.base), "a link to this server: {href}");
    let reply = http_get(&href);
    assert_eq!(reply.status, 200, "GET {href}");
    let ctype = reply.header("content-type").unwrap_or_default();
    assert!(ctype.starts_with("text/calendar"), "content type {ctype}");
    assert!(
        reply.text().starts_with("BEGIN:VCALENDAR"),
        "an iCalendar file"
    );
}

#[test]
fn live_reload_and_error_overlay() {
    let Some((site, s, b)) = setup("live_reload_and_error_overlay") else {
        return;
    };
    open(&b, &s, NOTE_PAGE);
    let original = std::fs::read_to_string(site.path(NOTE)).unwrap();
    // Give the page's EventSource time to connect and learn the version.
    std::thread::sleep(Duration::from_millis(1000));

    let sentence = format!(
        "Live reload check number {}.",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    assert!(!b.body_text().contains(&sentence));
    let edited = format!("{}\n\n{sentence}\n", original.trim_end());
    std::fs::write(site.path(NOTE), &edited).unwrap();
    let started = Instant::now();
    wait(5, "the edit to show up in the open page", || {
        b.body_text().contains(&sentence).then_some(())
    });
    println!("edit visible after {:?}", started.elapsed());

    // Break the front matter: the overlay names the file.
    let broken = edited.replacen("title: Budgets for learning", "title: [broken", 1);
    assert_ne!(broken, edited, "the note's title line");
    std::fs::write(site.path(NOTE), &broken).unwrap();
    let overlay = wait(10, "the error overlay", || {
        let text = b.exec(
            "var o = document.getElementById('cairn-error-overlay'); return o ? o.innerText : null;",
            json!([]),
        );
        text.as_str().map(str::to_string)
    });
    assert!(
        overlay.contains(NOTE),
        "the overlay names {NOTE}:\n{overlay}\nserve said:\n{}",
        s.log.lock().unwrap()
    );

    // Fix it: the overlay goes, the page still has the edit.
    std::fs::write(site.path(NOTE), &edited).unwrap();
    wait(10, "the overlay to go away", || {
        let gone = b.exec(
            "return document.getElementById('cairn-error-overlay') === null;",
            json!([]),
        );
        (gone == json!(true)).then_some(())
    });
    wait(10, "the page text after the fix", || {
        let text = b.body_text();
        (text.contains(&sentence) && text.contains("Budgets for learning")).then_some(())
    });
    b.assert_no_console_errors(NOTE_PAGE);
}

#[test]
fn looks_right_on_phone_and_desktop() {
    let Some((_site, s, b)) = setup("looks_right_on_phone_and_desktop") else {
        return;
    };
    let save = std::env::var("CAIRN_SCREENSHOTS").is_ok_and(|v| v == "1");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    if save {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let pages = [("home", ""), ("session", BILINGUAL), ("member", MEMBER)];
    let mut problems = Vec::new();
    for (width, height) in [(390, 844), (1280, 900)] {
        b.resize(width, height);
        for (name, path) in pages {
            open(&b, &s, path);
            let inner = b.exec("return window.innerWidth;", json!([]));
            if width == 390 {
                let sizes = b.exec(
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                    json!([]),
                );
                let (scroll, inner) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
                if scroll > inner {
                    let wide = b.exec(WIDEST, json!([]));
                    problems.push(format!(
                        "/{path} scrolls sideways at {width} px: scrollWidth {scroll} > innerWidth {inner}; widest: {wide}"
                    ));
                }
            }
            let png = b.screenshot();
            assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
            if save {
                let file = dir.join(format!("{name}-{width}.png"));
                std::fs::write(&file, &png).unwrap();
                println!("saved {} (innerWidth {inner})", file.display());
            }
        }
    }

    // Arabic paragraphs of the bilingual session read right to left.
    open(&b, &s, BILINGUAL);
    let dirs = b.exec(
        "return Array.from(document.querySelectorAll('p'))
           .filter(function (p) { return /^[\\u0600-\\u06FF\\u0750-\\u077F]/.test(p.textContent.trim()); })
           .map(function (p) { return [p.textContent.trim().slice(0, 40), getComputedStyle(p).direction]; });",
        json!([]),
    );
    let dirs = dirs.as_array().cloned().unwrap_or_default();
    if dirs.is_empty() {
        problems.push(format!("/{BILINGUAL} has no paragraph starting in Arabic"));
    }
    for d in &dirs {
        if d[1] != "rtl" {
            problems.push(format!(
                "/{BILINGUAL}: Arabic paragraph {} is {}",
                d[0], d[1]
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A script returning the elements that stick out past the viewport's right
/// edge, to say what makes a page scroll sideways.
const WIDEST: &str = "var w = window.innerWidth, out = [];
document.querySelectorAll('body *').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.right > w + 0.5 && out.length < 5) {
    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (e.className && e.className.baseVal === undefined ? '.' + String(e.className).split(' ').join('.') : '') +
      ' right=' + Math.round(r.right));
  }
});
return out;";

/// Where `.ci/browser-setup` installs axe-core.
fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe/node_modules/axe-core/axe.min.js")
}

#[test]
fn accessibility_with_axe() {
    let axe = match std::fs::read_to_string(axe_path()) {
        Ok(s) => s,
        Err(e) => {
            println!(
                "skipped: accessibility_with_axe: cannot read {} ({e}); run .ci/browser-setup",
                axe_path().display()
            );
            return;
        }
    };
    let Some((_site, s, b)) = setup("accessibility_with_axe") else {
        return;
    };
    b.resize(1280, 900);
    let pages = [
        "",
        NOTE_PAGE,
        BILINGUAL,
        MEMBER,
        "communities/collaboration-practitioners/",
        "topics/",
        "actions/",
        "search/?q=budget",
    ];
    let mut found = Vec::new();
    for path in pages {
        open(&b, &s, path);
        if path.starts_with("search/") {
            // Let the search page show its results before checking it.
            let shown = webdriver::try_wait(15, || {
                let n = b.exec(
                    "return document.querySelectorAll('#search-page-results a.search-hit-link').length;",
                    json!([]),
                );
                (n.as_u64().unwrap_or(0) > 0).then_some(())
            });
            if shown.is_none() {
                let state = b.exec(
                    "var s = document.getElementById('search-page-status'); return [location.href, s && s.textContent, performance.getEntriesByType('resource').map(function (e) { return e.name + ' ' + Math.round(e.duration); })];",
                    json!([]),
                );
                panic!("no results on /{path} within 15 s: {state}");
            }
        }
        b.exec(&axe, json!([]));
        let result = b.exec_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']})
               .then(function (r) { done({ok: r.violations.map(function (v) {
                 return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                         target: v.nodes.length ? v.nodes[0].target.join(' ') : '',
                         html: v.nodes.length ? v.nodes[0].html.slice(0, 160) : ''};
               })}); })
               .catch(function (e) { done({err: String(e)}); });",
            json!([]),
        );
        if let Some(err) = result.get("err") {
            panic!("axe failed on /{path}: {err}");
        }
        for v in result["ok"].as_array().into_iter().flatten() {
            let line = format!(
                "/{path}: {} [{}] {} ({} nodes; first: {} — {})",
                str_of(&v["id"]),
                str_of(&v["impact"]),
                str_of(&v["help"]),
                v["nodes"],
                str_of(&v["target"]),
                str_of(&v["html"]),
            );
            println!("axe: {line}");
            if matches!(str_of(&v["impact"]).as_str(), "serious" | "critical") {
                found.push(line);
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} serious or critical accessibility violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// What a search box shows and what the page fetched, with the server's
/// log, for a failure message. `id` is `search-page` or `site-search`.
fn search_state(b: &Browser, s: &Server, id: &str) -> String {
    let page = b.exec(
        "var id = arguments[0]; return 'value=' + document.getElementById(id + '-q').value + ' status=' + document.getElementById(id + '-status').textContent + ' list=' + document.getElementById(id + '-results').innerHTML.slice(0, 300) + '\\nfetched:\\n' + performance.getEntriesByType('resource').map(function (e) { return e.name + ' ' + Math.round(e.startTime) + '+' + Math.round(e.duration) + ' ms ' + e.responseStatus; }).join('\\n');",
        json!([id]),
    );
    format!("{}\nserver:\n{}", str_of(&page), s.log.lock().unwrap())
}

fn str_of(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// The box in the header, after some browsing under `cairn serve`. This
/// once stalled: tiny_http's pool queued a new connection behind the
/// browser's kept-alive ones, and some index requests were never answered
/// (the server now closes every connection after its response).
#[test]
fn header_search_after_browsing_under_serve() {
    let Some((_site, s, b)) = setup("header_search_after_browsing_under_serve") else {
        return;
    };
    for path in ["", "sessions/", "topics/", "members/", "topics/budgets/"] {
        open(&b, &s, path);
    }
    // Search from the header.
    let title = b.title();
    let q = b.wait_for("#site-search-q", 5);
    b.click(&q);
    b.type_into(&q, "budget");
    let first = webdriver::try_wait(10, || {
        b.find_all("#site-search-results a.search-hit-link")
            .into_iter()
            .find(|e| b.displayed(e))
    })
    .unwrap_or_else(|| {
        panic!(
            "no results for \"budget\" within 10 s\n{}",
            search_state(&b, &s, "site-search")
        )
    });
    let hit = follow(&b, &first);
    let new_title = b.title();
    assert_ne!(
        new_title, title,
        "following the result {hit} changes the title"
    );
    assert!(
        b.body_text().to_lowercase().contains("budget"),
        "the result {hit} mentions budgets"
    );
}

//! Slugs and relative URLs.

/// Lowercases and turns every run of characters other than letters and
/// digits (any script) into one `-`. Empty input gives an empty slug.
/// Calls `f` with `name` trimmed and lowercased (as `str::to_lowercase`
/// does it), without allocating when `name` is ASCII: the lookups of
/// names and link targets run a few hundred thousand times a build.
pub fn with_lowercase<R>(name: &str, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    let t = name.trim();
    if !t.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        return f(t);
    }
    if !t.is_ascii() {
        return f(&t.to_lowercase());
    }
    BUF.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            buf.push_str(t);
            buf.make_ascii_lowercase();
            f(&buf)
        }
        // Called from inside `f`: a buffer of its own.
        Err(_) => f(&t.to_ascii_lowercase()),
    })
}

/// What `map` holds for `name` as a note writes it: under its trimmed,
/// lowercased form, or else under its slug (the keys of names, aliases and
/// link targets are kept both ways).
pub fn find_by_name<V: Copy>(map: &std::collections::HashMap<String, V>, name: &str) -> Option<V> {
    with_lowercase(name, |k| {
        map.get(k)
            .or_else(|| map.get(&slugify_nonempty(k)))
            .copied()
    })
}

pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// Slugify, but never empty: text with no letters or digits (an emoji tag)
/// gets a slug made of its code points.
pub fn slugify_nonempty(s: &str) -> String {
    let slug = slugify(s);
    if !slug.is_empty() {
        return slug;
    }
    let hex: Vec<String> = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| format!("{:x}", c as u32))
        .collect();
    if hex.is_empty() {
        "untitled".into()
    } else {
        format!("u{}", hex.join("-"))
    }
}

/// Whether a slug given in front matter is safe as one URL segment.
pub fn is_safe_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The relative path from a page at `url` (`sessions/x/`) back to the root
/// (`../../`); `./` for the home page.
pub fn root_of(url: &str) -> String {
    let depth = url.matches('/').count();
    if depth == 0 {
        "./".into()
    } else {
        "../".repeat(depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_lowercase_is_trim_and_to_lowercase() {
        for name in [
            "dana-kim",
            "  Dana Kim ",
            "DANA",
            "Maëlle B. Mahlangu",
            "ΟΔΟΣ",
            "",
            " x ",
        ] {
            let expected = name.trim().to_lowercase();
            assert_eq!(with_lowercase(name, str::to_string), expected);
            // Inside itself, as a lookup that looks up another name would.
            let nested = with_lowercase(name, |a| with_lowercase(name, |b| format!("{a}|{b}")));
            assert_eq!(nested, format!("{expected}|{expected}"));
        }
    }

    #[test]
    fn slugs_keep_unicode_letters_and_collapse_the_rest() {
        assert_eq!(
            slugify("Power Dynamics & Conflict"),
            "power-dynamics-conflict"
        );
        assert_eq!(slugify("  Café  crème "), "café-crème");
        assert_eq!(slugify("القيادة والإدارة"), "القيادة-والإدارة");
        assert_eq!(slugify("e-learning"), "e-learning");
        assert_eq!(slugify_nonempty("🎉"), "u1f389");
    }

    #[test]
    fn unsafe_slugs_are_refused() {
        assert!(is_safe_slug("2026-03-06-intro"));
        assert!(!is_safe_slug("../../x"));
        assert!(!is_safe_slug("a/b"));
        assert!(!is_safe_slug(""));
    }

    #[test]
    fn root_climbs_one_level_per_segment() {
        assert_eq!(root_of(""), "./");
        assert_eq!(root_of("about/"), "../");
        assert_eq!(root_of("sessions/x/"), "../../");
    }
}

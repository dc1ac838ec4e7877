//! Slugs and relative URLs.

/// Lowercases and turns every run of characters other than letters and
/// digits (any script) into one `-`. Empty input gives an empty slug.
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

//! The shape of this engine's client ids, which is how a run recognises its strategies' orders
//! after a restart: `{tag}-{run}-{n}` for a strategy's order, `{run}-{n}` for one placed through
//! the handle. `tag` is the strategy's [`id`](crate::strategy::Strategy::id), `run` the run's
//! prefix, `n` a counter. Client ids stay within the exchange's 36 characters. Pure functions:
//! this module must NOT keep state or decide ownership beyond reading the shape.

/// Longest strategy tag kept in a client id.
pub const MAX_TAG: usize = 12;

/// `name` cut to a tag: lower-case ASCII letters, digits and `_` (others become `_`), at most
/// [`MAX_TAG`] characters, never empty.
pub fn clean_tag(name: &str) -> String {
    let t: String = name
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .take(MAX_TAG)
        .collect();
    if t.is_empty() {
        "s".into()
    } else {
        t
    }
}

/// The client id of a strategy's `n`th order of run `run`.
pub fn strategy_oid(tag: &str, run: &str, n: u64) -> String {
    format!("{tag}-{run}-{n}")
}

/// The client id of the `n`th order of run `run` placed through the handle (no strategy).
pub fn manual_oid(run: &str, n: u64) -> String {
    format!("{run}-{n}")
}

/// The strategy tag in a client id of the engine's shape (`{tag}-{run}-{n}`), if it has one.
/// A caller compares it with the tags it knows; a user's own client ids that happen to look
/// alike only match if they start with a configured strategy's tag.
pub fn tag_of(client_oid: &str) -> Option<&str> {
    let (tag, rest) = client_oid.split_once('-')?;
    let (run, n) = rest.rsplit_once('-')?;
    let ok = !tag.is_empty() && !run.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_short_clean_and_read_back() {
        assert_eq!(clean_tag("market_maker"), "market_maker");
        assert_eq!(clean_tag("My Grid-2 (BTC)"), "my_grid_2__b");
        assert_eq!(clean_tag(""), "s");
        let oid = strategy_oid("market_maker", "e6740f2a1", 4_294_967_296);
        assert!(oid.len() <= 36, "{oid}");
        assert_eq!(tag_of(&oid), Some("market_maker"));
        assert_eq!(tag_of(&manual_oid("e6740f2a1", 17)), None);
        assert_eq!(tag_of("grid-e1-x"), None);
        assert_eq!(tag_of("my-own-id-7"), Some("my"));
    }
}

//! What each header of a captured request is, for the analysis (which headers carry
//! credentials or claim a client address) and for the replay (which few are forwarded). Names
//! only; it must NOT look at or return header values.

/// The class of a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Carries or accompanies credentials (keys, signatures, nonces, timestamps, tokens).
    Credential,
    /// Claims a client address or a proxy hop (`X-Forwarded-For`, `X-Real-IP`, `Forwarded`).
    Proxy,
    /// A browser session cookie.
    Cookie,
    /// Set by the HTTP client itself (`Host`, `Content-Length`, `Connection`, …).
    Transport,
    /// Forwarded on replay: `Content-Type`, `Accept`, `User-Agent`.
    Kept,
    /// Anything else: the exchange needs none of them, so the replay leaves them out.
    Other,
}

/// Headers that claim the address of the client (a proxy would add them).
const ADDRESS_CLAIMS: [&str; 10] = [
    "x-forwarded-for",
    "x-real-ip",
    "forwarded",
    "x-client-ip",
    "x-originating-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "x-cluster-client-ip",
    "x-remote-addr",
    "x-remote-ip",
];

const TRANSPORT: [&str; 10] = [
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "accept-encoding",
    "keep-alive",
    "te",
    "upgrade",
    "expect",
    "proxy-connection",
];

/// Which class a header name is in.
pub(super) fn classify(name: &str) -> Kind {
    let n = name.trim().to_ascii_lowercase();
    if is_credential(&n) {
        Kind::Credential
    } else if claims_address(&n) || n.starts_with("x-forwarded-") || n == "via" {
        Kind::Proxy
    } else if n == "cookie" || n == "set-cookie" {
        Kind::Cookie
    } else if TRANSPORT.contains(&n.as_str()) {
        Kind::Transport
    } else if matches!(n.as_str(), "content-type" | "accept" | "user-agent") {
        Kind::Kept
    } else {
        Kind::Other
    }
}

/// Whether a header claims the client's address.
pub(super) fn claims_address(name: &str) -> bool {
    ADDRESS_CLAIMS.contains(&name.trim().to_ascii_lowercase().as_str())
}

/// Whether a header looks like it holds a secret (not merely a key or a signature).
pub(super) fn named_like_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["secret", "passphrase", "private-key", "privatekey", "private_key"].iter().any(|w| n.contains(w))
}

fn is_credential(n: &str) -> bool {
    const WORDS: [&str; 9] = ["key", "sig", "nonce", "secret", "passphrase", "timestamp", "token", "auth", "signature"];
    const PREFIXES: [&str; 5] = ["x-capi-", "cb-access-", "x-mbx-", "ok-access-", "x-bapi-"];
    // Sec-WebSocket-Key is part of the WebSocket handshake, not a credential.
    n != "sec-websocket-key"
        && (WORDS.iter().any(|w| n.contains(w)) || PREFIXES.iter().any(|p| n.starts_with(p)) || n == "x-ts")
}

/// Why the replay leaves a header of this class out.
pub(super) fn drop_reason(kind: Kind) -> &'static str {
    match kind {
        Kind::Credential => "credential: the exchange reads api_key, sig and nonce only from the body",
        Kind::Proxy => "proxy/address claim: it cannot change the address the exchange sees",
        Kind::Cookie => "browser cookie: the API does not use it",
        Kind::Transport => "set by the HTTP client itself",
        Kind::Kept | Kind::Other => "not needed by the API, so not forwarded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fall_in_their_classes() {
        for n in ["X-CAPI-KEY", "X-CAPI-TIMESTAMP", "Authorization", "X-API-SIGNATURE", "X-Nonce", "CB-ACCESS-SIGN"] {
            assert_eq!(classify(n), Kind::Credential, "{n}");
        }
        for n in ["X-Forwarded-For", "X-Real-IP", "Forwarded", "Via", "X-Forwarded-Proto"] {
            assert_eq!(classify(n), Kind::Proxy, "{n}");
        }
        assert_eq!(classify("Cookie"), Kind::Cookie);
        assert_eq!(classify("Host"), Kind::Transport);
        assert_eq!(classify("content-type"), Kind::Kept);
        assert_eq!(classify("Referer"), Kind::Other);
        assert!(named_like_secret("X-CAPI-SECRET") && !named_like_secret("X-CAPI-KEY"));
    }
}

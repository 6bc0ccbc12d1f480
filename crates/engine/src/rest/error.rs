//! Errors of the REST client. "Could not reach the exchange" ([`RestError::Transport`],
//! [`RestError::Http`]) is kept apart from "the exchange said no" ([`RestError::Exchange`]).

use crate::protocol::codes::CodeClass;
use crate::protocol::{DecodeError, ExchangeError};

/// Why a REST call failed. Never contains the secret or the signed body.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// No answer: connection refused, reset, timed out.
    #[error("could not reach the exchange at {url}: {source}")]
    Transport {
        /// The URL called.
        url: String,
        /// The transport's complaint.
        #[source]
        source: reqwest::Error,
    },
    /// An answer without a JSON envelope (a gateway's HTML page, an empty 502).
    #[error("{url} answered HTTP {status} without a JSON body: {body}")]
    Http {
        /// The URL called.
        url: String,
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The exchange answered with a non-zero code.
    #[error(transparent)]
    Exchange(Box<ExchangeError>),
    /// The answer's result did not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A private method without credentials.
    #[error("{0} is a private method and no credentials are configured: set CDC_API_KEY and CDC_API_SECRET")]
    NoCredentials(String),
}

impl From<ExchangeError> for RestError {
    fn from(e: ExchangeError) -> Self {
        RestError::Exchange(Box::new(e))
    }
}

impl RestError {
    /// The failure class: transport problems and 5xx are transient.
    pub fn class(&self) -> CodeClass {
        match self {
            RestError::Transport { .. } => CodeClass::Transient,
            RestError::Http { status, .. } if *status >= 500 || *status == 429 || *status == 408 => {
                CodeClass::Transient
            }
            RestError::Http { .. } => CodeClass::Other,
            RestError::Exchange(e) => e.class(),
            RestError::Decode(_) => CodeClass::Other,
            RestError::NoCredentials(_) => CodeClass::Auth,
        }
    }

    /// Whether the request may have taken effect without us knowing (orders: reconcile).
    pub fn outcome_unknown(&self) -> bool {
        self.class() == CodeClass::Transient
    }

    /// The reason code, when the exchange gave one.
    pub fn code(&self) -> Option<i64> {
        match self {
            RestError::Exchange(e) => Some(e.code),
            _ => None,
        }
    }
}

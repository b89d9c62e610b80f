//! One HTTP call with retries, logging and error mapping.

use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::errors;
use super::retry::{self, Outcome, Safety};
use super::{ApiClient, SlowAnswer};
use crate::CoreError;

/// A request to send (built again for each attempt).
pub(crate) struct Call {
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    pub if_match: Option<HeaderValue>,
    pub timeout: Option<Duration>,
}

impl Call {
    /// A request without a body.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            body: None,
            if_match: None,
            timeout: None,
        }
    }

    /// With a JSON body.
    pub fn json<T: Serialize>(mut self, body: &T) -> Result<Self, CoreError> {
        let bytes = serde_json::to_vec(body).map_err(|e| CoreError::Protocol {
            detail: format!("the request could not be encoded: {e}"),
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// With `If-Match: version` when a version is given.
    pub fn if_match(mut self, version: Option<&str>) -> Result<Self, CoreError> {
        self.if_match = version
            .map(|v| {
                HeaderValue::from_str(v).map_err(|_| CoreError::Protocol {
                    detail: format!("the version {v:?} cannot be sent in If-Match"),
                })
            })
            .transpose()?;
        Ok(self)
    }

    /// With a timeout other than the client's default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn safety(&self) -> Safety {
        if self.method == Method::POST {
            Safety::Unsafe
        } else {
            Safety::Idempotent
        }
    }
}

/// The server's final answer to a call (any status).
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Whether an earlier attempt of this call may have been carried out by the
    /// server (its answer was lost), so a 404 or 409 now may be our own doing.
    pub earlier_attempt_may_have_landed: bool,
    what: String,
}

impl Reply {
    /// The reply if its status is a success, else the matching error.
    pub fn success(self) -> Result<Self, CoreError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            let location = self
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok());
            Err(errors::from_status(
                self.status.as_u16(),
                &self.body,
                location,
            ))
        }
    }

    /// The body read as `T`; `Protocol` when it is not.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, CoreError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| errors::protocol(&format!("the answer to {} is not SCIM", self.what), e))
    }
}

impl ApiClient {
    /// Sends `call`, retrying transient failures, and returns the final answer.
    /// Fails only when no answer came (`Offline`); statuses are left to the caller
    /// ([`Reply::success`]).
    pub(crate) async fn send(&self, call: &Call) -> Result<Reply, CoreError> {
        let policy = self.inner.options.retry;
        let max_attempts = policy.max_attempts.max(1);
        let what = format!("{} {}", call.method, call.url.path());
        let mut landed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let result = self.attempt(call).await;
            let millis = started.elapsed().as_millis() as u64;
            let (outcome, retry_after) = match &result {
                Ok((status, headers, _)) => {
                    tracing::debug!(
                        method = %call.method,
                        path = call.url.path(),
                        status = status.as_u16(),
                        millis,
                        attempt,
                        "scim call"
                    );
                    let retry_after = retry::parse_retry_after(
                        headers
                            .get(header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok()),
                    );
                    (Outcome::Status(status.as_u16()), retry_after)
                }
                Err(Failure::TooLarge { .. }) => {
                    let reason = result.as_ref().err().map(Failure::describe);
                    return Err(CoreError::Implausible {
                        detail: format!(
                            "{} to {what}; if the server's answers really are that large, \
                             set {}=<MiB> (for example 256) and start Roster again",
                            reason.unwrap_or_default(),
                            super::MAX_RESPONSE_ENV
                        ),
                    });
                }
                Err(failure) => {
                    if let Failure::Http(e) = failure
                        && let Some(detail) = errors::certificate_problem(e)
                    {
                        return Err(CoreError::Config { detail });
                    }
                    let reason = failure.describe();
                    tracing::debug!(
                        method = %call.method,
                        path = call.url.path(),
                        error = %reason,
                        millis,
                        attempt,
                        "scim call failed"
                    );
                    let outcome = if matches!(failure, Failure::Http(e) if e.is_connect()) {
                        Outcome::NotSent
                    } else {
                        Outcome::Unknown
                    };
                    (outcome, None)
                }
            };
            let retry = attempt < max_attempts && retry::should_retry(call.safety(), outcome);
            if retry {
                landed |= retry::may_have_landed(outcome);
                let wait = policy.delay(attempt, retry_after);
                tracing::debug!(
                    method = %call.method,
                    path = call.url.path(),
                    wait_millis = wait.as_millis() as u64,
                    "retrying"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            return match result {
                Ok((status, headers, body)) => Ok(Reply {
                    status,
                    headers,
                    body,
                    earlier_attempt_may_have_landed: landed,
                    what,
                }),
                Err(failure) => Err(CoreError::Offline {
                    reason: failure.describe(),
                }),
            };
        }
    }

    /// Sends `call` and requires a success status.
    pub(crate) async fn send_ok(&self, call: &Call) -> Result<Reply, CoreError> {
        self.send(call).await?.success()
    }

    /// GET `url` and read the body as `T`.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: Url) -> Result<T, CoreError> {
        self.send_ok(&Call::new(Method::GET, url)).await?.json()
    }

    /// One attempt: send, and read the answer as it arrives, within the size limit
    /// and without stalling longer than the read timeout.
    async fn attempt(&self, call: &Call) -> Result<(StatusCode, HeaderMap, Vec<u8>), Failure> {
        let mut req = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
            .header(header::AUTHORIZATION, self.inner.auth.clone());
        if let Some(body) = &call.body {
            req = req
                .header(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(roster_proto::SCIM_MEDIA_TYPE),
                )
                .body(body.clone());
        }
        if let Some(version) = &call.if_match {
            req = req.header(header::IF_MATCH, version.clone());
        }
        if let Some(timeout) = call.timeout {
            req = req.timeout(timeout);
        }
        let mut response = req.send().await.map_err(Failure::http)?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = self.inner.options.max_response_bytes;
        let announced = response.content_length();
        if let Some(length) = announced
            && length > limit as u64
        {
            return Err(Failure::TooLarge {
                limit,
                seen: length,
            });
        }
        let mut body = Vec::with_capacity(announced.map_or(0, |n| n as usize).min(1 << 20));
        let read_timeout = self.inner.options.read_timeout;
        // Never zero: the wait below must tick.
        let notice = self.inner.options.slow_notice.max(Duration::from_millis(1));
        let mut stalled = Duration::ZERO;
        // A trickle (a few bytes now and then) never counts as stalled, but a read
        // that takes this long is reported all the same.
        let begun = Instant::now();
        let mut next_notice = begun + notice;
        loop {
            let tick = notice.min(read_timeout.saturating_sub(stalled));
            // Dropping `chunk()` while it waits loses nothing: a frame is taken only
            // when it is ready.
            match tokio::time::timeout(tick, response.chunk()).await {
                Ok(Ok(Some(chunk))) => {
                    stalled = Duration::ZERO;
                    if body.len() + chunk.len() > limit {
                        return Err(Failure::TooLarge {
                            limit,
                            seen: (body.len() + chunk.len()) as u64,
                        });
                    }
                    body.extend_from_slice(&chunk);
                    let now = Instant::now();
                    if now >= next_notice {
                        next_notice = now + notice;
                        self.slow(SlowAnswer {
                            request: format!("{} {}", call.method, call.url.path()),
                            waited: now - begun,
                            bytes: body.len(),
                            stalled: false,
                        });
                    }
                }
                Ok(Ok(None)) => break,
                Ok(Err(e)) => return Err(Failure::http(e)),
                Err(_) => {
                    stalled += tick;
                    if stalled >= read_timeout {
                        return Err(Failure::Stalled {
                            after: stalled,
                            bytes: body.len(),
                        });
                    }
                    tracing::warn!(
                        method = %call.method,
                        path = call.url.path(),
                        bytes = body.len(),
                        waited_secs = stalled.as_secs(),
                        "the server has sent nothing for a while; still waiting for its answer"
                    );
                    next_notice = Instant::now() + notice;
                    self.slow(SlowAnswer {
                        request: format!("{} {}", call.method, call.url.path()),
                        waited: begun.elapsed(),
                        bytes: body.len(),
                        stalled: true,
                    });
                }
            }
        }
        Ok((status, headers, body))
    }
}

/// Why one attempt got no complete answer.
enum Failure {
    /// The HTTP exchange failed (connect, reset, timeout, TLS).
    Http(reqwest::Error),
    /// The answer is larger than `ClientOptions::max_response_bytes`.
    TooLarge {
        /// The limit.
        limit: usize,
        /// What was announced (`Content-Length`) or read when it was passed.
        seen: u64,
    },
    /// No byte came for `ClientOptions::read_timeout`.
    Stalled {
        /// How long nothing came.
        after: Duration,
        /// What had arrived before.
        bytes: usize,
    },
}

impl Failure {
    fn http(e: reqwest::Error) -> Self {
        Self::Http(e.without_url())
    }

    /// What failed, for the log and `Offline`.
    fn describe(&self) -> String {
        match self {
            Self::Http(e) => errors::describe_transport(e),
            Self::TooLarge { limit, seen } => format!(
                "the answer is larger than {} MiB ({seen} bytes or more)",
                limit >> 20
            ),
            Self::Stalled { after, bytes } => format!(
                "the server stopped sending its answer: nothing for {} after {bytes} bytes",
                if after.as_secs() > 0 {
                    format!("{} s", after.as_secs())
                } else {
                    format!("{} ms", after.as_millis())
                }
            ),
        }
    }
}

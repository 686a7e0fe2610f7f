//! Delivering one notification to the configured webhook (the SMS/push gateway).
//!
//! The notification outbox job claims due rows and hands each one to [`Deliverer::deliver`]. This
//! module owns everything about that single HTTP delivery: signing, the SSRF guard, the request
//! itself, and the classification of the outcome into [`Attempt`]. It has no database access;
//! retry bookkeeping (attempt counts, next-due times via [`backoff`], dead-lettering) is the job's.
//!
//! # Standard Webhooks
//!
//! Requests follow the [Standard Webhooks](https://www.standardwebhooks.com/) specification so the
//! gateway can use any off-the-shelf verifier:
//!
//! - `webhook-id`: the outbox message id. It is the same on every retry of one message, so the
//!   receiver can drop duplicates; delivery is *at-least-once* (a receiver may process a message
//!   and then time out before we see its answer, and we will send it again).
//! - `webhook-timestamp`: unix seconds of the attempt, so receivers can reject replays.
//! - `webhook-signature`: `v1,` + base64 HMAC-SHA256 over `"{id}.{timestamp}.{body}"` with the
//!   shared secret (see [`sign`]; [`verify`] is the receiving side).
//!
//! The secret is configured in the spec's `whsec_<base64>` form (see [`WebhookConfig::new`]).
//!
//! # SSRF guard
//!
//! The webhook URL is configuration, but it still points a server that sits inside a court's
//! network at an arbitrary host. A mistaken or malicious URL must not turn this backend into a
//! proxy for internal services or the cloud metadata endpoint (169.254.169.254). So before every
//! attempt the host is resolved, the attempt is refused if *any* resolved address is private or
//! local (see [`address_allowed`]), and the HTTP client is pinned to exactly the checked addresses
//! (with a resolver that refuses every other lookup), so a DNS answer that changes between the
//! check and the connection (DNS rebinding) cannot redirect the request. Redirects are never
//! followed and system proxy settings are ignored, for the same reason. A gateway that really
//! lives on a private network is allowed with `GRIDASSIST_WEBHOOK_ALLOW_PRIVATE=true`. The same
//! check ([`checked_addresses`]) runs when a partner registers a webhook, so a target the guard
//! would refuse is refused there and then.
//!
//! # What is stored and logged
//!
//! Error strings in [`Attempt`] end up in the outbox table, so they are short and never carry the
//! secret, the request body or the URL (which may hold a token); at most a 200-character excerpt
//! of the receiver's answer is kept. Logs carry the message id, status and latency only.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use hmac::{Hmac, Mac};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Response, StatusCode, Url};
use sha2::Sha256;

/// Name of the URL setting, used in configuration errors.
pub const URL_SETTING: &str = "GRIDASSIST_WEBHOOK_URL";
/// Name of the secret setting, used in configuration errors.
pub const SECRET_SETTING: &str = "GRIDASSIST_WEBHOOK_SECRET";
/// Name of the setting that lifts the SSRF guard, named in refusals.
pub const ALLOW_PRIVATE_SETTING: &str = "GRIDASSIST_WEBHOOK_ALLOW_PRIVATE";

/// Prefix of secrets in Standard Webhooks form.
const SECRET_PREFIX: &str = "whsec_";
/// Shortest accepted secret, in decoded bytes (the spec recommends 24 to 64).
const MIN_SECRET_BYTES: usize = 16;
/// Delay before the first retry.
const BACKOFF_FIRST: Duration = Duration::from_secs(5);
/// Longest delay between two attempts.
const BACKOFF_CAP: Duration = Duration::from_secs(60 * 60);
/// Most characters of the receiver's answer kept in an error string.
const EXCERPT_CHARS: usize = 200;
/// Most bytes of the receiver's answer read when it is not a success.
const MAX_ERROR_BODY_BYTES: usize = 4 * 1024;
/// Sent as `user-agent`.
const USER_AGENT: &str = concat!("gridassist/", env!("CARGO_PKG_VERSION"));

type HmacSha256 = Hmac<Sha256>;

/// A webhook setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `GRIDASSIST_WEBHOOK_URL` is not a usable URL.
    #[error("{URL_SETTING}: {0}")]
    Url(String),
    /// `GRIDASSIST_WEBHOOK_SECRET` is not a usable secret. The message never contains the secret.
    #[error("{SECRET_SETTING}: {0}")]
    Secret(String),
    /// The delivery timeout is zero.
    #[error("webhook timeout must be greater than zero")]
    Timeout,
    /// The attempt limit is zero.
    #[error("webhook max attempts must be at least 1")]
    MaxAttempts,
}

/// Where and how notifications are delivered.
#[derive(Clone)]
pub struct WebhookConfig {
    /// The receiver; `http` or `https`, without user info.
    pub url: Url,
    /// The decoded HMAC key.
    pub secret: Vec<u8>,
    /// Lift the SSRF guard: allow private, loopback and other local addresses.
    pub allow_private: bool,
    /// Limit for connecting, and for one whole attempt (resolve, connect, send, read the answer).
    pub timeout: Duration,
    /// Attempts before the job dead-letters a message; read by the job, not by this module.
    pub max_attempts: u32,
}

impl WebhookConfig {
    /// Checks the settings. `url` must be `http` or `https` with a host and no user info;
    /// `secret` is `whsec_<base64>` (Standard Webhooks form) or the bare base64, decoding to at
    /// least 16 bytes; `timeout` and `max_attempts` must be non-zero.
    pub fn new(
        url: &str,
        secret: &str,
        allow_private: bool,
        timeout: Duration,
        max_attempts: u32,
    ) -> Result<Self, ConfigError> {
        let url = parse_url(url)?;
        let secret = parse_secret(secret)?;
        if timeout.is_zero() {
            return Err(ConfigError::Timeout);
        }
        if max_attempts == 0 {
            return Err(ConfigError::MaxAttempts);
        }
        Ok(WebhookConfig {
            url,
            secret,
            allow_private,
            timeout,
            max_attempts,
        })
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("scheme", &self.url.scheme())
            .field("host", &self.url.host_str())
            .field("secret", &"<redacted>")
            .field("allow_private", &self.allow_private)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

fn parse_url(raw: &str) -> Result<Url, ConfigError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ConfigError::Url("is empty".into()));
    }
    // The parser's message never echoes the input.
    let url = Url::parse(raw).map_err(|e| ConfigError::Url(format!("is not a valid URL ({e})")))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(ConfigError::Url(format!(
                "scheme must be http or https, not {:?}",
                excerpt(other, 20)
            )));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::Url(
            "must not contain user info (user:password@); authenticate with the signature".into(),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError::Url("has no host".into()));
    }
    Ok(url)
}

fn parse_secret(raw: &str) -> Result<Vec<u8>, ConfigError> {
    let raw = raw.trim();
    let encoded = raw.strip_prefix(SECRET_PREFIX).unwrap_or(raw);
    if encoded.is_empty() {
        return Err(ConfigError::Secret("is empty".into()));
    }
    // Standard alphabet; padding optional, since secrets are often copied without it.
    let engine = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let secret = engine
        .decode(encoded)
        .map_err(|_| ConfigError::Secret("is not valid base64 (expected whsec_<base64>)".into()))?;
    if secret.len() < MIN_SECRET_BYTES {
        return Err(ConfigError::Secret(format!(
            "is too short: {} bytes decoded, at least {MIN_SECRET_BYTES} required",
            secret.len()
        )));
    }
    Ok(secret)
}

fn mac(secret: &[u8], msg_id: &str, timestamp: i64, body: &str) -> HmacSha256 {
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
    };
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac
}

/// Standard Webhooks signature: `"v1,"` + base64(HMAC-SHA256(secret, `"{msg_id}.{timestamp}.{body}"`)).
pub fn sign(secret: &[u8], msg_id: &str, timestamp: i64, body: &str) -> String {
    let tag = mac(secret, msg_id, timestamp, body).finalize().into_bytes();
    format!("v1,{}", STANDARD.encode(tag))
}

/// Checks a Standard Webhooks signature, as a receiver would.
///
/// `signature_header` may hold several space-separated signatures (`v1,<base64>`; other versions
/// are ignored); one valid `v1` signature is enough. Signatures are compared in constant time.
/// The timestamp must be unix seconds no more than `tolerance_secs` away from `now`, either way.
pub fn verify(
    secret: &[u8],
    msg_id: &str,
    timestamp_header: &str,
    signature_header: &str,
    body: &str,
    now: i64,
    tolerance_secs: i64,
) -> bool {
    let Ok(timestamp) = timestamp_header.trim().parse::<i64>() else {
        return false;
    };
    if now.abs_diff(timestamp) > tolerance_secs.max(0).unsigned_abs() {
        return false;
    }
    let expected = mac(secret, msg_id, timestamp, body);
    signature_header.split_ascii_whitespace().any(|candidate| {
        let Some(("v1", encoded)) = candidate.split_once(',') else {
            return false;
        };
        match STANDARD.decode(encoded) {
            // `verify_slice` compares in constant time.
            Ok(tag) => expected.clone().verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    })
}

/// Delay before retry number `attempt` (1 = after the first failure).
///
/// The base doubles from 5 s (5 s, 10 s, 20 s, ...) up to a cap of 1 h; the delay is drawn
/// uniformly from `[base / 2, base]` so that messages failing together do not retry together.
/// `attempt` 0 is treated as 1.
pub fn backoff(attempt: u32, rng: &mut impl rand::Rng) -> Duration {
    let doublings = attempt.saturating_sub(1).min(20);
    let base = BACKOFF_FIRST.saturating_mul(1 << doublings).min(BACKOFF_CAP);
    let base_ms = u64::try_from(base.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rng.gen_range(base_ms / 2..=base_ms))
}

/// Whether the webhook may be called at `ip`.
///
/// Unless `allow_private`, refuses every address that is not public unicast: loopback, private
/// (10/8, 172.16/12, 192.168/16), link-local (169.254/16 with the cloud metadata address,
/// fe80::/10), unspecified and "this network" (0/8), broadcast and reserved (240/4), multicast,
/// CGNAT (100.64/10), documentation and benchmarking ranges, IPv6 unique-local (fc00::/7) and
/// anything else outside global unicast (2000::/3). IPv6 forms that embed an IPv4 address
/// (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are
/// judged by that IPv4 address; Teredo (2001::/32) is refused.
pub fn address_allowed(ip: IpAddr, allow_private: bool) -> bool {
    allow_private
        || match ip {
            IpAddr::V4(v4) => ipv4_public(v4),
            IpAddr::V6(v6) => ipv6_public(v6),
        }
}

fn ipv4_public(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0 // "this network", incl. unspecified
        || a == 10 // private
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
    !refused
}

fn ipv6_public(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d (which also covers :: and ::1,
    // judged as 0.0.0.0 and 0.0.0.1).
    if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) {
        return ipv4_public(embedded(s[6], s[7]));
    }
    // NAT64 well-known prefix 64:ff9b::/96.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return ipv4_public(embedded(s[6], s[7]));
    }
    // 6to4 2002:a.b.c.d::/48.
    if s[0] == 0x2002 {
        return ipv4_public(embedded(s[1], s[2]));
    }
    let global_unicast = s[0] & 0xe000 == 0x2000; // 2000::/3; excludes fc00::/7, fe80::/10, ff00::/8
    let refused = match s[0] {
        0x2001 => s[1] == 0 || s[1] == 0x0db8, // Teredo 2001::/32, documentation 2001:db8::/32
        0x3fff => s[1] & 0xf000 == 0,          // documentation 3fff::/20
        _ => false,
    };
    global_unicast && !refused
}

/// Why a webhook target cannot be called (now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// The URL lacks what a call needs.
    Invalid(&'static str),
    /// The host did not resolve (in time); it may later.
    Unresolved(String),
    /// The guard refuses an address the target is, or resolves to.
    Refused {
        /// The host name, when the URL holds a name rather than an address.
        host: Option<String>,
        /// The first refused address.
        ip: IpAddr,
    },
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::Invalid(what) => write!(f, "invalid webhook URL: {what}"),
            TargetError::Unresolved(why) => f.write_str(why),
            TargetError::Refused { host, ip } => {
                match host {
                    Some(host) => write!(f, "target {} resolves to {ip}, which", excerpt(host, 100))?,
                    None => write!(f, "target address {ip}")?,
                }
                write!(
                    f,
                    " is private or local; set {ALLOW_PRIVATE_SETTING}=true to allow"
                )
            }
        }
    }
}

/// The guard itself: the addresses a call to `url` may use, and the host name to pin them to
/// (None for an IP literal). The host is resolved (within `timeout`) and refused if *any* of its
/// addresses is not allowed by [`address_allowed`] — one bad answer is enough for a rebinding
/// attack. Used before every delivery, and when a partner registers a webhook so that a refusal
/// comes at once rather than as dead messages.
pub async fn checked_addresses(
    url: &Url,
    allow_private: bool,
    timeout: Duration,
) -> Result<(Option<&str>, Vec<SocketAddr>), TargetError> {
    let port = url
        .port_or_known_default()
        .ok_or(TargetError::Invalid("no port"))?;
    let host = url.host_str().ok_or(TargetError::Invalid("no host"))?;
    // IP literals (IPv6 ones come bracketed) need no lookup and are never re-resolved.
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let (domain, mut addrs) = match literal.parse::<IpAddr>() {
        Ok(ip) => (None, vec![SocketAddr::new(ip, port)]),
        Err(_) => match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
            Err(_) => {
                return Err(TargetError::Unresolved(format!(
                    "timed out after {} resolving {}",
                    human(timeout),
                    excerpt(host, 100)
                )));
            }
            Ok(Err(e)) => {
                return Err(TargetError::Unresolved(format!(
                    "could not resolve {}: {}",
                    excerpt(host, 100),
                    excerpt(&e.to_string(), 100)
                )));
            }
            Ok(Ok(found)) => (Some(host), found.collect::<Vec<_>>()),
        },
    };
    addrs.sort_unstable();
    addrs.dedup();
    if addrs.is_empty() {
        return Err(TargetError::Unresolved(format!(
            "{} resolved to no addresses",
            excerpt(domain.unwrap_or_default(), 100)
        )));
    }
    if let Some(bad) = addrs.iter().find(|a| !address_allowed(a.ip(), allow_private)) {
        return Err(TargetError::Refused {
            host: domain.map(str::to_owned),
            ip: bad.ip(),
        });
    }
    Ok((domain, addrs))
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered {
        /// The HTTP status.
        status: u16,
    },
    /// Worth retrying: connect error, timeout, 5xx, 408, 429, other non-2xx.
    Retry {
        /// Short, storable description.
        error: String,
    },
    /// Never going to work: target refused by the SSRF guard, 410 Gone, invalid URL. The job
    /// dead-letters it at once.
    Permanent {
        /// Short, storable description.
        error: String,
    },
}

impl Attempt {
    /// The error description, unless delivered.
    pub fn error(&self) -> Option<&str> {
        match self {
            Attempt::Delivered { .. } => None,
            Attempt::Retry { error } | Attempt::Permanent { error } => Some(error),
        }
    }

    fn retry(error: impl Into<String>) -> Self {
        Attempt::Retry { error: error.into() }
    }

    fn permanent(error: impl Into<String>) -> Self {
        Attempt::Permanent { error: error.into() }
    }
}

/// A client pinned to the addresses that passed the SSRF guard, kept while DNS answers the same
/// so that connections are reused between deliveries.
struct PinnedClient {
    addrs: Vec<SocketAddr>,
    client: Client,
}

/// Delivers messages to the configured webhook, one attempt per call.
pub struct Deliverer {
    config: WebhookConfig,
    pinned: Mutex<Option<PinnedClient>>,
}

impl fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliverer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    /// A deliverer for `config`. HTTP clients are built on first use.
    pub fn new(config: WebhookConfig) -> Self {
        Deliverer {
            config,
            pinned: Mutex::new(None),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &WebhookConfig {
        &self.config
    }

    /// One attempt to deliver `body` (JSON) as message `msg_id`, signed with `timestamp` (unix
    /// seconds, normally now). Retries must reuse the same `msg_id` so receivers can deduplicate.
    ///
    /// Resolves the host, refuses if any resolved address is not allowed by [`address_allowed`],
    /// then POSTs to exactly those addresses without following redirects. The whole attempt
    /// (resolving included) is limited by the configured timeout.
    pub async fn deliver(&self, msg_id: &str, timestamp: i64, body: &str) -> Attempt {
        let started = Instant::now();
        let outcome = self.attempt(msg_id, timestamp, body, started).await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &outcome {
            Attempt::Delivered { status } => {
                tracing::debug!(msg_id, status, elapsed_ms, "webhook delivered");
            }
            Attempt::Retry { error } => {
                tracing::info!(msg_id, error = %error, elapsed_ms, "webhook attempt failed, will retry");
            }
            Attempt::Permanent { error } => {
                tracing::warn!(msg_id, error = %error, elapsed_ms, "webhook delivery refused permanently");
            }
        }
        outcome
    }

    async fn attempt(&self, msg_id: &str, timestamp: i64, body: &str, started: Instant) -> Attempt {
        let timeout = self.config.timeout;
        let url = &self.config.url;
        if msg_id.is_empty() || HeaderValue::from_str(msg_id).is_err() {
            return Attempt::permanent("message id is empty or not a valid header value");
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Attempt::permanent("invalid webhook URL: scheme must be http or https");
        }
        let (domain, addrs) = match checked_addresses(url, self.config.allow_private, timeout).await {
            Ok(target) => target,
            Err(e @ TargetError::Unresolved(_)) => return Attempt::retry(e.to_string()),
            Err(e) => return Attempt::permanent(e.to_string()),
        };

        let client = match self.client_for(domain, &addrs) {
            Ok(client) => client,
            Err(e) => return Attempt::retry(format!("could not set up HTTP client: {}", error_detail(&e))),
        };
        let remaining = timeout.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            return Attempt::retry(format!("timed out after {}", human(timeout)));
        }
        let request = client
            .post(url.clone())
            .timeout(remaining)
            .header(CONTENT_TYPE, "application/json")
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                sign(&self.config.secret, msg_id, timestamp, body),
            )
            .body(body.to_owned());
        match request.send().await {
            Ok(response) => classify(response).await,
            Err(e) => Attempt::retry(describe_send_error(e, timeout)),
        }
    }

    /// The cached client if it is pinned to `addrs`, else a new one (which replaces it).
    fn client_for(&self, domain: Option<&str>, addrs: &[SocketAddr]) -> reqwest::Result<Client> {
        let mut pinned = self.pinned.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = pinned.as_ref().filter(|p| p.addrs == addrs) {
            return Ok(p.client.clone());
        }
        let mut builder = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(self.config.timeout)
            .timeout(self.config.timeout)
            .user_agent(USER_AGENT)
            // Anything not pinned below fails to resolve: there is no second DNS lookup to rebind.
            .dns_resolver(Arc::new(NoDns));
        if let Some(domain) = domain {
            builder = builder.resolve_to_addrs(domain, addrs);
        }
        let client = builder.build()?;
        *pinned = Some(PinnedClient {
            addrs: addrs.to_vec(),
            client: client.clone(),
        });
        Ok(client)
    }
}

/// A resolver that resolves nothing; the pinned addresses are the only answers.
struct NoDns;

impl reqwest::dns::Resolve for NoDns {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(std::future::ready(Err(
            Box::new(io::Error::other("host is not pinned to a checked address"))
                as Box<dyn StdError + Send + Sync>,
        )))
    }
}

async fn classify(mut response: Response) -> Attempt {
    let status = response.status();
    if status.is_success() {
        return Attempt::Delivered {
            status: status.as_u16(),
        };
    }
    let mut error = format!("receiver answered {}", status.as_u16());
    if let Some(reason) = status.canonical_reason() {
        error.push(' ');
        error.push_str(reason);
    }
    if status.is_redirection() {
        error.push_str(" (redirects are not followed)");
    }
    let answer = read_prefix(&mut response, MAX_ERROR_BODY_BYTES).await;
    let answer = excerpt(&String::from_utf8_lossy(&answer), EXCERPT_CHARS);
    if !answer.is_empty() {
        error.push_str(": ");
        error.push_str(&answer);
    }
    if status == StatusCode::GONE {
        Attempt::Permanent { error }
    } else {
        Attempt::Retry { error }
    }
}

/// Up to `limit` bytes of the answer; a failure while reading just ends it.
async fn read_prefix(response: &mut Response, limit: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    while buf.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    buf.truncate(limit);
    buf
}

fn describe_send_error(error: reqwest::Error, timeout: Duration) -> String {
    // The URL may carry a token; never let it into the message.
    let error = error.without_url();
    if error.is_timeout() {
        return format!("timed out after {}", human(timeout));
    }
    let io_kind = sources(&error)
        .find_map(|s| s.downcast_ref::<io::Error>())
        .map(io::Error::kind);
    match io_kind {
        Some(io::ErrorKind::ConnectionRefused) => "connection refused".into(),
        Some(io::ErrorKind::ConnectionReset) => "connection reset by receiver".into(),
        _ if error.is_connect() => format!("could not connect: {}", error_detail(&error)),
        _ => format!("request failed: {}", error_detail(&error)),
    }
}

fn sources<'a>(error: &'a (dyn StdError + 'static)) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(error.source(), |&e| e.source())
}

/// The innermost cause, which is the most specific ("invalid peer certificate: ...").
fn error_detail(error: &(dyn StdError + 'static)) -> String {
    let detail = sources(error)
        .last()
        .map_or_else(|| error.to_string(), |e| e.to_string());
    excerpt(&detail, EXCERPT_CHARS)
}

/// At most `max_chars` characters of `text`, on one line, without control characters.
fn excerpt(text: &str, max_chars: usize) -> String {
    let clean: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max_chars {
        return clean;
    }
    let mut cut: String = clean.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// "10s" or "300ms".
fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::mpsc;

    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1614265330;
    const SPEC_BODY: &str = r#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn spec_secret() -> Vec<u8> {
        parse_secret(SPEC_SECRET).unwrap()
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    // ---- signing ----

    #[test]
    fn sign_matches_the_standard_webhooks_test_vector() {
        assert_eq!(
            sign(&spec_secret(), SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn verify_accepts_the_test_vector_and_rejects_tampering() {
        let secret = spec_secret();
        let ts = SPEC_TIMESTAMP.to_string();
        let check = |secret: &[u8], id: &str, ts: &str, sig: &str, body: &str, now: i64| {
            verify(secret, id, ts, sig, body, now, 300)
        };
        assert!(check(
            &secret,
            SPEC_MSG_ID,
            &ts,
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP
        ));
        assert!(check(
            &secret,
            SPEC_MSG_ID,
            " 1614265330 ",
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP
        ));
        // Within tolerance either way.
        assert!(check(
            &secret,
            SPEC_MSG_ID,
            &ts,
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP + 300
        ));
        assert!(check(
            &secret,
            SPEC_MSG_ID,
            &ts,
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP - 300
        ));

        let other_secret = parse_secret("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert!(!check(
            &other_secret,
            SPEC_MSG_ID,
            &ts,
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP
        ));
        assert!(!check(
            &secret,
            SPEC_MSG_ID,
            &ts,
            SPEC_SIGNATURE,
            r#"{"test": 2432232315}"#,
            SPEC_TIMESTAMP
        ));
        assert!(!check(
            &secret,
            "msg_other",
            &ts,
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP
        ));
        // Old, future, or altered timestamps.
        assert!(!check(
            &secret,
            SPEC_MSG_ID,
            &ts,
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP + 301
        ));
        assert!(!check(
            &secret,
            SPEC_MSG_ID,
            &ts,
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP - 301
        ));
        assert!(!check(
            &secret,
            SPEC_MSG_ID,
            "1614265331",
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP
        ));
        assert!(!check(
            &secret,
            SPEC_MSG_ID,
            "yesterday",
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP
        ));
        assert!(!check(
            &secret,
            SPEC_MSG_ID,
            "",
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP
        ));
        // Malformed signature headers.
        for sig in [
            "",
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v1,",
            "v1,not base64!",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
            "v1,g0hM9SsE",
        ] {
            assert!(
                !check(&secret, SPEC_MSG_ID, &ts, sig, SPEC_BODY, SPEC_TIMESTAMP),
                "{sig:?}"
            );
        }
    }

    #[test]
    fn verify_accepts_any_one_of_several_signatures() {
        let secret = spec_secret();
        let ts = SPEC_TIMESTAMP.to_string();
        let rotated = sign(
            b"the previous secret, still valid",
            SPEC_MSG_ID,
            SPEC_TIMESTAMP,
            SPEC_BODY,
        );
        for header in [
            format!("{rotated} {SPEC_SIGNATURE}"),
            format!("{SPEC_SIGNATURE} {rotated}"),
            format!("v1a,abc  v2,xyz {SPEC_SIGNATURE}"),
        ] {
            assert!(
                verify(&secret, SPEC_MSG_ID, &ts, &header, SPEC_BODY, SPEC_TIMESTAMP, 300),
                "{header}"
            );
        }
        let wrong = format!("{rotated} v1,AAAA v2,{}", &SPEC_SIGNATURE[3..]);
        assert!(!verify(
            &secret,
            SPEC_MSG_ID,
            &ts,
            &wrong,
            SPEC_BODY,
            SPEC_TIMESTAMP,
            300
        ));
    }

    #[test]
    fn sign_and_verify_round_trip() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let body = r#"{"kind":"task_assigned","task":"7d4c"}"#;
        let sig = sign(secret, "ntf_1", 1_700_000_000, body);
        assert!(sig.starts_with("v1,"));
        assert!(verify(
            secret,
            "ntf_1",
            "1700000000",
            &sig,
            body,
            1_700_000_010,
            60
        ));
        assert!(!verify(
            secret,
            "ntf_1",
            "1700000000",
            &sig,
            body,
            1_700_000_010,
            5
        ));
        assert!(!verify(
            secret,
            "ntf_1",
            "1700000000",
            &sig,
            body,
            1_700_000_010,
            -1
        ));
    }

    // ---- backoff ----

    #[test]
    fn backoff_doubles_from_five_seconds_with_jitter_and_a_cap() {
        let mut rng = StdRng::seed_from_u64(7);
        let cases: &[(u32, u64)] = &[
            (0, 5),
            (1, 5),
            (2, 10),
            (3, 20),
            (4, 40),
            (8, 640),
            (10, 2560),
            (11, 3600),
            (12, 3600),
            (40, 3600),
            (u32::MAX, 3600),
        ];
        for &(attempt, base_secs) in cases {
            let base = Duration::from_secs(base_secs);
            for _ in 0..200 {
                let d = backoff(attempt, &mut rng);
                assert!(
                    d >= base / 2 && d <= base,
                    "attempt {attempt}: {d:?} outside [{:?}, {base:?}]",
                    base / 2
                );
            }
        }
    }

    #[test]
    fn backoff_is_deterministic_for_a_seed_and_jittered() {
        let a: Vec<_> = (1..10)
            .map(|n| backoff(n, &mut StdRng::seed_from_u64(42)))
            .collect();
        let b: Vec<_> = (1..10)
            .map(|n| backoff(n, &mut StdRng::seed_from_u64(42)))
            .collect();
        assert_eq!(a, b);
        let mut rng = StdRng::seed_from_u64(1);
        let draws: std::collections::HashSet<_> = (0..50).map(|_| backoff(3, &mut rng)).collect();
        assert!(draws.len() > 10, "no jitter: {draws:?}");
    }

    // ---- SSRF guard ----

    #[test]
    fn address_allowed_refuses_private_and_local_addresses() {
        let refused = [
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.10",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "198.19.255.255",
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "ff02::1",
            "ff0e::1",
            "2001:db8::1",
            "3fff::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "100::1",
            "64:ff9b:1::1",
            // IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms of refused IPv4 addresses.
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::ffff:192.168.0.1",
            "::ffff:100.64.0.1",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "::10.0.0.1",
            "::169.254.169.254",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
        ];
        for ip in refused {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!address_allowed(ip, false), "{ip} should be refused");
            assert!(
                address_allowed(ip, true),
                "{ip} should be allowed with allow_private"
            );
        }
    }

    #[test]
    fn address_allowed_accepts_public_addresses() {
        let allowed = [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.167.1.1",
            "169.253.1.1",
            "223.255.255.254",
            "114.114.114.114",
            "2606:4700:4700::1111",
            "2400:3200::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ];
        for ip in allowed {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(address_allowed(ip, false), "{ip} should be allowed");
            assert!(address_allowed(ip, true), "{ip} should be allowed");
        }
    }

    // ---- configuration ----

    fn config(url: &str, secret: &str) -> Result<WebhookConfig, ConfigError> {
        WebhookConfig::new(url, secret, false, Duration::from_secs(10), 8)
    }

    #[test]
    fn config_accepts_standard_and_bare_secrets() {
        let c = config("https://gateway.example.com/hooks/notify", SPEC_SECRET).unwrap();
        assert_eq!(c.url.as_str(), "https://gateway.example.com/hooks/notify");
        assert_eq!(c.secret, spec_secret());
        assert_eq!(c.secret.len(), 24);
        assert_eq!(
            (c.allow_private, c.timeout, c.max_attempts),
            (false, Duration::from_secs(10), 8)
        );
        let bare = config("http://10.0.0.5:8080/", " MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n").unwrap();
        assert_eq!(bare.secret, c.secret);
        // Unpadded base64 is accepted too.
        let unpadded = config("https://x.example/", "whsec_MDEyMzQ1Njc4OWFiY2RlZg").unwrap();
        assert_eq!(unpadded.secret, b"0123456789abcdef");
    }

    #[test]
    fn config_rejects_bad_urls_naming_the_setting() {
        for (url, needle) in [
            ("", "empty"),
            ("   ", "empty"),
            ("not a url", "not a valid URL"),
            ("ftp://example.com/", "scheme must be http or https"),
            ("file:///etc/passwd", "scheme must be http or https"),
            ("https://user:pw@example.com/", "user info"),
            ("https://user@example.com/", "user info"),
            ("http://", "not a valid URL"),
        ] {
            let err = config(url, SPEC_SECRET).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, ConfigError::Url(_)), "{url:?}: {err:?}");
            assert!(msg.starts_with("GRIDASSIST_WEBHOOK_URL: "), "{msg}");
            assert!(msg.contains(needle), "{url:?}: {msg}");
            assert!(!msg.contains("pw"), "{msg}");
        }
    }

    #[test]
    fn config_rejects_bad_secrets_without_echoing_them() {
        for (secret, needle) in [
            ("", "empty"),
            ("whsec_", "empty"),
            ("  ", "empty"),
            ("whsec_not*base64*at*all", "not valid base64"),
            ("whsec_c2hvcnQ=", "too short: 5 bytes"),
            ("MDEyMzQ1Njc4OWFiY2Rl", "too short: 15 bytes"),
        ] {
            let err = config("https://example.com/", secret).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, ConfigError::Secret(_)), "{secret:?}: {err:?}");
            assert!(msg.starts_with("GRIDASSIST_WEBHOOK_SECRET: "), "{msg}");
            assert!(msg.contains(needle), "{secret:?}: {msg}");
            let encoded = secret.trim().trim_start_matches("whsec_");
            assert!(encoded.is_empty() || !msg.contains(encoded), "{msg}");
        }
    }

    #[test]
    fn config_rejects_zero_timeout_and_attempts() {
        let zero_timeout = WebhookConfig::new("https://e.com/", SPEC_SECRET, false, Duration::ZERO, 3);
        assert_eq!(zero_timeout.unwrap_err(), ConfigError::Timeout);
        let zero_attempts =
            WebhookConfig::new("https://e.com/", SPEC_SECRET, false, Duration::from_secs(1), 0);
        assert_eq!(zero_attempts.unwrap_err(), ConfigError::MaxAttempts);
    }

    #[test]
    fn config_debug_hides_the_secret() {
        let c = config("https://gateway.example.com/hook?token=abc", SPEC_SECRET).unwrap();
        let shown = format!("{c:?} {:?}", Deliverer::new(c.clone()));
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(!shown.contains("MfKQ9r8G"), "{shown}");
        assert!(!shown.contains(&format!("{:?}", &c.secret[..4])), "{shown}");
        assert!(!shown.contains("token=abc"), "{shown}");
    }

    // ---- helpers ----

    #[test]
    fn excerpt_and_human_durations() {
        assert_eq!(excerpt("  a\r\nb\tc ", 10), "a  b c");
        assert_eq!(excerpt(&"x".repeat(300), 200).chars().count(), 200);
        assert!(excerpt(&"é".repeat(300), 200).ends_with('…'));
        assert_eq!(human(Duration::from_secs(10)), "10s");
        assert_eq!(human(Duration::from_millis(300)), "300ms");
        assert_eq!(human(Duration::from_millis(1500)), "1500ms");
    }

    // ---- delivery against a real local server ----

    /// What the test receiver saw.
    #[derive(Debug)]
    struct Received {
        request_line: String,
        headers: Vec<(String, String)>,
        body: String,
    }

    impl Received {
        fn header(&self, name: &str) -> &str {
            self.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        }
    }

    /// A one-answer-fits-all HTTP/1.1 receiver on 127.0.0.1.
    async fn receiver(
        status_line: &'static str,
        answer: &'static str,
    ) -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Some(received) = read_request(stream, status_line, answer).await {
                        let _ = tx.send(received);
                    }
                });
            }
        });
        (addr, rx)
    }

    async fn read_request(mut stream: TcpStream, status_line: &str, answer: &str) -> Option<Received> {
        let mut buf = Vec::new();
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
        let mut lines = head.split("\r\n");
        let request_line = lines.next()?.to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = buf[head_end + 4..].to_vec();
        while body.len() < length {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        let response = format!(
            "HTTP/1.1 {status_line}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
        stream.write_all(response.as_bytes()).await.ok()?;
        let _ = stream.shutdown().await;
        Some(Received {
            request_line,
            headers,
            body: String::from_utf8(body).ok()?,
        })
    }

    fn deliverer(url: &str, allow_private: bool, timeout: Duration) -> Deliverer {
        Deliverer::new(WebhookConfig::new(url, SPEC_SECRET, allow_private, timeout, 5).unwrap())
    }

    const BODY: &str = r#"{"type":"task.assigned","task_id":"42"}"#;

    #[tokio::test]
    async fn delivered_on_200_with_verifiable_standard_webhooks_headers() {
        let (addr, mut seen) = receiver("200 OK", "ok").await;
        let d = deliverer(
            &format!("http://{addr}/hooks/notify?x=1"),
            true,
            Duration::from_secs(5),
        );
        let ts = now();
        assert_eq!(
            d.deliver("ntf_01", ts, BODY).await,
            Attempt::Delivered { status: 200 }
        );

        let got = seen.recv().await.unwrap();
        assert_eq!(got.request_line, "POST /hooks/notify?x=1 HTTP/1.1");
        assert_eq!(got.body, BODY);
        assert_eq!(got.header("content-type"), "application/json");
        assert_eq!(got.header("webhook-id"), "ntf_01");
        assert_eq!(got.header("webhook-timestamp"), ts.to_string());
        assert_eq!(
            got.header("user-agent"),
            format!("gridassist/{}", env!("CARGO_PKG_VERSION"))
        );
        assert!(verify(
            &spec_secret(),
            got.header("webhook-id"),
            got.header("webhook-timestamp"),
            got.header("webhook-signature"),
            &got.body,
            now(),
            300
        ));
        // A second delivery reuses the pinned client and is signed afresh.
        assert_eq!(
            d.deliver("ntf_02", ts + 1, BODY).await,
            Attempt::Delivered { status: 200 }
        );
        let got = seen.recv().await.unwrap();
        assert_eq!(
            got.header("webhook-signature"),
            sign(&spec_secret(), "ntf_02", ts + 1, BODY)
        );
    }

    #[tokio::test]
    async fn delivered_through_a_hostname() {
        // With allow_private, `localhost` goes through lookup_host and the pinned resolver.
        let (addr, mut seen) = receiver("202 Accepted", "").await;
        let d = deliverer(
            &format!("http://localhost:{}/h", addr.port()),
            true,
            Duration::from_secs(5),
        );
        match d.deliver("ntf_host", now(), BODY).await {
            Attempt::Delivered { status } => assert_eq!(status, 202),
            // localhost may resolve to ::1 first where nothing listens; both are pinned, so
            // reqwest tries the next. Anything else is a failure.
            other => panic!("{other:?}"),
        }
        assert_eq!(
            seen.recv().await.unwrap().header("host"),
            format!("localhost:{}", addr.port())
        );
    }

    #[tokio::test]
    async fn retry_on_503_with_a_short_excerpt() {
        let (addr, mut seen) = receiver("503 Service Unavailable", "gateway overloaded\r\ntry later").await;
        let d = deliverer(&format!("http://{addr}/"), true, Duration::from_secs(5));
        let outcome = d.deliver("ntf_03", now(), BODY).await;
        assert_eq!(
            outcome,
            Attempt::Retry {
                error: "receiver answered 503 Service Unavailable: gateway overloaded  try later".into()
            }
        );
        assert!(seen.recv().await.is_some());
    }

    #[tokio::test]
    async fn retry_on_429_and_400_but_permanent_on_410() {
        for (status, permanent) in [
            ("429 Too Many Requests", false),
            ("400 Bad Request", false),
            ("410 Gone", true),
        ] {
            let (addr, _seen) = receiver(status, "").await;
            let d = deliverer(&format!("http://{addr}/"), true, Duration::from_secs(5));
            let outcome = d.deliver("ntf_04", now(), BODY).await;
            let expected = format!("receiver answered {status}");
            if permanent {
                assert_eq!(outcome, Attempt::Permanent { error: expected });
            } else {
                assert_eq!(outcome, Attempt::Retry { error: expected });
            }
        }
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let (addr, mut seen) = receiver("302 Found\r\nlocation: http://169.254.169.254/latest", "").await;
        let d = deliverer(&format!("http://{addr}/"), true, Duration::from_secs(5));
        let outcome = d.deliver("ntf_05", now(), BODY).await;
        assert_eq!(
            outcome,
            Attempt::Retry {
                error: "receiver answered 302 Found (redirects are not followed)".into()
            }
        );
        assert!(seen.recv().await.is_some());
    }

    #[tokio::test]
    async fn long_answers_are_cut_to_an_excerpt() {
        static LONG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| "e".repeat(10_000));
        let (addr, _seen) = receiver("500 Internal Server Error", LONG.as_str()).await;
        let d = deliverer(&format!("http://{addr}/"), true, Duration::from_secs(5));
        let error = d.deliver("ntf_06", now(), BODY).await.error().unwrap().to_owned();
        assert!(
            error.starts_with("receiver answered 500 Internal Server Error: eee"),
            "{error}"
        );
        assert!(error.chars().count() <= 60 + EXCERPT_CHARS, "{error}");
    }

    #[tokio::test]
    async fn retry_with_timeout_when_the_receiver_never_answers() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        let d = deliverer(&format!("http://{addr}/"), true, Duration::from_millis(300));
        let started = Instant::now();
        let outcome = d.deliver("ntf_07", now(), BODY).await;
        assert_eq!(
            outcome,
            Attempt::Retry {
                error: "timed out after 300ms".into()
            }
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn retry_when_the_connection_is_refused() {
        let addr = {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap()
        };
        let d = deliverer(&format!("http://{addr}/"), true, Duration::from_secs(2));
        assert_eq!(
            d.deliver("ntf_08", now(), BODY).await,
            Attempt::Retry {
                error: "connection refused".into()
            }
        );
    }

    #[tokio::test]
    async fn loopback_ip_is_refused_without_connecting() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let d = deliverer(&format!("http://{addr}/"), false, Duration::from_secs(2));
        let outcome = d.deliver("ntf_09", now(), BODY).await;
        assert_eq!(
            outcome,
            Attempt::Permanent {
                error: "target address 127.0.0.1 is private or local; \
                        set GRIDASSIST_WEBHOOK_ALLOW_PRIVATE=true to allow"
                    .into()
            }
        );
        // A connection would be waiting in the backlog.
        let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(accepted.is_err(), "a connection was made");
    }

    #[tokio::test]
    async fn localhost_and_other_local_targets_are_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        for url in [
            format!("http://localhost:{port}/"),
            format!("http://[::1]:{port}/"),
            format!("http://[::ffff:127.0.0.1]:{port}/"),
            format!("http://0x7f.1:{port}/"),
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "https://192.168.1.10/hook".to_owned(),
        ] {
            let d = deliverer(&url, false, Duration::from_secs(2));
            match d.deliver("ntf_10", now(), BODY).await {
                Attempt::Permanent { error } => {
                    assert!(error.contains("is private or local"), "{url}: {error}");
                    assert!(error.contains(ALLOW_PRIVATE_SETTING), "{url}: {error}");
                    assert!(!error.contains("http://"), "{url}: {error}");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(accepted.is_err(), "a connection was made");
    }

    #[tokio::test]
    async fn an_invalid_message_id_is_permanent() {
        let d = deliverer("http://127.0.0.1:9/", true, Duration::from_secs(1));
        for id in ["", "bad\nid"] {
            assert!(
                matches!(d.deliver(id, now(), BODY).await, Attempt::Permanent { .. }),
                "{id:?}"
            );
        }
    }

    #[tokio::test]
    async fn unresolvable_hosts_are_retried() {
        let d = deliverer(
            "http://gridassist-webhook-test.invalid/",
            false,
            Duration::from_secs(5),
        );
        match d.deliver("ntf_11", now(), BODY).await {
            Attempt::Retry { error } => {
                assert!(
                    error.starts_with("could not resolve gridassist-webhook-test.invalid")
                        || error.starts_with("timed out after"),
                    "{error}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

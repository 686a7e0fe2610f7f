//! Configuration: sensible defaults so the service runs with nothing set, overridden by
//! environment variables (documented in the README).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;

/// Everything the service needs to start.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: a SQLite file path or a `postgres://` URL.
    /// Default: `<data dir>/gridassist.sqlite3`.
    pub database_url: String,
    /// `GRIDASSIST_BIND`: address:port to listen on. Default `127.0.0.1:8080`.
    pub bind: String,
    /// `GRIDASSIST_DATA_DIR`: the SQLite file, evidence files and the generated signing key.
    /// Default `./data`.
    pub data_dir: PathBuf,
    /// `GRIDASSIST_JWT_SECRET`: base64 of at least 32 random bytes. When unset, a key is
    /// generated on first start and kept in `<data dir>/jwt-secret.key`. Set it on every node
    /// when several serve one database.
    pub jwt_secret: Option<Vec<u8>>,
    /// `GRIDASSIST_AUDIT_KEY`: base64 of at least 32 random bytes, the key of the audit chain's
    /// hashes and checkpoints. When unset, a key is generated on first start and kept in
    /// `<data dir>/audit-chain.key`. Set the same key on every node serving one database, keep it
    /// out of the database's reach, and back it up: without it the trail cannot be verified.
    pub audit_key: Option<Vec<u8>>,
    /// `GRIDASSIST_AUDIT_CHECKPOINT_SECS`: how often a signed checkpoint of the audit chain's
    /// head is written. Default 600.
    pub audit_checkpoint_interval: Duration,
    /// `GRIDASSIST_AUDIT_CHECKPOINT_DIR`: where checkpoints are kept. Default
    /// `<data dir>/audit-checkpoints`.
    pub audit_checkpoint_dir: PathBuf,
    /// `GRIDASSIST_AUDIT_CHECKPOINT_URL`: an outside receiver each checkpoint is also POSTed to
    /// (through the webhook SSRF guard; `GRIDASSIST_WEBHOOK_ALLOW_PRIVATE` admits an on-premises
    /// one). Unset: checkpoints stay in the directory.
    pub audit_checkpoint_url: Option<String>,
    /// `GRIDASSIST_AUDIT_CHECKPOINT_SECRET`: `whsec_<base64>`, signs those POSTs (Standard
    /// Webhooks) so the receiver knows they are ours. Required with the URL; never logged.
    pub audit_checkpoint_secret: Option<String>,
    /// `GRIDASSIST_LOG_FORMAT`: `json` (default) or `text`.
    pub log_json: bool,
    /// Lifetime of an access token.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token.
    pub refresh_token_ttl: Duration,
    /// Largest JSON body for ordinary operations, in bytes.
    pub json_limit: usize,
    /// Largest grid-import body, in bytes (GeoJSON of a whole county is a few MB).
    pub import_limit: usize,
    /// `GRIDASSIST_GRID_REFRESH_SECS`: how often to look for grid changes made outside this
    /// process (another node, the CLI). Default 30.
    pub grid_refresh_interval: Duration,
    /// `GRIDASSIST_DEADLINE_SWEEP_SECS`: how often the deadlines job reminds, marks overdue
    /// and escalates. Default 60.
    pub deadline_sweep_interval: Duration,
    /// `GRIDASSIST_ASSIGN_RADIUS_M`: how far from the target (metres) automatic assignment
    /// looks in the township's other grids when nobody in the target's grid is eligible.
    /// Default 3000.
    pub assign_radius_m: f64,
    /// `GRIDASSIST_MAX_DECLINES`: after this many declines a task goes to the supervisor's
    /// queue instead of the next worker. Default 3.
    pub max_declines: u32,
    /// `GRIDASSIST_CHECKIN_RADIUS_M`: a check-in farther than this from the target is flagged
    /// `far_from_target`. Default 200.
    pub checkin_radius_m: f64,
    /// `GRIDASSIST_CORS_ORIGINS`: web origins (comma-separated, exact, e.g.
    /// `https://console.court.example`) whose pages may call the API from a browser. Unset: none.
    /// There is no wildcard: tokens are personal data's keys.
    pub cors_origins: Vec<String>,
    /// `GRIDASSIST_CLIENT_IP_HEADER`: behind a reverse proxy, the header it puts the client's
    /// address in (`X-Forwarded-For`: the right-most entry is used, the one the proxy added;
    /// `X-Real-IP`). Unset: the TCP peer address. Never set it without such a proxy in front, or
    /// clients could claim any address.
    pub client_ip_header: Option<String>,
    /// `GRIDASSIST_PARTY_ACCESS_GRACE_HOURS`: how long a grid worker still sees the party data
    /// of a task after it closed (approved or cancelled). Default 72; 0 ends access at once.
    pub party_access_grace: chrono::Duration,
    /// `GRIDASSIST_EVIDENCE_DIR`: where evidence files are kept. Default `<data dir>/evidence`.
    pub evidence_dir: PathBuf,
    /// `GRIDASSIST_EVIDENCE_MAX_BYTES`: the largest evidence file. Default 15 MB.
    pub evidence_max_bytes: usize,
    /// `GRIDASSIST_CALENDAR_FILE`: a working-day calendar replacing the built-in one
    /// (same JSON format as `calendar/cn.json`).
    pub calendar_file: Option<PathBuf>,
    /// `GRIDASSIST_GEOCODER_URL`: an Amap-compatible geocoding endpoint for tasks given only an
    /// address. Unset: such tasks wait in the court's queue to be pinned on the map.
    pub geocoder_url: Option<String>,
    /// `GRIDASSIST_GEOCODER_KEY`: the geocoding service's key (never logged).
    pub geocoder_key: Option<String>,
    /// `GRIDASSIST_GEOCODER_CITY`: restricts geocoding to the court's city or county, e.g. 泰兴市.
    pub geocoder_city: Option<String>,
    /// `GRIDASSIST_TILE_URL` (with `GRIDASSIST_TILE_ATTRIBUTION`, `GRIDASSIST_TILE_KEY`,
    /// `GRIDASSIST_TILE_SUBDOMAINS`, `GRIDASSIST_TILE_OVERLAY_URL`): a base layer of streets under
    /// the console's maps. None by default (intranets reach no tile server); see [`TileSource`].
    pub tiles: Option<TileSource>,
    /// `GRIDASSIST_WEBHOOK_URL`: where notifications (assignment, reminder, overdue, rework,
    /// approval) are delivered — the SMS/push gateway. Unset: they wait in the outbox.
    pub webhook_url: Option<String>,
    /// `GRIDASSIST_WEBHOOK_SECRET`: the signing secret, `whsec_<base64>` (never logged).
    /// Required with the URL.
    pub webhook_secret: Option<String>,
    /// `GRIDASSIST_WEBHOOK_ALLOW_PRIVATE`: allow a gateway on a loopback, private or
    /// link-local address (an on-premises gateway). Default false.
    pub webhook_allow_private: bool,
    /// `GRIDASSIST_WEBHOOK_TIMEOUT_SECS`: per-attempt timeout. Default 10.
    pub webhook_timeout: Duration,
    /// `GRIDASSIST_WEBHOOK_MAX_ATTEMPTS`: attempts before a message is dead-lettered. Default 10.
    pub webhook_max_attempts: u32,
    /// `GRIDASSIST_WEBHOOK_POLL_SECS`: how often the delivery job looks for due messages.
    /// Default 5.
    pub webhook_poll_interval: Duration,
    /// `GRIDASSIST_PROGRESS_MAX_FAILURES`, `GRIDASSIST_PROGRESS_MAX_LOOKUPS`,
    /// `GRIDASSIST_PROGRESS_WINDOW_SECS`: per client address, how many failed and how many
    /// look-ups in all the public progress page allows within the window. Default 10, 60, 900.
    pub progress_limits: crate::auth::lookup_throttle::LookupLimits,
    /// `GRIDASSIST_CLIENT_REQUEST_TIMEOUT_SECS`: how long a new connection has to send its first
    /// request head; then 408 and the connection is closed. Default 30.
    pub client_request_timeout: Duration,
    /// `GRIDASSIST_CLIENT_BODY_TIMEOUT_SECS`: how long a request's whole body may take to arrive
    /// after its head; then 408 `request_timeout` and the connection is closed. Default 300
    /// (a 15 MB evidence photo over a slow mobile uplink).
    pub client_body_timeout: Duration,
    /// `GRIDASSIST_PARTNER_RATE_PER_MINUTE`: requests a partner API key may make per minute,
    /// sustained (per node). Default 60.
    pub partner_rate_per_minute: u32,
    /// `GRIDASSIST_PARTNER_BURST`: requests a partner API key may make at once. Default 10.
    pub partner_burst: u32,
    /// `GRIDASSIST_PARTNER_IDENTITIES_PER_MINUTE` and `GRIDASSIST_PARTNER_IDENTITIES_PER_DAY`:
    /// how many identities a partner API key may check, for keys an admin gave no budget of their
    /// own. Counted in the database, so they hold across nodes and restarts. Default 1,000 a
    /// minute, 20,000 a (China-local) day.
    pub partner_budgets: crate::domain::partner_budget::Budgets,
    /// `GRIDASSIST_PARTNER_BUDGET_ALERT_PERCENT`: when a key's checks of the day reach this share
    /// of its daily budget, a `partner_key.daily_budget_alert` notification goes to the admins
    /// through the outbox. Default 80.
    pub partner_budget_alert_percent: u8,
}

impl std::fmt::Debug for Config {
    // The JWT secret must never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("audit_key", &self.audit_key.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DEFAULT_DB_FILE: &str = "gridassist.sqlite3";

impl Config {
    /// Read the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Config> {
        Config::from_lookup(|key| std::env::var(key).ok())
    }

    /// Read the configuration from any key → value source (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let non_empty = |key: &str| get(key).filter(|v| !v.trim().is_empty());
        let data_dir =
            PathBuf::from(non_empty("GRIDASSIST_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.into()));
        let database_url = non_empty("DATABASE_URL")
            .unwrap_or_else(|| data_dir.join(DEFAULT_DB_FILE).to_string_lossy().into_owned());
        let bind = non_empty("GRIDASSIST_BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        if bind.parse::<std::net::SocketAddr>().is_err() && !bind.contains(':') {
            bail!("GRIDASSIST_BIND must be address:port, got {bind:?}");
        }
        let jwt_secret = match non_empty("GRIDASSIST_JWT_SECRET") {
            Some(encoded) => Some(decode_secret(&encoded).context("GRIDASSIST_JWT_SECRET")?),
            None => None,
        };
        let audit_key = match non_empty("GRIDASSIST_AUDIT_KEY") {
            Some(encoded) => Some(decode_secret(&encoded).context("GRIDASSIST_AUDIT_KEY")?),
            None => None,
        };
        let log_json = match non_empty("GRIDASSIST_LOG_FORMAT").as_deref() {
            None | Some("json") => true,
            Some("text") => false,
            Some(other) => bail!("GRIDASSIST_LOG_FORMAT must be json or text, got {other:?}"),
        };
        let grid_refresh_secs = match non_empty("GRIDASSIST_GRID_REFRESH_SECS") {
            None => 30,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (1..=86_400).contains(&n) => n,
                _ => bail!("GRIDASSIST_GRID_REFRESH_SECS must be a whole number of seconds from 1 to 86400"),
            },
        };
        let deadline_sweep_secs = match non_empty("GRIDASSIST_DEADLINE_SWEEP_SECS") {
            None => 60,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if (1..=86_400).contains(&n) => n,
                _ => {
                    bail!("GRIDASSIST_DEADLINE_SWEEP_SECS must be a whole number of seconds from 1 to 86400")
                }
            },
        };
        let assign_radius_m = match non_empty("GRIDASSIST_ASSIGN_RADIUS_M") {
            None => 3000.0,
            Some(v) => match v.trim().parse::<f64>() {
                Ok(m) if (0.0..=100_000.0).contains(&m) => m,
                _ => bail!("GRIDASSIST_ASSIGN_RADIUS_M must be a number of metres from 0 to 100000"),
            },
        };
        let max_declines = match non_empty("GRIDASSIST_MAX_DECLINES") {
            None => 3,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) if (1..=20).contains(&n) => n,
                _ => bail!("GRIDASSIST_MAX_DECLINES must be a whole number from 1 to 20"),
            },
        };
        let checkin_radius_m = match non_empty("GRIDASSIST_CHECKIN_RADIUS_M") {
            None => 200.0,
            Some(v) => match v.trim().parse::<f64>() {
                Ok(m) if (1.0..=10_000.0).contains(&m) => m,
                _ => bail!("GRIDASSIST_CHECKIN_RADIUS_M must be a number of metres from 1 to 10000"),
            },
        };
        let evidence_max_bytes = match non_empty("GRIDASSIST_EVIDENCE_MAX_BYTES") {
            None => 15 * 1024 * 1024,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1024..=1024 * 1024 * 1024).contains(&n) => n,
                _ => bail!("GRIDASSIST_EVIDENCE_MAX_BYTES must be a number of bytes from 1024 to 1073741824"),
            },
        };
        let bounded =
            |name: &str, default: u64, range: std::ops::RangeInclusive<u64>| -> anyhow::Result<u64> {
                match non_empty(name) {
                    None => Ok(default),
                    Some(v) => match v.trim().parse::<u64>() {
                        Ok(n) if range.contains(&n) => Ok(n),
                        _ => bail!(
                            "{name} must be a whole number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    },
                }
            };
        let cors_origins: Vec<String> = non_empty("GRIDASSIST_CORS_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &cors_origins {
            let scheme_ok = origin.starts_with("https://") || origin.starts_with("http://");
            let bare = origin.splitn(4, '/').nth(3).is_none();
            if origin.contains('*') || !scheme_ok || !bare {
                bail!(
                    "GRIDASSIST_CORS_ORIGINS: {origin:?} is not an origin like https://console.example (no wildcard, no path)"
                );
            }
        }
        let webhook_url = non_empty("GRIDASSIST_WEBHOOK_URL");
        let webhook_secret = non_empty("GRIDASSIST_WEBHOOK_SECRET");
        if webhook_url.is_some() && webhook_secret.is_none() {
            bail!("GRIDASSIST_WEBHOOK_SECRET must be set with GRIDASSIST_WEBHOOK_URL (whsec_<base64>)");
        }
        let webhook_allow_private = match non_empty("GRIDASSIST_WEBHOOK_ALLOW_PRIVATE").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => bail!("GRIDASSIST_WEBHOOK_ALLOW_PRIVATE must be true or false"),
        };
        let audit_checkpoint_url = non_empty("GRIDASSIST_AUDIT_CHECKPOINT_URL");
        let audit_checkpoint_secret = non_empty("GRIDASSIST_AUDIT_CHECKPOINT_SECRET");
        if audit_checkpoint_url.is_some() && audit_checkpoint_secret.is_none() {
            bail!(
                "GRIDASSIST_AUDIT_CHECKPOINT_SECRET must be set with GRIDASSIST_AUDIT_CHECKPOINT_URL (whsec_<base64>)"
            );
        }
        let progress_limits = crate::auth::lookup_throttle::LookupLimits {
            max_failures: bounded("GRIDASSIST_PROGRESS_MAX_FAILURES", 10, 1..=10_000)? as usize,
            max_lookups: bounded("GRIDASSIST_PROGRESS_MAX_LOOKUPS", 60, 1..=100_000)? as usize,
            window: Duration::from_secs(bounded("GRIDASSIST_PROGRESS_WINDOW_SECS", 900, 1..=86_400)?),
        };
        Ok(Config {
            audit_key,
            audit_checkpoint_interval: Duration::from_secs(bounded(
                "GRIDASSIST_AUDIT_CHECKPOINT_SECS",
                600,
                1..=86_400,
            )?),
            audit_checkpoint_dir: non_empty("GRIDASSIST_AUDIT_CHECKPOINT_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("audit-checkpoints")),
            audit_checkpoint_url,
            audit_checkpoint_secret,
            progress_limits,
            webhook_url,
            webhook_secret,
            webhook_allow_private,
            webhook_timeout: Duration::from_secs(bounded("GRIDASSIST_WEBHOOK_TIMEOUT_SECS", 10, 1..=120)?),
            webhook_max_attempts: bounded("GRIDASSIST_WEBHOOK_MAX_ATTEMPTS", 10, 1..=50)? as u32,
            webhook_poll_interval: Duration::from_secs(bounded("GRIDASSIST_WEBHOOK_POLL_SECS", 5, 1..=3600)?),
            client_request_timeout: Duration::from_secs(bounded(
                "GRIDASSIST_CLIENT_REQUEST_TIMEOUT_SECS",
                30,
                1..=3600,
            )?),
            client_body_timeout: Duration::from_secs(bounded(
                "GRIDASSIST_CLIENT_BODY_TIMEOUT_SECS",
                300,
                1..=3600,
            )?),
            partner_rate_per_minute: bounded("GRIDASSIST_PARTNER_RATE_PER_MINUTE", 60, 1..=100_000)? as u32,
            partner_burst: bounded("GRIDASSIST_PARTNER_BURST", 10, 1..=10_000)? as u32,
            partner_budgets: crate::domain::partner_budget::Budgets {
                per_minute: bounded(
                    "GRIDASSIST_PARTNER_IDENTITIES_PER_MINUTE",
                    1_000,
                    1..=crate::domain::partner_budget::MAX_PER_MINUTE as u64,
                )? as i64,
                per_day: bounded(
                    "GRIDASSIST_PARTNER_IDENTITIES_PER_DAY",
                    20_000,
                    1..=crate::domain::partner_budget::MAX_PER_DAY as u64,
                )? as i64,
            },
            partner_budget_alert_percent: bounded("GRIDASSIST_PARTNER_BUDGET_ALERT_PERCENT", 80, 1..=100)?
                as u8,
            cors_origins,
            client_ip_header: non_empty("GRIDASSIST_CLIENT_IP_HEADER").map(|h| h.trim().to_lowercase()),
            party_access_grace: chrono::Duration::hours(bounded(
                "GRIDASSIST_PARTY_ACCESS_GRACE_HOURS",
                72,
                0..=2160,
            )? as i64),
            evidence_dir: non_empty("GRIDASSIST_EVIDENCE_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("evidence")),
            evidence_max_bytes,
            checkin_radius_m,
            calendar_file: non_empty("GRIDASSIST_CALENDAR_FILE").map(PathBuf::from),
            tiles: TileSource::from_lookup(&non_empty)?,
            geocoder_url: non_empty("GRIDASSIST_GEOCODER_URL"),
            geocoder_key: non_empty("GRIDASSIST_GEOCODER_KEY"),
            geocoder_city: non_empty("GRIDASSIST_GEOCODER_CITY"),
            assign_radius_m,
            max_declines,
            database_url,
            bind,
            data_dir,
            jwt_secret,
            log_json,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            json_limit: 256 * 1024,
            import_limit: 32 * 1024 * 1024,
            grid_refresh_interval: Duration::from_secs(grid_refresh_secs),
            deadline_sweep_interval: Duration::from_secs(deadline_sweep_secs),
        })
    }
}

/// A tile server for the console maps' base layer: an XYZ URL template in Web Mercator
/// (EPSG:3857) whose tiles are drawn in WGS-84 / CGCS2000 coordinates, as 天地图's `*_w` layers
/// and most intranet tile servers are. GCJ-02 tiles (Amap/Gaode, Tencent) are not supported:
/// the grids would sit a few hundred metres off the streets.
///
/// `GRIDASSIST_TILE_URL`: `https://host/path/{z}/{x}/{y}.png`-style template (`{s}` for a
/// subdomain, `{key}` for the key); `GRIDASSIST_TILE_SUBDOMAINS`: the letters or digits `{s}` takes
/// (default `abc`); `GRIDASSIST_TILE_KEY`: put in place of `{key}` (it reaches the browser, as
/// every tile key does: restrict it to the console's address at the provider);
/// `GRIDASSIST_TILE_ATTRIBUTION`: the credit the provider requires (plain text);
/// `GRIDASSIST_TILE_OVERLAY_URL`: a second layer drawn above, on the same server (e.g. 天地图's
/// street names, `cva_w`). The page's CSP admits images from these origins only.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TileSource {
    /// The template with the key filled in.
    pub url: String,
    pub overlay: Option<String>,
    pub subdomains: String,
    pub attribution: String,
}

impl std::fmt::Debug for TileSource {
    // The key is in the URL: never in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileSource")
            .field("origins", &self.origins())
            .finish_non_exhaustive()
    }
}

impl TileSource {
    fn from_lookup(non_empty: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<TileSource>> {
        let Some(url) = non_empty("GRIDASSIST_TILE_URL") else {
            return Ok(None);
        };
        let key = non_empty("GRIDASSIST_TILE_KEY").unwrap_or_default();
        let subdomains = non_empty("GRIDASSIST_TILE_SUBDOMAINS").unwrap_or_else(|| "abc".into());
        if !subdomains.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("GRIDASSIST_TILE_SUBDOMAINS must be letters and digits, e.g. abc or 01234567");
        }
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
        {
            bail!("GRIDASSIST_TILE_KEY must be letters, digits, '-', '_', '.' or '~'");
        }
        let fill = |template: String, name: &str| -> anyhow::Result<String> {
            let filled = template.trim().replace("{key}", &key);
            if !filled.contains("{z}") || !filled.contains("{x}") || !filled.contains("{y}") {
                bail!("{name} must be a template with {{z}}, {{x}} and {{y}}, got {template:?}");
            }
            origin_of(&filled, &subdomains).with_context(|| name.to_owned())?;
            Ok(filled)
        };
        let url = fill(url, "GRIDASSIST_TILE_URL")?;
        let overlay = non_empty("GRIDASSIST_TILE_OVERLAY_URL")
            .map(|o| fill(o, "GRIDASSIST_TILE_OVERLAY_URL"))
            .transpose()?;
        let attribution = non_empty("GRIDASSIST_TILE_ATTRIBUTION").unwrap_or_default();
        Ok(Some(TileSource {
            url,
            overlay,
            subdomains,
            attribution: attribution.trim().to_owned(),
        }))
    }

    /// The origins the browser fetches tiles from (each `{s}` expanded), for the CSP's img-src;
    /// empty for a template on this server (a path), which `'self'` covers.
    pub fn origins(&self) -> Vec<String> {
        let mut out: Vec<String> = std::iter::once(&self.url)
            .chain(self.overlay.as_ref())
            .flat_map(|t| origin_of(t, &self.subdomains).unwrap_or_default())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The origins (`scheme://host[:port]`) a tile template is fetched from, one per subdomain when
/// the host has `{s}`; none for a path on this server. Only http(s) and a plain host name or
/// address: nothing that could end the CSP directive or widen it.
fn origin_of(template: &str, subdomains: &str) -> anyhow::Result<Vec<String>> {
    if template.starts_with('/') && !template.starts_with("//") {
        return Ok(Vec::new());
    }
    let (scheme, rest) = template
        .split_once("://")
        .filter(|(s, _)| *s == "https" || *s == "http")
        .context("must start with https:// or http:// (or be a path on this server)")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let expanded: Vec<String> = if authority.contains("{s}") {
        subdomains
            .chars()
            .map(|c| authority.replace("{s}", &c.to_string()))
            .collect()
    } else {
        vec![authority.to_owned()]
    };
    expanded
        .into_iter()
        .map(|host| {
            let ok = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
            if !ok {
                bail!("the tile server's host {host:?} is not a plain host name");
            }
            Ok(format!("{scheme}://{}", host.to_ascii_lowercase()))
        })
        .collect()
}

/// Decode a base64 (standard or URL-safe) secret of at least 32 bytes.
pub fn decode_secret(encoded: &str) -> anyhow::Result<Vec<u8>> {
    let trimmed = encoded.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed))
        .context("must be base64")?;
    if bytes.len() < 32 {
        bail!("must decode to at least 32 bytes, got {}", bytes.len());
    }
    Ok(bytes)
}

/// A database URL fit for a log line: the password of a PostgreSQL URL is hidden.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn cors_origins_are_exact_origins_never_wildcards() {
        let c = config(&[(
            "GRIDASSIST_CORS_ORIGINS",
            "https://a.example, http://b.example:8080/",
        )])
        .unwrap();
        assert_eq!(c.cors_origins, ["https://a.example", "http://b.example:8080"]);
        for bad in ["*", "https://*.example", "a.example", "https://a.example/console"] {
            let e = config(&[("GRIDASSIST_CORS_ORIGINS", bad)])
                .unwrap_err()
                .to_string();
            assert!(e.contains("GRIDASSIST_CORS_ORIGINS"), "{bad}: {e}");
        }
    }

    #[test]
    fn progress_lookup_limits_default_and_are_bounded() {
        let c = config(&[]).unwrap();
        assert_eq!(
            c.progress_limits,
            crate::auth::lookup_throttle::LookupLimits::default()
        );
        let c = config(&[
            ("GRIDASSIST_PROGRESS_MAX_FAILURES", "3"),
            ("GRIDASSIST_PROGRESS_MAX_LOOKUPS", "7"),
            ("GRIDASSIST_PROGRESS_WINDOW_SECS", "60"),
        ])
        .unwrap();
        assert_eq!(
            (c.progress_limits.max_failures, c.progress_limits.max_lookups),
            (3, 7)
        );
        assert_eq!(c.progress_limits.window, Duration::from_secs(60));
        for (key, bad) in [
            ("GRIDASSIST_PROGRESS_MAX_FAILURES", "0"),
            ("GRIDASSIST_PROGRESS_MAX_LOOKUPS", "many"),
            ("GRIDASSIST_PROGRESS_WINDOW_SECS", "100000"),
        ] {
            let e = config(&[(key, bad)]).unwrap_err().to_string();
            assert!(e.contains(key), "{e}");
        }
    }

    #[test]
    fn partner_identity_budgets_have_defaults_and_bounds() {
        let c = config(&[]).unwrap();
        assert_eq!(
            (c.partner_budgets.per_minute, c.partner_budgets.per_day),
            (1_000, 20_000)
        );
        assert_eq!(c.partner_budget_alert_percent, 80);
        let c = config(&[
            ("GRIDASSIST_PARTNER_IDENTITIES_PER_MINUTE", "50"),
            ("GRIDASSIST_PARTNER_IDENTITIES_PER_DAY", "500"),
            ("GRIDASSIST_PARTNER_BUDGET_ALERT_PERCENT", "90"),
        ])
        .unwrap();
        assert_eq!(
            (c.partner_budgets.per_minute, c.partner_budgets.per_day),
            (50, 500)
        );
        assert_eq!(c.partner_budget_alert_percent, 90);
        for (name, bad) in [
            ("GRIDASSIST_PARTNER_IDENTITIES_PER_MINUTE", "0"),
            ("GRIDASSIST_PARTNER_IDENTITIES_PER_DAY", "many"),
            ("GRIDASSIST_PARTNER_BUDGET_ALERT_PERCENT", "101"),
        ] {
            let e = config(&[(name, bad)]).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn partner_rate_limits_have_defaults_and_bounds() {
        let c = config(&[]).unwrap();
        assert_eq!((c.partner_rate_per_minute, c.partner_burst), (60, 10));
        let c = config(&[
            ("GRIDASSIST_PARTNER_RATE_PER_MINUTE", "600"),
            ("GRIDASSIST_PARTNER_BURST", "1"),
        ])
        .unwrap();
        assert_eq!((c.partner_rate_per_minute, c.partner_burst), (600, 1));
        for (name, bad) in [
            ("GRIDASSIST_PARTNER_RATE_PER_MINUTE", "0"),
            ("GRIDASSIST_PARTNER_BURST", "many"),
        ] {
            let e = config(&[(name, bad)]).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn runs_with_nothing_set() {
        let c = config(&[]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert_eq!(c.database_url, "data/gridassist.sqlite3");
        assert!(c.jwt_secret.is_none());
        assert_eq!(c.client_request_timeout, Duration::from_secs(30));
        assert_eq!(c.client_body_timeout, Duration::from_secs(300));
    }

    #[test]
    fn slow_client_timeouts_are_bounded() {
        let c = config(&[
            ("GRIDASSIST_CLIENT_REQUEST_TIMEOUT_SECS", "5"),
            ("GRIDASSIST_CLIENT_BODY_TIMEOUT_SECS", "60"),
        ])
        .unwrap();
        assert_eq!(c.client_request_timeout, Duration::from_secs(5));
        assert_eq!(c.client_body_timeout, Duration::from_secs(60));
        for bad in ["0", "3601", "ten"] {
            let e = config(&[("GRIDASSIST_CLIENT_BODY_TIMEOUT_SECS", bad)]).unwrap_err();
            assert!(
                e.to_string().contains("GRIDASSIST_CLIENT_BODY_TIMEOUT_SECS"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn environment_overrides_defaults() {
        let c = config(&[
            ("GRIDASSIST_DATA_DIR", "/var/lib/gridassist"),
            ("GRIDASSIST_BIND", "0.0.0.0:9000"),
        ])
        .unwrap();
        assert_eq!(c.database_url, "/var/lib/gridassist/gridassist.sqlite3");
        assert_eq!(c.bind, "0.0.0.0:9000");
        let c = config(&[("DATABASE_URL", "postgres://u:pw@db/court")]).unwrap();
        assert_eq!(c.database_url, "postgres://u:pw@db/court");
    }

    #[test]
    fn short_or_garbled_secrets_are_refused() {
        assert!(config(&[("GRIDASSIST_JWT_SECRET", "c2hvcnQ=")]).is_err());
        assert!(config(&[("GRIDASSIST_JWT_SECRET", "not base64 !!")]).is_err());
        let ok = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(
            config(&[("GRIDASSIST_JWT_SECRET", &ok)])
                .unwrap()
                .jwt_secret
                .unwrap()
                .len(),
            32
        );
    }

    #[test]
    fn audit_checkpoints_have_defaults_and_the_receiver_needs_a_secret() {
        let c = config(&[("GRIDASSIST_DATA_DIR", "/srv/ga")]).unwrap();
        assert!(c.audit_key.is_none());
        assert_eq!(c.audit_checkpoint_interval, Duration::from_secs(600));
        assert_eq!(c.audit_checkpoint_dir, PathBuf::from("/srv/ga/audit-checkpoints"));
        assert!(c.audit_checkpoint_url.is_none());
        let e = config(&[("GRIDASSIST_AUDIT_CHECKPOINT_URL", "https://log.example/cp")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("GRIDASSIST_AUDIT_CHECKPOINT_SECRET"), "{e}");
        for (key, bad) in [
            ("GRIDASSIST_AUDIT_CHECKPOINT_SECS", "0"),
            ("GRIDASSIST_AUDIT_KEY", "c2hvcnQ="),
        ] {
            let e = config(&[(key, bad)]).unwrap_err();
            assert!(format!("{e:#}").contains(key), "{e:#}");
        }
    }

    #[test]
    fn secrets_and_passwords_stay_out_of_debug_output() {
        let ok = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let c = config(&[
            ("GRIDASSIST_AUDIT_KEY", &ok),
            ("GRIDASSIST_JWT_SECRET", &ok),
            ("DATABASE_URL", "postgres://court:hunter22@db:5432/x"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains(&ok));
        assert!(!shown.contains("hunter22"));
        assert!(shown.contains("postgres://court:***@db:5432/x"));
    }
}

//! Turning a task's address text into a map point through an Amap-compatible (高德 Web Service)
//! geocoding endpoint.
//!
//! This module owns the HTTP call, the reading of Amap's answer (GCJ-02 `location`, `level`,
//! `status`/`info`), the decision whether an answer is precise enough to send a worker to, the
//! conversion of the point to WGS-84, and a small in-memory cache of answers.
//!
//! It never fails a task: whatever goes wrong (no answer, a slow or broken service, a coarse or
//! ambiguous match) comes back as a [`Geocoded`] value, and the caller leaves the task waiting to
//! be pinned by hand with [`Geocoded::code`] as the reason.
//!
//! Addresses and coordinates are personal data: nothing here logs them, and no failure reason
//! carries them (nor the URL, which holds both the address and the API key). Only the outcome
//! kind, the HTTP status and the latency are logged.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::geo::{Crs, LatLon, haversine_m, validate_point};

/// Amap's public geocoding endpoint (Web Service API v3).
pub const AMAP_GEOCODE_URL: &str = "https://restapi.amap.com/v3/geocode/geo";
/// Default limit for one whole request: a task form should not hang on a slow map service.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default number of cached answers.
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;
/// Default lifetime of a cached answer.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Longest address accepted, in characters (the caller's own validation uses the same bound).
const MAX_ADDRESS_CHARS: usize = 200;
/// Longest `city` restriction accepted, in characters; city names and adcodes are short.
const MAX_CITY_CHARS: usize = 100;
/// Two precise matches further apart than this mean the address names two different places.
const AMBIGUITY_RADIUS_M: f64 = 500.0;
/// Amap answers are a few kilobytes; anything far bigger is not an Amap answer and is not read
/// whole into memory.
const MAX_BODY_BYTES: usize = 256 * 1024;
/// `level` values that pin a single building or point of interest. Amap's English mode spells
/// some of them in English.
const PRECISE_LEVELS: &[&str] = &["门牌号", "兴趣点", "单元号", "楼栋", "Building", "POI"];
/// Stand-in for a missing `level`, in Amap's own vocabulary.
const UNKNOWN_LEVEL: &str = "未知";
/// Level reported when the answer holds two precise but distant matches.
const AMBIGUOUS_LEVEL: &str = "ambiguous";

/// How to reach the geocoding service.
#[derive(Clone)]
pub struct GeocoderConfig {
    /// Base URL of an Amap-compatible geocoding endpoint, e.g. "https://restapi.amap.com/v3/geocode/geo".
    pub url: String,
    /// Amap Web Service key, sent as the `key` query parameter; `None` for a keyless proxy.
    pub key: Option<String>,
    /// Limit for one whole request (connect, send, read the answer); default 3 s.
    pub timeout: Duration,
    /// Most answers kept in the cache; default 10 000. Zero disables the cache.
    pub cache_capacity: usize,
    /// How long a cached answer is trusted; default 24 h.
    pub cache_ttl: Duration,
}

impl GeocoderConfig {
    /// A configuration for `url` and `key` with the default timeout and cache settings.
    pub fn new(url: impl Into<String>, key: Option<String>) -> GeocoderConfig {
        GeocoderConfig {
            url: url.into(),
            key,
            timeout: DEFAULT_TIMEOUT,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            cache_ttl: DEFAULT_CACHE_TTL,
        }
    }
}

impl Default for GeocoderConfig {
    /// Amap's public endpoint, no key, default timeout and cache settings.
    fn default() -> Self {
        GeocoderConfig::new(AMAP_GEOCODE_URL, None)
    }
}

impl fmt::Debug for GeocoderConfig {
    // By hand so the key never reaches a log line through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeocoderConfig")
            .field("url", &self.url)
            .field("key", &redacted(&self.key))
            .field("timeout", &self.timeout)
            .field("cache_capacity", &self.cache_capacity)
            .field("cache_ttl", &self.cache_ttl)
            .finish()
    }
}

fn redacted(key: &Option<String>) -> Option<&'static str> {
    key.as_ref().map(|_| "<redacted>")
}

/// Why a [`Geocoder`] could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum GeocoderError {
    /// The URL does not parse, or is not `http`/`https`.
    // The URL itself is left out of the message: an operator may have pasted a key into it.
    #[error("geocoder URL must be an absolute http or https URL")]
    InvalidUrl,
    /// A key was given but is empty or blank, which is a configuration mistake rather than "no key".
    #[error("geocoder key must not be blank")]
    BlankKey,
    /// A zero timeout would make every request fail.
    #[error("geocoder timeout must be greater than zero")]
    ZeroTimeout,
    /// The HTTP client could not be set up (e.g. no TLS backend).
    #[error("could not build the geocoder HTTP client")]
    Client(#[source] reqwest::Error),
}

/// What the geocoding service made of an address.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Geocoded {
    /// A precise match; the point is converted to WGS-84.
    Found {
        /// The matched point, WGS-84.
        point: LatLon,
        /// Amap's match level, e.g. "门牌号".
        level: String,
        /// The service's normalised spelling of the address, when it gave one.
        formatted_address: Option<String>,
    },
    /// The service answered with something too coarse to send a worker to (a road, a village, a district...).
    Unsure {
        /// Amap's match level (e.g. "道路", "村庄"), or "ambiguous" for two distant precise matches.
        level: String,
    },
    /// The service knows no such address.
    NotFound,
    /// The service could not be asked or answered nonsense: timeout, connection refused, HTTP 5xx, bad JSON, status "0" with an info code.
    Failed {
        /// What went wrong, for operators; never holds the address, coordinates, URL or key.
        reason: String,
    },
}

impl Geocoded {
    /// Stable snake_case code for queue reasons: "geocoded", "geocode_unsure", "geocode_not_found", "geocode_failed".
    pub fn code(&self) -> &'static str {
        match self {
            Geocoded::Found { .. } => "geocoded",
            Geocoded::Unsure { .. } => "geocode_unsure",
            Geocoded::NotFound => "geocode_not_found",
            Geocoded::Failed { .. } => "geocode_failed",
        }
    }

    fn failed(reason: impl Into<String>) -> Geocoded {
        Geocoded::Failed {
            reason: reason.into(),
        }
    }
}

/// A client of one Amap-compatible geocoding endpoint, with its answer cache.
///
/// `Send + Sync`; build one at start-up and share it in an `Arc`.
pub struct Geocoder {
    client: reqwest::Client,
    url: Url,
    key: Option<String>,
    timeout: Duration,
    cache: Mutex<Cache>,
}

impl fmt::Debug for Geocoder {
    // By hand so the key never reaches a log line through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Geocoder")
            .field("url", &self.url.as_str())
            .field("key", &redacted(&self.key))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Geocoder {
    /// Check `config` and build the HTTP client.
    pub fn new(config: GeocoderConfig) -> Result<Geocoder, GeocoderError> {
        let url = Url::parse(config.url.trim()).map_err(|_| GeocoderError::InvalidUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(GeocoderError::InvalidUrl);
        }
        if config.key.as_deref().is_some_and(|k| k.trim().is_empty()) {
            return Err(GeocoderError::BlankKey);
        }
        if config.timeout.is_zero() {
            return Err(GeocoderError::ZeroTimeout);
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            // A redirect would carry the key to wherever the Location header points; Amap never
            // redirects, so a 3xx is treated as a failure instead of being followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gridassist/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(GeocoderError::Client)?;
        Ok(Geocoder {
            client,
            url,
            key: config.key.map(|k| k.trim().to_owned()),
            timeout: config.timeout,
            cache: Mutex::new(Cache::new(config.cache_capacity, config.cache_ttl)),
        })
    }

    /// Geocode `address` (optionally restricted to `city`, e.g. a county name or adcode). Results Found/Unsure/NotFound
    /// are cached by (address trimmed, city) for cache_ttl; Failed is never cached (so a retry can succeed).
    pub async fn geocode(&self, address: &str, city: Option<&str>) -> Geocoded {
        let started = Instant::now();
        let Some(address) = checked_address(address) else {
            // The caller validates addresses already; reaching this is a bug upstream, not an
            // outage, but it must still not send junk to a paid API.
            return log_outcome(Geocoded::failed("invalid address"), None, started);
        };
        let city = match checked_city(city) {
            Ok(city) => city,
            Err(()) => return log_outcome(Geocoded::failed("invalid city"), None, started),
        };
        let key = CacheKey {
            address: address.to_owned(),
            city: city.map(str::to_owned),
        };

        // A statement of its own so the guard is dropped before any await.
        let cached = self.lock_cache().get(&key, Instant::now());
        if let Some(hit) = cached {
            tracing::debug!(outcome = hit.code(), "geocode answered from cache");
            return hit;
        }

        let (result, status) = self.ask(address, city).await;
        if !matches!(result, Geocoded::Failed { .. }) {
            self.lock_cache().insert(key, result.clone(), Instant::now());
        }
        log_outcome(result, status, started)
    }

    fn lock_cache(&self) -> MutexGuard<'_, Cache> {
        // The cache is only a speed-up and every mutation leaves it consistent, so a panic in
        // another holder is no reason to stop geocoding.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One request to the service; also returns the HTTP status when there was one, for the log.
    async fn ask(&self, address: &str, city: Option<&str>) -> (Geocoded, Option<StatusCode>) {
        let mut query: Vec<(&str, &str)> = vec![("address", address)];
        if let Some(city) = city {
            query.push(("city", city));
        }
        query.push(("output", "JSON"));
        if let Some(key) = &self.key {
            query.push(("key", key));
        }
        let request = self.client.get(self.url.clone()).query(&query);

        // The client has its own timeout; this outer one makes "whole request" hold whatever the
        // client counts, body reading included.
        let exchange = tokio::time::timeout(self.timeout, fetch(request)).await;
        match exchange {
            Err(_elapsed) => (Geocoded::failed("timeout"), None),
            Ok(Err(err)) => (Geocoded::failed(err.reason()), None),
            Ok(Ok((status, _))) if !status.is_success() => (
                Geocoded::failed(format!("http status {}", status.as_u16())),
                Some(status),
            ),
            Ok(Ok((status, body))) => (interpret(&body), Some(status)),
        }
    }
}

/// Why no answer could be read. Kept apart from `reqwest::Error`, whose text names the URL.
enum FetchError {
    Http(reqwest::Error),
    TooLarge,
}

impl FetchError {
    fn reason(&self) -> &'static str {
        match self {
            FetchError::Http(err) if err.is_timeout() => "timeout",
            FetchError::Http(err) if err.is_connect() => "connection failed",
            FetchError::Http(err) if err.is_body() || err.is_decode() => "reading the answer failed",
            FetchError::Http(_) => "request failed",
            FetchError::TooLarge => "answer too large",
        }
    }
}

/// Send the request and, for a 2xx answer, read its body up to [`MAX_BODY_BYTES`].
async fn fetch(request: reqwest::RequestBuilder) -> Result<(StatusCode, Vec<u8>), FetchError> {
    let mut response = request.send().await.map_err(FetchError::Http)?;
    let status = response.status();
    if !status.is_success() {
        return Ok((status, Vec::new()));
    }
    if response
        .content_length()
        .is_some_and(|len| len > MAX_BODY_BYTES as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchError::Http)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}

/// Log one outcome (kind, status, latency only) and hand it back.
fn log_outcome(result: Geocoded, status: Option<StatusCode>, started: Instant) -> Geocoded {
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let status = status.map(|s| s.as_u16());
    match &result {
        Geocoded::Failed { reason } => {
            tracing::warn!(outcome = result.code(), reason = %reason, status, latency_ms, "geocode failed");
        }
        _ => tracing::info!(outcome = result.code(), status, latency_ms, "geocode answered"),
    }
    result
}

/// The address as sent and cached: trimmed, 1–200 characters, no control characters.
fn checked_address(address: &str) -> Option<&str> {
    let address = address.trim();
    let len = address.chars().count();
    let ok = (1..=MAX_ADDRESS_CHARS).contains(&len) && !address.chars().any(char::is_control);
    ok.then_some(address)
}

/// The city restriction as sent and cached: trimmed; blank means none.
fn checked_city(city: Option<&str>) -> Result<Option<&str>, ()> {
    match city.map(str::trim) {
        None | Some("") => Ok(None),
        Some(city) if city.chars().count() > MAX_CITY_CHARS || city.chars().any(char::is_control) => Err(()),
        Some(city) => Ok(Some(city)),
    }
}

// ---- Amap's answer ----

/// The parts of an Amap geocoding answer this module reads.
///
/// Amap sends numbers as strings and, for an empty field, sometimes `[]` instead of `""`, so
/// every scalar is read leniently (see [`lenient_text`]).
#[derive(Deserialize)]
struct AmapAnswer {
    #[serde(default, deserialize_with = "lenient_text")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    info: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    infocode: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    count: Option<String>,
    /// Read element by element with [`from_object`].
    #[serde(default)]
    geocodes: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct AmapGeocode {
    #[serde(default, deserialize_with = "lenient_text")]
    formatted_address: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    level: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    location: Option<String>,
}

/// A string or number as trimmed text; anything else (`[]`, `null`, objects) or blank as `None`.
fn lenient_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Read a JSON object into `T`. Derived `Deserialize` also accepts an array, filling fields by
/// position, which would let `[1, 2]` pass for an answer; only objects are Amap's.
fn from_object<T: DeserializeOwned>(value: Value) -> Option<T> {
    match value {
        Value::Object(_) => serde_json::from_value(value).ok(),
        _ => None,
    }
}

/// Decide what a 2xx answer body means.
fn interpret(body: &[u8]) -> Geocoded {
    let answer = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(from_object::<AmapAnswer>);
    let Some(answer) = answer else {
        return Geocoded::failed("invalid json");
    };
    match answer.status.as_deref() {
        Some("1") => {}
        Some("0") => {
            return Geocoded::failed(format!(
                "amap error {}: {}",
                remote_token(answer.infocode.as_deref()),
                remote_token(answer.info.as_deref())
            ));
        }
        _ => return Geocoded::failed("unexpected answer status"),
    }
    let geocodes: Option<Vec<AmapGeocode>> = answer
        .geocodes
        .unwrap_or_default()
        .into_iter()
        .map(from_object)
        .collect();
    let Some(geocodes) = geocodes else {
        return Geocoded::failed("invalid json");
    };
    if answer.count.as_deref() == Some("0") || geocodes.is_empty() {
        return Geocoded::NotFound;
    }

    let first = &geocodes[0];
    let level = first.level.as_deref().unwrap_or(UNKNOWN_LEVEL);
    if !is_precise(level) {
        return Geocoded::Unsure {
            level: tidy_level(level),
        };
    }
    let Some(point) = parse_location(first.location.as_deref()) else {
        return Geocoded::failed("invalid location");
    };
    // Amap ranks answers but does not say how sure it is; a second precise match far away means
    // the text fits two places and guessing would send a worker to the wrong door.
    let runner_up = geocodes
        .iter()
        .skip(1)
        .find(|g| g.level.as_deref().is_some_and(is_precise));
    if let Some(runner_up) = runner_up {
        let Some(other) = parse_location(runner_up.location.as_deref()) else {
            return Geocoded::failed("invalid location");
        };
        if haversine_m(point, other) > AMBIGUITY_RADIUS_M {
            return Geocoded::Unsure {
                level: AMBIGUOUS_LEVEL.to_owned(),
            };
        }
    }
    Geocoded::Found {
        point,
        level: tidy_level(level),
        formatted_address: first.formatted_address.clone(),
    }
}

fn is_precise(level: &str) -> bool {
    PRECISE_LEVELS.iter().any(|p| p.eq_ignore_ascii_case(level))
}

/// Amap's "lon,lat" in GCJ-02, checked and converted to WGS-84.
fn parse_location(location: Option<&str>) -> Option<LatLon> {
    let (lon, lat) = location?.split_once(',')?;
    let lon: f64 = lon.trim().parse().ok()?;
    let lat: f64 = lat.trim().parse().ok()?;
    let gcj = validate_point(lat, lon).ok()?;
    Some(Crs::Gcj02.to_wgs84(gcj))
}

/// A level as reported onwards: bounded and printable, since it comes from outside.
fn tidy_level(level: &str) -> String {
    level.chars().filter(|c| !c.is_control()).take(32).collect()
}

/// Amap's `info`/`infocode` for a failure reason. Only a short run of ASCII word characters is
/// kept: the values are codes like "INVALID_USER_KEY", and keeping nothing else guarantees the
/// reason cannot echo address text back into logs.
fn remote_token(text: Option<&str>) -> String {
    let token: String = text
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .take(64)
        .collect();
    if token.is_empty() {
        "unknown".to_owned()
    } else {
        token
    }
}

// ---- cache ----

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    address: String,
    city: Option<String>,
}

struct CacheEntry {
    value: Geocoded,
    inserted: Instant,
}

/// A bounded map with a fixed time-to-live.
///
/// Eviction scans the whole map, which is linear in the capacity; it only happens on an insert
/// into a full map, right after an HTTP round trip that costs far more, so a plain `HashMap`
/// beats the bookkeeping of an ordered structure.
struct Cache {
    entries: HashMap<CacheKey, CacheEntry>,
    capacity: usize,
    ttl: Duration,
}

impl Cache {
    fn new(capacity: usize, ttl: Duration) -> Cache {
        Cache {
            // Grown on demand so a large configured capacity costs nothing up front.
            entries: HashMap::new(),
            capacity,
            ttl,
        }
    }

    fn is_fresh(&self, entry: &CacheEntry, now: Instant) -> bool {
        now.saturating_duration_since(entry.inserted) < self.ttl
    }

    fn get(&mut self, key: &CacheKey, now: Instant) -> Option<Geocoded> {
        let entry = self.entries.get(key)?;
        if self.is_fresh(entry, now) {
            return Some(entry.value.clone());
        }
        self.entries.remove(key);
        None
    }

    fn insert(&mut self, key: CacheKey, value: Geocoded, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            self.make_room(now);
        }
        self.entries.insert(key, CacheEntry { value, inserted: now });
    }

    /// Free at least one slot: every expired entry first, else the oldest one.
    fn make_room(&mut self, now: Instant) {
        let ttl = self.ttl;
        self.entries
            .retain(|_, e| now.saturating_duration_since(e.inserted) < ttl);
        if self.entries.len() < self.capacity {
            return;
        }
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, e)| e.inserted)
            .map(|(k, _)| k.clone());
        if let Some(oldest) = oldest {
            self.entries.remove(&oldest);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    use serde_json::json;

    const KEY: &str = "test-key-5f3a9c";
    /// Where the canned precise answer lies, GCJ-02 (lat, lon).
    const GCJ: (f64, f64) = (32.123456, 120.012345);

    /// What the fake Amap saw.
    #[derive(Clone, Default)]
    struct Seen {
        calls: Arc<AtomicUsize>,
        queries: Arc<Mutex<Vec<HashMap<String, String>>>>,
    }

    impl Seen {
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }

        fn last_query(&self) -> HashMap<String, String> {
            self.queries.lock().unwrap().last().cloned().unwrap()
        }
    }

    fn ok_answer(geocodes: serde_json::Value) -> HttpResponse {
        let count = geocodes.as_array().map_or(0, Vec::len).to_string();
        HttpResponse::Ok().json(json!({
            "status": "1", "info": "OK", "infocode": "10000", "count": count, "geocodes": geocodes,
        }))
    }

    fn geocode_json(level: &str, lon: f64, lat: f64) -> serde_json::Value {
        json!({
            "formatted_address": "江苏省泰州市泰兴市黄桥镇东进路1号",
            "province": "江苏省",
            "city": "泰州市",
            "district": "泰兴市",
            "street": [],
            "number": [],
            "level": level,
            "location": format!("{lon:.6},{lat:.6}"),
        })
    }

    /// A fake Amap: the answer depends on the `address` parameter.
    async fn fake_amap(req: HttpRequest, seen: web::Data<Seen>) -> HttpResponse {
        let n = seen.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let query = web::Query::<HashMap<String, String>>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .unwrap_or_default();
        seen.queries.lock().unwrap().push(query.clone());
        let (lat, lon) = GCJ;
        match query.get("address").map(String::as_str).unwrap_or("") {
            "precise" => ok_answer(json!([geocode_json("门牌号", lon, lat)])),
            "poi" => ok_answer(json!([geocode_json("POI", lon, lat)])),
            "coarse" => ok_answer(json!([geocode_json("道路", lon, lat)])),
            "village" => ok_answer(json!([geocode_json("村庄", lon, lat)])),
            "denied" => HttpResponse::Ok().json(json!({
                "status": "0", "info": "INVALID_USER_KEY", "infocode": "10001",
            })),
            "broken" => HttpResponse::InternalServerError().body("upstream exploded"),
            "garbage" => HttpResponse::Ok()
                .content_type("text/html")
                .body("<html>maintenance</html>"),
            "bad location" => ok_answer(json!([geocode_json("门牌号", f64::NAN, lat)])),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                ok_answer(json!([geocode_json("门牌号", lon, lat)]))
            }
            // Same text, two precise matches ~9 km apart.
            "two places" => ok_answer(json!([
                geocode_json("门牌号", lon, lat),
                geocode_json("门牌号", lon + 0.1, lat),
            ])),
            // Two precise matches ~50 m apart: the same place.
            "two doors" => ok_answer(json!([
                geocode_json("门牌号", lon, lat),
                geocode_json("楼栋", lon + 0.0005, lat),
            ])),
            // Only one precise match; the distant coarse one does not make it ambiguous.
            "door and road" => ok_answer(json!([
                geocode_json("兴趣点", lon, lat),
                geocode_json("道路", lon + 0.1, lat),
            ])),
            // Fails on the first call, answers afterwards.
            "flaky" if n == 1 => HttpResponse::ServiceUnavailable().finish(),
            "flaky" => ok_answer(json!([geocode_json("门牌号", lon, lat)])),
            _ => ok_answer(json!([])),
        }
    }

    /// Start the fake Amap on a free loopback port; returns its geocoding URL.
    fn start_fake_amap() -> (String, Seen) {
        let seen = Seen::default();
        let data = web::Data::new(seen.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/v3/geocode/geo", web::get().to(fake_amap))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let addr = server.addrs()[0];
        tokio::spawn(server.run());
        (format!("http://{addr}/v3/geocode/geo"), seen)
    }

    fn config(url: &str) -> GeocoderConfig {
        GeocoderConfig {
            timeout: Duration::from_secs(5),
            ..GeocoderConfig::new(url, Some(KEY.to_owned()))
        }
    }

    fn expected_point() -> LatLon {
        Crs::Gcj02.to_wgs84(LatLon::new(GCJ.0, GCJ.1))
    }

    fn assert_failed(result: &Geocoded, reason: &str) {
        match result {
            Geocoded::Failed { reason: got } => assert_eq!(got, reason),
            other => panic!("expected Failed({reason}), got {other:?}"),
        }
    }

    #[tokio::test]
    async fn precise_answer_is_found_in_wgs84() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        let result = geocoder.geocode("  precise ", Some("泰兴市")).await;
        assert_eq!(
            result,
            Geocoded::Found {
                point: expected_point(),
                level: "门牌号".to_owned(),
                formatted_address: Some("江苏省泰州市泰兴市黄桥镇东进路1号".to_owned()),
            }
        );
        assert_eq!(result.code(), "geocoded");
        // The GCJ-02 offset is hundreds of metres; make sure it was actually removed.
        assert!(haversine_m(expected_point(), LatLon::new(GCJ.0, GCJ.1)) > 100.0);

        let query = seen.last_query();
        assert_eq!(query.get("address").map(String::as_str), Some("precise"));
        assert_eq!(query.get("city").map(String::as_str), Some("泰兴市"));
        assert_eq!(query.get("output").map(String::as_str), Some("JSON"));
        assert_eq!(query.get("key").map(String::as_str), Some(KEY));
    }

    #[tokio::test]
    async fn english_precise_level_is_found() {
        let (url, _seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        let result = geocoder.geocode("poi", None).await;
        assert!(
            matches!(result, Geocoded::Found { ref level, .. } if level == "POI"),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn coarse_levels_are_unsure() {
        let (url, _seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        let road = geocoder.geocode("coarse", None).await;
        assert_eq!(
            road,
            Geocoded::Unsure {
                level: "道路".to_owned()
            }
        );
        assert_eq!(road.code(), "geocode_unsure");
        let village = geocoder.geocode("village", None).await;
        assert_eq!(
            village,
            Geocoded::Unsure {
                level: "村庄".to_owned()
            }
        );
    }

    #[tokio::test]
    async fn count_zero_is_not_found() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        let result = geocoder.geocode("火星路1号", None).await;
        assert_eq!(result, Geocoded::NotFound);
        assert_eq!(result.code(), "geocode_not_found");
        // No city given: none sent.
        assert!(!seen.last_query().contains_key("city"));
    }

    #[tokio::test]
    async fn status_zero_is_failed_with_info_code() {
        let (url, _seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        let result = geocoder.geocode("denied", None).await;
        assert_failed(&result, "amap error 10001: INVALID_USER_KEY");
        assert_eq!(result.code(), "geocode_failed");
    }

    #[tokio::test]
    async fn http_error_is_failed() {
        let (url, _seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        assert_failed(&geocoder.geocode("broken", None).await, "http status 500");
    }

    #[tokio::test]
    async fn invalid_json_is_failed() {
        let (url, _seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        assert_failed(&geocoder.geocode("garbage", None).await, "invalid json");
    }

    #[tokio::test]
    async fn nonsense_location_is_failed() {
        let (url, _seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        assert_failed(&geocoder.geocode("bad location", None).await, "invalid location");
    }

    #[tokio::test]
    async fn slow_service_times_out() {
        let (url, _seen) = start_fake_amap();
        let geocoder = Geocoder::new(GeocoderConfig {
            timeout: Duration::from_millis(300),
            ..config(&url)
        })
        .unwrap();
        let started = Instant::now();
        let result = geocoder.geocode("slow", None).await;
        assert_failed(&result, "timeout");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn connection_refused_is_failed_without_leaking_url() {
        // Bind, note the port, close: nothing listens there any more.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let geocoder = Geocoder::new(config(&format!("http://127.0.0.1:{port}/v3/geocode/geo"))).unwrap();
        let result = geocoder.geocode("泰兴市黄桥镇东进路1号", None).await;
        assert_failed(&result, "connection failed");
        let shown = format!("{result:?}");
        assert!(!shown.contains(KEY) && !shown.contains("黄桥"), "{shown}");
    }

    #[tokio::test]
    async fn invalid_address_is_failed_without_asking() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        assert_failed(&geocoder.geocode("   ", None).await, "invalid address");
        assert_failed(&geocoder.geocode("line\nbreak", None).await, "invalid address");
        assert_failed(
            &geocoder.geocode(&"路".repeat(201), None).await,
            "invalid address",
        );
        assert_failed(
            &geocoder.geocode("precise", Some("tab\tcity")).await,
            "invalid city",
        );
        assert_eq!(seen.calls(), 0);
        // 200 characters (600 bytes) is still fine.
        assert_eq!(
            geocoder.geocode(&"路".repeat(200), None).await,
            Geocoded::NotFound
        );
        assert_eq!(seen.calls(), 1);
    }

    #[tokio::test]
    async fn distant_precise_matches_are_ambiguous() {
        let (url, _seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        assert_eq!(
            geocoder.geocode("two places", None).await,
            Geocoded::Unsure {
                level: "ambiguous".to_owned()
            }
        );
        // Close together: the same place, take the first.
        let close = geocoder.geocode("two doors", None).await;
        assert!(
            matches!(close, Geocoded::Found { point, ref level, .. } if point == expected_point() && level == "门牌号"),
            "{close:?}"
        );
        // Only the first is precise: a far-away road does not count.
        let mixed = geocoder.geocode("door and road", None).await;
        assert!(
            matches!(mixed, Geocoded::Found { point, ref level, .. } if point == expected_point() && level == "兴趣点"),
            "{mixed:?}"
        );
    }

    #[tokio::test]
    async fn answers_are_cached_by_trimmed_address_and_city() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        let first = geocoder.geocode("precise", Some("泰兴市")).await;
        let second = geocoder.geocode(" precise  ", Some(" 泰兴市 ")).await;
        assert_eq!(first, second);
        assert_eq!(seen.calls(), 1);
        // Another city is another question.
        geocoder.geocode("precise", Some("321283")).await;
        assert_eq!(seen.calls(), 2);
        // Unsure and NotFound are cached too.
        geocoder.geocode("coarse", None).await;
        geocoder.geocode("coarse", None).await;
        geocoder.geocode("nowhere", None).await;
        geocoder.geocode("nowhere", None).await;
        assert_eq!(seen.calls(), 4);
    }

    #[tokio::test]
    async fn failures_are_not_cached() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(config(&url)).unwrap();
        assert_failed(&geocoder.geocode("flaky", None).await, "http status 503");
        let retried = geocoder.geocode("flaky", None).await;
        assert!(matches!(retried, Geocoded::Found { .. }), "{retried:?}");
        assert_eq!(seen.calls(), 2);
        // And the success is cached.
        geocoder.geocode("flaky", None).await;
        assert_eq!(seen.calls(), 2);
    }

    #[tokio::test]
    async fn expired_answers_are_fetched_again() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(GeocoderConfig {
            cache_ttl: Duration::from_millis(200),
            ..config(&url)
        })
        .unwrap();
        geocoder.geocode("precise", None).await;
        geocoder.geocode("precise", None).await;
        assert_eq!(seen.calls(), 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        geocoder.geocode("precise", None).await;
        assert_eq!(seen.calls(), 2);
    }

    #[tokio::test]
    async fn full_cache_drops_the_oldest_answer() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(GeocoderConfig {
            cache_capacity: 2,
            ..config(&url)
        })
        .unwrap();
        for address in ["a", "b", "c"] {
            geocoder.geocode(address, None).await;
        }
        assert_eq!(seen.calls(), 3);
        // "b" and "c" are still cached, "a" was evicted to make room for "c".
        geocoder.geocode("c", None).await;
        geocoder.geocode("b", None).await;
        assert_eq!(seen.calls(), 3);
        geocoder.geocode("a", None).await;
        assert_eq!(seen.calls(), 4);
        assert_eq!(geocoder.lock_cache().len(), 2);
    }

    #[tokio::test]
    async fn zero_capacity_disables_the_cache() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(GeocoderConfig {
            cache_capacity: 0,
            ..config(&url)
        })
        .unwrap();
        geocoder.geocode("precise", None).await;
        geocoder.geocode("precise", None).await;
        assert_eq!(seen.calls(), 2);
    }

    #[tokio::test]
    async fn no_key_means_no_key_parameter() {
        let (url, seen) = start_fake_amap();
        let geocoder = Geocoder::new(GeocoderConfig {
            key: None,
            ..config(&url)
        })
        .unwrap();
        geocoder.geocode("precise", None).await;
        assert!(!seen.last_query().contains_key("key"));
    }

    #[test]
    fn key_is_hidden_from_debug_output() {
        let config = config("http://127.0.0.1:9/v3/geocode/geo");
        let shown = format!("{config:?}");
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        let geocoder = Geocoder::new(config).unwrap();
        let shown = format!("{geocoder:?}");
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn bad_configuration_is_rejected() {
        let url = "http://127.0.0.1:9/geo";
        for bad in ["", "not a url", "ftp://example.com/geo", "unix:/tmp/socket"] {
            let err = Geocoder::new(config(bad)).unwrap_err();
            assert!(matches!(err, GeocoderError::InvalidUrl), "{bad}: {err:?}");
        }
        let blank_key = GeocoderConfig {
            key: Some("  ".to_owned()),
            ..config(url)
        };
        assert!(matches!(Geocoder::new(blank_key), Err(GeocoderError::BlankKey)));
        let no_time = GeocoderConfig {
            timeout: Duration::ZERO,
            ..config(url)
        };
        assert!(matches!(Geocoder::new(no_time), Err(GeocoderError::ZeroTimeout)));
    }

    #[test]
    fn defaults_match_the_contract() {
        let config = GeocoderConfig::default();
        assert_eq!(config.url, "https://restapi.amap.com/v3/geocode/geo");
        assert_eq!(config.key, None);
        assert_eq!(config.timeout, Duration::from_secs(3));
        assert_eq!(config.cache_capacity, 10_000);
        assert_eq!(config.cache_ttl, Duration::from_secs(24 * 60 * 60));
    }

    #[test]
    fn geocoder_can_be_shared_across_tasks() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Geocoder>();
        shareable::<Arc<Geocoder>>();
    }

    #[test]
    fn outcomes_serialise_with_a_tag() {
        let found = Geocoded::Found {
            point: LatLon::new(32.0, 120.0),
            level: "门牌号".to_owned(),
            formatted_address: None,
        };
        assert_eq!(
            serde_json::to_value(&found).unwrap(),
            json!({"outcome": "found", "point": {"lat": 32.0, "lon": 120.0}, "level": "门牌号", "formatted_address": null})
        );
        assert_eq!(
            serde_json::to_value(Geocoded::NotFound).unwrap(),
            json!({"outcome": "not_found"})
        );
        assert_eq!(
            serde_json::to_value(Geocoded::failed("timeout")).unwrap(),
            json!({"outcome": "failed", "reason": "timeout"})
        );
    }

    #[test]
    fn lenient_reading_of_amap_quirks() {
        // Numbers instead of strings, `[]` for an empty formatted_address.
        let body = r#"{"status":1,"count":1,"geocodes":[{"formatted_address":[],"level":"单元号","location":"120.0,32.0"}]}"#.as_bytes();
        let result = interpret(body);
        assert!(
            matches!(result, Geocoded::Found { formatted_address: None, ref level, .. } if level == "单元号"),
            "{result:?}"
        );
        // Missing level: unsure, in Amap's words.
        let body = br#"{"status":"1","count":"1","geocodes":[{"location":"120.0,32.0"}]}"#;
        assert_eq!(
            interpret(body),
            Geocoded::Unsure {
                level: "未知".to_owned()
            }
        );
        // Status "0" with odd info text keeps only a safe token.
        let body = "{\"status\":\"0\",\"info\":\"泰兴市 BAD\\nTHING\"}".as_bytes();
        assert_failed(&interpret(body), "amap error unknown: BADTHING");
        // Neither "0" nor "1".
        assert_failed(&interpret(br#"{"info":"OK"}"#), "unexpected answer status");
        // Valid JSON of the wrong shape.
        assert_failed(&interpret(br#"[1,2]"#), "invalid json");
        assert_failed(
            &interpret(br#"{"status":"1","count":"1","geocodes":[["x"]]}"#),
            "invalid json",
        );
        // Out-of-range coordinates.
        let body = r#"{"status":"1","count":"1","geocodes":[{"level":"门牌号","location":"200.0,32.0"}]}"#
            .as_bytes();
        assert_failed(&interpret(body), "invalid location");
    }

    #[test]
    fn cache_evicts_expired_entries_before_the_oldest() {
        let ttl = Duration::from_secs(10);
        let mut cache = Cache::new(3, ttl);
        let t0 = Instant::now();
        let key = |s: &str| CacheKey {
            address: s.to_owned(),
            city: None,
        };
        cache.insert(key("a"), Geocoded::NotFound, t0);
        cache.insert(key("b"), Geocoded::NotFound, t0 + Duration::from_secs(1));
        cache.insert(key("c"), Geocoded::NotFound, t0 + Duration::from_secs(6));
        // At t0 + 11.5 s "a" and "b" have expired: both go, "c" stays.
        let later = t0 + Duration::from_millis(11_500);
        cache.insert(key("d"), Geocoded::NotFound, later);
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key("c"), later).is_some());
        assert!(cache.get(&key("a"), later).is_none());
        // Nothing expired: the oldest ("c") makes room.
        cache.insert(key("e"), Geocoded::NotFound, later);
        cache.insert(key("f"), Geocoded::NotFound, later);
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&key("c"), later).is_none());
        // Replacing an existing key never evicts another.
        cache.insert(key("d"), Geocoded::NotFound, later);
        assert_eq!(cache.len(), 3);
        // An expired entry is not served and is dropped when looked up.
        assert!(cache.get(&key("d"), later + ttl).is_none());
        assert_eq!(cache.len(), 2);
    }
}

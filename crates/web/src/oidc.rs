//! Sign-in through an organisation's own identity provider: OpenID Connect's authorization code flow
//! with PKCE (RFC 7636), the ID token's RS256 signature checked against the provider's published keys.
//!
//! The HTTP client follows no redirects, so a provider cannot send Kotopolku's requests elsewhere.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kotopolku_service::ServiceError;
use kotopolku_service::auth::ExternalIdentity;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;

/// Where the identity provider is and who Kotopolku is to it.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer URL; HTTPS, except on a loopback address (tests and local trials).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Kotopolku's callback as registered at the provider: `https://HOST/api/v1/auth/oidc/callback`.
    pub redirect_url: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Debug, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

/// RSA public key components, big-endian.
#[derive(Debug, Clone)]
struct RsaKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

/// A configured provider: its metadata and signing keys, fetched when first needed.
#[derive(Debug)]
pub struct OidcClient {
    config: OidcConfig,
    http: reqwest::Client,
    metadata: RwLock<Option<Metadata>>,
    keys: RwLock<HashMap<String, RsaKey>>,
}

/// Why a sign-in through the provider failed; details go to the log, never to the browser.
fn failed(reason: impl std::fmt::Display) -> ServiceError {
    tracing::warn!(%reason, "OpenID Connect sign-in failed");
    ServiceError::InvalidCredentials
}

impl OidcClient {
    pub fn new(config: OidcConfig) -> Result<Self, String> {
        let issuer = reqwest::Url::parse(&config.issuer).map_err(|e| format!("OIDC issuer: {e}"))?;
        let loopback = matches!(issuer.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if issuer.scheme() != "https" && !loopback {
            return Err("the OIDC issuer must be an https:// URL".into());
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            config,
            http,
            metadata: RwLock::new(None),
            keys: RwLock::new(HashMap::new()),
        })
    }

    async fn metadata(&self) -> Result<Metadata, ServiceError> {
        if let Some(metadata) = self.metadata.read().await.clone() {
            return Ok(metadata);
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let metadata: Metadata = self.get_json(&url).await?;
        if metadata.issuer.trim_end_matches('/') != self.config.issuer.trim_end_matches('/') {
            return Err(failed("the discovery document names another issuer"));
        }
        *self.metadata.write().await = Some(metadata.clone());
        Ok(metadata)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, ServiceError> {
        let response = self.http.get(url).send().await.map_err(failed)?;
        if !response.status().is_success() {
            return Err(failed(format!("{url} answered {}", response.status())));
        }
        response.json().await.map_err(failed)
    }

    /// The provider's authorization URL for a new sign-in.
    pub async fn authorization_url(
        &self,
        state: &str,
        nonce: &str,
        code_verifier: &str,
    ) -> Result<String, ServiceError> {
        let metadata = self.metadata().await?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()));
        let mut url = reqwest::Url::parse(&metadata.authorization_endpoint).map_err(failed)?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_url)
            .append_pair("scope", "openid email")
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.to_string())
    }

    /// Exchanges the code for an ID token and verifies it; `now` is Unix time.
    pub async fn identity(
        &self,
        code: &str,
        nonce: &str,
        code_verifier: &str,
        now: i64,
    ) -> Result<ExternalIdentity, ServiceError> {
        let metadata = self.metadata().await?;
        let response = self
            .http
            .post(&metadata.token_endpoint)
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.config.redirect_url),
                ("client_id", &self.config.client_id),
                ("client_secret", &self.config.client_secret),
                ("code_verifier", code_verifier),
            ])
            .send()
            .await
            .map_err(failed)?;
        if !response.status().is_success() {
            return Err(failed(format!("token endpoint answered {}", response.status())));
        }
        #[derive(Deserialize)]
        struct TokenResponse {
            id_token: String,
        }
        let token: TokenResponse = response.json().await.map_err(failed)?;
        let claims = self.verify(&token.id_token, &metadata).await?;
        claims.into_identity(&self.config, &metadata, nonce, now)
    }

    /// Checks the ID token's signature (RS256 only) and returns its claims.
    async fn verify(&self, token: &str, metadata: &Metadata) -> Result<Claims, ServiceError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(failed("the ID token is not a JWS"));
        };
        #[derive(Deserialize)]
        struct Header {
            alg: String,
            #[serde(default)]
            kid: Option<String>,
        }
        let header_json: Header = decode_json(header)?;
        // Only RS256: never `none`, never a symmetric algorithm keyed with a public key.
        if header_json.alg != "RS256" {
            return Err(failed(format!("unsupported ID token algorithm {}", header_json.alg)));
        }
        let kid = header_json.kid.unwrap_or_default();
        // Bound first: a guard in the match scrutinee would live through the arms and deadlock the
        // write lock below.
        let cached = self.keys.read().await.get(&kid).cloned();
        let key = match cached {
            Some(key) => key,
            None => {
                // A provider rotates keys; fetch its set again once for an unknown key id.
                let jwks: Jwks = self.get_json(&metadata.jwks_uri).await?;
                let mut keys = self.keys.write().await;
                for jwk in jwks.keys.into_iter().filter(|k| k.kty == "RSA") {
                    if let (Some(n), Some(e)) = (&jwk.n, &jwk.e) {
                        keys.insert(
                            jwk.kid.clone().unwrap_or_default(),
                            RsaKey {
                                n: URL_SAFE_NO_PAD.decode(n).map_err(failed)?,
                                e: URL_SAFE_NO_PAD.decode(e).map_err(failed)?,
                            },
                        );
                    }
                }
                keys.get(&kid)
                    .cloned()
                    .ok_or_else(|| failed("no key with the ID token's key id"))?
            }
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(failed)?;
        let signed = format!("{header}.{payload}");
        aws_lc_rs::signature::RsaPublicKeyComponents { n: &key.n, e: &key.e }
            .verify(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                signed.as_bytes(),
                &signature,
            )
            .map_err(|_| failed("the ID token's signature does not verify"))?;
        decode_json(payload)
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, ServiceError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(failed)?;
    serde_json::from_slice(&bytes).map_err(failed)
}

/// `aud` is a string or an array of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Audience,
    exp: i64,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<bool>,
    /// Authentication methods (RFC 8176).
    #[serde(default)]
    amr: Vec<String>,
}

/// Clock skew tolerated between Kotopolku and the provider.
const LEEWAY_SECONDS: i64 = 60;

impl Claims {
    fn into_identity(
        self,
        config: &OidcConfig,
        metadata: &Metadata,
        nonce: &str,
        now: i64,
    ) -> Result<ExternalIdentity, ServiceError> {
        if self.iss != metadata.issuer {
            return Err(failed("the ID token is from another issuer"));
        }
        let audience_ok = match &self.aud {
            Audience::One(aud) => *aud == config.client_id,
            Audience::Many(auds) => auds.contains(&config.client_id),
        };
        if !audience_ok {
            return Err(failed("the ID token is for another client"));
        }
        if self.exp + LEEWAY_SECONDS < now {
            return Err(failed("the ID token has expired"));
        }
        if self.nonce.as_deref() != Some(nonce) {
            return Err(failed("the ID token's nonce does not match this sign-in"));
        }
        if self.sub.is_empty() {
            return Err(failed("the ID token has no subject"));
        }
        let multi_factor = self.amr.iter().any(|m| {
            matches!(
                m.as_str(),
                "mfa" | "otp" | "hwk" | "swk" | "sc" | "fpt" | "face" | "iris"
            )
        });
        Ok(ExternalIdentity {
            issuer: self.iss,
            subject: self.sub,
            email: self.email,
            email_verified: self.email_verified.unwrap_or(false),
            multi_factor,
        })
    }
}

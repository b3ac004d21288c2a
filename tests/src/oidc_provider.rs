//! A real OpenID provider for the sign-in tests: panva's `oidc-provider`
//! run by `tests/support/oidc-provider/provider.mjs` under Node on
//! 127.0.0.1 (a port the system picks), with its two test clients, and a
//! browser's way through its login page.
//!
//! `.ci/run` installs the script's packages (`npm ci`). Without Node or the
//! packages the tests are skipped, except under `CI`, where they fail.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

/// Subjects the HelseID-style provider vouches for are `pseudo-<user name>`.
pub const PSEUDONYM_PREFIX: &str = "pseudo-";

pub struct OidcProvider {
    pub issuer: String,
    /// The private_key_jwt client's key (0600), for `key_file`.
    pub key_file: PathBuf,
    /// The client_secret_basic client's secret (0600), for `secret_file`.
    pub secret_file: PathBuf,
    child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

impl OidcProvider {
    /// Starts the provider; `None` (the test is skipped) when Node or the
    /// script's packages are missing outside CI.
    pub async fn start() -> Option<Self> {
        let script_dir = crate::workspace_root().join("tests/support/oidc-provider");
        let ready = script_dir.join("node_modules/oidc-provider").is_dir()
            && std::process::Command::new("node")
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
        if !ready {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run the OpenID provider: node and `npm ci` in tests/support/oidc-provider"
            );
            eprintln!("skipped: node or tests/support/oidc-provider/node_modules missing (run npm ci there)");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = tokio::process::Command::new("node")
            .arg(script_dir.join("provider.mjs"))
            .arg("--out")
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let issuer = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("provider output") {
                if let Some(json) = line.strip_prefix("READY ") {
                    let v: serde_json::Value = serde_json::from_str(json).expect("READY json");
                    return v["issuer"].as_str().expect("issuer").to_owned();
                }
            }
            panic!("the OpenID provider stopped before it was ready");
        })
        .await
        .expect("the OpenID provider starts within 30 s");
        Some(Self {
            issuer,
            key_file: dir.path().join("client-key.pem"),
            secret_file: dir.path().join("client-secret"),
            child,
            _dir: dir,
        })
    }

    /// Makes the provider re-sign the ID token of the next token responses
    /// so that one check fails: `nonce`, `aud`, `expired`, `unknown-key`, or `none`.
    pub async fn tamper(&self, mode: &str) {
        let res = reqwest::Client::new()
            .post(format!("{}/__test/tamper", self.issuer))
            .body(mode.to_owned())
            .send()
            .await
            .expect("tamper");
        assert!(res.status().is_success());
    }

    /// Where the provider relays the back-channel logout tokens of the
    /// client_secret_basic client (the app's `…/basic/utlogging`).
    pub async fn backchannel_target(&self, url: &str) {
        let res = reqwest::Client::new()
            .post(format!("{}/__test/backchannel-target", self.issuer))
            .body(url.to_owned())
            .send()
            .await
            .expect("backchannel target");
        assert!(res.status().is_success());
    }

    /// Signs out at the provider itself with the browser `client` (its
    /// session cookie), confirming the provider's logout page; the
    /// provider then sends back-channel logout tokens before it answers.
    pub async fn end_session(&self, client: &reqwest::Client) {
        let page = client
            .get(format!("{}/session/end", self.issuer))
            .send()
            .await
            .expect("end session page")
            .text()
            .await
            .expect("body");
        let xsrf = page
            .split("name=\"xsrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no xsrf on the provider's logout page: {page}"))
            .to_owned();
        let res = client
            .post(format!("{}/session/end/confirm", self.issuer))
            .form(&[("xsrf", xsrf.as_str()), ("logout", "yes")])
            .send()
            .await
            .expect("confirm logout");
        assert!(
            res.status().is_redirection() || res.status().is_success(),
            "the provider signed out: {}",
            res.status()
        );
    }

    /// The provider settings for the HelseID-style client: private_key_jwt,
    /// PAR, DPoP, security level 4 required.
    pub fn helseid(&self) -> samavvik_app::oidc::config::ProviderConfig {
        use samavvik_app::oidc::config::{AuthMethod, KeyAlg, Profile, ProviderConfig};
        ProviderConfig {
            id: "helseid".into(),
            name: "HelseID (test)".into(),
            profile: Profile::Helseid,
            issuer: self.issuer.clone(),
            client_id: "samavvik-helseid".into(),
            auth_method: AuthMethod::PrivateKeyJwt,
            key_file: Some(self.key_file.clone()),
            key_alg: KeyAlg::PS256,
            key_id: Some("samavvik-test".into()),
            scopes: vec!["helseid".into()],
            acr_values: vec!["Level4".into()],
            min_level: Some(4),
            ..ProviderConfig::default()
        }
    }

    /// The provider settings for the client_secret_basic client (generic profile, `sub`).
    pub fn basic(&self) -> samavvik_app::oidc::config::ProviderConfig {
        use samavvik_app::oidc::config::{AuthMethod, Profile, ProviderConfig};
        ProviderConfig {
            id: "basic".into(),
            name: "Kommunens innlogging (test)".into(),
            profile: Profile::Generic,
            issuer: self.issuer.clone(),
            client_id: "samavvik-basic".into(),
            auth_method: AuthMethod::ClientSecretBasic,
            secret_file: Some(self.secret_file.clone()),
            ..ProviderConfig::default()
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Where one trip through the provider ended: the app's answer to the
/// callback (status, Location, body) and the callback URL itself.
pub struct Trip {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub callback: String,
}

/// Signs in at the app through provider `provider_id` as `user`, the way a
/// browser does with `client` (cookies kept, redirects followed by hand):
/// the sign-in page's button, the provider's login form, and back.
pub async fn sign_in_via(client: &reqwest::Client, base: &str, provider_id: &str, user: &str) -> Trip {
    let callback = to_callback(client, base, provider_id, user).await;
    let res = client.get(&callback).send().await.expect("callback");
    Trip {
        status: res.status().as_u16(),
        location: location(&res),
        body: res.text().await.expect("body"),
        callback,
    }
}

/// The way to the provider and back, up to (not including) the app's callback.
pub async fn to_callback(client: &reqwest::Client, base: &str, provider_id: &str, user: &str) -> String {
    let page = client
        .get(format!("{base}/logg-inn"))
        .send()
        .await
        .expect("sign-in page")
        .text()
        .await
        .expect("body");
    let marker = format!("action=\"/logg-inn/oidc/{provider_id}\"");
    assert!(
        page.contains(&marker),
        "no button for {provider_id} on the sign-in page"
    );
    let csrf = crate::server::hidden(&page, "csrf_token");
    let res = client
        .post(format!("{base}/logg-inn/oidc/{provider_id}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={csrf}"))
        .send()
        .await
        .expect("start");
    assert_eq!(
        res.status().as_u16(),
        303,
        "the button sends the browser to the provider"
    );
    let mut next = location(&res).expect("Location");
    // Through the provider: redirects, its login page, its confirmation
    // page (native clients are always asked), and redirects until it sends
    // the browser back to the app.
    let mut pages = 0;
    for _ in 0..20 {
        if next.starts_with(base) {
            return next;
        }
        let res = client.get(&next).send().await.expect("provider");
        if let Some(to) = location(&res) {
            next = absolute(&next, &to);
            continue;
        }
        let html = res.text().await.expect("provider page");
        pages += 1;
        assert!(pages <= 2, "the provider showed a third page: {html}");
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no form at the provider: {html}"))
            .replace("&#x2F;", "/")
            .replace("&amp;", "&");
        let fields: Vec<(&str, &str)> = if html.contains("name=\"prompt\" value=\"consent\"") {
            vec![("prompt", "consent")]
        } else {
            vec![("prompt", "login"), ("login", user), ("password", "test")]
        };
        let res = client
            .post(absolute(&next, &action))
            .form(&fields)
            .send()
            .await
            .expect("provider form");
        next = absolute(&next, &location(&res).expect("after the provider's form"));
    }
    panic!("the provider never sent the browser back");
}

fn location(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn absolute(from: &str, to: &str) -> String {
    reqwest::Url::parse(from)
        .and_then(|u| u.join(to))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| to.to_owned())
}

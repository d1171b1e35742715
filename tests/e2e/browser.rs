//! The integration page driven in headless Chromium through ChromeDriver's
//! WebDriver API: sign in, switch SCIM on, issue a token, reveal and copy
//! it, use it for a SCIM call, switch SCIM off and find the refusal in the
//! page's provisioning log.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them; `scripts/test.sh` runs this test when they are there), so it is
//! ignored in a plain `cargo test`. `HRMS_CHROMEDRIVER` and
//! `HRMS_CHROMIUM` override the binaries' paths.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hrms_api::v1::CreateTenantRequest;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, entra_user, free_port};

const PASSWORD: &str = "correct-horse-battery-staple";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// ChromeDriver in a process group of its own, with the Chromium it
/// starts: the whole group is stopped when dropped, so a failing test
/// leaves no browser behind.
struct Driver {
    process: Child,
    url: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// One browser session.
struct Browser<'a> {
    driver: &'a Driver,
    session: String,
}

impl Driver {
    async fn start() -> Driver {
        let binary =
            std::env::var("HRMS_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port();
        let process = Command::new(&binary)
            .process_group(0)
            // Without --allowed-ips it listens on loopback only.
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("starting {binary}: {error}"));
        let driver = Driver {
            process,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..100 {
            if driver
                .http
                .get(format!("{}/status", driver.url))
                .send()
                .await
                .is_ok()
            {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start");
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|error| panic!("webdriver {path}: {error}"))
    }

    /// A WebDriver call; its error ("error: message") when it fails.
    async fn try_call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply: Value = request.send().await.unwrap().json().await.unwrap();
        match reply["value"]["error"].as_str() {
            Some(error) => Err(format!("{error}: {}", reply["value"]["message"])),
            None => Ok(reply["value"].clone()),
        }
    }

    async fn browser(&self) -> Browser<'_> {
        let chromium =
            std::env::var("HRMS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1024"]
            }
        }}});
        let session = self
            .call(Method::POST, "/session", Some(capabilities))
            .await["sessionId"]
            .as_str()
            .expect("session id")
            .to_owned();
        let browser = Browser {
            driver: self,
            session,
        };
        // Finding an element waits for it (pages load after a click).
        browser
            .call(
                Method::POST,
                "/timeouts",
                Some(json!({"implicit": 10_000, "script": 10_000})),
            )
            .await;
        browser
    }
}

impl Browser<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.driver
            .call(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    async fn open(&self, url: &str) {
        self.call(Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        self.call(
            Method::POST,
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )
        .await[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call(
            Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Clicks a button that submits a form, and waits for the next page.
    async fn submit(&self, css: &str) {
        self.script("window.hrmsOldPage = true; arguments[0](null)")
            .await;
        self.click(css).await;
        for _ in 0..200 {
            // A script that runs while the old page unloads fails; that is
            // "not yet", not an error.
            let loaded = self
                .driver
                .try_call(
                    Method::POST,
                    &format!("/session/{}/execute/async", self.session),
                    Some(json!({
                        "script": "arguments[0](!window.hrmsOldPage && document.readyState === 'complete')",
                        "args": []
                    })),
                )
                .await;
            if loaded == Ok(json!(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no page came after clicking {css}");
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.call(Method::GET, &format!("/element/{element}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn script(&self, script: &str) -> Value {
        self.call(
            Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    async fn close(self) {
        self.driver
            .call(Method::DELETE, &format!("/session/{}", self.session), None)
            .await;
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; scripts/test.sh runs it where they are"]
async fn an_admin_sets_up_entra_provisioning_in_the_browser() {
    let app = TestApp::spawn_with_admin(PASSWORD).await;
    // A company that has not set anything up yet: SCIM off, no token.
    let tenant = TenantServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
        .create_tenant(CreateTenantRequest {
            name: "Kestrel & Vane <Ltd>".into(),
            time_zone: "Europe/London".into(),
            departments: vec!["General".into()],
            designations: vec!["Associate".into()],
            ..CreateTenantRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    let admin = app.scim.replace("/scim/v2", "/admin");
    let driver = Driver::start().await;
    let browser = driver.browser().await;
    // A wrong password, then the right one.
    browser.open(&admin).await;
    // Let the page's copy button use the clipboard, and this test read it.
    for permission in ["clipboard-read", "clipboard-write"] {
        browser
            .call(
                Method::POST,
                "/permissions",
                Some(json!({"descriptor": {"name": permission}, "state": "granted"})),
            )
            .await;
    }
    browser.type_into("#password", "not the password").await;
    browser.submit("#sign-in").await;
    let refused = browser.text("#login-error").await;
    browser.type_into("#password", PASSWORD).await;
    browser.submit("#sign-in").await;
    browser
        .submit(&format!("a[href=\"/admin/tenants/{}\"]", tenant.id))
        .await;
    let company = browser.text("#company").await;
    let before = browser.text("#scim-status").await;
    let endpoint = browser.text("#endpoint").await;

    browser.submit("#scim-toggle").await;
    let enabled = browser.text("#scim-status").await;
    browser.submit("#issue-token").await;
    let notice = browser.text("#new-token").await;
    let concealed = browser
        .script("arguments[0](document.getElementById('token').classList.contains('concealed'))")
        .await;
    browser.click("#reveal-token").await;
    let revealed = browser
        .script("arguments[0](document.getElementById('token').classList.contains('concealed'))")
        .await;
    let token = browser.text("#token").await;
    // Reloading must not issue another token: the address is the page's.
    let address = browser.call(Method::GET, "/url", None).await;
    browser.click("#copy-token").await;
    let copied = browser
        .script(
            "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('error: ' + e))",
        )
        .await;

    // The token works for Entra.
    let created = app
        .call_as(
            &token,
            Method::POST,
            "/Users",
            Some(entra_user("wren.halloway@example.test", "w-1")),
        )
        .await;

    browser.submit("#scim-toggle").await;
    let disabled = browser.text("#scim-status").await;
    let refused_call = app.call_as(&token, Method::GET, "/Users", None).await;
    browser
        .open(&format!("{admin}/tenants/{}", tenant.id))
        .await;
    let log = browser.text("#log").await;
    let failures = browser
        .script("arguments[0](document.querySelectorAll('#log tr.failure').length)")
        .await;
    browser.close().await;

    assert_eq!(refused, "That password is not right.");
    assert_eq!(company, "Kestrel & Vane <Ltd>");
    assert_eq!(before, "SCIM provisioning is not enabled");
    assert_eq!(endpoint, app.scim);
    assert_eq!(enabled, "SCIM provisioning is enabled");
    assert!(notice.contains("will not be shown again"), "{notice}");
    assert_eq!(concealed, json!(true));
    assert_eq!(revealed, json!(false));
    assert!(token.starts_with("hrms_scim_"), "{token}");
    assert_eq!(address, json!(format!("{admin}/tenants/{}", tenant.id)));
    assert_eq!(copied, json!(token));
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(disabled, "SCIM provisioning is not enabled");
    assert_eq!(refused_call.status, StatusCode::FORBIDDEN);
    assert!(log.contains("turned off"), "{log}");
    assert!(log.contains("create"), "{log}");
    assert_eq!(failures, json!(1));
    drop(driver);
    app.stop().await;
}

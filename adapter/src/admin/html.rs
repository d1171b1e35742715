//! The administrator pages as server-rendered HTML. Every value that comes
//! from data is escaped, and set in `<bdi>` so right-to-left characters in
//! it cannot reorder the text around it; the only script is [`SCRIPT`],
//! served as a file so the Content-Security-Policy can forbid inline code.

use std::fmt::Write;

use hrms_api::v1::{ProvisioningEvent, ScimStatus, ScimToken, Tenant};

/// A token to show once, right after it was issued.
pub struct NewToken {
    pub secret: String,
    /// Issued by rotating an older one (which keeps working a while).
    pub rotated: bool,
}

/// What the integration page shows.
pub struct Integration<'a> {
    pub tenant: &'a Tenant,
    pub status: &'a ScimStatus,
    pub endpoint: &'a str,
    pub tokens: &'a [ScimToken],
    pub events: &'a [ProvisioningEvent],
    pub new_token: Option<NewToken>,
    pub csrf: &'a str,
}

/// Escapes text for HTML element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment (tenant ids are UUIDs, but be safe).
pub fn url_part(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/admin/app.css\">\
         <script src=\"/admin/app.js\" defer></script></head>\
         <body><header><span class=\"brand\">Runtime HRMS</span> <span class=\"crumb\">Setup › Integrations</span></header>\
         <main>{body}</main></body></html>",
        title = escape(title)
    )
}

pub fn message_page(title: &str, message: &str) -> String {
    layout(
        title,
        &format!(
            "<h1>{}</h1><p class=\"notice\" id=\"message\">{}</p><p><a href=\"/admin\">Back</a></p>",
            escape(title),
            escape(message)
        ),
    )
}

pub fn login_page(problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"error\" id=\"login-error\">{}</p>", escape(p)))
        .unwrap_or_default();
    layout(
        "Sign in",
        &format!(
            "<h1>Administrator sign-in</h1>{problem}\
             <form id=\"login\" method=\"post\" action=\"/admin/login\">\
             <label for=\"password\">Administrator password</label>\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required autofocus>\
             <button id=\"sign-in\" type=\"submit\">Sign in</button></form>"
        ),
    )
}

fn logout_form(csrf: &str) -> String {
    format!(
        "<form class=\"inline right\" method=\"post\" action=\"/admin/logout\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button class=\"link\" id=\"sign-out\">Sign out</button></form>",
        escape(csrf)
    )
}

pub fn tenants_page(tenants: &[Tenant], csrf: &str) -> String {
    let mut rows = String::new();
    for tenant in tenants {
        let _ = write!(
            rows,
            "<li><a class=\"tenant\" href=\"/admin/tenants/{}\"><bdi>{}</bdi></a> <span class=\"muted\">{}</span></li>",
            url_part(&tenant.id),
            escape(&tenant.name),
            if tenant.scim_enabled {
                "SCIM on"
            } else {
                "SCIM off"
            }
        );
    }
    if tenants.is_empty() {
        rows.push_str("<li class=\"muted\">No companies yet: create one with <code>hrms tenant create</code>.</li>");
    }
    layout(
        "Companies",
        &format!(
            "{}<h1>Microsoft Entra ID</h1><p>Choose the company to set up.</p><ul id=\"tenants\">{rows}</ul>",
            logout_form(csrf)
        ),
    )
}

fn time(at: Option<&prost_types::Timestamp>) -> String {
    at.map(|at| {
        let days = at.seconds.div_euclid(86_400);
        let secs = at.seconds.rem_euclid(86_400);
        let (y, m, d) = crate::user::civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
            secs / 3600,
            secs % 3600 / 60
        )
    })
    .unwrap_or_else(|| "—".to_owned())
}

pub fn integration_page(page: &Integration<'_>) -> String {
    let tenant_path = format!("/admin/tenants/{}", url_part(&page.tenant.id));
    let csrf = escape(page.csrf);
    let mut body = logout_form(page.csrf);
    let _ = write!(
        body,
        "<p class=\"muted\"><a href=\"/admin\">Companies</a></p>\
         <h1>Microsoft Entra ID</h1><p class=\"company\"><bdi id=\"company\">{}</bdi></p>",
        escape(&page.tenant.name)
    );

    // Status and switch.
    let (status_text, status_class, switch_to, switch_label) = if page.status.enabled {
        (
            "SCIM provisioning is enabled",
            "on",
            "false",
            "Turn provisioning off",
        )
    } else {
        (
            "SCIM provisioning is not enabled",
            "off",
            "true",
            "Turn provisioning on",
        )
    };
    let _ = write!(
        body,
        "<section><h2>Provisioning</h2>\
         <p id=\"scim-status\" class=\"status {status_class}\">{status_text}</p>\
         <p class=\"muted\">Last request from Entra (to the minute): <span id=\"last-request\">{}</span></p>\
         <form method=\"post\" action=\"{tenant_path}/scim\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"enabled\" value=\"{switch_to}\">\
         <button id=\"scim-toggle\" type=\"submit\">{switch_label}</button></form></section>",
        time(page.status.last_request_at.as_ref())
    );

    // Endpoint.
    let _ = write!(
        body,
        "<section><h2>Tenant URL</h2><p>Paste this into the enterprise application's Provisioning page in Entra (Admin Credentials › Tenant URL).</p>\
         <div class=\"copyable\"><code id=\"endpoint\">{}</code>\
         <button type=\"button\" id=\"copy-endpoint\" data-copy=\"endpoint\">Copy</button></div></section>",
        escape(page.endpoint)
    );

    // Token shown once.
    body.push_str("<section><h2>Secret Token</h2>");
    if let Some(token) = &page.new_token {
        let note = if token.rotated {
            "The token it replaces keeps working for 24 hours, so Entra can be switched over."
        } else {
            ""
        };
        let _ = write!(
            body,
            "<div id=\"new-token\" class=\"new-token\"><p><strong>Copy this token now: it will not be shown again.</strong> {note}</p>\
             <div class=\"copyable\"><code id=\"token\" class=\"secret concealed\">{}</code>\
             <button type=\"button\" id=\"reveal-token\" data-reveal=\"token\">Reveal</button>\
             <button type=\"button\" id=\"copy-token\" data-copy=\"token\">Copy</button></div></div>",
            escape(&token.secret)
        );
    }
    body.push_str(
        "<p>Paste a token into Admin Credentials › Secret Token in Entra. Only a hash of each token is kept, so a lost token cannot be shown again: rotate it.</p>",
    );
    let mut rows = String::new();
    for token in page.tokens {
        let actions = if token.state == "active" {
            format!(
                "<form class=\"inline\" method=\"post\" action=\"{tenant_path}/tokens\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"token_id\" value=\"{id}\">\
                 <button class=\"rotate\" type=\"submit\">Rotate</button></form> \
                 <form class=\"inline\" method=\"post\" action=\"{tenant_path}/tokens/revoke\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"token_id\" value=\"{id}\">\
                 <button class=\"revoke danger\" type=\"submit\">Revoke</button></form>",
                id = escape(&token.id)
            )
        } else {
            String::new()
        };
        let _ = write!(
            rows,
            "<tr class=\"{state}\"><td><code>{}…</code></td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td><td>{actions}</td></tr>",
            escape(
                token
                    .id
                    .get(token.id.len().saturating_sub(8)..)
                    .unwrap_or(&token.id)
            ),
            time(token.created_at.as_ref()),
            time(token.last_used_at.as_ref()),
            token
                .expires_at
                .as_ref()
                .map_or_else(|| "never".to_owned(), |at| time(Some(at))),
            state = escape(&token.state),
        );
    }
    if page.tokens.is_empty() {
        rows.push_str("<tr><td colspan=\"6\" class=\"muted\">No tokens yet.</td></tr>");
    }
    let _ = write!(
        body,
        "<table id=\"tokens\"><thead><tr><th>Token</th><th>Created</th><th>Last used</th><th>Expires</th><th>State</th><th></th></tr></thead><tbody>{rows}</tbody></table>\
         <form method=\"post\" action=\"{tenant_path}/tokens\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button id=\"issue-token\" type=\"submit\">Issue a new token</button></form></section>"
    );

    // Provisioning log.
    let mut rows = String::new();
    for event in page.events {
        let subject = if !event.employee_id.is_empty() {
            format!("user {}", event.employee_id)
        } else if !event.group_id.is_empty() {
            format!("group {}", event.group_id)
        } else {
            String::new()
        };
        let _ = write!(
            rows,
            "<tr class=\"{outcome}\"><td>{}</td><td>{}</td><td>{outcome}</td><td class=\"subject\"><bdi>{}</bdi></td><td class=\"detail\"><bdi>{}</bdi></td></tr>",
            time(event.at.as_ref()),
            escape(&event.operation),
            escape(&subject),
            escape(&event.detail),
            outcome = escape(&event.outcome),
        );
    }
    if page.events.is_empty() {
        rows.push_str("<tr><td colspan=\"5\" class=\"muted\">Nothing provisioned yet.</td></tr>");
    }
    let _ = write!(
        body,
        "<section><h2>Recent provisioning</h2><p class=\"muted\">{}, newest first; failures say why.</p>\
         <table id=\"log\"><thead><tr><th>When</th><th>Operation</th><th>Outcome</th><th>Subject</th><th>Detail</th></tr></thead><tbody>{rows}</tbody></table></section>",
        match page.events.len() {
            1 => "The latest event".to_owned(),
            n => format!("The latest {n} events"),
        }
    );
    layout("Microsoft Entra ID", &body)
}

/// Copy and reveal buttons.
pub const SCRIPT: &str = r#""use strict";
// A new token is shown by the POST that made it; move the address back to
// the company's page, so reloading reads the page instead of issuing again.
if (document.getElementById("new-token")) {
  history.replaceState(null, "", location.pathname.replace(/\/tokens$/, ""));
}
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy], button[data-reveal]");
  if (!button) return;
  if (button.dataset.reveal) {
    const secret = document.getElementById(button.dataset.reveal);
    const concealed = secret.classList.toggle("concealed");
    button.textContent = concealed ? "Reveal" : "Hide";
    return;
  }
  const text = document.getElementById(button.dataset.copy).textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch (error) {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById(button.dataset.copy));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "Press Ctrl+C";
  }
  button.dataset.copied = "true";
});
"#;

pub const STYLE: &str = r#"body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{background:#1d2433;color:#fff;padding:.6rem 1.5rem}.brand{font-weight:600}.crumb{opacity:.7;margin-left:.5rem}
main{max-width:60rem;margin:1.5rem auto;padding:0 1.5rem}section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:1rem 1.25rem;margin:1rem 0}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.1rem;margin:0 0 .5rem}.company{font-size:1.1rem;margin-top:0}
.muted{color:#667085}.error{color:#b42318}.notice{padding:.75rem;background:#fff4e5;border-radius:4px}
.status{font-weight:600}.status.on{color:#067647}.status.off{color:#b42318}
.copyable{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}code{background:#eef1f5;padding:.3rem .5rem;border-radius:4px;word-break:break-all}
.secret.concealed{color:transparent;text-shadow:0 0 8px #1d2433;user-select:none}
.new-token{border:2px solid #067647;border-radius:6px;padding:.5rem 1rem;margin-bottom:1rem;background:#ecfdf3}
table{width:100%;border-collapse:collapse;margin:.5rem 0}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eef1f5;vertical-align:top}
tr.failure td{background:#fef3f2}tr.warning td{background:#fffaeb}tr.revoked td,tr.expired td{color:#98a2b3}
button{font:inherit;padding:.35rem .8rem;border-radius:4px;border:1px solid #98a2b3;background:#fff;cursor:pointer}
button.danger{color:#b42318;border-color:#fda29b}button.link{border:none;background:none;color:#1d2433;text-decoration:underline}
form.inline{display:inline}.right{float:right}label{display:block;margin:.5rem 0 .25rem}input[type=password]{font:inherit;padding:.35rem;width:20rem;max-width:100%;margin-bottom:.75rem;display:block}
.subject{font-family:monospace;font-size:.85em}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_escaped_everywhere() {
        assert_eq!(escape("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
        let tenants = [Tenant {
            id: "a/b".into(),
            name: "<img src=x onerror=alert(1)>".into(),
            ..Tenant::default()
        }];
        let page = tenants_page(&tenants, "c\"srf");
        assert!(!page.contains("<img"));
        assert!(page.contains("/admin/tenants/a%2Fb"));
        assert!(page.contains("value=\"c&quot;srf\""));
    }

    #[test]
    fn the_integration_page_says_the_status_and_shows_a_new_token_once() {
        let tenant = Tenant {
            id: "t1".into(),
            name: "Northbridge".into(),
            ..Tenant::default()
        };
        let events = [ProvisioningEvent {
            operation: "create".into(),
            outcome: "failure".into(),
            detail: "Job Title 'X' does not exist in designations".into(),
            ..ProvisioningEvent::default()
        }];
        let off = ScimStatus::default();
        let page = integration_page(&Integration {
            tenant: &tenant,
            status: &off,
            endpoint: "http://127.0.0.1:8080/scim/v2",
            tokens: &[],
            events: &events,
            new_token: Some(NewToken {
                secret: "hrms_scim_abc".into(),
                rotated: false,
            }),
            csrf: "x",
        });
        assert!(page.contains("SCIM provisioning is not enabled"));
        assert!(page.contains("hrms_scim_abc"));
        assert!(page.contains("Job Title &#39;X&#39; does not exist in designations"));
        assert!(!page.contains("<script>"));
    }
}

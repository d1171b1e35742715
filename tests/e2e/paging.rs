//! Cursor paging (RFC 9865) on /Users and /Groups, beside index paging.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, create_tenant, entra_user, url_encode};

fn names(page: &Value) -> Vec<String> {
    page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

fn next(page: &Value) -> String {
    page["nextCursor"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn cursor_pages_do_not_repeat_or_skip_when_rows_are_inserted_between_them() {
    let app = TestApp::spawn().await;
    for (i, name) in ["b", "d", "f", "h", "j"].iter().enumerate() {
        app.create_user(entra_user(
            &format!("{name}@example.test"),
            &format!("x{i}"),
        ))
        .await;
    }
    let query = "sortBy=userName&count=2&attributes=userName";

    let first = app.list(&format!("{query}&cursor")).await;
    // One before the position reached, one after it.
    app.create_user(entra_user("a@example.test", "late-1"))
        .await;
    app.create_user(entra_user("e@example.test", "late-2"))
        .await;
    let second = app.list(&format!("{query}&cursor={}", next(&first))).await;
    let third = app.list(&format!("{query}&cursor={}", next(&second))).await;
    assert_eq!(names(&first), ["b@example.test", "d@example.test"]);
    assert!(first.get("startIndex").is_none());
    assert_eq!(first["totalResults"], 5);
    assert_eq!(names(&second), ["e@example.test", "f@example.test"]);
    assert_eq!(names(&third), ["h@example.test", "j@example.test"]);
    assert!(third.get("nextCursor").is_none());
    assert_eq!(third["totalResults"], 7);
    app.stop().await;
}

#[tokio::test]
async fn cursors_follow_every_sort_order_to_the_end_exactly_once() {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let mut user = entra_user(&format!("u{i}@example.test"), &format!("x{i}"));
        // Some without a displayName: missing values sort last.
        if i % 3 == 0 {
            user.as_object_mut().unwrap().remove("displayName");
        } else {
            user["displayName"] = json!(format!("Name {}", i % 2));
        }
        user["active"] = json!(i % 2 == 0);
        created.push(app.create_user(user).await);
    }
    for sort in [
        "",
        "&sortBy=displayName",
        "&sortBy=displayName&sortOrder=descending",
        "&sortBy=active&sortOrder=descending",
        "&sortBy=id",
        "&sortBy=meta.created&sortOrder=descending",
        "&sortBy=externalId",
    ] {
        let index = app.list(&format!("count=100{sort}&attributes=id")).await;
        let expected: Vec<&Value> = index["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["id"])
            .collect();
        let mut seen = Vec::new();
        let mut cursor = String::new();
        for _ in 0..10 {
            let page = app
                .list(&format!("count=3{sort}&attributes=id&cursor={cursor}"))
                .await;
            seen.extend(
                page["Resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].clone()),
            );
            match page["nextCursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let seen: Vec<&Value> = seen.iter().collect();
        assert_eq!(seen, expected, "sort {sort:?}");
        assert_eq!(seen.len(), created.len());
    }
    app.stop().await;
}

#[tokio::test]
async fn altered_foreign_or_misused_cursors_are_refused() {
    let app = TestApp::spawn().await;
    for i in 0..3 {
        app.create_user(entra_user(&format!("u{i}@example.test"), &format!("x{i}")))
            .await;
    }
    let first = app.list("count=1&cursor=").await;
    let cursor = next(&first);
    let (_, other_token) = create_tenant(&app.grpc, "Other Company").await;

    let mut flipped = cursor.clone().into_bytes();
    let middle = flipped.len() / 2;
    flipped[middle] = if flipped[middle] == b'A' { b'B' } else { b'A' };
    let altered = app
        .get(&format!(
            "/Users?count=1&cursor={}",
            String::from_utf8(flipped).unwrap()
        ))
        .await;
    let other_filter = app
        .get(&format!(
            "/Users?count=1&cursor={cursor}&filter={}",
            url_encode("userName pr")
        ))
        .await;
    let other_tenant = app
        .call_as(
            &other_token,
            Method::GET,
            &format!("/Users?count=1&cursor={cursor}"),
            None,
        )
        .await;
    let on_groups = app.get(&format!("/Groups?count=1&cursor={cursor}")).await;
    let garbage = app.get("/Users?cursor=%3Cscript%3E").await;
    let both = app
        .get(&format!("/Users?startIndex=2&cursor={cursor}"))
        .await;
    let everywhere = app
        .call(Method::POST, "/.search", Some(json!({"cursor": ""})))
        .await;
    let same = app.get(&format!("/Users?count=1&cursor={cursor}")).await;

    for refused in [&altered, &other_filter, &other_tenant, &on_groups, &garbage] {
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(
            refused.body["scimType"], "invalidCursor",
            "{}",
            refused.body
        );
    }
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert_eq!(everywhere.status, StatusCode::BAD_REQUEST);
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(same.body["Resources"][0]["userName"], "u1@example.test");
    app.stop().await;
}

#[tokio::test]
async fn groups_and_search_requests_page_by_cursor_too() {
    let app = TestApp::spawn().await;
    for name in ["Alpha", "Beta", "Gamma"] {
        let reply = app
            .call(Method::POST, "/Groups", Some(json!({"displayName": name})))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    app.create_user(entra_user("a@example.test", "x1")).await;
    app.create_user(entra_user("b@example.test", "x2")).await;

    let groups = app
        .get("/Groups?count=2&cursor&sortBy=displayName&sortOrder=descending")
        .await;
    let rest = app
        .get(&format!(
            "/Groups?count=2&sortBy=displayName&sortOrder=descending&cursor={}",
            next(&groups.body)
        ))
        .await;
    let searched = app
        .call(
            Method::POST,
            "/Users/.search",
            Some(json!({"count": 1, "cursor": "", "attributes": ["userName"]})),
        )
        .await;
    let searched_on = app
        .call(
            Method::POST,
            "/Users/.search",
            Some(json!({"count": 1, "cursor": next(&searched.body), "attributes": ["userName"]})),
        )
        .await;
    let config = app.get("/ServiceProviderConfig").await;

    let display = |page: &Value| -> Vec<String> {
        page["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["displayName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(display(&groups.body), ["Gamma", "Beta"]);
    assert_eq!(display(&rest.body), ["Alpha"]);
    assert!(rest.body.get("nextCursor").is_none());
    assert_eq!(names(&searched.body), ["a@example.test"]);
    assert_eq!(names(&searched_on.body), ["b@example.test"]);
    assert_eq!(config.body["pagination"]["cursor"], true);
    assert_eq!(config.body["pagination"]["cursorTimeout"], 3600);
    app.stop().await;
}

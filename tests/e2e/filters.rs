//! Filters on attributes kept only in the profile (nickName, name parts,
//! phone numbers, addresses, enterprise costCenter, ...) and value filters
//! over any sub-attributes, all answered by the database.

use hrms::{DatabaseArgs, open_store};
use serde_json::json;

use crate::support::{ENTERPRISE, TestApp, entra_user};

async fn total(app: &TestApp, filter: &str) -> i64 {
    app.filter(filter).await["totalResults"].as_i64().unwrap()
}

#[tokio::test]
async fn every_profile_attribute_and_value_filter_is_answered_in_sql() {
    let app = TestApp::spawn().await;
    let mut kit = entra_user("kit@example.test", "k-1");
    kit["nickName"] = json!("Kit");
    kit["locale"] = json!("en-GB");
    kit["name"]["middleName"] = json!("Quill");
    kit["emails"] = json!([
        {"value": "kit@example.test", "type": "work", "primary": true},
        {"value": "kit@home.test", "type": "home"}
    ]);
    kit["phoneNumbers"] = json!([{"value": "+44 20 7946 0412", "type": "mobile"}]);
    kit["addresses"] = json!([{"type": "work", "locality": "Eastmere", "country": "GB"}]);
    kit[ENTERPRISE]["costCenter"] = json!("CC-4410");
    app.create_user(kit).await;
    let mut ode = entra_user("ode@example.test", "o-1");
    ode["emails"] = json!([{"value": "ode@home.test", "type": "home", "primary": true}]);
    app.create_user(ode).await;

    let cases = [
        ("nickName eq \"KIT\"", 1),
        ("nickName ne \"kit\"", 1),
        ("locale sw \"en\"", 1),
        ("not (locale pr)", 1),
        ("name.middleName eq \"quill\"", 1),
        ("name[givenName pr and middleName co \"uil\"]", 1),
        ("emails[type eq \"work\" and primary eq true]", 1),
        ("emails[type eq \"home\" and primary eq true]", 1),
        ("emails[primary eq true]", 2),
        ("emails[not (type eq \"work\")]", 2),
        (
            "emails[type eq \"work\" or value ew \"home.test\"].value sw \"ode\"",
            1,
        ),
        ("emails.type eq \"home\"", 2),
        ("phoneNumbers[type eq \"mobile\" and value co \"7946\"]", 1),
        ("phoneNumbers pr", 1),
        (
            "addresses[locality eq \"eastmere\" and country eq \"GB\"]",
            1,
        ),
        ("addresses.postalCode pr", 0),
        (&format!("{ENTERPRISE}:costCenter eq \"cc-4410\""), 1),
        ("nickName eq \"kit\" or emails[value sw \"ode\"]", 2),
        ("meta.created pr", 2),
        ("employeeNumber sw \"EMP-\"", 2),
        ("costCenter eq \"cc-4410\"", 1),
    ];
    for (filter, expected) in cases {
        assert_eq!(total(&app, filter).await, expected, "{filter}");
    }

    for (filter, detail) in [
        ("emails[primary gt true]", "boolean"),
        ("emails[foo eq \"x\"]", "foo"),
        ("nickName[value eq \"x\"]", "nickName"),
        ("meta.resourceType eq \"User\"", "meta.resourceType"),
        ("emails[type eq \"work\" and emails[primary eq true]]", ""),
        ("userName co \"\\u0000x\"", "NUL"),
        ("active gt true", "operator gt cannot be applied to active"),
    ] {
        let reply = app
            .get(&format!(
                "/Users?filter={}",
                crate::support::url_encode(filter)
            ))
            .await;
        assert_eq!(reply.status, 400, "{filter}");
        assert_eq!(reply.body["scimType"], "invalidFilter", "{filter}");
        assert!(
            reply.body["detail"].as_str().unwrap().contains(detail),
            "{filter}: {}",
            reply.body["detail"]
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn employees_stored_before_the_value_index_become_searchable_at_start() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("kit@example.test", "k-1");
    user["nickName"] = json!("Kit");
    app.create_user(user).await;
    // As a database from before the index: no rows, no marker.
    let pool = sqlx::AnyPool::connect(app.database_url()).await.unwrap();
    sqlx::query("DELETE FROM employee_values")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM server_keys WHERE name = 'attribute-values'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(total(&app, "nickName eq \"kit\"").await, 0);

    // Starting a directory on the database indexes what is there.
    let args = DatabaseArgs {
        database_url: app.database_url().to_owned(),
        db_max_connections: 2,
        skip_migrations: false,
    };
    open_store(&args).await.unwrap();

    assert_eq!(total(&app, "nickName eq \"kit\"").await, 1);
    app.stop().await;
}

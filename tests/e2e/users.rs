//! Users over SCIM: create, read, filter, page, project, conflict, delete.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{ENTERPRISE, TestApp, entra_user};

#[tokio::test]
async fn create_user_returns_201_with_location_etag_and_the_stored_resource() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("hollis.brandvold@example.test", "dc840941");
    user["title"] = json!("Head of People Operations");
    user[ENTERPRISE] = json!({"employeeNumber": "E-100017", "department": "People Operations"});

    let reply = app.post_user(user).await;

    assert_eq!(reply.status, StatusCode::CREATED);
    assert!(
        reply
            .header("content-type")
            .starts_with("application/scim+json")
    );
    let id = reply.body["id"].as_str().unwrap();
    assert_eq!(reply.header("location"), format!("{}/Users/{id}", app.scim));
    assert_eq!(reply.header("etag"), "W/\"1\"");
    assert_eq!(reply.body["userName"], "hollis.brandvold@example.test");
    assert_eq!(reply.body["externalId"], "dc840941");
    assert_eq!(reply.body["active"], true);
    assert_eq!(reply.body["title"], "Head of People Operations");
    assert_eq!(
        reply.body["name"],
        json!({"formatted": "Test Person", "familyName": "Person", "givenName": "Test"})
    );
    assert_eq!(reply.body[ENTERPRISE]["employeeNumber"], "E-100017");
    assert_eq!(reply.body[ENTERPRISE]["department"], "People Operations");
    assert_eq!(reply.body["meta"]["resourceType"], "User");
    assert!(
        reply.body.get("roles").is_none(),
        "empty roles are not returned"
    );
    app.stop().await;
}

#[tokio::test]
async fn full_hr_profile_is_returned_as_sent_with_the_manager_wrapped() {
    let app = TestApp::spawn().await;
    let manager = app
        .create_user(entra_user("boss@example.test", "m-1"))
        .await;
    let mut user = entra_user("ayla.tennerby@example.test", "c582bb68");
    user["addresses"] = json!([
        {"type": "work", "streetAddress": "14 Quarry Lane", "locality": "Eastmere", "region": "Westshire", "postalCode": "WS1 4QL", "country": "GB"},
        {"type": "other", "formatted": "Building 3, Room 4.12"}
    ]);
    user["phoneNumbers"] = json!([{"type": "work", "value": "+44 20 7946 0412"}, {"type": "mobile", "value": "+44 7700 900418"}]);
    user["preferredLanguage"] = json!("en-GB");
    user["title"] = json!("Payroll Analyst");
    user[ENTERPRISE] = json!({
        "employeeNumber": "E-104233", "department": "Payroll", "costCenter": "CC-4410",
        "organization": "Example Test Holdings", "division": "Finance", "manager": manager
    });

    let id = app.create_user(user.clone()).await;
    let stored = app.user(&id).await;

    assert_eq!(stored["addresses"], user["addresses"]);
    assert_eq!(stored["phoneNumbers"], user["phoneNumbers"]);
    assert_eq!(stored["emails"], user["emails"]);
    assert_eq!(stored["preferredLanguage"], "en-GB");
    assert_eq!(stored[ENTERPRISE]["costCenter"], "CC-4410");
    assert_eq!(stored[ENTERPRISE]["organization"], "Example Test Holdings");
    assert_eq!(stored[ENTERPRISE]["division"], "Finance");
    assert_eq!(stored[ENTERPRISE]["manager"]["value"], manager);
    app.stop().await;
}

#[tokio::test]
async fn manager_given_only_by_ref_is_stored_by_its_id() {
    let app = TestApp::spawn().await;
    let manager = app
        .create_user(entra_user("boss@example.test", "m-1"))
        .await;
    let mut user = entra_user("ivo.marrow@example.test", "c-2");
    user[ENTERPRISE]["manager"] = json!({"$ref": format!("{}/Users/{manager}", app.scim)});

    let id = app.create_user(user).await;
    let stored = app.user(&id).await;

    assert_eq!(stored[ENTERPRISE]["manager"]["value"], manager);
    assert_eq!(
        stored[ENTERPRISE]["manager"]["$ref"],
        format!("{}/Users/{manager}", app.scim)
    );
    app.stop().await;
}

#[tokio::test]
async fn active_sent_as_the_string_true_is_stored_as_a_boolean() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("rune.castellan@example.test", "94ef4240");
    user["active"] = json!("True");

    let reply = app.post_user(user).await;

    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["active"], true);
    app.stop().await;
}

#[tokio::test]
async fn test_connection_probes_with_random_ids_get_empty_list_responses() {
    let app = TestApp::spawn().await;

    let users = app
        .list("filter=userName+eq+%22ddb26f43-0346-45e9-96a5-565a087c4daf%22")
        .await;
    let groups = app
        .get("/Groups?excludedAttributes=members&filter=displayName+eq+%22a0afa885%22")
        .await;

    assert_eq!(
        users["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(users["totalResults"], 0);
    assert_eq!(users["Resources"], json!([]));
    assert_eq!(groups.status, StatusCode::OK);
    assert_eq!(groups.body["totalResults"], 0);
    app.stop().await;
}

#[tokio::test]
async fn user_name_filters_ignore_case_and_accept_every_encoding() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(entra_user("ayla.tennerby@example.test", "x1"))
        .await;

    for query in [
        "filter=userName+eq+%22ayla.tennerby%40example.test%22",
        "filter=userName%20eq%20%22ayla.tennerby@example.test%22",
        "filter=userName+eq+%22Ayla.Tennerby%40EXAMPLE.test%22",
        "filter=USERNAME+EQ+%22ayla.tennerby%40example.test%22",
    ] {
        let list = app.list(query).await;
        assert_eq!(list["totalResults"], 1, "{query}");
        assert_eq!(list["Resources"][0]["id"], id.as_str(), "{query}");
    }
    let none = app.filter("userName eq \"nobody@example.test\"").await;
    assert_eq!(none["totalResults"], 0);
    app.stop().await;
}

#[tokio::test]
async fn work_email_value_path_filter_finds_the_user() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("ayla@example.test", "x1")).await;

    let work = app
        .filter("emails[type eq \"work\"].value eq \"AYLA@example.test\"")
        .await;
    let home = app
        .filter("emails[type eq \"home\"].value eq \"ayla@example.test\"")
        .await;
    let any = app.filter("emails.value eq \"ayla@example.test\"").await;

    assert_eq!(work["Resources"][0]["id"], id.as_str());
    assert_eq!(home["totalResults"], 0);
    assert_eq!(any["totalResults"], 1);
    app.stop().await;
}

#[tokio::test]
async fn external_id_filter_is_case_exact() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(entra_user("a@example.test", "AbC-123"))
        .await;

    let exact = app.filter("externalId eq \"AbC-123\"").await;
    let other_case = app.filter("externalId eq \"abc-123\"").await;

    assert_eq!(exact["Resources"][0]["id"], id.as_str());
    assert_eq!(other_case["totalResults"], 0);
    app.stop().await;
}

#[tokio::test]
async fn or_not_co_sw_and_pr_filters_combine_in_the_database() {
    let app = TestApp::spawn().await;
    let a = app
        .create_user(entra_user("alpha@example.test", "x1"))
        .await;
    let b = app.create_user(entra_user("beta@example.test", "x2")).await;

    let either = app
        .filter("userName eq \"alpha@example.test\" or userName eq \"beta@example.test\"")
        .await;
    let not_alpha = app.filter("not (userName sw \"alpha\")").await;
    let contains = app.filter("userName co \"ETA@\"").await;
    let present = app.filter("externalId pr and active eq true").await;

    assert_eq!(either["totalResults"], 2);
    assert_eq!(not_alpha["Resources"][0]["id"], b.as_str());
    assert_eq!(contains["Resources"][0]["id"], b.as_str());
    assert_eq!(present["totalResults"], 2);
    assert_ne!(a, b);
    app.stop().await;
}

#[tokio::test]
async fn taken_user_name_returns_409_uniqueness_ignoring_case_and_creates_nothing() {
    let app = TestApp::spawn().await;
    app.create_user(entra_user("ayla@example.test", "x1")).await;

    let same = app.post_user(entra_user("ayla@example.test", "x2")).await;
    let other_case = app.post_user(entra_user("AYLA@example.test", "x3")).await;

    for reply in [same, other_case] {
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert_eq!(reply.body["status"], "409");
        assert_eq!(reply.body["scimType"], "uniqueness");
        assert_eq!(
            reply.body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }
    assert_eq!(
        app.filter("userName eq \"ayla@example.test\"").await["totalResults"],
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn taken_external_id_returns_409_uniqueness() {
    let app = TestApp::spawn().await;
    app.create_user(entra_user("one@example.test", "same-ext"))
        .await;

    let reply = app
        .post_user(entra_user("two@example.test", "same-ext"))
        .await;

    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["scimType"], "uniqueness");
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap()
            .contains("externalId")
    );
    app.stop().await;
}

#[tokio::test]
async fn id_and_manager_filter_answers_whether_the_manager_is_current() {
    let app = TestApp::spawn().await;
    let manager = app.create_user(entra_user("boss@example.test", "m")).await;
    let other = app.create_user(entra_user("other@example.test", "o")).await;
    let mut user = entra_user("ayla@example.test", "a");
    user[ENTERPRISE] = json!({"manager": {"value": manager}});
    let id = app.create_user(user).await;

    let same = app
        .list(&format!(
            "filter=id+eq+%22{id}%22+and+manager+eq+%22{manager}%22&attributes=id"
        ))
        .await;
    let differs = app
        .list(&format!(
            "filter=id+eq+%22{id}%22+and+manager+eq+%22{other}%22&attributes=id"
        ))
        .await;

    assert_eq!(same["totalResults"], 1);
    assert_eq!(
        same["Resources"][0],
        json!({"id": id, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]})
    );
    assert_eq!(differs["totalResults"], 0);
    app.stop().await;
}

#[tokio::test]
async fn deactivated_user_stays_visible_and_can_be_reactivated() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("ayla@example.test", "a")).await;

    let off = app
        .patch_user(
            &id,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await;
    let listed = app.filter("userName eq \"ayla@example.test\"").await;
    let inactive = app.filter("active eq false").await;
    let on = app
        .patch_user(
            &id,
            json!([{"op": "Replace", "path": "active", "value": "True"}]),
        )
        .await;

    assert_eq!(off.status, StatusCode::OK);
    assert_eq!(off.body["active"], false);
    assert_eq!(app.user(&id).await["active"], true);
    assert_eq!(listed["Resources"][0]["active"], false);
    assert_eq!(inactive["totalResults"], 1);
    assert_eq!(on.body["active"], true);
    app.stop().await;
}

#[tokio::test]
async fn listing_pages_with_exact_totals_in_a_stable_order() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            app.create_user(entra_user(&format!("u{n}@example.test"), &format!("e{n}")))
                .await,
        );
    }

    let first = app.list("startIndex=1&count=2").await;
    let second = app.list("startIndex=3&count=2").await;
    let past = app.list("startIndex=4&count=2").await;
    let default_start = app.list("count=1").await;
    let all = app.list("").await;
    let zero = app.list("count=0").await;
    let below_one = app.list("startIndex=-5&count=1").await;

    assert_eq!(
        (
            first["totalResults"].clone(),
            first["startIndex"].clone(),
            first["itemsPerPage"].clone()
        ),
        (json!(3), json!(1), json!(2))
    );
    assert_eq!(second["itemsPerPage"], 1);
    assert_eq!(second["startIndex"], 3);
    assert_eq!(past["Resources"], json!([]));
    assert_eq!(past["totalResults"], 3);
    assert_eq!(default_start["startIndex"], 1);
    let order: Vec<&str> = all["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(first["Resources"][1]["id"], ids[1].as_str());
    assert_eq!(second["Resources"][0]["id"], ids[2].as_str());
    assert_eq!(zero["totalResults"], 3);
    assert_eq!(zero["Resources"], json!([]));
    assert_eq!(below_one["startIndex"], 1);
    app.stop().await;
}

#[tokio::test]
async fn attributes_and_excluded_attributes_shape_reads() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("ayla@example.test", "a")).await;

    let only = app
        .get(&format!("/Users/{id}?attributes=userName,name.givenName"))
        .await
        .body;
    let without = app
        .get(&format!("/Users/{id}?excludedAttributes=emails,name"))
        .await
        .body;

    assert_eq!(only["userName"], "ayla@example.test");
    assert_eq!(only["name"], json!({"givenName": "Test"}));
    assert_eq!(only["id"], id.as_str());
    assert!(only.get("emails").is_none() && only.get("meta").is_none());
    assert!(without.get("emails").is_none() && without.get("name").is_none());
    assert_eq!(without["userName"], "ayla@example.test");
    app.stop().await;
}

#[tokio::test]
async fn deleted_user_is_gone_from_scim_and_can_be_provisioned_again() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("ayla@example.test", "ext-a");
    user[ENTERPRISE] = json!({"employeeNumber": "E-1"});
    let id = app.create_user(user.clone()).await;

    let deleted = app
        .call(Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    let read = app.get(&format!("/Users/{id}")).await;
    let filtered = app.filter("userName eq \"ayla@example.test\"").await;
    let again = app
        .call(Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    let same_code = app.post_user(user.clone()).await;
    user[ENTERPRISE] = json!({});
    let recreated = app.post_user(user).await;

    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(deleted.body, serde_json::Value::Null);
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(read.body["status"], "404");
    assert_eq!(filtered["totalResults"], 0);
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(
        same_code.status,
        StatusCode::CONFLICT,
        "the removed employee keeps its code"
    );
    assert_eq!(recreated.status, StatusCode::CREATED);
    assert_ne!(recreated.body["id"], id.as_str());
    app.stop().await;
}

#[tokio::test]
async fn put_replaces_the_user_and_ignores_read_only_attributes() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("ayla@example.test", "a")).await;
    let mut replacement = entra_user("ayla.new@example.test", "a");
    replacement["id"] = json!("something-else");
    replacement["displayName"] = json!("Ayla New");
    replacement.as_object_mut().unwrap().remove("emails");

    let reply = app
        .call(Method::PUT, &format!("/Users/{id}"), Some(replacement))
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["id"], id.as_str());
    assert_eq!(reply.body["userName"], "ayla.new@example.test");
    assert_eq!(reply.body["displayName"], "Ayla New");
    assert!(reply.body.get("emails").is_none());
    assert_eq!(reply.body["meta"]["version"], "W/\"2\"");
    app.stop().await;
}

#[tokio::test]
async fn tenants_never_see_each_others_users() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("ayla@example.test", "a")).await;
    let (_, other_token) = crate::support::create_tenant(&app.grpc, "Other Company").await;

    let read = app
        .call_as(&other_token, Method::GET, &format!("/Users/{id}"), None)
        .await;
    let listed = app
        .call_as(
            &other_token,
            Method::GET,
            &format!("/Users?filter=id+eq+%22{id}%22"),
            None,
        )
        .await;
    let patched = app
        .call_as(
            &other_token,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({"Operations": [{"op": "replace", "path": "active", "value": false}]})),
        )
        .await;
    let deleted = app
        .call_as(&other_token, Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    let same_name = app
        .call_as(
            &other_token,
            Method::POST,
            "/Users",
            Some(entra_user("ayla@example.test", "a")),
        )
        .await;

    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(listed.body["totalResults"], 0);
    assert_eq!(patched.status, StatusCode::NOT_FOUND);
    assert_eq!(deleted.status, StatusCode::NOT_FOUND);
    assert_eq!(
        same_name.status,
        StatusCode::CREATED,
        "uniqueness is per tenant"
    );
    assert_eq!(app.user(&id).await["active"], true);
    app.stop().await;
}

#[tokio::test]
async fn sort_by_and_sort_order_order_every_page() {
    let app = TestApp::spawn().await;
    for (name, display) in [
        ("carol@example.test", Some("Carol")),
        ("alice@example.test", None),
        ("bob@example.test", Some("bob")),
    ] {
        let mut user = entra_user(name, name);
        match display {
            Some(display) => user["displayName"] = json!(display),
            None => {
                user.as_object_mut().unwrap().remove("displayName");
            }
        }
        app.create_user(user).await;
    }
    let names = |list: &serde_json::Value| -> Vec<String> {
        list["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["userName"].as_str().unwrap().to_owned())
            .collect()
    };

    let ascending = app.list("sortBy=userName").await;
    let descending = app.list("sortBy=userName&sortOrder=DESCENDING").await;
    let second_page = app.list("sortBy=userName&startIndex=2&count=1").await;
    let by_display = app.list("sortBy=displayName&sortOrder=descending").await;
    let bad_order = app.get("/Users?sortBy=userName&sortOrder=sideways").await;
    let bad_field = app.get("/Users?sortBy=emails").await;

    assert_eq!(
        names(&ascending),
        [
            "alice@example.test",
            "bob@example.test",
            "carol@example.test"
        ]
    );
    assert_eq!(
        names(&descending),
        [
            "carol@example.test",
            "bob@example.test",
            "alice@example.test"
        ]
    );
    assert_eq!(names(&second_page), ["bob@example.test"]);
    assert_eq!(
        names(&by_display),
        [
            "carol@example.test",
            "bob@example.test",
            "alice@example.test"
        ],
        "no displayName sorts last"
    );
    assert_eq!(bad_order.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_field.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_field.body["scimType"], "invalidValue");
    app.stop().await;
}

#[tokio::test]
async fn search_endpoints_take_the_query_in_the_body() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("ayla@example.test", "a")).await;
    app.create_user(entra_user("other@example.test", "o")).await;
    app.call(
        Method::POST,
        "/Groups",
        Some(json!({"displayName": "Team"})),
    )
    .await;
    let request = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"ayla\"",
        "attributes": ["userName"],
        "count": 5
    });

    let users = app
        .call(Method::POST, "/Users/.search", Some(request))
        .await;
    let groups = app
        .call(
            Method::POST,
            "/Groups/.search",
            Some(json!({"filter": "displayName eq \"team\""})),
        )
        .await;
    let everywhere = |body: serde_json::Value| app.call(Method::POST, "/.search", Some(body));
    let all = everywhere(json!({"filter": "id pr", "attributes": ["id"]})).await;
    let second_page =
        everywhere(json!({"startIndex": 2, "count": 2, "excludedAttributes": "members"})).await;
    let only_users = everywhere(json!({"filter": "userName sw \"ayla\""})).await;
    let only_groups = everywhere(json!({"filter": "displayName eq \"team\""})).await;
    let counted = everywhere(json!({"count": 0})).await;
    let sorted = everywhere(json!({"sortBy": "userName", "sortOrder": "descending", "attributes": "userName,displayName"})).await;
    let broken = everywhere(json!({"filter": "userName eq"})).await;
    let neither = everywhere(json!({"filter": "nickName eq \"x\" and members pr"})).await;
    let either = everywhere(
        json!({"filter": "userName eq \"ayla@example.test\" or displayName eq \"team\""}),
    )
    .await;
    let without_emails = everywhere(json!({"filter": "not (emails pr)"})).await;

    assert_eq!(users.status, StatusCode::OK);
    assert_eq!(users.body["totalResults"], 1);
    assert_eq!(
        users.body["Resources"][0],
        json!({"id": id, "userName": "ayla@example.test", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]})
    );
    assert_eq!(groups.body["totalResults"], 1);
    // Root search: Users, then Groups, paged over both.
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["totalResults"], 3);
    let kinds: Vec<&str> = all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["schemas"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:core:2.0:Group"
        ]
    );
    assert_eq!(second_page.body["totalResults"], 3);
    assert_eq!(second_page.body["itemsPerPage"], 2);
    assert_eq!(
        second_page.body["Resources"][0]["userName"],
        "other@example.test"
    );
    assert_eq!(second_page.body["Resources"][1]["displayName"], "Team");
    assert_eq!(only_users.body["totalResults"], 1);
    assert_eq!(only_users.body["Resources"][0]["id"], id.as_str());
    assert_eq!(only_groups.body["totalResults"], 1);
    assert_eq!(only_groups.body["Resources"][0]["displayName"], "Team");
    assert_eq!(counted.body["totalResults"], 3);
    assert_eq!(counted.body["Resources"], json!([]));
    assert_eq!(
        sorted.body["Resources"][0]["userName"],
        "other@example.test"
    );
    assert_eq!(sorted.body["Resources"][2]["displayName"], "Team");
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.body["scimType"], "invalidFilter");
    assert_eq!(neither.status, StatusCode::BAD_REQUEST);
    // An attribute a type lacks is false there, under or and not too.
    assert_eq!(either.body["totalResults"], 2);
    assert_eq!(
        without_emails.body["Resources"][0]["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:Group"
    );
    app.stop().await;
}

#[tokio::test]
async fn not_matches_users_that_lack_the_attribute() {
    let app = TestApp::spawn().await;
    let mut nameless = entra_user("nameless@example.test", "n");
    nameless.as_object_mut().unwrap().remove("displayName");
    let nameless = app.create_user(nameless).await;
    let mut named = entra_user("named@example.test", "d");
    named["displayName"] = json!("Bob");
    app.create_user(named).await;

    let not_bob = app.filter("not (displayName eq \"Bob\")").await;
    let not_b = app.filter("not (displayName sw \"b\")").await;
    let not_after = app.filter("not (displayName gt \"a\")").await;

    for list in [not_bob, not_b, not_after] {
        assert_eq!(list["totalResults"], 1, "{list}");
        assert_eq!(list["Resources"][0]["id"], nameless.as_str());
    }
    app.stop().await;
}

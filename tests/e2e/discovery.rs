//! Discovery endpoints Entra and gallery validation read.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn service_provider_config_advertises_patch_and_filter() {
    let app = TestApp::spawn().await;

    let reply = app.get("/ServiceProviderConfig").await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["patch"]["supported"], true);
    assert_eq!(
        reply.body["filter"],
        json!({"supported": true, "maxResults": 1000})
    );
    assert_eq!(reply.body["bulk"]["supported"], true);
    assert_eq!(
        reply.body["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
    app.stop().await;
}

#[tokio::test]
async fn schemas_and_resource_types_list_user_enterprise_and_group() {
    let app = TestApp::spawn().await;

    let schemas = app.get("/Schemas").await.body;
    let types = app.get("/ResourceTypes").await.body;
    let user = app
        .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
        .await
        .body;

    let ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:extension:runtimehrms:2.0:User",
            "urn:ietf:params:scim:schemas:core:2.0:Group"
        ]
    );
    assert_eq!(types["Resources"][0]["endpoint"], "/Users");
    assert_eq!(
        types["Resources"][0]["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    let user_name = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["mutability"], "readWrite");
    app.stop().await;
}

#[tokio::test]
async fn an_authenticated_schema_read_lists_the_companys_titles_and_departments() {
    let app = TestApp::spawn().await;
    let path = "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User";

    let with_token = app.get(path).await.body;
    let anonymous: serde_json::Value = app
        .http
        .get(format!("{}{path}", app.scim))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let enterprise = app
        .get("/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        .await
        .body;

    let attribute = |schema: &serde_json::Value, name: &str| {
        schema["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .cloned()
            .unwrap()
    };
    let titles = attribute(&with_token, "title")["canonicalValues"].clone();
    assert!(
        titles
            .as_array()
            .unwrap()
            .contains(&json!("Senior Payroll Analyst"))
    );
    assert!(
        attribute(&anonymous, "title")
            .get("canonicalValues")
            .is_none()
    );
    let departments = attribute(&enterprise, "department")["canonicalValues"].clone();
    assert!(
        departments
            .as_array()
            .unwrap()
            .contains(&json!("Payroll Operations"))
    );
    app.stop().await;
}

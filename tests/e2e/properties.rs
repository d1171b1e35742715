//! Property test: for random users and random filters, the users the
//! database returns are exactly those the in-memory evaluator matches, so
//! filters mean the same in SQL as in the SCIM grammar.
//!
//! A seeded generator (no external crate) makes failures repeatable: the
//! seed and the failing filter are in the message.
//!
//! # Limitations
//! Ordering comparisons (gt, ge, lt, le) on text are left out: the database
//! orders by its collation, which on PostgreSQL clusters with a
//! language-aware collation differs from byte order.

use std::collections::BTreeSet;

use hrms_adapter::filter::{evaluate, parse_filter};
use hrms_adapter::schema::is_case_exact;
use serde_json::{Value, json};

use crate::support::{TestApp, url_encode};

const USERS: usize = 24;
const FILTERS: usize = 250;
const SEED: u64 = 0x5eed_2026_1204;

/// xorshift64*: small, deterministic, good enough to pick test cases.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const WORDS: &[&str] = &["ana", "Bo", "cyd", "DEV", "eli"];

fn random_user(random: &mut Random, n: usize) -> Value {
    let mut user = json!({
        "userName": format!("{}{}.{n}@x.test", random.pick(WORDS), random.below(3)),
        "active": random.chance(70),
    });
    if random.chance(70) {
        user["displayName"] = json!(format!("{} {}", random.pick(WORDS), random.pick(WORDS)));
    }
    if random.chance(60) {
        // externalId is unique per company: the user's number makes it so.
        user["externalId"] = json!(format!("{}-{}-{n}", random.pick(WORDS), random.below(4)));
    }
    let mut emails = Vec::new();
    for _ in 0..random.below(3) {
        emails.push(json!({
            "type": random.pick(&["work", "home"]),
            "value": format!("{}{}@mail.test", random.pick(WORDS), random.below(3)),
        }));
    }
    if !emails.is_empty() {
        user["emails"] = Value::Array(emails);
    }
    if random.chance(50) {
        user["nickName"] = json!(random.pick(WORDS));
    }
    let mut phones = Vec::new();
    for _ in 0..random.below(3) {
        let mut phone = json!({
            "type": random.pick(&["work", "mobile"]),
            "value": format!("+44 {}", random.below(5)),
        });
        if random.chance(40) {
            phone["primary"] = json!(random.chance(50));
        }
        phones.push(phone);
    }
    if !phones.is_empty() {
        user["phoneNumbers"] = Value::Array(phones);
    }
    user
}

/// A condition on one phone number, inside `phoneNumbers[...]`.
fn phone_term(random: &mut Random) -> String {
    match random.below(4) {
        0 => format!("type eq \"{}\"", random.pick(&["work", "mobile", "WORK"])),
        1 => format!("primary eq {}", random.chance(50)),
        2 => format!(
            "value {} \"+44 {}\"",
            random.pick(&["eq", "ne", "sw"]),
            random.below(5)
        ),
        _ => format!("{} pr", random.pick(&["primary", "type"])),
    }
}

fn atom(random: &mut Random) -> String {
    let word = random.pick(WORDS).to_owned();
    let text_op = random.pick(&["eq", "ne", "co", "sw", "ew"]);
    match random.below(10) {
        7 => format!(
            "nickName {} \"{word}\"",
            random.pick(&["eq", "ne", "co", "sw", "ew"])
        ),
        8 => {
            let first = phone_term(random);
            let second = phone_term(random);
            match random.below(3) {
                0 => format!("phoneNumbers[{first}]"),
                1 => format!(
                    "phoneNumbers[{first} {} {second}]",
                    random.pick(&["and", "or"])
                ),
                _ => format!("phoneNumbers[not ({first})]"),
            }
        }
        9 => format!(
            "phoneNumbers.{} {}",
            random.pick(&["type", "value"]),
            random.pick(&["pr", "eq \"mobile\"", "ne \"work\"", "co \"4\""])
        ),
        0 => format!("userName {text_op} \"{word}\""),
        1 => format!("userName sw \"{word}{}\"", random.below(3)),
        2 => format!("displayName {text_op} \"{word}\""),
        3 => match random.below(3) {
            0 => {
                let op = random.pick(&["eq", "ne"]);
                let n = random.below(USERS);
                format!("externalId {op} \"{word}-{}-{n}\"", random.below(4))
            }
            _ => {
                let op = random.pick(&["co", "sw"]);
                format!("externalId {op} \"{word}-{}\"", random.below(4))
            }
        },
        4 => format!("active eq {}", random.chance(50)),
        5 => {
            let attribute = random.pick(&["displayName", "externalId", "emails"]);
            format!("{attribute} pr")
        }
        _ => {
            let kind = random.pick(&["work", "home"]);
            let op = random.pick(&["eq", "co", "sw"]);
            format!(
                "emails[type eq \"{kind}\"].value {op} \"{word}{}\"",
                random.below(3)
            )
        }
    }
}

fn filter(random: &mut Random, depth: usize) -> String {
    if depth == 0 || random.chance(40) {
        return atom(random);
    }
    match random.below(3) {
        0 => format!(
            "{} and {}",
            filter(random, depth - 1),
            filter(random, depth - 1)
        ),
        1 => format!(
            "({} or {})",
            filter(random, depth - 1),
            filter(random, depth - 1)
        ),
        _ => format!("not ({})", filter(random, depth - 1)),
    }
}

fn ids(list: &Value) -> BTreeSet<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn sql_filters_agree_with_the_in_memory_evaluator() {
    let app = TestApp::spawn().await;
    // HRMS_PROPERTY_SEED explores other cases; the default keeps CI stable.
    let seed = std::env::var("HRMS_PROPERTY_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(SEED);
    let mut random = Random(seed | 1);
    for n in 0..USERS {
        let user = random_user(&mut random, n);
        app.create_user(user).await;
    }
    let everyone = app.list("count=1000").await;
    let users = everyone["Resources"].as_array().unwrap().clone();
    assert_eq!(users.len(), USERS);
    let case_exact =
        |path: &hrms_adapter::filter::AttrPath| is_case_exact(&path.attr, path.sub_attr.as_deref());

    let mut matched_some = 0;
    for _ in 0..FILTERS {
        let text = filter(&mut random, 3);
        let parsed = parse_filter(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let expected: BTreeSet<String> = users
            .iter()
            .filter(|user| evaluate(&parsed, user, &case_exact))
            .map(|user| user["id"].as_str().unwrap().to_owned())
            .collect();
        let got = ids(&app
            .list(&format!("count=1000&filter={}", url_encode(&text)))
            .await);
        assert_eq!(got, expected, "seed {seed}, filter: {text}");
        if !expected.is_empty() && expected.len() < USERS {
            matched_some += 1;
        }
    }
    // The generator must produce selective filters, or the test says little.
    assert!(
        matched_some > FILTERS / 4,
        "only {matched_some} selective filters"
    );
    app.stop().await;
}

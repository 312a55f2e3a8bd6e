//! The server's API as a colleague uses it beside the client under test:
//! logged in with a password, reading and writing over HTTP.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A colleague (or the test) logged in to the server.
pub(crate) struct Api {
    base: String,
    pub(crate) token: String,
    http: reqwest::Client,
}

impl Api {
    pub(crate) async fn login(base: &str, username: &str, password: &str) -> Self {
        let http = reqwest::Client::new();
        let body: Value = http
            .post(format!("{base}/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            base: base.into(),
            token: body["access_token"].as_str().unwrap().into(),
            http,
        }
    }

    /// Waits until the server refuses this client's token (at most 20 s).
    pub(crate) async fn wait_until_refused(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.get("/auth/me").await.0 != 401 {
            assert!(Instant::now() < deadline, "the token is still accepted");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// PATCH with this JSON body: someone else's edit.
    pub(crate) async fn patch(&self, path: &str, body: &Value) -> u16 {
        self.http
            .patch(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Any other write (PUT, DELETE): someone else's.
    pub(crate) async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> u16 {
        let request = self.http.request(method, format!("{}{path}", self.base));
        let request = match body {
            Value::Null => request,
            body => request.json(body),
        };
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        response.status().as_u16()
    }

    pub(crate) async fn actors_named(&self, name: &str) -> Vec<Value> {
        let (_, body) = self
            .get(&format!("/actors?q={}", name.replace(' ', "%20")))
            .await;
        body["actors"].as_array().unwrap().clone()
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    pub(crate) async fn cast(&self, path: &str) -> Vec<Value> {
        self.get(path).await.1["cast"].as_array().unwrap().clone()
    }
}

pub(crate) fn password<'a>(passwords: &'a [(String, String)], user: &str) -> &'a str {
    &passwords.iter().find(|(u, _)| u == user).unwrap().1
}

/// The actor at `row` (from 1) by id.
pub(crate) async fn actor_at(api: &Api, row: usize) -> Value {
    let (_, body) = api
        .get(&format!("/actors?sort=id&per_page=1&page={row}"))
        .await;
    body["actors"][0].clone()
}

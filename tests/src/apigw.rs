//! API Gateway events as an HttpApi on the `$default` stage sends them to jobsmith's functions
//! (payload format 2.0), after `example-apigw-v2-request-lambda-authorizer.json` and
//! `example-apigw-v2-custom-authorizer-v2-request.json` in the aws_lambda_events crate, with
//! jobsmith's paths, methods, bodies and authorizer context.

use serde_json::{Value, json};

/// A request to an HTTP function. `authorizer_context` is what the request authorizer returned
/// (a simple response's context, which API Gateway puts under `requestContext.authorizer.lambda`);
/// `None` for a public route, which has no authorizer.
pub fn http_event(
    method: &str,
    path_and_query: &str,
    body: Option<&Value>,
    authorizer_context: Option<&Value>,
) -> Value {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut context = json!({
        "routeKey": "$default",
        "accountId": "123456789012",
        "stage": "$default",
        "requestId": "id",
        "apiId": "api-id",
        "domainName": "id.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "id",
        "time": "12/Mar/2020:19:03:58 +0000",
        "timeEpoch": 1_583_348_638_390_u64,
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "curl/8.5.0"}
    });
    if let Some(authorizer_context) = authorizer_context {
        context["authorizer"] = json!({"lambda": authorizer_context});
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "id.execute-api.us-east-1.amazonaws.com", "user-agent": "curl/8.5.0", "accept": "*/*"},
        "requestContext": context,
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        event["headers"]["content-type"] = json!("application/json");
        event["body"] = json!(body.to_string());
    }
    event
}

/// The request authorizer's event for a request to the jobs route carrying `headers` (its
/// identity source is the `x-api-key` header).
pub fn authorizer_event(headers: Value) -> Value {
    json!({
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/POST/api/v1/scheduler/jobs",
        "identitySource": [headers.get("x-api-key").and_then(Value::as_str).unwrap_or_default()],
        "routeKey": "POST /api/v1/scheduler/jobs",
        "rawPath": "/api/v1/scheduler/jobs",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef123",
            "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef123",
            "http": {"method": "POST", "path": "/api/v1/scheduler/jobs", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "curl/8.5.0"},
            "requestId": "id",
            "routeKey": "POST /api/v1/scheduler/jobs",
            "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1_583_348_638_390_u64
        }
    })
}

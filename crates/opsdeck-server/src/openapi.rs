//! The OpenAPI 3.1 document of the API, made from the route table and the engine's output
//! table declarations: every route, its parameters, who may call it, and for table outputs the
//! columns with their JSON types (fractions, seconds and amounts are numbers; undefined is
//! null).

use crate::routes::{Access, In, Method, Output, Type, ROUTES};
use opsdeck_engine::views::catalogue::catalogue;
use opsdeck_engine::views::table::Kind;
use serde_json::{json, Map, Value};

/// The JSON schema of one column's values.
fn column_schema(kind: &Kind, about: &str) -> Value {
    let ty = match kind {
        Kind::Count => json!(["integer", "null"]),
        Kind::Flag => json!(["boolean", "null"]),
        Kind::Text | Kind::Timestamp | Kind::LocalTime | Kind::Date | Kind::Period => {
            json!(["string", "null"])
        }
        _ => json!(["number", "null"]),
    };
    json!({"type": ty, "description": about})
}

/// The 200 response of a route.
fn ok_response(out: &Output) -> Value {
    match out {
        Output::Html(about) => {
            json!({"description": about, "content": {"text/html": {"schema": {"type": "string"}}}})
        }
        Output::Redirect(about) => json!({"description": about}),
        Output::Asset(media) => {
            json!({"description": "the file", "content": {*media: {"schema": {"type": "string"}}}})
        }
        _ => {
            json!({"description": "ok", "content": {"application/json": {"schema": output_schema(out)}}})
        }
    }
}

fn output_schema(out: &Output) -> Value {
    match out {
        Output::Object(about)
        | Output::Html(about)
        | Output::Redirect(about)
        | Output::Asset(about) => {
            json!({"type": "object", "description": about})
        }
        Output::Table(name) => {
            let spec = catalogue().into_iter().find(|t| t.name == *name);
            let mut props = Map::new();
            if let Some(t) = &spec {
                for c in &t.columns {
                    props.insert(c.name.to_string(), column_schema(&c.kind, &c.about));
                }
            }
            json!({
                "type": "object",
                "description": spec.as_ref().map_or("", |t| t.about),
                "properties": {
                    "rows": {"type": "array", "items": {"type": "object", "properties": props}},
                    "notes": {"type": "array", "items": {"type": "string"}}
                }
            })
        }
    }
}

fn access_words(a: Access) -> &'static str {
    match a {
        Access::Public => "public",
        Access::Read => "any logged-in user; limited to the caller's clients",
        Access::Operate => "admin, account-manager (the clients assigned to them)",
        Access::Administer => "admin",
        Access::Audit => "admin, auditor",
    }
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let params: Vec<Value> = r
            .params
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": match p.at { In::Path => "path", In::Query => "query" },
                    "required": p.required || p.at == In::Path,
                    "description": p.about,
                    "schema": match p.ty {
                        Type::String => json!({"type": "string"}),
                        Type::Strings => json!({"type": "array", "items": {"type": "string"}}),
                        Type::Integer => json!({"type": "integer"}),
                        Type::Boolean => json!({"type": "boolean"}),
                    },
                })
            })
            .collect();
        let ok_code = match r.output {
            Output::Redirect(_) => "303",
            _ => "200",
        };
        let mut op = json!({
            "operationId": r.name,
            "summary": r.summary,
            "description": format!("Access: {}.", access_words(r.access)),
            "parameters": params,
            "responses": {
                ok_code: ok_response(&r.output),
                "default": {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if r.access != Access::Public {
            op["security"] = json!([{"bearer": []}, {"session": []}]);
        }
        let method = match r.method {
            Method::Get => "get",
            Method::Post => "post",
        };
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "opsdeck API",
            "version": "1",
            "description": "The JSON API of opsdeck: the same tables as the CLI's `--format json`, limited to the caller's clients. Errors are {\"error\": {\"code\", \"message\", \"request_id\"}}."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "opsdeck_session"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "object", "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "request_id": {"type": "string"}
                    }}}
                }
            }
        }
    })
}

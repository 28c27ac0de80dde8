//! Responses as the handlers build them, and Salesforce's error body shapes.

use crate::value::write_json_str;

/// The JSON content type Salesforce sends.
pub(crate) const JSON: &str = "application/json;charset=UTF-8";

/// An HTTP response before it is written.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// May be gzip-compressed when the client accepts it.
    pub compressible: bool,
}

impl Response {
    /// A JSON response.
    pub(crate) fn json(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type: Some(JSON.to_owned()),
            headers: Vec::new(),
            body,
            compressible: true,
        }
    }

    /// A JSON response from a `serde_json::Value`.
    pub(crate) fn json_value(status: u16, v: &serde_json::Value) -> Response {
        Response::json(status, v.to_string().into_bytes())
    }

    /// 204 No Content.
    pub(crate) fn no_content() -> Response {
        Response {
            status: 204,
            content_type: None,
            headers: Vec::new(),
            body: Vec::new(),
            compressible: false,
        }
    }

    /// A REST error: `[{"message":..,"errorCode":..}]`.
    pub(crate) fn error(status: u16, code: &str, message: &str) -> Response {
        Response::error_fields(status, code, message, &[])
    }

    /// A REST error with a `fields` array (left out when empty).
    pub(crate) fn error_fields(
        status: u16,
        code: &str,
        message: &str,
        fields: &[&str],
    ) -> Response {
        let fields = (!fields.is_empty()).then_some(fields);
        Response::json(status, error_body(code, message, fields))
    }

    /// 404 NOT_FOUND, "The requested resource does not exist".
    pub(crate) fn not_found() -> Response {
        Response::error(404, "NOT_FOUND", "The requested resource does not exist")
    }

    /// 405 METHOD_NOT_ALLOWED listing the allowed methods.
    pub(crate) fn method_not_allowed(method: &str, allowed: &str) -> Response {
        let msg = format!("HTTP Method '{method}' not allowed. Allowed are {allowed}");
        Response::error(405, "METHOD_NOT_ALLOWED", &msg)
    }

    /// An OAuth error: `{"error":..,"error_description":..}`, status 400.
    pub(crate) fn oauth_error(error: &str, description: &str) -> Response {
        Response::json(
            400,
            json_object(&[("error", error), ("error_description", description)]),
        )
        .header(
            "Cache-Control",
            "no-cache,must-revalidate,max-age=0,no-store,private",
        )
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A Salesforce error before it becomes a response: REST calls answer it as a one-element
/// error array, sObject Collections and composite embed it per record.
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub fields: Vec<String>,
    /// More members of the REST error object, such as `duplicateResut`.
    pub extra: Vec<(&'static str, serde_json::Value)>,
    /// `fields` is written even when empty (`"fields":[]`), as Salesforce writes it for the
    /// errors of a record's save or delete, such as `ENTITY_IS_DELETED`.
    pub empty_fields_shown: bool,
}

impl ApiError {
    /// An error without fields.
    pub(crate) fn new(status: u16, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
            fields: Vec::new(),
            extra: Vec::new(),
            empty_fields_shown: false,
        }
    }

    /// An error about a record, whose REST form always has `fields` (`"fields":[]` here).
    pub(crate) fn of_record(status: u16, code: &str, message: &str) -> ApiError {
        ApiError {
            empty_fields_shown: true,
            ..ApiError::new(status, code, message)
        }
    }

    /// An error naming the fields at fault.
    pub(crate) fn fields(status: u16, code: &str, message: &str, fields: &[&str]) -> ApiError {
        let fields = fields.iter().map(|f| (*f).to_owned()).collect();
        ApiError {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
            fields,
            extra: Vec::new(),
            empty_fields_shown: false,
        }
    }

    /// Appends the Collections form: `{"statusCode":..,"message":..,"fields":[..]}`.
    pub(crate) fn write_item(&self, b: &mut Vec<u8>) {
        b.extend_from_slice(b"{\"statusCode\":");
        write_json_str(b, &self.code);
        b.extend_from_slice(b",\"message\":");
        write_json_str(b, &self.message);
        b.extend_from_slice(b",\"fields\":");
        let fields: Vec<&str> = self.fields.iter().map(String::as_str).collect();
        write_str_array(b, &fields);
        b.push(b'}');
    }
}

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Response {
        let fields: Vec<&str> = e.fields.iter().map(String::as_str).collect();
        let shown = (e.empty_fields_shown || !fields.is_empty()).then_some(&fields[..]);
        let plain = Response::json(e.status, error_body(&e.code, &e.message, shown));
        if e.extra.is_empty() {
            return plain;
        }
        // `[{...}]`: the extra members go first, as Salesforce writes `duplicateResut` first.
        let mut b = Vec::with_capacity(plain.body.len() + 512);
        b.extend_from_slice(b"[{");
        for (name, value) in &e.extra {
            write_json_str(&mut b, name);
            b.push(b':');
            b.extend_from_slice(value.to_string().as_bytes());
            b.push(b',');
        }
        b.extend_from_slice(&plain.body[2..]);
        Response::json(e.status, b)
    }
}

/// `[{"message":..,"errorCode":..,"fields":[..]}]`, without `fields` when `None`.
fn error_body(code: &str, message: &str, fields: Option<&[&str]>) -> Vec<u8> {
    let mut b = Vec::with_capacity(64 + message.len());
    b.extend_from_slice(b"[{\"message\":");
    write_json_str(&mut b, message);
    b.extend_from_slice(b",\"errorCode\":");
    write_json_str(&mut b, code);
    if let Some(fields) = fields {
        b.extend_from_slice(b",\"fields\":");
        write_str_array(&mut b, fields);
    }
    b.extend_from_slice(b"}]");
    b
}

/// A JSON object of string members, in the given order.
pub(crate) fn json_object(members: &[(&str, &str)]) -> Vec<u8> {
    let mut b = Vec::with_capacity(256);
    b.push(b'{');
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        write_json_str(&mut b, k);
        b.push(b':');
        write_json_str(&mut b, v);
    }
    b.push(b'}');
    b
}

/// Appends a JSON array of strings.
pub(crate) fn write_str_array(b: &mut Vec<u8>, items: &[&str]) {
    b.push(b'[');
    for (i, f) in items.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        write_json_str(b, f);
    }
    b.push(b']');
}

/// The reason phrase of a status code.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

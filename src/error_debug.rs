//! How an [`Error`] reads in `Debug` (what `main` prints when it returns `Err`): the message as
//! `Display` writes it, then the variant and its fields for a developer.

use std::fmt;

use crate::error::Error;

/// The message first, as `Display` writes it (a `main` that returns `Err` prints this), then the
/// variant and its fields: on one line with `{:?}`, pretty-printed with `{:#?}`.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}\n\ndetails: ")?;
        if f.alternate() {
            write!(f, "{:#?}", Fields(self))
        } else {
            write!(f, "{:?}", Fields(self))
        }
    }
}

/// The variant and its fields, as `#[derive(Debug)]` would print them.
struct Fields<'a>(&'a Error);

impl fmt::Debug for Fields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::MissingConfig {
                flow,
                reason,
                missing,
            } => f
                .debug_struct("MissingConfig")
                .field("flow", flow)
                .field("reason", reason)
                .field("missing", missing)
                .finish(),
            Error::InvalidConfig { setting, message } => f
                .debug_struct("InvalidConfig")
                .field("setting", setting)
                .field("message", message)
                .finish(),
            Error::Auth {
                flow,
                status,
                error,
                description,
            } => f
                .debug_struct("Auth")
                .field("flow", flow)
                .field("status", status)
                .field("error", error)
                .field("description", description)
                .finish(),
            Error::Api {
                method,
                path,
                status,
                errors,
            } => f
                .debug_struct("Api")
                .field("method", method)
                .field("path", path)
                .field("status", status)
                .field("errors", errors)
                .finish(),
            Error::MultipleChoices { method, path, urls } => f
                .debug_struct("MultipleChoices")
                .field("method", method)
                .field("path", path)
                .field("urls", urls)
                .finish(),
            Error::UnexpectedBody {
                method,
                path,
                status,
                problem,
                excerpt,
            } => f
                .debug_struct("UnexpectedBody")
                .field("method", method)
                .field("path", path)
                .field("status", status)
                .field("problem", problem)
                .field("excerpt", excerpt)
                .finish(),
            Error::Timeout {
                method,
                path,
                origin,
                setting,
                after,
            } => f
                .debug_struct("Timeout")
                .field("method", method)
                .field("path", path)
                .field("origin", origin)
                .field("setting", setting)
                .field("after", after)
                .finish(),
            Error::BodyTooLarge {
                method,
                path,
                limit,
            } => f
                .debug_struct("BodyTooLarge")
                .field("method", method)
                .field("path", path)
                .field("limit", limit)
                .finish(),
            Error::SessionExpired { method, path } => f
                .debug_struct("SessionExpired")
                .field("method", method)
                .field("path", path)
                .finish(),
            Error::Transport {
                method,
                path,
                origin,
                setting,
                message,
            } => f
                .debug_struct("Transport")
                .field("method", method)
                .field("path", path)
                .field("origin", origin)
                .field("setting", setting)
                .field("message", message)
                .finish(),
            Error::Refused { url, reason } => f
                .debug_struct("Refused")
                .field("url", url)
                .field("reason", reason)
                .finish(),
            Error::InvalidArgument { message } => f
                .debug_struct("InvalidArgument")
                .field("message", message)
                .finish(),
            Error::Unexpected { message } => f
                .debug_struct("Unexpected")
                .field("message", message)
                .finish(),
            Error::JobFailed { id, state, message } => f
                .debug_struct("JobFailed")
                .field("id", id)
                .field("state", state)
                .field("message", message)
                .finish(),
            Error::JobTimeout { ids, query, after } => f
                .debug_struct("JobTimeout")
                .field("ids", ids)
                .field("query", query)
                .field("after", after)
                .finish(),
            Error::JobWait { ids, query, source } => f
                .debug_struct("JobWait")
                .field("ids", ids)
                .field("query", query)
                .field("source", &Fields(source))
                .finish(),
            Error::Partial {
                results,
                job_ids,
                source,
            } => f
                .debug_struct("Partial")
                .field("results", results)
                .field("job_ids", job_ids)
                .field("source", &Fields(source))
                .finish(),
            Error::ResyncNeeded {
                sobject,
                start,
                reason,
            } => f
                .debug_struct("ResyncNeeded")
                .field("sobject", sobject)
                .field("start", start)
                .field("reason", reason)
                .finish(),
            Error::Apex {
                compiled,
                line,
                column,
                message,
                stack_trace,
            } => f
                .debug_struct("Apex")
                .field("compiled", compiled)
                .field("line", line)
                .field("column", column)
                .field("message", message)
                .field("stack_trace", stack_trace)
                .finish(),
            Error::Watermark { path, problem } => f
                .debug_struct("Watermark")
                .field("path", path)
                .field("problem", problem)
                .finish(),
            Error::NotRetried { reason, source } => f
                .debug_struct("NotRetried")
                .field("reason", reason)
                .field("source", &Fields(source))
                .finish(),
            Error::Io { context, source } => f
                .debug_struct("Io")
                .field("context", context)
                .field("source", source)
                .finish(),
            Error::Json { context, source } => f
                .debug_struct("Json")
                .field("context", context)
                .field("source", source)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::error_text::tests::soql_error;
    use crate::Error;

    #[test]
    fn debug_is_the_message_then_the_fields() {
        let e = soql_error();
        let debug = format!("{e:?}");
        let (message, details) = debug.split_once("\n\ndetails: ").unwrap();
        assert_eq!(message, e.to_string());
        assert!(details.starts_with("Api { method: \"GET\", path: \"/services/data/v66.0/query\", status: 400, errors: [ApiError { error_code: \"INVALID_FIELD\""), "{details}");
        let pretty = format!("{e:#?}");
        assert!(pretty.starts_with(&e.to_string()), "{pretty}");
        assert!(
            pretty.contains("details: Api {\n    method: \"GET\",\n"),
            "{pretty}"
        );

        let partial = Error::Partial {
            results: vec![],
            job_ids: vec!["750x".into()],
            source: Box::new(e),
        };
        let debug = format!("{partial:?}");
        assert_eq!(debug.matches("details: ").count(), 1, "{debug}");
        assert!(debug.contains("source: Api { method: \"GET\""), "{debug}");
    }
}

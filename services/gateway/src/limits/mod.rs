//! What stops one client, or many, from taking the gateway: the per-key rate limit, the global
//! concurrency limit and the request timeout (the header timeout lives in the server loop,
//! `saga_runtime::serve::http_public`, and the body timeout is tower-http's).

pub(crate) mod overload;
pub(crate) mod rate;

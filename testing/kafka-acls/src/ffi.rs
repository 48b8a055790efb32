//! The calls into librdkafka's C admin API. Each request gets a queue of its own for its one
//! answer; every object made here is destroyed here, on every path (the guards below).
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use rdkafka_sys as sys;
use sys::rd_kafka_AclOperation_t as Op;
use sys::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_LITERAL as LITERAL;
use sys::rd_kafka_ResourceType_t as Type;
use sys::rd_kafka_admin_op_t as AdminOp;

use crate::{Grant, Operation, Resource};

pub(crate) fn create(
    client: &ClientConfig,
    grants: &[Grant],
    timeout: Duration,
) -> Result<(), String> {
    let request = Request::new(client, AdminOp::RD_KAFKA_ADMIN_OP_CREATEACLS, timeout)?;
    let mut bindings = Bindings(Vec::with_capacity(grants.len()));
    for grant in grants {
        bindings.0.push(binding(grant)?);
    }
    // SAFETY: the bindings, options and queue are live; librdkafka copies the bindings.
    unsafe {
        sys::rd_kafka_CreateAcls(
            request.rk(),
            bindings.0.as_mut_ptr(),
            bindings.0.len(),
            request.options,
            request.queue,
        );
    }
    let event = request.answer(timeout)?;
    let mut count = 0;
    // SAFETY: a CreateAcls event's result and its array live as long as the event.
    let results = unsafe {
        let result = sys::rd_kafka_event_CreateAcls_result(event.0);
        sys::rd_kafka_CreateAcls_result_acls(result, &raw mut count)
    };
    // One result per binding, in the request's order.
    for (i, grant) in grants.iter().enumerate().take(count) {
        // SAFETY: `i` is below the array's length.
        let error = unsafe { sys::rd_kafka_acl_result_error(*results.add(i)) };
        if let Some(reason) = error_text(error) {
            return Err(format!("creating ACL {grant:?}: {reason}"));
        }
    }
    Ok(())
}

pub(crate) fn literal_names(
    client: &ClientConfig,
    timeout: Duration,
) -> Result<Vec<String>, String> {
    let request = Request::new(client, AdminOp::RD_KAFKA_ADMIN_OP_DESCRIBEACLS, timeout)?;
    let filter = Bindings(vec![filter(None)?]);
    // SAFETY: the filter, options and queue are live; librdkafka copies the filter.
    unsafe {
        sys::rd_kafka_DescribeAcls(request.rk(), filter.0[0], request.options, request.queue);
    }
    let event = request.answer(timeout)?;
    let mut count = 0;
    // SAFETY: a DescribeAcls event's result and its array live as long as the event.
    let acls = unsafe {
        let result = sys::rd_kafka_event_DescribeAcls_result(event.0);
        sys::rd_kafka_DescribeAcls_result_acls(result, &raw mut count)
    };
    let mut names = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: `i` is below the array's length; the name is a C string the binding owns.
        let name = unsafe { text(sys::rd_kafka_AclBinding_name(*acls.add(i))) };
        names.push(name);
    }
    names.sort();
    names.dedup();
    Ok(names)
}

pub(crate) fn delete_named(
    client: &ClientConfig,
    names: &[String],
    timeout: Duration,
) -> Result<(), String> {
    let request = Request::new(client, AdminOp::RD_KAFKA_ADMIN_OP_DELETEACLS, timeout)?;
    let mut filters = Bindings(Vec::with_capacity(names.len()));
    for name in names {
        filters.0.push(filter(Some(name))?);
    }
    // SAFETY: the filters, options and queue are live; librdkafka copies the filters.
    unsafe {
        sys::rd_kafka_DeleteAcls(
            request.rk(),
            filters.0.as_mut_ptr(),
            filters.0.len(),
            request.options,
            request.queue,
        );
    }
    let event = request.answer(timeout)?;
    let mut count = 0;
    // SAFETY: a DeleteAcls event's result and its array live as long as the event.
    let responses = unsafe {
        let result = sys::rd_kafka_event_DeleteAcls_result(event.0);
        sys::rd_kafka_DeleteAcls_result_responses(result, &raw mut count)
    };
    // One response per filter, in the request's order.
    for (i, name) in names.iter().enumerate().take(count) {
        // SAFETY: `i` is below the array's length.
        let error = unsafe { sys::rd_kafka_DeleteAcls_result_response_error(*responses.add(i)) };
        if let Some(reason) = error_text(error) {
            return Err(format!("deleting the ACLs of {name}: {reason}"));
        }
    }
    Ok(())
}

/// An admin client, the options of one request and the queue its answer arrives on.
struct Request {
    admin: AdminClient<DefaultClientContext>,
    options: *mut sys::rd_kafka_AdminOptions_t,
    queue: *mut sys::rd_kafka_queue_t,
}

impl Request {
    fn new(client: &ClientConfig, op: AdminOp, timeout: Duration) -> Result<Self, String> {
        let admin: AdminClient<DefaultClientContext> = client
            .create()
            .map_err(|e| format!("a Kafka admin client: {e}"))?;
        let rk = admin.inner().native_ptr();
        // SAFETY: `rk` is the live client `admin` owns; both are destroyed in `drop`.
        let (options, queue) = unsafe {
            (
                sys::rd_kafka_AdminOptions_new(rk, op),
                sys::rd_kafka_queue_new(rk),
            )
        };
        let request = Self {
            admin,
            options,
            queue,
        };
        let mut error = [0 as c_char; 512];
        // SAFETY: the options are live; the buffer's length is passed with it.
        let set = unsafe {
            sys::rd_kafka_AdminOptions_set_request_timeout(
                request.options,
                millis(timeout),
                error.as_mut_ptr(),
                error.len(),
            )
        };
        if set != sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            // SAFETY: librdkafka wrote a NUL-terminated message into the buffer.
            return Err(unsafe { text(error.as_ptr()) });
        }
        Ok(request)
    }

    fn rk(&self) -> *mut sys::rd_kafka_t {
        self.admin.inner().native_ptr()
    }

    /// The request's answer, or why there is none.
    fn answer(&self, timeout: Duration) -> Result<Event, String> {
        // A little past the request's own timeout, so the broker's verdict arrives first.
        let wait = millis(timeout).saturating_add(5_000);
        // SAFETY: the queue is live.
        let event = Event(unsafe { sys::rd_kafka_queue_poll(self.queue, wait) });
        if event.0.is_null() {
            return Err(format!("Kafka did not answer within {timeout:?}"));
        }
        // SAFETY: the event is live; its error string lives as long as it does.
        unsafe {
            if sys::rd_kafka_event_error(event.0)
                != sys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR
            {
                return Err(text(sys::rd_kafka_event_error_string(event.0)));
            }
        }
        Ok(event)
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        // SAFETY: made in `new`, destroyed once, before the client they belong to.
        unsafe {
            sys::rd_kafka_queue_destroy(self.queue);
            sys::rd_kafka_AdminOptions_destroy(self.options);
        }
    }
}

/// An admin result event.
struct Event(*mut sys::rd_kafka_event_t);

impl Drop for Event {
    fn drop(&mut self) {
        // SAFETY: a live event (null never reaches here: `answer` checks), destroyed once.
        if !self.0.is_null() {
            unsafe { sys::rd_kafka_event_destroy(self.0) }
        }
    }
}

/// ACL bindings or filters this module made.
struct Bindings(Vec<*mut sys::rd_kafka_AclBinding_t>);

impl Drop for Bindings {
    fn drop(&mut self) {
        for &binding in &self.0 {
            // SAFETY: each made by `binding` or `filter`, destroyed once.
            unsafe { sys::rd_kafka_AclBinding_destroy(binding) }
        }
    }
}

fn binding(grant: &Grant) -> Result<*mut sys::rd_kafka_AclBinding_t, String> {
    let name = c_string(&grant.name)?;
    let principal = c_string(&grant.principal)?;
    let mut error = [0 as c_char; 512];
    // SAFETY: the strings outlive the call (librdkafka copies them); the buffer's length is
    // passed with it.
    let made = unsafe {
        sys::rd_kafka_AclBinding_new(
            resource_type(grant.resource),
            name.as_ptr(),
            LITERAL,
            principal.as_ptr(),
            c"*".as_ptr(),
            operation(grant.operation),
            sys::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW,
            error.as_mut_ptr(),
            error.len(),
        )
    };
    if made.is_null() {
        // SAFETY: librdkafka wrote a NUL-terminated message into the buffer.
        return Err(format!("ACL {grant:?}: {}", unsafe {
            text(error.as_ptr())
        }));
    }
    Ok(made)
}

/// A filter matching every literal ACL on any resource named `name` (any name with `None`).
fn filter(name: Option<&str>) -> Result<*mut sys::rd_kafka_AclBinding_t, String> {
    let name = name.map(c_string).transpose()?;
    let mut error = [0 as c_char; 512];
    // SAFETY: as in `binding`; null strings match anything.
    let made = unsafe {
        sys::rd_kafka_AclBindingFilter_new(
            Type::RD_KAFKA_RESOURCE_ANY,
            name.as_ref().map_or(ptr::null(), |n| n.as_ptr()),
            LITERAL,
            ptr::null(),
            ptr::null(),
            Op::RD_KAFKA_ACL_OPERATION_ANY,
            sys::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
            error.as_mut_ptr(),
            error.len(),
        )
    };
    if made.is_null() {
        // SAFETY: librdkafka wrote a NUL-terminated message into the buffer.
        return Err(format!("ACL filter: {}", unsafe { text(error.as_ptr()) }));
    }
    Ok(made)
}

fn resource_type(resource: Resource) -> Type {
    match resource {
        Resource::Topic => Type::RD_KAFKA_RESOURCE_TOPIC,
        Resource::Group => Type::RD_KAFKA_RESOURCE_GROUP,
    }
}

fn operation(operation: Operation) -> Op {
    match operation {
        Operation::Read => Op::RD_KAFKA_ACL_OPERATION_READ,
        Operation::Write => Op::RD_KAFKA_ACL_OPERATION_WRITE,
        Operation::Create => Op::RD_KAFKA_ACL_OPERATION_CREATE,
        Operation::Describe => Op::RD_KAFKA_ACL_OPERATION_DESCRIBE,
        Operation::DescribeConfigs => Op::RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS,
    }
}

fn c_string(text: &str) -> Result<CString, String> {
    CString::new(text).map_err(|_| format!("{text:?} contains a NUL byte"))
}

fn millis(duration: Duration) -> c_int {
    c_int::try_from(duration.as_millis()).unwrap_or(c_int::MAX)
}

/// An error object's message, `None` for no error.
fn error_text(error: *const sys::rd_kafka_error_t) -> Option<String> {
    // SAFETY: a non-null error object's message lives as long as it does.
    (!error.is_null()).then(|| unsafe { text(sys::rd_kafka_error_string(error)) })
}

/// # Safety
/// `ptr` is null or a NUL-terminated string that stays valid during the call.
unsafe fn text(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: as the caller promises.
    unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

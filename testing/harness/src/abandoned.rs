//! Telling leftovers from live work: every throw-away resource a test or harness makes (a
//! database, a topic, a key prefix) is named `{prefix}{pid}…` after the process that made it,
//! so a later run can remove what processes that have ended left behind, and never what a
//! running one still uses.

/// Whether `name` is `{prefix}{pid}…` and no process `pid` runs on this machine.
pub fn abandoned(name: &str, prefix: &str) -> bool {
    let Some(rest) = name.strip_prefix(prefix) else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && !std::path::Path::new(&format!("/proc/{}", &rest[..digits])).exists()
}

#[cfg(test)]
mod tests {
    use super::abandoned;

    #[test]
    fn only_names_of_ended_processes_are_abandoned() {
        let me = std::process::id();
        assert!(!abandoned(&format!("e2e-{me}-7f-orders"), "e2e-"));
        // Beyond the kernel's largest pid (4194304): no such process.
        assert!(abandoned("e2e-99999999-7f-orders", "e2e-"));
        assert!(abandoned("saga_scratch_99999999_3", "saga_scratch_"));
        assert!(!abandoned("e2e-99999999", "chaos-"));
        assert!(!abandoned("e2e-x-1", "e2e-"));
    }
}

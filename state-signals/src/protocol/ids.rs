//! Publisher and responder id formats.

/// `<process_name>-<uuid4>`, as the Python exporter makes it.
pub(crate) fn new_publisher_id(process_name: &str) -> String {
    format!("{process_name}-{}", uuid::Uuid::new_v4())
}

/// `<responder_name>-<uuid4>-resp`, as the Python responder makes it.
pub(crate) fn new_responder_id(responder_name: &str) -> String {
    format!("{responder_name}-{}-resp", uuid::Uuid::new_v4())
}

/// This machine's hostname: the default runner host and responder name.
pub(crate) fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_python_shape() {
        let p = new_publisher_id("bench");
        assert!(p.starts_with("bench-"));
        assert!(uuid::Uuid::parse_str(&p["bench-".len()..]).is_ok());
        let r = new_responder_id("host");
        assert!(r.starts_with("host-") && r.ends_with("-resp"));
        assert!(uuid::Uuid::parse_str(&r["host-".len()..r.len() - "-resp".len()]).is_ok());
    }
}

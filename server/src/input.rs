//! Short free-text labels typed by people (a display name, a device's name, a desk, a line's name): one
//! rule for all of them, so every label is trimmed, non-empty, bounded and free of control characters
//! (which could break a log line, a CSV cell or the board).

use crate::error::{ApiError, ApiResult};

/// The trimmed label, or `422 validation_failed` naming `field`.
pub fn label(raw: &str, field: &str, max_chars: usize) -> ApiResult<String> {
    let label = raw.trim();
    if label.is_empty() || label.chars().count() > max_chars || label.chars().any(char::is_control)
    {
        return Err(ApiError::Validation(format!(
            "{field} must be 1 to {max_chars} printable characters"
        )));
    }
    Ok(label.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_trimmed_bounded_and_printable() {
        assert_eq!(label("  Sportello 2 ", "desk", 32).unwrap(), "Sportello 2");
        assert_eq!(
            label("àèìòù", "desk", 5).unwrap(),
            "àèìòù",
            "counted in characters"
        );
        for bad in ["", "   ", "ab\ncd", "tab\there", "abcdef"] {
            let error = label(bad, "desk", 5).unwrap_err();
            assert_eq!(
                error.to_string(),
                "desk must be 1 to 5 printable characters"
            );
        }
    }
}

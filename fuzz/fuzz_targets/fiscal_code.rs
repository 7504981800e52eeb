//! `FiscalCode::parse`: a person's *codice fiscale* as typed at the desk or sent in a document.
//!
//! For any text: no panic; an accepted code is 16 upper-case ASCII letters and digits, is the input trimmed
//! and upper-cased, parses to itself again (also through serde, as documents carry it), and decodes to a
//! real month and day; an 11-digit number is always refused as a temporary code or VAT number.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sportello_schema::fiscal_code::{FiscalCode, FiscalCodeError};

fuzz_target!(|raw: &str| {
    let trimmed = raw.trim();
    match FiscalCode::parse(raw) {
        Ok(code) => {
            let text = code.as_str();
            assert_eq!(text.len(), 16);
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            );
            assert_eq!(text, trimmed.to_ascii_uppercase());
            assert_eq!(FiscalCode::parse(text).as_ref(), Ok(&code));
            assert_eq!(code.to_string(), text);
            let json = serde_json::to_string(&code).expect("a code serialises");
            assert_eq!(
                serde_json::from_str::<FiscalCode>(&json).ok().as_ref(),
                Some(&code)
            );
            let birth = code.birth();
            assert!((1..=12).contains(&birth.month));
            assert!((1..=31).contains(&birth.day));
            assert!(birth.year_two_digits <= 99);
            assert_eq!(code.sex(), birth.sex);
            let _ = code.is_omocode();
        }
        Err(error) => {
            let _ = error.to_string();
            let eleven_digits = trimmed.len() == 11 && trimmed.bytes().all(|b| b.is_ascii_digit());
            assert_eq!(
                matches!(error, FiscalCodeError::TemporaryCode { .. }),
                eleven_digits
            );
        }
    }
});

//! The Italian fiscal code (*codice fiscale*) of a person: [`FiscalCode`].
//!
//! A person's code has 16 characters: `RSS MRA 85 T 10 A562 S` — three letters from the surname, three from
//! the given name, the last two digits of the birth year, a month letter, the birth day (plus 40 for
//! women), the cadastral code of the birth place (a letter and three digits; `Z…` for a foreign country),
//! and a check letter. When two people would get the same code the Agenzia delle Entrate replaces digits,
//! right to left, with the letters `L M N P Q R S T U V` (standing for 0–9): *omocodia*. Any combination
//! of the seven digit positions (7, 8, 10, 11, 13, 14, 15, counting from 1) is accepted here, not only the
//! right-to-left prefixes, because refusing a real person's code is worse than accepting an unusual one.
//!
//! Parsing accepts lower case and surrounding whitespace, and checks, in this order: the length, the kind of
//! character at every position, the month letter, the day (1–31 or 41–71 and no more than the month has,
//! with 29 allowed in February because the century is unknown), and the check character computed with
//! the official odd/even tables. Each failure is its own [`FiscalCodeError`] variant with a message that
//! names the position or the expected check letter and never repeats the code (it is personal data).
//!
//! Eleven-digit numeric codes are the form of a *codice fiscale provvisorio* and of a *partita IVA*. They
//! identify a person only temporarily or a business, so they are refused with
//! [`FiscalCodeError::TemporaryCode`], which says whether its check digit is right so a form can tell
//! "you typed a VAT number" from "you mistyped something".
//!
//! The birth data decoded from a code ([`FiscalCode::birth`]) are what the code says, not necessarily the
//! truth: codes issued from wrong data stay valid for life, so callers must not reject a birth date that
//! disagrees with the code.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::values::{Sex, days_in_month};

pub const FISCAL_CODE_LEN: usize = 16;

/// A well-formed, check-letter-verified personal fiscal code, upper case, exactly 16 ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FiscalCode(String);

/// What a position of the code must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// `A`–`Z`.
    Letter,
    /// `0`–`9`, or an omocodia letter `L M N P Q R S T U V`.
    Digit,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Letter => "a letter",
            Expected::Digit => "a digit (or one of the letters L M N P Q R S T U V)",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiscalCodeError {
    #[error("a fiscal code has 16 characters, this one has {0}")]
    Length(usize),
    /// `position` counts from 1.
    #[error("bad character at position {position}: expected {expected}")]
    Character { position: usize, expected: Expected },
    #[error("bad month letter at position 9: expected one of A B C D E H L M P R S T")]
    Month,
    #[error("bad day at positions 10-11: expected 01-31 (men) or 41-71 (women), within the month")]
    Day,
    #[error("wrong check character: expected {expected}")]
    CheckCharacter { expected: char },
    #[error(
        "an 11-digit number is a temporary fiscal code or a VAT number ({}), not a person's fiscal code",
        if *well_formed { "with a correct check digit" } else { "and its check digit is wrong" }
    )]
    TemporaryCode { well_formed: bool },
}

/// The birth data a code encodes, with omocodia undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthData {
    /// The last two digits of the birth year (the century is not in the code).
    pub year_two_digits: u8,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31 (the +40 for women is removed).
    pub day: u8,
    pub sex: Sex,
}

/// The month letters, January first.
const MONTH_LETTERS: &[u8; 12] = b"ABCDEHLMPRST";
/// The omocodia letters standing for the digits 0 to 9.
const OMOCODIA_LETTERS: &[u8; 10] = b"LMNPQRSTUV";
/// 0-based positions that hold digits (or omocodia letters).
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Values of `0`–`9` (and of `A`–`Z` alike) in odd positions, from the official table.
const ODD_VALUES: [u8; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

fn expected_at(position: usize) -> Expected {
    if DIGIT_POSITIONS.contains(&position) {
        Expected::Digit
    } else {
        Expected::Letter
    }
}

/// The digit a character in a digit position stands for, undoing omocodia.
fn digit_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        _ => OMOCODIA_LETTERS
            .iter()
            .position(|&l| l == c)
            .map(|i| i as u8),
    }
}

/// The check character of the first 15 characters (upper-case ASCII letters and digits).
fn check_character(first15: &[u8]) -> char {
    let sum: u32 = first15
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let index = if c.is_ascii_digit() {
                c - b'0'
            } else {
                c - b'A'
            };
            // Positions counted from 1: odd positions are the even 0-based indices.
            u32::from(if i % 2 == 0 {
                ODD_VALUES[usize::from(index)]
            } else {
                index
            })
        })
        .sum();
    char::from(b'A' + (sum % 26) as u8)
}

/// The check digit rule of 11-digit codes (partita IVA, codice fiscale provvisorio).
fn temporary_code_is_well_formed(digits: &[u8]) -> bool {
    let sum: u32 = digits[..10]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                d
            } else if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        })
        .sum();
    u32::from(digits[10] - b'0') == (10 - sum % 10) % 10
}

impl FiscalCode {
    pub fn parse(raw: &str) -> Result<Self, FiscalCodeError> {
        let trimmed = raw.trim();
        if trimmed.len() == 11 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FiscalCodeError::TemporaryCode {
                well_formed: temporary_code_is_well_formed(trimmed.as_bytes()),
            });
        }
        let length = trimmed.chars().count();
        if length != FISCAL_CODE_LEN {
            return Err(FiscalCodeError::Length(length));
        }
        let code: Vec<char> = trimmed.chars().map(|c| c.to_ascii_uppercase()).collect();
        for (position, &c) in code.iter().enumerate() {
            let expected = expected_at(position);
            let fits = match expected {
                Expected::Letter => c.is_ascii_uppercase(),
                Expected::Digit => c.is_ascii() && digit_value(c as u8).is_some(),
            };
            if !fits {
                return Err(FiscalCodeError::Character {
                    position: position + 1,
                    expected,
                });
            }
        }
        // Every character is now ASCII, so one byte each.
        let code: Vec<u8> = code.iter().map(|&c| c as u8).collect();
        let month = MONTH_LETTERS
            .iter()
            .position(|&l| l == code[8])
            .ok_or(FiscalCodeError::Month)?;
        let day = two_digits(code[9], code[10]);
        let day_of_month = if day > 40 { day - 40 } else { day };
        // 2000 is a leap year: February 29 is allowed whatever the century.
        if day_of_month == 0 || day_of_month > days_in_month(2000, month as u8 + 1) {
            return Err(FiscalCodeError::Day);
        }
        let expected = check_character(&code[..15]);
        if char::from(code[15]) != expected {
            return Err(FiscalCodeError::CheckCharacter { expected });
        }
        Ok(Self(code.iter().map(|&b| char::from(b)).collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True if omocodia replaced at least one digit with a letter.
    pub fn is_omocode(&self) -> bool {
        let bytes = self.0.as_bytes();
        DIGIT_POSITIONS.iter().any(|&p| !bytes[p].is_ascii_digit())
    }

    /// Birth year (two digits), month, day and sex as the code encodes them.
    pub fn birth(&self) -> BirthData {
        let b = self.0.as_bytes();
        let month = MONTH_LETTERS
            .iter()
            .position(|&l| l == b[8])
            .map_or(0, |i| i as u8 + 1);
        let day = two_digits(b[9], b[10]);
        let (day, sex) = if day > 40 {
            (day - 40, Sex::Female)
        } else {
            (day, Sex::Male)
        };
        BirthData {
            year_two_digits: two_digits(b[6], b[7]),
            month,
            day,
            sex,
        }
    }

    pub fn sex(&self) -> Sex {
        self.birth().sex
    }
}

/// Two digit-position characters (already checked) as a number, omocodia undone.
fn two_digits(tens: u8, units: u8) -> u8 {
    digit_value(tens).unwrap_or(0) * 10 + digit_value(units).unwrap_or(0)
}

impl TryFrom<String> for FiscalCode {
    type Error = FiscalCodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<FiscalCode> for String {
    fn from(value: FiscalCode) -> Self {
        value.0
    }
}

impl fmt::Display for FiscalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check letter, computed independently of the module: in odd positions a character is worth its
    /// index in this string (digits count as the letter at the same index: 0 as A, 1 as B…), in even
    /// positions its index in the alphabet (digits their own value).
    fn reference_check(first15: &str) -> char {
        const ODD_ORDER: &str = "BAKPLCQDREVOSFTGUHMINJWZYX";
        let total: usize = first15
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let letter = if c.is_ascii_digit() {
                    char::from(b'A' + c.to_digit(10).unwrap() as u8)
                } else {
                    c
                };
                if i % 2 == 0 {
                    ODD_ORDER.find(letter).unwrap()
                } else {
                    (letter as u8 - b'A') as usize
                }
            })
            .sum();
        char::from(b'A' + (total % 26) as u8)
    }

    fn with_check(first15: &str) -> String {
        format!("{first15}{}", reference_check(first15))
    }

    /// Replaces the digits at the given 0-based positions with their omocodia letters.
    fn omocode_of(first15: &str, positions: &[usize]) -> String {
        let mut chars: Vec<char> = first15.chars().collect();
        for &p in positions {
            let digit = chars[p].to_digit(10).unwrap() as usize;
            chars[p] = "LMNPQRSTUV".chars().nth(digit).unwrap();
        }
        chars.into_iter().collect()
    }

    #[test]
    fn the_textbook_example_is_accepted() {
        // Mario Rossi, male, born 10 December 1985 in Rome (A562 is the cadastral code used in the
        // well-known example). Check letter by hand: the sum of the table values is 122, 122 mod 26 = 18 = S.
        assert_eq!(reference_check("RSSMRA85T10A562"), 'S');
        let code = FiscalCode::parse("RSSMRA85T10A562S").unwrap();
        assert_eq!(code.as_str(), "RSSMRA85T10A562S");
        assert_eq!(
            code.birth(),
            BirthData {
                year_two_digits: 85,
                month: 12,
                day: 10,
                sex: Sex::Male
            }
        );
        assert!(!code.is_omocode());
    }

    #[test]
    fn lower_case_and_surrounding_spaces_are_normalised() {
        let code = FiscalCode::parse("  rssmra85t10a562s\n").unwrap();
        assert_eq!(code.as_str(), "RSSMRA85T10A562S");
    }

    #[test]
    fn codes_computed_independently_are_accepted_and_decoded() {
        let cases = [
            // Laura Bianchi, female, 1 January 1990, Milan (F205): day 01 + 40.
            (
                "BNCLRA90A41F205",
                BirthData {
                    year_two_digits: 90,
                    month: 1,
                    day: 1,
                    sex: Sex::Female,
                },
            ),
            // Giuseppe Verdi, male, 10 October 1813, Busseto (B293).
            (
                "VRDGPP13R10B293",
                BirthData {
                    year_two_digits: 13,
                    month: 10,
                    day: 10,
                    sex: Sex::Male,
                },
            ),
            // Born abroad (Z404, United States), 29 February 2000, female: day 69.
            (
                "XXXYYY00B69Z404",
                BirthData {
                    year_two_digits: 0,
                    month: 2,
                    day: 29,
                    sex: Sex::Female,
                },
            ),
            // 31 July, male.
            (
                "ABCDEF01L31H501",
                BirthData {
                    year_two_digits: 1,
                    month: 7,
                    day: 31,
                    sex: Sex::Male,
                },
            ),
        ];
        for (first15, birth) in cases {
            let code = FiscalCode::parse(&with_check(first15)).unwrap();
            assert_eq!(code.birth(), birth, "{first15}");
            assert_eq!(code.sex(), birth.sex);
        }
        assert_eq!(with_check("BNCLRA90A41F205"), "BNCLRA90A41F205I");
    }

    #[test]
    fn every_omocodic_variant_is_accepted_and_decodes_to_the_same_birth_data() {
        let base = "RSSMRA85T10A562";
        let expected = FiscalCode::parse(&with_check(base)).unwrap().birth();
        for mask in 0u32..(1 << DIGIT_POSITIONS.len()) {
            let positions: Vec<usize> = DIGIT_POSITIONS
                .iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << bit) != 0)
                .map(|(_, &p)| p)
                .collect();
            let variant = with_check(&omocode_of(base, &positions));
            let code = FiscalCode::parse(&variant).unwrap_or_else(|e| panic!("{variant}: {e}"));
            assert_eq!(code.birth(), expected, "{variant}");
            assert_eq!(code.is_omocode(), mask != 0, "{variant}");
        }
        // The first right-to-left substitution, spelled out: 2 becomes N at position 15.
        assert_eq!(with_check(&omocode_of(base, &[14])), "RSSMRA85T10A56NH");
        assert!(FiscalCode::parse("RSSMRA85T10A56NH").unwrap().is_omocode());
    }

    #[test]
    fn changing_any_single_character_of_a_valid_code_is_detected() {
        // The check letter catches every single substitution that keeps the structure valid.
        let valid = with_check("BNCLRA90A41F205");
        let letters = ('A'..='Z').collect::<String>();
        let digits = "0123456789LMNPQRSTUV";
        for position in 0..15 {
            let alphabet = if DIGIT_POSITIONS.contains(&position) {
                digits
            } else {
                &letters
            };
            for replacement in alphabet.chars() {
                let mut chars: Vec<char> = valid.chars().collect();
                if chars[position] == replacement {
                    continue;
                }
                chars[position] = replacement;
                let mutated: String = chars.into_iter().collect();
                assert!(
                    FiscalCode::parse(&mutated).is_err(),
                    "{mutated} was accepted"
                );
            }
        }
    }

    #[test]
    fn a_wrong_check_character_names_the_expected_one() {
        assert_eq!(
            FiscalCode::parse("RSSMRA85T10A562X"),
            Err(FiscalCodeError::CheckCharacter { expected: 'S' })
        );
        assert_eq!(
            FiscalCode::parse("RSSMRA85T10A562X")
                .unwrap_err()
                .to_string(),
            "wrong check character: expected S"
        );
    }

    #[test]
    fn a_wrong_length_is_reported_in_characters() {
        assert_eq!(FiscalCode::parse(""), Err(FiscalCodeError::Length(0)));
        assert_eq!(
            FiscalCode::parse("RSSMRA85T10A562"),
            Err(FiscalCodeError::Length(15))
        );
        assert_eq!(
            FiscalCode::parse("RSSMRA85T10A562SS"),
            Err(FiscalCodeError::Length(17))
        );
        // Length counts characters, not bytes: "È" is one character (and then a bad one).
        assert_eq!(
            FiscalCode::parse("RSSMRA85T10A56ÈS"),
            Err(FiscalCodeError::Character {
                position: 15,
                expected: Expected::Digit
            })
        );
    }

    #[test]
    fn a_bad_character_names_its_position_and_what_belongs_there() {
        use Expected::*;
        let cases = [
            ("1SSMRA85T10A562S", 1, Letter),
            ("RSSMR_85T10A562S", 6, Letter),
            ("RSSMRAA5T10A562S", 7, Digit),
            ("RSSMRA8ZT10A562S", 8, Digit),
            ("RSSMRA8559T10A56", 9, Letter),
            ("RSSMRA85TX0A562S", 10, Digit),
            ("RSSMRA85T10_562S", 12, Letter),
            ("RSSMRA85T10A5O2S", 14, Digit),
            ("RSSMRA85T10A5621", 16, Letter),
            ("RSSMRA85T10A56ÈS", 15, Digit),
            ("RSSMRA 85T10A562", 7, Digit),
        ];
        for (raw, position, expected) in cases {
            assert_eq!(
                FiscalCode::parse(raw),
                Err(FiscalCodeError::Character { position, expected }),
                "{raw}"
            );
        }
        let message = FiscalCode::parse("RSSMRAA5T10A562S")
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("bad character at position 7: expected a digit"),
            "{message}"
        );
    }

    #[test]
    fn a_letter_that_is_not_a_month_is_refused() {
        for month in ['F', 'G', 'I', 'N', 'O', 'Q', 'U', 'Z'] {
            let first15 = format!("RSSMRA85{month}10A562");
            assert_eq!(
                FiscalCode::parse(&with_check(&first15)),
                Err(FiscalCodeError::Month)
            );
        }
    }

    #[test]
    fn days_outside_the_two_ranges_or_the_month_are_refused() {
        for (month, day) in [
            ('A', "00"),
            ('A', "32"),
            ('A', "40"),
            ('A', "72"),
            ('A', "99"),
            ('D', "31"),
            ('D', "71"),
            ('B', "30"),
            ('B', "70"),
        ] {
            let first15 = format!("RSSMRA85{month}{day}A562");
            assert_eq!(
                FiscalCode::parse(&with_check(&first15)),
                Err(FiscalCodeError::Day),
                "{first15}"
            );
        }
        for (month, day) in [
            ('A', "01"),
            ('A', "31"),
            ('A', "41"),
            ('A', "71"),
            ('B', "29"),
            ('B', "69"),
            ('D', "30"),
        ] {
            let first15 = format!("RSSMRA85{month}{day}A562");
            assert!(
                FiscalCode::parse(&with_check(&first15)).is_ok(),
                "{first15}"
            );
        }
    }

    #[test]
    fn an_omocodic_day_is_checked_after_undoing_the_substitution() {
        // "7M" in the day positions is 71 (female, 31st): fine in January, not in April.
        assert!(FiscalCode::parse(&with_check("RSSMRA85A7MA562")).is_ok());
        assert_eq!(
            FiscalCode::parse(&with_check("RSSMRA85D7MA562")),
            Err(FiscalCodeError::Day)
        );
    }

    #[test]
    fn eleven_digit_temporary_codes_are_refused_with_their_own_error() {
        // 00743110157 has a correct check digit; changing the last digit breaks it.
        assert_eq!(
            FiscalCode::parse("00743110157"),
            Err(FiscalCodeError::TemporaryCode { well_formed: true })
        );
        assert_eq!(
            FiscalCode::parse(" 12345678903 "),
            Err(FiscalCodeError::TemporaryCode { well_formed: true })
        );
        assert_eq!(
            FiscalCode::parse("00743110158"),
            Err(FiscalCodeError::TemporaryCode { well_formed: false })
        );
        assert!(
            FiscalCode::parse("00743110158")
                .unwrap_err()
                .to_string()
                .contains("check digit is wrong")
        );
        // Twelve digits is just the wrong length.
        assert_eq!(
            FiscalCode::parse("007431101570"),
            Err(FiscalCodeError::Length(12))
        );
    }

    #[test]
    fn errors_never_repeat_the_code() {
        for raw in [
            "RSSMRA85T10A562X",
            "RSSMRAA5T10A562S",
            "RSSMRA85F10A562S",
            "XYZ",
        ] {
            let message = FiscalCode::parse(raw).unwrap_err().to_string();
            assert!(
                !message.contains("RSS") && !message.contains("XYZ"),
                "{message}"
            );
        }
    }

    #[test]
    fn fiscal_codes_serialise_as_strings_and_deserialising_validates() {
        let code: FiscalCode = serde_json::from_str("\"rssmra85t10a562s\"").unwrap();
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            "\"RSSMRA85T10A562S\""
        );
        assert!(serde_json::from_str::<FiscalCode>("\"RSSMRA85T10A562X\"").is_err());
        assert!(serde_json::from_str::<FiscalCode>("\"00743110157\"").is_err());
    }
}

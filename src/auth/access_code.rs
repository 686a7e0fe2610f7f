//! Applicants' access codes: the secret a case's applicant (申请执行人) uses to follow the
//! progress of their case without an account. 16 characters from an alphabet without look-alikes
//! (no 0/O, 1/I/L), about 79 random bits, shown in four groups of four so it can be read aloud or
//! sent by SMS (`K7QF-3MZT-W9HC-2RDP`). Typed in, it is forgiving: case, spaces and dashes do not
//! matter. Only a SHA-256 digest is stored; the code is shown once, to the officer who issues it.

use rand::Rng;
use sha2::{Digest, Sha256};

/// The characters a code is made of: digits 2–9 and the letters without I, L and O.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code (without separators).
pub const LENGTH: usize = 16;
/// Characters per group when shown.
const GROUP: usize = 4;

/// A fresh code, grouped for reading (`XXXX-XXXX-XXXX-XXXX`).
pub fn generate() -> String {
    let mut rng = rand::rngs::OsRng;
    let raw: String = (0..LENGTH)
        // `gen_range` samples uniformly (no modulo bias).
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    grouped(&raw)
}

/// `raw` (16 characters) in groups of four joined by dashes.
fn grouped(raw: &str) -> String {
    raw.as_bytes()
        .chunks(GROUP)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The canonical form of a code as typed: upper case, spaces and dashes removed. None when it
/// cannot be a code (wrong length, a character outside the alphabet).
pub fn normalise(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The digest stored and looked up: SHA-256 of the canonical code, hex. Codes carry ~79 random
/// bits, so a fast hash is enough (nothing to gain from a slow one against a guesser who must
/// go through the rate-limited endpoint, or from a dictionary).
pub fn digest(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_unambiguous_and_distinct() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), LENGTH + 3);
        assert_eq!(a.split('-').map(str::len).collect::<Vec<_>>(), [4, 4, 4, 4]);
        for c in a.chars().filter(|c| *c != '-') {
            assert!(ALPHABET.contains(&(c as u8)), "{c}");
            assert!(!"01OIL".contains(c), "{c}");
        }
        // 16 draws from 31 symbols: about 79 bits.
        assert!((LENGTH as f64) * (ALPHABET.len() as f64).log2() > 79.0);
    }

    #[test]
    fn typed_codes_are_forgiving_about_case_and_separators_only() {
        let code = "K7QF-3MZT-W9HC-2RDP";
        let canonical = normalise(code).unwrap();
        assert_eq!(canonical, "K7QF3MZTW9HC2RDP");
        assert_eq!(
            normalise("k7qf 3mzt w9hc 2rdp").as_deref(),
            Some("K7QF3MZTW9HC2RDP")
        );
        assert_eq!(normalise("K7QF3MZTW9HC2RDP").as_deref(), Some("K7QF3MZTW9HC2RDP"));
        for bad in [
            "",
            "K7QF-3MZT-W9HC-2RD",
            "K7QF-3MZT-W9HC-2RDPX",
            "K7QF-3MZT-W9HC-2RD0",
            "K7QF-3MZT-W9HC-2RDO",
            "K7QF-3MZT-W9HC-2RD/",
            "K7QF-3MZT-W9HC-2RDé",
        ] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
        assert_eq!(normalise(&"A".repeat(100)), None);
    }

    #[test]
    fn only_a_digest_of_the_canonical_form_is_kept() {
        let canonical = normalise("K7QF-3MZT-W9HC-2RDP").unwrap();
        let d = digest(&canonical);
        assert_eq!(d.len(), 64);
        assert!(!d.to_uppercase().contains(&canonical));
        assert_eq!(d, digest(&normalise("k7qf3mztw9hc2rdp").unwrap()));
        assert_ne!(d, digest(&normalise("K7QF-3MZT-W9HC-2RDQ").unwrap()));
    }
}

//! Evidence media: which kinds of file a worker may upload, recognised from their bytes — the
//! `Content-Type` a phone sends is not trusted.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// JPEG, PNG or HEIC.
    Photo,
    /// PNG (a drawn signature).
    Signature,
    /// MP3, M4A/AAC, WAV, AMR, Ogg or WebM (what Chrome's `MediaRecorder` records).
    Audio,
    Pdf,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 4] = [
        EvidenceKind::Photo,
        EvidenceKind::Signature,
        EvidenceKind::Audio,
        EvidenceKind::Pdf,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Photo => "photo",
            EvidenceKind::Signature => "signature",
            EvidenceKind::Audio => "audio",
            EvidenceKind::Pdf => "pdf",
        }
    }

    /// The kind stored under this exact name, if any.
    pub fn parse(s: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The media types this kind accepts, each one [`sniff`] can recognise.
    pub fn media_types(self) -> &'static [&'static str] {
        match self {
            EvidenceKind::Photo => &["image/jpeg", "image/png", "image/heic"],
            EvidenceKind::Signature => &["image/png"],
            EvidenceKind::Audio => &[
                "audio/mpeg",
                "audio/mp4",
                "audio/wav",
                "audio/amr",
                "audio/ogg",
                "audio/webm",
            ],
            EvidenceKind::Pdf => &["application/pdf"],
        }
    }

    /// Whether this kind accepts a file of `media_type`.
    pub fn accepts(self, media_type: &str) -> bool {
        self.media_types().contains(&media_type)
    }

    /// What an upload of this kind must be, for a refusal: the kind and its media types, said
    /// from the same list [`accepts`](Self::accepts) judges by.
    pub fn expected_body(self) -> String {
        format!(
            "a {} file ({}), recognised from its bytes",
            self.as_str(),
            self.media_types().join(", ")
        )
    }
}

/// The media type of a file, from its first bytes; None when it is none we accept.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let brand = bytes.get(4..12);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else if matches!(
        brand,
        Some(b"ftypheic" | b"ftypheix" | b"ftyphevc" | b"ftypmif1" | b"ftypmsf1")
    ) {
        Some("image/heic")
    } else if matches!(brand, Some(b"ftypM4A " | b"ftypmp42" | b"ftypisom")) {
        Some("audio/mp4")
    } else if starts(b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        Some("audio/mpeg")
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WAVE") {
        Some("audio/wav")
    } else if starts(b"#!AMR") {
        Some("audio/amr")
    } else if starts(b"OggS") {
        Some("audio/ogg")
    } else if is_webm(bytes) {
        Some("audio/webm")
    } else {
        None
    }
}

/// An EBML variable-length integer at the start of `bytes`: its value (without the length
/// marker) and its length in bytes.
fn ebml_vint(bytes: &[u8]) -> Option<(u64, usize)> {
    let first = *bytes.first()?;
    let len = first.leading_zeros() as usize + 1;
    let rest = bytes.get(1..len)?;
    let value = rest
        .iter()
        .fold(u64::from(first) & (0xFF >> len), |v, b| (v << 8) | u64::from(*b));
    Some((value, len))
}

/// A WebM file: an EBML header (`1A 45 DF A3`) whose DocType element (`42 82`) says `webm`.
/// Matroska proper (DocType `matroska`) is not taken: phones record WebM.
fn is_webm(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(&[0x1A, 0x45, 0xDF, 0xA3]) else {
        return false;
    };
    let Some((size, n)) = ebml_vint(rest) else {
        return false;
    };
    let header = &rest[n..];
    let header = &header[..header.len().min(usize::try_from(size).unwrap_or(usize::MAX))];
    let mut at = 0;
    while at < header.len() {
        let Some((_, id_len)) = ebml_vint(&header[at..]) else {
            return false;
        };
        let id = &header[at..at + id_len];
        let Some((len, len_len)) = header.get(at + id_len..).and_then(ebml_vint) else {
            return false;
        };
        let start = at + id_len + len_len;
        let Some(end) = usize::try_from(len).ok().and_then(|l| start.checked_add(l)) else {
            return false;
        };
        if id == [0x42, 0x82] {
            return header.get(start..end) == Some(b"webm".as_slice());
        }
        at = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start of what Chrome's `MediaRecorder` writes for `audio/webm;codecs=opus`: the EBML
    /// header (version 1, DocType "webm" version 4) and the start of the Segment.
    const WEBM: &[u8] = b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\
        \x42\xF3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02\x18\x53\x80\x67\x01\xFF";

    #[test]
    fn webm_is_recognised_by_its_doctype() {
        assert!(is_webm(WEBM));
        // Matroska proper, a cut-off header, a lying size, and no DocType at all are not.
        let matroska: &[u8] = b"\x1A\x45\xDF\xA3\xA3\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\
            \x42\xF3\x81\x08\x42\x82\x88matroska\x42\x87\x81\x04\x42\x85\x81\x02";
        assert!(!is_webm(matroska));
        assert_eq!(sniff(matroska), None);
        assert!(!is_webm(&WEBM[..24]));
        assert!(!is_webm(b"\x1A\x45\xDF\xA3\x84\x42\x86\x81\x01"));
        assert!(!is_webm(b"\x1A\x45\xDF\xA3"));
        assert!(!is_webm(b"\x1A\x45\xDF\xA3\x00"));
        assert!(!is_webm(b"\x1A\x45\xDF\xA3\x83\x42\x82\xFF"));
        assert!(EvidenceKind::Audio.accepts("audio/webm"));
        assert!(!EvidenceKind::Photo.accepts("audio/webm"));
    }

    #[test]
    fn files_are_recognised_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0"), Some("image/heic"));
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A \0\0"), Some("audio/mp4"));
        assert_eq!(sniff(b"ID3\x04\0"), Some("audio/mpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some("audio/wav"));
        assert_eq!(sniff(b"#!AMR\n"), Some("audio/amr"));
        assert_eq!(sniff(b"OggS\0"), Some("audio/ogg"));
        assert_eq!(sniff(WEBM), Some("audio/webm"));
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn each_kind_takes_only_its_media() {
        assert!(EvidenceKind::Photo.accepts("image/heic"));
        assert!(!EvidenceKind::Photo.accepts("application/pdf"));
        assert!(EvidenceKind::Signature.accepts("image/png"));
        assert!(!EvidenceKind::Signature.accepts("image/jpeg"));
        assert!(EvidenceKind::Audio.accepts("audio/amr"));
        assert!(EvidenceKind::Pdf.accepts("application/pdf"));
    }

    #[test]
    fn every_accepted_media_type_is_one_sniff_recognises() {
        let recognised = [
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            sniff(b"\x89PNG\r\n\x1a\n...."),
            sniff(b"%PDF-1.7\n"),
            sniff(b"\0\0\0\x18ftypheic\0\0"),
            sniff(b"\0\0\0\x20ftypM4A \0\0"),
            sniff(b"ID3\x04\0"),
            sniff(b"RIFF\0\0\0\0WAVEfmt "),
            sniff(b"#!AMR\n"),
            sniff(b"OggS\0"),
            sniff(WEBM),
        ];
        for kind in EvidenceKind::ALL {
            for media in kind.media_types() {
                assert!(recognised.contains(&Some(media)), "{media}");
            }
        }
        assert_eq!(
            EvidenceKind::Photo.expected_body(),
            "a photo file (image/jpeg, image/png, image/heic), recognised from its bytes"
        );
    }
}

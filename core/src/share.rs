//! Share links: the template compressed into the URL fragment, versioned as
//! `s=1.<base64url(deflate(template))>`. Nothing leaves the browser; a damaged link is
//! reported, never half-loaded.

use base64::Engine as _;

const PREFIX: &str = "1.";
/// Enough for any real template; a bomb of a link is refused before it is inflated.
const MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;

pub fn encode(template: &str) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(template.as_bytes(), 9);
    format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed)
    )
}

pub fn decode(fragment: &str) -> Result<String, String> {
    let f = fragment.trim().trim_start_matches('#');
    let f = f.strip_prefix("s=").unwrap_or(f);
    let Some(body) = f.strip_prefix(PREFIX) else {
        return Err("This link is not a Serverless Playground scenario (unknown version).".into());
    };
    let body = body.split('&').next().unwrap_or(body);
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| {
            "This share link is damaged: it is not valid base64url. Was it cut off?".to_string()
        })?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_TEMPLATE_BYTES)
        .map_err(|_| {
            "This share link is damaged: its scenario cannot be decompressed. Was it cut off?"
                .to_string()
        })?;
    String::from_utf8(bytes)
        .map_err(|_| "This share link is damaged: its scenario is not text.".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let t = "Resources:\n  Q: { Type: AWS::SQS::Queue }\n";
        let e = encode(t);
        assert!(e.starts_with("1."));
        assert_eq!(decode(&e).unwrap(), t);
        assert_eq!(decode(&format!("#s={e}")).unwrap(), t);
    }

    #[test]
    fn damaged_links_say_so() {
        let e = encode("Resources: {}");
        let cut = &e[..e.len() - 4];
        assert!(decode(cut).unwrap_err().contains("damaged"));
        assert!(decode("2.abc").unwrap_err().contains("unknown version"));
        assert!(decode("1.!!!").unwrap_err().contains("base64url"));
    }
}

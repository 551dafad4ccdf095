//! Deployment packages: the `.zip` a CreateFunction request carries in `Code.ZipFile`.
//! `read` takes only what Lambda needs — each file's path and bytes, from the central
//! directory, stored or deflated (the two methods `zip` tools write) — and stops at
//! Lambda's unzipped-size limit; `write` builds one (for tests and for handler code that
//! deploys a function). CRCs are neither checked nor written. Deflate is miniz_oxide's.

use miniz_oxide::inflate::decompress_to_vec_with_limit;

/// The files of an archive (path, bytes), directories left out.
pub fn read(bytes: &[u8], limit: usize) -> Result<Vec<(String, Vec<u8>)>, String> {
    let u16_at = |i: usize| -> Result<usize, String> {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
            .ok_or_else(|| "the archive is truncated".to_string())
    };
    let u32_at = |i: usize| -> Result<usize, String> {
        bytes
            .get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| "the archive is truncated".to_string())
    };
    // The end-of-central-directory record is in the last 22 + 65,535 bytes.
    let eocd = (0..bytes.len().saturating_sub(21))
        .rev()
        .take(22 + 65_535)
        .find(|&i| bytes[i..].starts_with(&[0x50, 0x4b, 0x05, 0x06]))
        .ok_or("this is not a .zip file (no end of central directory)")?;
    let count = u16_at(eocd + 10)?;
    let mut at = u32_at(eocd + 16)?;
    let mut files = Vec::new();
    let mut total = 0usize;
    for _ in 0..count {
        if u32_at(at)? != 0x0201_4b50 {
            return Err("the archive's central directory is damaged".into());
        }
        let method = u16_at(at + 10)?;
        let compressed = u32_at(at + 20)?;
        let size = u32_at(at + 24)?;
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28)?, u16_at(at + 30)?, u16_at(at + 32)?);
        let local = u32_at(at + 42)?;
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or("the archive is truncated")?;
        let name = String::from_utf8_lossy(name).to_string();
        at += 46 + name_len + extra_len + comment_len;
        if name.ends_with('/') {
            continue;
        }
        total += size;
        if total > limit {
            return Err(format!("Unzipped size must be smaller than {limit} bytes"));
        }
        if u32_at(local)? != 0x0403_4b50 {
            return Err(format!("the archive's entry for {name} is damaged"));
        }
        let start = local + 30 + u16_at(local + 26)? + u16_at(local + 28)?;
        let data = bytes
            .get(start..start + compressed)
            .ok_or("the archive is truncated")?;
        let content = match method {
            0 => data.to_vec(),
            8 => decompress_to_vec_with_limit(data, size.max(1))
                .map_err(|_| format!("{name} in the archive cannot be inflated"))?,
            m => {
                return Err(format!(
                    "{name} uses compression method {m}; zip with deflate"
                ))
            }
        };
        files.push((name, content));
    }
    Ok(files)
}

/// An archive of text files, stored or deflated (CRCs left zero).
pub fn write(files: &[(&str, &str)], deflate: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, text) in files {
        let data = if deflate {
            miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 6)
        } else {
            text.as_bytes().to_vec()
        };
        let method: u16 = if deflate { 8 } else { 0 };
        let offset = out.len() as u32;
        out.extend_from_slice(&[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0]);
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&data);
        central.extend_from_slice(&[0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0]);
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&[0; 8]);
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(text.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_at.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_and_deflated_entries_read_back() {
        for deflate in [false, true] {
            let z = write(
                &[("index.js", "exports.handler = 1;"), ("lib/a.js", "x")],
                deflate,
            );
            let files = read(&z, 1000).unwrap();
            assert_eq!(
                files[0],
                ("index.js".into(), b"exports.handler = 1;".to_vec())
            );
            assert_eq!(files[1].0, "lib/a.js");
        }
    }

    #[test]
    fn the_unzipped_limit_and_bad_archives_are_errors() {
        let z = write(&[("index.js", "0123456789")], true);
        assert_eq!(
            read(&z, 5).unwrap_err(),
            "Unzipped size must be smaller than 5 bytes"
        );
        assert!(read(b"exports.handler = 1", 1000)
            .unwrap_err()
            .contains("not a .zip"));
    }
}

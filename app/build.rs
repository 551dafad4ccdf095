//! Writes the gallery examples' fingerprints (`examples.rs` in OUT_DIR): the page fetches
//! an example's text only when it is opened, and uses these to know whether the text in
//! the editor is an untouched example (which may be replaced without asking).

include!("src/fingerprint.rs");

fn main() {
    let dir = std::path::Path::new("../public/examples");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("public/examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    // The service worker must cache every example, or the gallery breaks offline.
    let sw = std::fs::read_to_string("../public/sw.js").expect("public/sw.js");
    println!("cargo:rerun-if-changed=../public/sw.js");
    for p in &files {
        let name = p
            .file_name()
            .and_then(|s| s.to_str())
            .expect("example name");
        assert!(
            sw.contains(&format!("'./examples/{name}'")),
            "public/sw.js does not cache ./examples/{name}: add it to FILES"
        );
    }
    let mut out = String::from("/// (example id, fingerprint of its text), from public/examples.\npub const EXAMPLE_FINGERPRINTS: &[(&str, u64)] = &[\n");
    for p in files {
        println!("cargo:rerun-if-changed={}", p.display());
        let text = std::fs::read_to_string(&p).expect("example text");
        let id = p
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("example name");
        out.push_str(&format!("    ({id:?}, {}),\n", fingerprint(&text)));
    }
    out.push_str("];\n");
    let dest =
        std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("examples.rs");
    std::fs::write(dest, out).expect("write examples.rs");
}

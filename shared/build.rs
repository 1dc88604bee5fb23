//! Gzips the browsable pages' big assets (the Swagger UI and ReDoc bundles) into the build, so
//! that a binary that serves them (the `api-docs` function, `jobsmith serve`) carries and sends
//! them compressed. The vendored files stay as published, so their hashes can be checked.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

/// Under `assets/`; each becomes `$OUT_DIR/<file name>.gz`.
const ASSETS: [&str; 4] = [
    "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui-standalone-preset.js",
    "swagger-ui/swagger-ui.css",
    "redoc/redoc.standalone.js",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::var("OUT_DIR")?;
    for asset in ASSETS {
        let source = Path::new("assets").join(asset);
        println!("cargo::rerun-if-changed={}", source.display());
        let bytes = std::fs::read(&source).map_err(|e| format!("{}: {e}", source.display()))?;
        let name = source.file_name().ok_or("an asset without a file name")?.to_string_lossy().into_owned();
        // flate2's gzip header carries no time or name, so the output depends on the input only.
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&bytes)?;
        File::create(Path::new(&out_dir).join(format!("{name}.gz")))?.write_all(&encoder.finish()?)?;
    }
    Ok(())
}

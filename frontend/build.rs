//! Generates the typed translation module from `locales/*.json` (leptos_i18n).

use std::error::Error;
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=Cargo.toml");
    refuse_a_release_wasm_that_wasm_opt_would_break()?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
    let module_dir = PathBuf::from(out_dir).join("i18n");
    // Simplified Chinese is the default; English is the second locale.
    // `interpolate_display`: interpolated texts also as plain strings (attributes, titles).
    let options = ParseOptions::default().interpolate_display(true);
    let config = Config::new("zh")?.add_locale("en")?.parse_options(options);
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(module_dir)?;
    Ok(())
}

/// Debian's wasm-opt (binaryen 108) rewrites wasm-bindgen's `externref` table as `anyref`,
/// and the app then dies at start in the browser. A release wasm build must therefore
/// leave reference types off, as the justfile's `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS`
/// does; stop here with the reason rather than ship an app that cannot start.
fn refuse_a_release_wasm_that_wasm_opt_would_break() -> Result<(), Box<dyn Error>> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let wasm = var("CARGO_CFG_TARGET_ARCH") == "wasm32";
    let release = var("PROFILE") == "release";
    let reference_types = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "reference-types");
    if wasm && release && reference_types {
        return Err(
            "the app's release wasm must be built without reference types for \
            wasm-opt: use `just build` (it sets CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS \
            as the justfile says)"
                .into(),
        );
    }
    Ok(())
}

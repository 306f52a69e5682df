//! The project's `tsconfig.json` (comments and trailing commas allowed, `extends` of
//! relative files followed): how JSX is compiled (`jsx`, `jsxImportSource`, `jsxFactory`,
//! `jsxFragmentFactory`) and the `paths` aliases, relative to `baseUrl`. Without one, JSX is
//! classic `React.createElement` (files may still say otherwise with a pragma).

use std::path::Path;
use std::path::PathBuf;

use deno_ast::JsxAutomaticOptions;
use deno_ast::JsxClassicOptions;
use deno_ast::JsxRuntime;
use serde_json::Map;
use serde_json::Value;

use super::files::files;

/// How deep `extends` is followed.
const MOST_EXTENDS: usize = 8;

/// What isogate takes from a project's `tsconfig.json`.
#[derive(Debug, Clone, Default)]
pub(crate) struct TsConfig {
    /// How JSX is compiled.
    pub(crate) jsx: JsxRuntime,
    /// `paths`: each pattern (`@/*`, `~lib`) and its targets, in order.
    paths: Vec<(String, Vec<String>)>,
    /// Where `paths` targets are relative to.
    base: PathBuf,
}

impl TsConfig {
    /// The config of the project at `root` (the default when it has none or it does not
    /// parse: a broken tsconfig is the type checker's to report).
    pub(crate) fn read(root: &Path) -> Self {
        let file = root.join("tsconfig.json");
        let mut options = Map::new();
        let mut base = None;
        let mut next = Some(file);
        for _ in 0..MOST_EXTENDS {
            let Some(file) = next.take() else { break };
            let Some(config) = parse(&file) else { break };
            let folder = file
                .parent()
                .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
            if let Some(Value::Object(own)) = config.get("compilerOptions") {
                for (key, value) in own {
                    // The nearest config's value wins; `baseUrl` is relative to its file.
                    if !options.contains_key(key) {
                        if key == "baseUrl" {
                            base = value.as_str().map(|url| folder.join(url));
                        }
                        options.insert(key.clone(), value.clone());
                    }
                }
            }
            base = base.or_else(|| options.contains_key("paths").then(|| folder.clone()));
            next = config
                .get("extends")
                .and_then(Value::as_str)
                .filter(|parent| parent.starts_with('.'))
                .map(|parent| {
                    let parent = folder.join(parent);
                    if parent.extension().is_some() {
                        parent
                    } else {
                        parent.with_extension("json")
                    }
                });
        }
        let text = |key: &str| options.get(key).and_then(Value::as_str).map(str::to_owned);
        let source = text("jsxImportSource");
        let jsx = match (text("jsx").as_deref(), source) {
            (Some("react-jsx" | "react-jsxdev"), source) | (None, source @ Some(_)) => {
                JsxRuntime::Automatic(JsxAutomaticOptions {
                    development: text("jsx").as_deref() == Some("react-jsxdev"),
                    import_source: Some(source.unwrap_or_else(|| "react".to_owned())),
                })
            }
            _ => JsxRuntime::Classic(JsxClassicOptions {
                factory: text("jsxFactory").unwrap_or_else(|| "React.createElement".to_owned()),
                fragment_factory: text("jsxFragmentFactory")
                    .unwrap_or_else(|| "React.Fragment".to_owned()),
            }),
        };
        let paths = options
            .get("paths")
            .and_then(Value::as_object)
            .map(|paths| {
                paths
                    .iter()
                    .map(|(pattern, targets)| {
                        let targets = targets
                            .as_array()
                            .map(|targets| {
                                targets
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_owned)
                                    .collect()
                            })
                            .unwrap_or_default();
                        (pattern.clone(), targets)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            jsx,
            paths,
            base: base.unwrap_or_else(|| root.to_path_buf()),
        }
    }

    /// The paths a `paths` alias maps `specifier` to, in the order to try (none when no
    /// pattern matches). An exact pattern beats a wildcard one; of wildcards, the longest
    /// prefix wins.
    pub(crate) fn alias(&self, specifier: &str) -> Vec<PathBuf> {
        let mut best: Option<(&[String], &str, usize)> = None;
        for (pattern, targets) in &self.paths {
            match pattern.split_once('*') {
                None if pattern == specifier => {
                    best = Some((targets, "", usize::MAX));
                    break;
                }
                None => {}
                Some((prefix, suffix)) => {
                    let fits = specifier.len() >= prefix.len() + suffix.len()
                        && specifier.starts_with(prefix)
                        && specifier.ends_with(suffix);
                    if fits && best.is_none_or(|(_, _, length)| prefix.len() > length) {
                        let middle = &specifier[prefix.len()..specifier.len() - suffix.len()];
                        best = Some((targets, middle, prefix.len()));
                    }
                }
            }
        }
        best.map(|(targets, middle, _)| {
            targets
                .iter()
                .map(|target| self.base.join(target.replacen('*', middle, 1)))
                .collect()
        })
        .unwrap_or_default()
    }
}

fn parse(file: &Path) -> Option<Value> {
    if !files().is_file(file) {
        return None;
    }
    let (_, bytes) = files().read(file).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    jsonc_parser::parse_to_serde_value(&text, &jsonc_parser::ParseOptions::default()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsx_and_paths_come_from_the_config_and_what_it_extends() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("tsconfig.base.json"),
            r#"{ "compilerOptions": { "jsx": "react-jsx", "baseUrl": "." } }"#,
        )
        .unwrap();
        std::fs::write(
            root.join("tsconfig.json"),
            r#"{
              // comments and trailing commas, as tsc allows
              "extends": "./tsconfig.base",
              "compilerOptions": {
                "jsxImportSource": "hono/jsx",
                "paths": { "@/*": ["src/*"], "@lib/*": ["src/lib/*", "vendor/*"], "config": ["src/config.ts"], },
              },
            }"#,
        )
        .unwrap();
        let config = TsConfig::read(root);
        match &config.jsx {
            JsxRuntime::Automatic(options) => {
                assert_eq!(options.import_source.as_deref(), Some("hono/jsx"));
                assert!(!options.development);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(config.alias("@/routes/a"), vec![root.join("src/routes/a")]);
        assert_eq!(
            config.alias("@lib/x"),
            vec![root.join("src/lib/x"), root.join("vendor/x")]
        );
        assert_eq!(config.alias("config"), vec![root.join("src/config.ts")]);
        assert!(config.alias("hono").is_empty());
    }

    #[test]
    fn without_a_config_jsx_is_classic_react() {
        let dir = tempfile::tempdir().unwrap();
        let config = TsConfig::read(dir.path());
        assert!(matches!(
            &config.jsx,
            JsxRuntime::Classic(options) if options.factory == "React.createElement"
        ));
        std::fs::write(
            dir.path().join("tsconfig.json"),
            r#"{ "compilerOptions": { "jsx": "react", "jsxFactory": "h", "jsxFragmentFactory": "Fragment" } }"#,
        )
        .unwrap();
        let config = TsConfig::read(dir.path());
        assert!(matches!(
            &config.jsx,
            JsxRuntime::Classic(options) if options.factory == "h" && options.fragment_factory == "Fragment"
        ));
    }
}

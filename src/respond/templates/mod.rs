//! Reply templates (Tera), rendered strictly: a variable missing from the facts is an error,
//! never an empty string, and a rendered reply is checked for leftovers before it is sent.

mod bundled;
mod recursion;

use std::path::{Path, PathBuf};

use tera::{Context, Tera};

use crate::respond::scripts::{Situation, REPLY_SITUATIONS};

/// A template problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The folder could not be read or a template does not parse.
    #[error("templates in {}: {message}", dir.display())]
    Load {
        /// The folder.
        dir: PathBuf,
        /// Tera's message, with its causes.
        message: String,
    },
    /// A template failed to render (usually: it uses a variable the facts do not have).
    #[error("{template}: {message}")]
    Render {
        /// `group/name.tera`.
        template: String,
        /// Tera's message, with its causes, without Tera's own mentions of `template`.
        message: String,
    },
    /// A template can call itself (a recursive macro or an include cycle), which would
    /// overflow the stack while rendering.
    #[error("templates in {}: {file} can call itself ({path}); recursion is not allowed in reply templates", dir.display())]
    Recursive {
        /// The folder.
        dir: PathBuf,
        /// The template file where the cycle starts.
        file: String,
        /// The calls around the cycle.
        path: String,
    },
    /// A fact handed to the template is null or blank: it would render as an empty slot.
    #[error("{template}: the value of `{slot}` is missing (null or blank)")]
    MissingValue {
        /// `group/name.tera`.
        template: String,
        /// The dotted path of the value in the context.
        slot: String,
    },
    /// The rendered text holds template syntax that no fact brought in: an unrendered tag.
    #[error("{template}: rendered text contains unrendered template syntax {found:?}")]
    Leftover {
        /// `group/name.tera`.
        template: String,
        /// What was found.
        found: &'static str,
    },
    /// The template rendered nothing but whitespace.
    #[error("{template}: rendered an empty reply")]
    Empty {
        /// `group/name.tera`.
        template: String,
    },
}

impl TemplateError {
    /// What went wrong in one template, without the template's name, for a caller that names
    /// it already (a handoff reason, `check-templates`). Errors about the folder are whole.
    pub fn detail(&self) -> String {
        match self {
            TemplateError::Render { message, .. } => message.clone(),
            TemplateError::MissingValue { slot, .. } => {
                format!("the value of `{slot}` is missing (null or blank)")
            }
            TemplateError::Leftover { found, .. } => {
                format!("rendered text contains unrendered template syntax {found:?}")
            }
            TemplateError::Empty { .. } => "rendered an empty reply".to_owned(),
            TemplateError::Load { .. } | TemplateError::Recursive { .. } => self.to_string(),
        }
    }
}

/// What [`Templates::dir`] says of the bundled templates.
pub const BUNDLED_ORIGIN: &str = "<bundled templates>";

/// Template syntax that must never reach a customer unless a fact itself contains it.
const LEFTOVERS: &[&str] = &["{{", "{%"];

/// Which situations lack a template and which templates match no situation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateCheck {
    /// `group/name` of situations without a template.
    pub missing: Vec<String>,
    /// Templates no situation uses.
    pub orphans: Vec<String>,
}

/// A loaded template folder (`<group>/<situation>.tera`).
#[derive(Debug)]
pub struct Templates {
    tera: Tera,
    dir: PathBuf,
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Tera's render error for `template`, without its mentions of `template`: Tera wraps every
/// failure in "Failed to render '<template>'" and ends the cause with "while rendering
/// '<template>'", which beside our own prefix named the template three times in one line.
/// Another template (an included file) is still named.
fn render_message(template: &str, error: &tera::Error) -> String {
    let wrapper = format!("Failed to render '{template}'");
    let suffix = format!(" while rendering '{template}'");
    let mut parts = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(error);
    while let Some(cause) = next {
        let text = cause.to_string();
        if text != wrapper {
            parts.push(text.strip_suffix(&suffix).unwrap_or(&text).to_owned());
        }
        next = cause.source();
    }
    if parts.is_empty() {
        wrapper
    } else {
        parts.join(": ")
    }
}

/// Whether some value in `context` is null or a blank string; `slot` receives its path.
fn missing_value(context: &serde_json::Map<String, serde_json::Value>, slot: &mut String) -> bool {
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        use serde_json::Value;
        match value {
            Value::Null => true,
            Value::String(text) => text.trim().is_empty(),
            Value::Bool(_) | Value::Number(_) => false,
            Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let missing = walk(item, path);
                if !missing {
                    path.truncate(len);
                }
                missing
            }),
            Value::Object(map) => map.iter().any(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let missing = walk(item, path);
                if !missing {
                    path.truncate(len);
                }
                missing
            }),
        }
    }
    context.iter().any(|(key, value)| {
        slot.clear();
        slot.push_str(key);
        walk(value, slot)
    })
}

/// How often `needle` occurs in the string values of `context`.
fn occurrences_in_values(
    context: &serde_json::Map<String, serde_json::Value>,
    needle: &str,
) -> usize {
    fn count(value: &serde_json::Value, needle: &str) -> usize {
        use serde_json::Value;
        match value {
            Value::String(text) => text.matches(needle).count(),
            Value::Array(items) => items.iter().map(|item| count(item, needle)).sum(),
            Value::Object(map) => map.values().map(|item| count(item, needle)).sum(),
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        }
    }
    context.values().map(|value| count(value, needle)).sum()
}

impl Templates {
    /// Loads every `*.tera` file under `dir`.
    pub fn load(dir: &Path) -> Result<Templates, TemplateError> {
        let load_error = |message: String| TemplateError::Load {
            dir: dir.to_owned(),
            message,
        };
        if !dir.is_dir() {
            return Err(load_error("not a directory".into()));
        }
        let glob = format!("{}/**/*.tera", dir.display());
        let tera = Tera::new(&glob).map_err(|e| load_error(chain(&e)))?;
        Templates::checked(tera, dir)
    }

    /// The templates built into deskbot (the repository's `templates/` when it was built).
    pub fn bundled() -> Result<Templates, TemplateError> {
        let origin = Path::new(BUNDLED_ORIGIN);
        let mut tera = Tera::default();
        tera.add_raw_templates(bundled::BUNDLED.iter().copied())
            .map_err(|e| TemplateError::Load {
                dir: origin.to_owned(),
                message: chain(&e),
            })?;
        Templates::checked(tera, origin)
    }

    /// The same checks for every source: plain text, no recursion.
    fn checked(mut tera: Tera, dir: &Path) -> Result<Templates, TemplateError> {
        // Replies are plain text: nothing to escape.
        tera.autoescape_on(Vec::new());
        if let Some(cycle) = recursion::find_cycle(&tera) {
            return Err(TemplateError::Recursive {
                dir: dir.to_owned(),
                file: cycle.file,
                path: cycle.path,
            });
        }
        Ok(Templates {
            tera,
            dir: dir.to_owned(),
        })
    }

    /// The folder the templates came from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Renders `situation`'s template with its context.
    pub fn render(&self, situation: &Situation) -> Result<String, TemplateError> {
        let template = format!("{}.tera", situation.id());
        let mut slot = String::new();
        if missing_value(&situation.context, &mut slot) {
            return Err(TemplateError::MissingValue { template, slot });
        }
        let context = Context::from_value(serde_json::Value::Object(situation.context.clone()))
            .map_err(|e| TemplateError::Render {
                template: template.clone(),
                message: chain(&e),
            })?;
        let text = self
            .tera
            .render(&template, &context)
            .map_err(|e| TemplateError::Render {
                message: render_message(&template, &e),
                template: template.clone(),
            })?;
        if text.trim().is_empty() {
            return Err(TemplateError::Empty { template });
        }
        // Syntax in the output beyond what the facts themselves hold was never rendered.
        let leftover = LEFTOVERS.iter().find(|syntax| {
            text.matches(*syntax).count() > occurrences_in_values(&situation.context, syntax)
        });
        if let Some(found) = leftover {
            return Err(TemplateError::Leftover { template, found });
        }
        Ok(text)
    }

    /// Compares the templates present with the situations scripts produce.
    pub fn check(&self) -> TemplateCheck {
        let present: Vec<String> = self
            .tera
            .get_template_names()
            .map(|name| name.trim_end_matches(".tera").to_owned())
            .collect();
        let wanted: Vec<String> = REPLY_SITUATIONS
            .iter()
            .map(|(group, name)| format!("{group}/{name}"))
            .collect();
        let mut missing: Vec<String> = wanted
            .iter()
            .filter(|w| !present.contains(w))
            .cloned()
            .collect();
        let mut orphans: Vec<String> = present
            .iter()
            .filter(|p| !wanted.contains(p))
            .cloned()
            .collect();
        missing.sort();
        orphans.sort();
        TemplateCheck { missing, orphans }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn templates(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Templates, TemplateError>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        let loaded = Templates::load(dir.path());
        (dir, loaded)
    }

    fn situation(context: Value) -> Situation {
        let Value::Object(context) = context else {
            panic!("context is an object")
        };
        Situation {
            group: "tracking",
            name: "in_transit",
            context,
            follow_up: None,
            action: None,
        }
    }

    #[test]
    fn words_that_look_like_placeholders_are_real_data() {
        let (_dir, loaded) = templates(&[(
            "tracking/in_transit.tera",
            "Your {{ title }} goes to {{ city }}. {{ note }}",
        )]);
        let templates = loaded.unwrap();
        let text = templates
            .render(&situation(json!({
                "title": "Nonesuch Linen Dress (NaN edition)",
                "city": "Null Island",
                "note": "None of it is undefined, and {{ braces }} in a product name are fine."
            })))
            .unwrap();
        assert!(
            text.contains("Nonesuch") && text.contains("{{ braces }}"),
            "{text}"
        );
    }

    #[test]
    fn null_or_blank_values_are_missing_slots() {
        let (_dir, loaded) = templates(&[("tracking/in_transit.tera", "To {{ place.city }}.")]);
        let templates = loaded.unwrap();
        for context in [
            json!({"place": {"city": null}}),
            json!({"place": {"city": "  "}}),
            json!({"place": {"city": "Austin"}, "items": [{"title": ""}]}),
        ] {
            match templates.render(&situation(context.clone())) {
                Err(TemplateError::MissingValue { slot, .. }) => {
                    assert!(slot == "place.city" || slot == "items[0].title", "{slot}")
                }
                other => panic!("{context}: expected a missing value, got {other:?}"),
            }
        }
    }

    #[test]
    fn unrendered_syntax_and_empty_output_are_refused() {
        let (_dir, loaded) = templates(&[
            (
                "tracking/in_transit.tera",
                "Hi {% raw %}{{ name }}{% endraw %}",
            ),
            ("tracking/delivered.tera", "{% if yes %}\n  \n{% endif %}"),
        ]);
        let templates = loaded.unwrap();
        assert!(matches!(
            templates.render(&situation(json!({}))),
            Err(TemplateError::Leftover { found: "{{", .. })
        ));
        let mut empty = situation(json!({"yes": true}));
        empty.name = "delivered";
        assert!(matches!(
            templates.render(&empty),
            Err(TemplateError::Empty { .. })
        ));
    }

    #[test]
    fn a_render_error_names_its_template_once() {
        let (_dir, loaded) = templates(&[
            ("tracking/in_transit.tera", "Hi {{ porch_colour }}"),
            (
                "tracking/delivered.tera",
                "Hi {% include \"common/part.tera\" %}",
            ),
            ("common/part.tera", "{{ gate_code }}"),
        ]);
        let templates = loaded.unwrap();
        let error = templates.render(&situation(json!({}))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "tracking/in_transit.tera: Variable `porch_colour` not found in context"
        );
        assert_eq!(
            error.detail(),
            "Variable `porch_colour` not found in context"
        );
        // An error inside an included file still names that file.
        let mut included = situation(json!({}));
        included.name = "delivered";
        let error = templates.render(&included).unwrap_err().to_string();
        assert!(error.starts_with("tracking/delivered.tera: "), "{error}");
        assert!(
            error.contains("gate_code") && error.contains("common/part.tera"),
            "{error}"
        );
        assert_eq!(error.matches("tracking/delivered").count(), 1, "{error}");
    }

    #[test]
    fn the_bundled_templates_are_the_repositorys_and_cover_every_situation() {
        let bundled = Templates::bundled().unwrap();
        assert_eq!(bundled.check(), TemplateCheck::default());
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let on_disk = Templates::load(&folder).unwrap();
        let mut names: Vec<&str> = on_disk.tera.get_template_names().collect();
        names.sort();
        let mut built_in: Vec<&str> = bundled.tera.get_template_names().collect();
        built_in.sort();
        assert_eq!(
            names, built_in,
            "a template was added to templates/ but not to bundled.rs"
        );
    }

    #[test]
    fn recursive_templates_are_refused_at_load_naming_the_file() {
        let (_dir, loaded) = templates(&[(
            "tracking/in_transit.tera",
            "{% macro loop(n) %}{{ self::loop(n=n) }}{% endmacro loop %}{{ self::loop(n=1) }}",
        )]);
        let error = loaded.unwrap_err().to_string();
        assert!(error.contains("tracking/in_transit.tera"), "{error}");
    }
}

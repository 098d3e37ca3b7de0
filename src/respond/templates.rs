//! Reply templates (Tera), rendered strictly: a variable missing from the facts is an error,
//! never an empty string, and a rendered reply is checked for leftovers before it is sent.

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
        /// Tera's message, with its causes.
        message: String,
    },
    /// The rendered text still holds template syntax or a placeholder word.
    #[error("{template}: rendered text contains {found:?}")]
    Leftover {
        /// `group/name.tera`.
        template: String,
        /// What was found.
        found: &'static str,
    },
}

/// Words and syntax that must never reach a customer.
const LEFTOVERS: &[&str] = &["{{", "}}", "{%", "%}", "None", "null", "undefined", "NaN"];

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
        let mut tera = Tera::new(&glob).map_err(|e| load_error(chain(&e)))?;
        // Replies are plain text: nothing to escape.
        tera.autoescape_on(Vec::new());
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
        let context = Context::from_value(serde_json::Value::Object(situation.context.clone()))
            .map_err(|e| TemplateError::Render {
                template: template.clone(),
                message: chain(&e),
            })?;
        let text = self
            .tera
            .render(&template, &context)
            .map_err(|e| TemplateError::Render {
                template: template.clone(),
                message: chain(&e),
            })?;
        if let Some(found) = LEFTOVERS.iter().find(|word| text.contains(*word)) {
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

//! A static check that no template can call itself: a macro that calls itself (directly or
//! through others) or an `include` cycle would recurse until the stack overflows, which aborts
//! the whole process. Tera checks `extends` cycles itself, but not these.

use std::collections::{BTreeMap, BTreeSet};

use tera::ast::{Expr, ExprVal, Node};
use tera::Tera;

/// Something that can be entered while rendering: a template's body or one macro.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Callee {
    Template(String),
    Macro { file: String, name: String },
}

impl std::fmt::Display for Callee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Callee::Template(name) => write!(f, "template {name}"),
            Callee::Macro { file, name } => write!(f, "macro {name} in {file}"),
        }
    }
}

/// A cycle found: the file it starts in and the path around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cycle {
    pub file: String,
    pub path: String,
}

/// Finds a call cycle among the loaded templates, if any.
pub(super) fn find_cycle(tera: &Tera) -> Option<Cycle> {
    let mut edges: BTreeMap<Callee, BTreeSet<Callee>> = BTreeMap::new();
    for (file, template) in &tera.templates {
        let imports: BTreeMap<&str, &str> = template
            .imported_macro_files
            .iter()
            .map(|(path, namespace)| (namespace.as_str(), path.as_str()))
            .collect();
        let scope = Scope { file, imports };
        let mut calls = BTreeSet::new();
        scope.nodes(&template.ast, &mut calls);
        for block in template.blocks.values() {
            scope.nodes(&block.body, &mut calls);
        }
        edges.insert(Callee::Template(file.clone()), calls);
        for (name, definition) in &template.macros {
            let mut calls = BTreeSet::new();
            scope.nodes(&definition.body, &mut calls);
            edges.insert(
                Callee::Macro {
                    file: file.clone(),
                    name: name.clone(),
                },
                calls,
            );
        }
    }
    let mut finished = BTreeSet::new();
    for start in edges.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(start, &edges, &mut path, &mut finished) {
            let file = match &cycle[0] {
                Callee::Template(name) => name.clone(),
                Callee::Macro { file, .. } => file.clone(),
            };
            let path = cycle
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" → ");
            return Some(Cycle { file, path });
        }
    }
    None
}

/// Depth-first search; returns the cycle (first node repeated at the end) when one is found.
fn visit(
    node: &Callee,
    edges: &BTreeMap<Callee, BTreeSet<Callee>>,
    path: &mut Vec<Callee>,
    finished: &mut BTreeSet<Callee>,
) -> Option<Vec<Callee>> {
    if let Some(at) = path.iter().position(|n| n == node) {
        let mut cycle = path[at..].to_vec();
        cycle.push(node.clone());
        return Some(cycle);
    }
    if finished.contains(node) {
        return None;
    }
    path.push(node.clone());
    for next in edges.get(node).into_iter().flatten() {
        if let Some(cycle) = visit(next, edges, path, finished) {
            return Some(cycle);
        }
    }
    path.pop();
    finished.insert(node.clone());
    None
}

/// Where calls are resolved: the file being walked and the macro files it imports.
struct Scope<'a> {
    file: &'a str,
    imports: BTreeMap<&'a str, &'a str>,
}

impl Scope<'_> {
    fn nodes(&self, nodes: &[Node], calls: &mut BTreeSet<Callee>) {
        for node in nodes {
            self.node(node, calls);
        }
    }

    fn node(&self, node: &Node, calls: &mut BTreeSet<Callee>) {
        match node {
            Node::VariableBlock(_, expr) => self.expr(expr, calls),
            Node::MacroDefinition(_, definition, _) => {
                // Bodies are walked from `Template::macros`; default arguments run at call time.
                for default in definition.args.values().flatten() {
                    self.expr(default, calls);
                }
            }
            Node::Include(_, names, _) => {
                calls.extend(names.iter().cloned().map(Callee::Template));
            }
            Node::Set(_, set) => self.expr(&set.value, calls),
            Node::FilterSection(_, section, _) => {
                self.exprs(section.filter.args.values(), calls);
                self.nodes(&section.body, calls);
            }
            Node::Block(_, block, _) => self.nodes(&block.body, calls),
            Node::Forloop(_, forloop, _) => {
                self.expr(&forloop.container, calls);
                self.nodes(&forloop.body, calls);
                if let Some(empty) = &forloop.empty_body {
                    self.nodes(empty, calls);
                }
            }
            Node::If(branches, _) => {
                for (_, condition, body) in &branches.conditions {
                    self.expr(condition, calls);
                    self.nodes(body, calls);
                }
                if let Some((_, body)) = &branches.otherwise {
                    self.nodes(body, calls);
                }
            }
            Node::Super
            | Node::Text(_)
            | Node::Extends(..)
            | Node::ImportMacro(..)
            | Node::Raw(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => {}
        }
    }

    fn exprs<'e>(&self, exprs: impl IntoIterator<Item = &'e Expr>, calls: &mut BTreeSet<Callee>) {
        for expr in exprs {
            self.expr(expr, calls);
        }
    }

    fn expr(&self, expr: &Expr, calls: &mut BTreeSet<Callee>) {
        for filter in &expr.filters {
            self.exprs(filter.args.values(), calls);
        }
        match &expr.val {
            ExprVal::MacroCall(call) => {
                let file = if call.namespace == "self" {
                    Some(self.file)
                } else {
                    self.imports.get(call.namespace.as_str()).copied()
                };
                // An unknown namespace fails at render time with Tera's own error.
                if let Some(file) = file {
                    calls.insert(Callee::Macro {
                        file: file.to_owned(),
                        name: call.name.clone(),
                    });
                }
                self.exprs(call.args.values(), calls);
            }
            ExprVal::FunctionCall(call) => self.exprs(call.args.values(), calls),
            ExprVal::Math(math) => self.exprs([&*math.lhs, &*math.rhs], calls),
            ExprVal::Logic(logic) => self.exprs([&*logic.lhs, &*logic.rhs], calls),
            ExprVal::In(within) => self.exprs([&*within.lhs, &*within.rhs], calls),
            ExprVal::Test(test) => self.exprs(&test.args, calls),
            ExprVal::Array(items) => self.exprs(items, calls),
            ExprVal::String(_)
            | ExprVal::Int(_)
            | ExprVal::Float(_)
            | ExprVal::Bool(_)
            | ExprVal::Ident(_)
            | ExprVal::StringConcat(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera(templates: &[(&str, &str)]) -> Tera {
        let mut tera = Tera::default();
        tera.add_raw_templates(templates.iter().copied()).unwrap();
        tera
    }

    #[test]
    fn a_macro_calling_itself_is_a_cycle() {
        let t = tera(&[(
            "a.tera",
            "{% macro m(n) %}{{ self::m(n=n) }}{% endmacro m %}{{ self::m(n=1) }}",
        )]);
        let cycle = find_cycle(&t).unwrap();
        assert_eq!(cycle.file, "a.tera");
        assert!(cycle.path.contains("macro m in a.tera"), "{}", cycle.path);
    }

    #[test]
    fn cycles_through_conditions_filters_and_other_files_are_found() {
        let t = tera(&[
            (
                "macros.tera",
                "{% macro a() %}{% if self::b() %}x{% endif %}{% endmacro a %}\
                 {% macro b() %}{{ 'x' | replace(from='x', to=self::a()) }}{% endmacro b %}",
            ),
            (
                "reply.tera",
                "{% import \"macros.tera\" as m %}{{ m::a() }}",
            ),
        ]);
        assert!(find_cycle(&t).is_some());
        let t = tera(&[
            ("a.tera", "{% include \"b.tera\" %}"),
            ("b.tera", "{% include \"a.tera\" %}"),
        ]);
        assert!(find_cycle(&t).unwrap().path.contains("template"));
    }

    #[test]
    fn macros_and_includes_without_cycles_pass() {
        let t = tera(&[
            ("macros.tera", "{% macro greet(name) %}Hi {{ name }}{% endmacro greet %}"),
            ("part.tera", "Thanks!"),
            (
                "reply.tera",
                "{% import \"macros.tera\" as m %}{{ m::greet(name='Ann') }} {% include \"part.tera\" %}",
            ),
        ]);
        assert_eq!(find_cycle(&t), None);
    }
}

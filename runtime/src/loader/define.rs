//! What a Workers bundler defines at build time, done as a module loads: wrangler replaces
//! `process.env.NODE_ENV` with `"production"` in every module it bundles, so packages'
//! ES module builds read it without a `process` global (React's and Vue's do, guarded by
//! nothing). Only a global `process` is replaced (not a local binding of that name), and
//! never where the expression is assigned to.

use std::path::Path;

use deno_ast::swc::ast::AssignTarget;
use deno_ast::swc::ast::Expr;
use deno_ast::swc::ast::MemberExpr;
use deno_ast::swc::ast::MemberProp;
use deno_ast::swc::ast::SimpleAssignTarget;
use deno_ast::swc::ast::UpdateExpr;
use deno_ast::swc::common::SyntaxContext;
use deno_ast::swc::ecma_visit::noop_visit_type;
use deno_ast::swc::ecma_visit::Visit;
use deno_ast::swc::ecma_visit::VisitWith;
use deno_ast::MediaType;
use deno_ast::ModuleSpecifier;
use deno_ast::ParseParams;
use deno_ast::ProgramRef;
use deno_ast::SourceRangedForSpanned;
use deno_ast::TextChange;

/// The expression replaced, and the value it gets.
const NODE_ENV: &str = "process.env.NODE_ENV";
const PRODUCTION: &str = "\"production\"";

/// `code` (of the module at `path`, of `media_type`) with each read of the global
/// `process.env.NODE_ENV` replaced by `"production"`; `None` when it has none (or does not
/// parse, which its load then reports).
pub(super) fn node_env(path: &Path, media_type: MediaType, code: &str) -> Option<String> {
    if !code.contains(NODE_ENV) {
        return None;
    }
    let parsed = deno_ast::parse_program(ParseParams {
        specifier: ModuleSpecifier::from_file_path(path).ok()?,
        text: code.into(),
        media_type,
        capture_tokens: false,
        scope_analysis: true,
        maybe_syntax: None,
    })
    .ok()?;
    let mut reads = Reads {
        unresolved: parsed.unresolved_context(),
        found: Vec::new(),
    };
    match parsed.program_ref() {
        ProgramRef::Module(module) => module.visit_with(&mut reads),
        ProgramRef::Script(script) => script.visit_with(&mut reads),
    }
    if reads.found.is_empty() {
        return None;
    }
    let start = parsed.range().start;
    let changes = reads
        .found
        .iter()
        .map(|member| TextChange {
            range: member.range().as_byte_range(start),
            new_text: PRODUCTION.to_owned(),
        })
        .collect();
    Some(deno_ast::apply_text_changes(code, changes))
}

/// The reads of the global `process.env.NODE_ENV` in a program.
struct Reads {
    unresolved: SyntaxContext,
    found: Vec<MemberExpr>,
}

impl Reads {
    /// Whether `member` is `process.env.NODE_ENV` with `process` a global.
    fn is_node_env(&self, member: &MemberExpr) -> bool {
        let MemberProp::Ident(name) = &member.prop else {
            return false;
        };
        let Expr::Member(env) = &*member.obj else {
            return false;
        };
        let (Expr::Ident(process), MemberProp::Ident(env_name)) = (&*env.obj, &env.prop) else {
            return false;
        };
        name.sym == *"NODE_ENV"
            && env_name.sym == *"env"
            && process.sym == *"process"
            && process.ctxt == self.unresolved
    }
}

impl Visit for Reads {
    noop_visit_type!();

    fn visit_member_expr(&mut self, member: &MemberExpr) {
        if self.is_node_env(member) {
            self.found.push(member.clone());
        } else {
            member.visit_children_with(self);
        }
    }

    fn visit_assign_target(&mut self, target: &AssignTarget) {
        if let AssignTarget::Simple(SimpleAssignTarget::Member(member)) = target {
            if self.is_node_env(member) {
                return;
            }
        }
        target.visit_children_with(self);
    }

    fn visit_update_expr(&mut self, update: &UpdateExpr) {
        if let Expr::Member(member) = &*update.arg {
            if self.is_node_env(member) {
                return;
            }
        }
        update.visit_children_with(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn define(code: &str) -> Option<String> {
        node_env(
            Path::new("/p/node_modules/x/index.js"),
            MediaType::JavaScript,
            code,
        )
    }

    #[test]
    fn reads_of_the_global_are_replaced_and_nothing_else() {
        assert_eq!(
            define("if (process.env.NODE_ENV !== \"production\") warn();").as_deref(),
            Some("if (\"production\" !== \"production\") warn();")
        );
        // A local `process`, an assignment and a string are left alone.
        assert_eq!(
            define("const process = { env: {} }; export const mode = process.env.NODE_ENV;"),
            None
        );
        assert_eq!(define("process.env.NODE_ENV = \"test\";"), None);
        assert_eq!(define("const s = \"process.env.NODE_ENV\";"), None);
        assert_eq!(define("export default 1;"), None);
        assert_eq!(
            node_env(
                Path::new("/p/src/a.ts"),
                MediaType::TypeScript,
                "const dev: boolean = process.env.NODE_ENV === \"development\";"
            )
            .as_deref(),
            Some("const dev: boolean = \"production\" === \"development\";")
        );
    }
}

//! A KQL engine: lexer → parser (AST with spans) → evaluator over in-memory tables.

pub mod ast;
pub mod error;
pub mod lexer;
pub mod parser;
pub mod print;
pub mod value;

//! A KQL engine: lexer → parser → evaluator (being built).

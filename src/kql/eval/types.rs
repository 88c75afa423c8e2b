//! Static result types of expressions, for columns whose values say nothing (an empty result, or
//! only nulls): `tostring(x)` is a `string` column even with no rows, as Kusto types it before
//! running. Values still decide when they can (they are what the engine computed).

use super::super::ast::{BinOp, Expr, Literal};
use super::super::table::Column;
use super::super::value::KqlType;
use super::aggregate::AggKind;

/// The type of `e` over `cols`, when it follows from the expression alone.
pub(crate) fn static_type(e: &Expr, cols: &[Column]) -> Option<KqlType> {
    match e {
        Expr::Literal(l, _) => literal_type(l),
        Expr::Ident(name, _) => cols.iter().find(|c| &c.name == name).map(|c| c.ty),
        Expr::Member(..) | Expr::Index(..) => Some(KqlType::Dynamic),
        Expr::Call { name, args, .. } => call_type(&name.to_ascii_lowercase(), args, cols),
        Expr::Binary(op, l, r, _) => binary_type(*op, l, r, cols),
        Expr::Between { .. } | Expr::In { .. } => Some(KqlType::Bool),
        _ => None,
    }
}

/// A computed column's type: what its values say, else the expression's static type, else
/// `default`. GUIDs are held as their text, so for them the expression knows better.
pub(crate) fn column_type(from_values: Option<KqlType>, static_type: Option<KqlType>, default: KqlType) -> KqlType {
    match (from_values, static_type) {
        (Some(KqlType::String), Some(KqlType::Guid)) => KqlType::Guid,
        (Some(t), _) => t,
        (None, t) => t.unwrap_or(default),
    }
}

/// A path into a dynamic value (`Bag.key`, `Arr[0]`): dynamic whatever its values hold, as Kusto
/// types it (reading a string out of it takes `tostring`).
pub(crate) fn is_path(e: &Expr) -> bool {
    matches!(e, Expr::Member(..) | Expr::Index(..))
}

fn literal_type(l: &Literal) -> Option<KqlType> {
    Some(match l {
        Literal::Null => return None,
        Literal::Bool(_) => KqlType::Bool,
        Literal::Long(_) => KqlType::Long,
        Literal::Real(_) => KqlType::Real,
        Literal::String(_) => KqlType::String,
        Literal::DateTime(_) => KqlType::DateTime,
        Literal::TimeSpan(_) => KqlType::TimeSpan,
        Literal::Dynamic(_) => KqlType::Dynamic,
        Literal::Type(_) => KqlType::String,
    })
}

/// Scalar functions whose result type does not depend on their arguments, by type
/// (…/scalar-functions, …/window-functions).
const FIXED_RESULT_TYPES: &[(KqlType, &[&str])] = &[
    (
        KqlType::String,
        &[
            "tostring",
            "tolower",
            "toupper",
            "strcat",
            "strcat_delim",
            "substring",
            "trim",
            "trim_start",
            "trim_end",
            "replace",
            "replace_regex",
            "replace_string",
            "extract",
            "extractjson",
            "extract_json",
            "format_datetime",
            "format_timespan",
            "url_decode",
            "url_encode",
            "base64_encode_tostring",
            "base64_decode_tostring",
            "strrep",
            "reverse",
            "tohex",
            "strcat_array",
            "format_ipv4_mask",
            "gettype",
            "dynamic_to_json",
            "parse_ipv6",
            "parse_ipv6_mask",
            "format_ipv4",
            "translate",
            "unicode_codepoints_to_string",
            "make_string",
            "url_encode_component",
            "hash_md5",
            "hash_sha1",
            "base64_encode_fromguid",
        ],
    ),
    (
        KqlType::Long,
        &[
            "toint",
            "tolong",
            "strlen",
            "countof",
            "indexof",
            "array_length",
            "arraylength",
            "hash",
            "hourofday",
            "getyear",
            "getmonth",
            "dayofmonth",
            "dayofyear",
            "monthofyear",
            "week_of_year",
            "datetime_diff",
            "datetime_part",
            "array_index_of",
            "sign",
            "dcount_hll",
            "ipv4_compare",
            "ipv4_netmask_suffix",
            "parse_ipv4",
            "parse_ipv4_mask",
            "ipv6_compare",
            "string_size",
            "strcmp",
            "binary_and",
            "binary_or",
            "binary_xor",
            "binary_not",
            "binary_shift_left",
            "binary_shift_right",
            "bitset_count_ones",
            "row_number",
            "row_rank_dense",
            "row_rank_min",
        ],
    ),
    (
        KqlType::Real,
        &[
            "array_sum",
            "rank_tdigest",
            "percentrank_tdigest",
            "todouble",
            "toreal",
            "todecimal",
            "sqrt",
            "exp",
            "log",
            "log10",
            "pow",
        ],
    ),
    (
        KqlType::Bool,
        &[
            "tobool",
            "toboolean",
            "isempty",
            "isnotempty",
            "isnull",
            "isnotnull",
            "isnan",
            "ipv4_is_private",
            "ipv4_is_in_range",
            "has_any_ipv4_prefix",
            "set_has_element",
            "ipv4_is_match",
            "ipv4_is_in_any_range",
            "ipv6_is_match",
            "ipv6_is_in_range",
            "ipv6_is_in_any_range",
            "has_ipv4",
            "has_ipv4_prefix",
            "has_any_ipv4",
            "bag_has_key",
            "not",
        ],
    ),
    (
        KqlType::DateTime,
        &[
            "todatetime",
            "now",
            "ago",
            "startofday",
            "startofweek",
            "startofmonth",
            "startofyear",
            "endofday",
            "endofweek",
            "endofmonth",
            "datetime_add",
            "unixtime_seconds_todatetime",
            "unixtime_milliseconds_todatetime",
            "unixtime_microseconds_todatetime",
            "unixtime_nanoseconds_todatetime",
            "make_datetime",
            "row_window_session",
        ],
    ),
    (KqlType::TimeSpan, &["totimespan", "totime", "dayofweek", "make_timespan"]),
    (KqlType::Guid, &["toguid", "new_guid", "base64_decode_toguid"]),
    (
        KqlType::Dynamic,
        &[
            "parse_json",
            "todynamic",
            "pack",
            "bag_pack",
            "pack_array",
            "split",
            "extract_all",
            "set_union",
            "set_intersect",
            "set_difference",
            "array_concat",
            "array_slice",
            "array_split",
            "bag_keys",
            "bag_merge",
            "parse_url",
            "percentile_tdigest",
            "percentiles_array_tdigest",
            "merge_tdigest",
            "hll_merge",
            "ipv4_range_to_cidr_list",
            "geo_info_from_ip_address",
            "zip",
            "array_sort_asc",
            "array_sort_desc",
            "array_reverse",
            "array_rotate_left",
            "array_rotate_right",
            "array_shift_left",
            "array_shift_right",
            "array_iff",
            "array_iif",
            "bag_remove_keys",
            "bag_set_key",
            "bag_zip",
            "jaccard_index",
            "parseurl",
            "parse_urlquery",
            "parseurlquery",
            "parse_path",
        ],
    ),
];

/// What the scalar functions published rules use return (…/scalar-functions).
fn call_type(name: &str, args: &[Expr], cols: &[Column]) -> Option<KqlType> {
    use KqlType::*;
    // With a `typeof(T)` argument the type is T's; the values will say.
    let typed = matches!(
        (name, args.len()),
        ("extract", 4) | ("extract_json" | "extractjson" | "percentile_tdigest", 3)
    );
    if typed {
        return None;
    }
    if let Some((ty, _)) = FIXED_RESULT_TYPES.iter().find(|(_, names)| names.contains(&name)) {
        return Some(*ty);
    }
    Some(match name {
        "bin" | "floor" | "bin_at" | "round" | "abs" | "ceiling" | "min_of" | "max_of" | "coalesce" => static_type(args.first()?, cols)?,
        "iff" | "iif" => static_type(args.get(1)?, cols).or_else(|| static_type(args.get(2)?, cols))?,
        // Window functions (…/window-functions): prev/next give their column's type, a running
        // sum its term's.
        "prev" | "next" => static_type(args.first()?, cols)?,
        "row_cumsum" => match static_type(args.first()?, cols)? {
            Int => Long,
            other => other,
        },
        // Arrays, or bags for the `_dynamic` ones (…/scalar-functions#series-processing-functions).
        n if n.starts_with("series_") => Dynamic,
        _ => return None,
    })
}

fn binary_type(op: BinOp, l: &Expr, r: &Expr, cols: &[Column]) -> Option<KqlType> {
    use KqlType::*;
    match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
            let (a, b) = (static_type(l, cols)?, static_type(r, cols)?);
            Some(match (op, a, b) {
                (BinOp::Sub, DateTime, DateTime) => TimeSpan,
                (_, DateTime, _) | (_, _, DateTime) => DateTime,
                (BinOp::Div, TimeSpan, TimeSpan) => Real,
                (_, TimeSpan, _) | (_, _, TimeSpan) => TimeSpan,
                (_, Real, _) | (_, _, Real) => Real,
                (_, Long | Int, Long | Int) => Long,
                _ => return None,
            })
        }
        _ => Some(Bool),
    }
}

/// The type of an aggregate's first column (…/aggregation-functions): counts are `long`, averages
/// and spreads `real`, lists and bags `dynamic`, the others their argument's type.
pub(crate) fn aggregate_type(kind: AggKind, args: &[Expr], cols: &[Column]) -> Option<KqlType> {
    use AggKind::*;
    Some(match kind {
        Count | CountIf | DCount | DCountIf => KqlType::Long,
        Avg | AvgIf | Stdev | Variance => KqlType::Real,
        MakeSet | MakeSetIf | MakeList | MakeListIf | MakeBag => KqlType::Dynamic,
        PercentilesArray | TDigest | TDigestMerge | Hll | HllIf | HllMerge => KqlType::Dynamic,
        Sum | SumIf => match static_type(args.first()?, cols)? {
            KqlType::Int => KqlType::Long,
            other => other,
        },
        Min | Max | MinIf | MaxIf | ArgMax | ArgMin | TakeAny | AnyIf => static_type(args.first()?, cols)?,
        Percentiles => match static_type(args.first()?, cols)? {
            KqlType::Int => KqlType::Long,
            KqlType::Decimal => KqlType::Real,
            other => other,
        },
    })
}

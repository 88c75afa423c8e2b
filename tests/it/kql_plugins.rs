//! `evaluate` plugins (issue 12 §2): bag_unpack, pivot, narrow, ipv4_lookup, basket and
//! autocluster, each pinned by the examples of its page on learn.microsoft.com/kusto/query
//! (`…/<name>-plugin`) with the documented output tables; where a page runs on the StormEvents
//! sample, an equivalent datatable stands in (built from `cells` rows expanded `n` times, so the
//! counts are the documented ones). Bad calls are located errors; Kusto plugins tenantless lacks
//! are reported by name.

use crate::support::kql::*;
use tenantless::kql::{Catalog, Table};

/// Rows as comma-joined cells.
fn rows(t: &Table) -> Vec<String> {
    t.rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
        .collect()
}

/// Column names and types.
fn schema(t: &Table) -> Vec<String> {
    t.columns.iter().map(|c| format!("{}:{}", c.name, c.ty)).collect()
}

/// basket/autocluster rows as `Count|Percent (one decimal, as the docs print it)|dimensions…`.
fn segments(t: &Table) -> Vec<String> {
    assert_eq!(t.column_names()[..3], ["SegmentId", "Count", "Percent"]);
    t.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            assert_eq!(r[0].to_string(), i.to_string(), "SegmentId counts from 0");
            let percent = r[2].as_f64().expect("Percent is a number");
            let dims: Vec<String> = r[3..].iter().map(|v| v.to_string()).collect();
            format!("{}|{percent:.1}|{}", r[1], dims.join("|"))
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// `datatable` rows of `cells`, each repeated `n` times (the cells' order is the rows' order).
fn expanded(cells: &str, max_n: usize) -> String {
    format!(
        "let cells = {cells};\ncells | extend k_ = 1 | join kind=inner (range i_ from 1 to {max_n} step 1 | extend k_ = 1) on k_ | where i_ <= n\n"
    )
}

// ---- bag_unpack (…/bag-unpack-plugin) ----

const PEOPLE: &str = "datatable(d:dynamic) [dynamic({'Name': 'John', 'Age': 20}), dynamic({'Name': 'Dave', 'Age': 40}), dynamic({'Name': 'Jasmine', 'Age': 30})]";

#[test]
fn bag_unpack_expands_a_bag_as_the_docs_show() {
    let t = eval(&format!("{PEOPLE} | evaluate bag_unpack(d)"));
    assert_eq!(schema(&t), ["Age:long", "Name:string"]);
    assert_eq!(rows(&t), ["20,John", "40,Dave", "30,Jasmine"]);
    let t = eval(&format!("{PEOPLE} | evaluate bag_unpack(d, 'Property_')"));
    assert_eq!(t.column_names(), ["Property_Age", "Property_Name"]);
    assert_eq!(rows(&t), ["20,John", "40,Dave", "30,Jasmine"]);
    // Named, as the docs also write it.
    let t = eval(&format!("{PEOPLE} | evaluate bag_unpack(d, OutputColumnPrefix = 'p_')"));
    assert_eq!(t.column_names(), ["p_Age", "p_Name"]);
    // A slot some bags lack is empty there ("Expand a bag" with Height).
    let t = eval(
        "datatable(d:dynamic) [dynamic({'Name': 'John', 'Age': 20}), dynamic({'Name': 'Dave', 'Height': 170, 'Age': 40}), \
         dynamic({'Name': 'Jasmine', 'Age': 30})] | evaluate bag_unpack(d)",
    );
    assert_eq!(schema(&t), ["Age:long", "Height:long", "Name:string"]);
    assert_eq!(rows(&t), ["20,,John", "40,170,Dave", "30,,Jasmine"]);
}

#[test]
fn bag_unpack_resolves_conflicts_and_ignores_properties() {
    let named = "datatable(Name:string, d:dynamic) ['Old_name', dynamic({'Name': 'John', 'Age': 20}), \
                 'Old_name', dynamic({'Name': 'Dave', 'Age': 40}), 'Old_name', dynamic({'Name': 'Jasmine', 'Age': 30})]";
    let e = eval_err(&format!("{named} | evaluate bag_unpack(d)"));
    assert!(
        e.contains("key `Name` collides with the existing column `Name`") && e.contains("columnsConflict"),
        "{e}"
    );
    let t = eval(&format!("{named} | evaluate bag_unpack(d, columnsConflict='replace_source')"));
    assert_eq!(t.column_names(), ["Age", "Name"]);
    assert_eq!(rows(&t), ["20,John", "40,Dave", "30,Jasmine"]);
    // keep_source: the input column stays where it was (the docs' table lists the same cells).
    let t = eval(&format!("{named} | evaluate bag_unpack(d, columnsConflict='keep_source')"));
    assert_eq!(t.column_names(), ["Name", "Age"]);
    assert_eq!(rows(&t), ["Old_name,20", "Old_name,40", "Old_name,30"]);
    let t = eval(
        "datatable(d:dynamic) [dynamic({'Name': 'John', 'Age': 20, 'Address': 'Address-1'}), \
         dynamic({'Name': 'Dave', 'Age': 40, 'Address': 'Address-2'}), dynamic({'Name': 'Jasmine', 'Age': 30, 'Address': 'Address-3'})] \
         | evaluate bag_unpack(d, ignoredProperties=dynamic(['Address', 'Age']))",
    );
    assert_eq!(t.column_names(), ["Name"]);
    assert_eq!(rows(&t), ["John", "Dave", "Jasmine"]);
}

#[test]
fn bag_unpack_takes_an_output_schema() {
    let q = "datatable(d:dynamic, Description:string) [dynamic({'Name': 'John', 'Age': 20, 'height': 180}), 'Student', \
             dynamic({'Name': 'Dave', 'Age': 40, 'height': 160}), 'Teacher', dynamic({'Name': 'Jasmine', 'Age': 30, 'height': 172}), 'Student']";
    let t = eval(&format!("{q} | evaluate bag_unpack(d) : (*, Name:string, Age:long)"));
    assert_eq!(schema(&t), ["Description:string", "Name:string", "Age:long"]);
    assert_eq!(rows(&t), ["Student,John,20", "Teacher,Dave,40", "Student,Jasmine,30"]);
    // Without `*` only the declared columns; a declared type converts, a missing slot is empty.
    let t = eval(&format!("{q} | evaluate bag_unpack(d) : (Age:string, Weight:real)"));
    assert_eq!(schema(&t), ["Age:string", "Weight:real"]);
    assert_eq!(rows(&t), ["20,", "40,", "30,"]);
    // Static: the schema's types hold with no rows.
    let t = eval(&format!(
        "{q} | where Description == 'none' | evaluate bag_unpack(d) : (*, Name:string, Age:long)"
    ));
    assert_eq!(schema(&t), ["Description:string", "Name:string", "Age:long"]);
}

#[test]
fn bag_unpack_types_a_slot_by_its_values_and_ignores_nulls() {
    let t = eval(
        "datatable(d:dynamic) [dynamic({'a': 1, 'b': 'x', 'n': null}), dynamic({'a': 1.5, 'b': 'y'}), dynamic({'b': 'z', 'c': [1]})] \
         | evaluate bag_unpack(d)",
    );
    // Mixed long and real: dynamic; a slot only ever null makes no column.
    assert_eq!(schema(&t), ["a:dynamic", "b:string", "c:dynamic"]);
}

// ---- pivot (…/pivot-plugin) ----

/// The StormEvents rows the pivot page's first example counts (EventType × State).
const WIND: &str = "datatable(State:string, EventType:string, n:long) ['ALABAMA', 'Thunderstorm Wind', 352, 'ALASKA', 'Thunderstorm Wind', 1, \
     'ALASKA', 'High Wind', 95, 'ALASKA', 'Extreme Cold/Wind Chill', 10, 'ALABAMA', 'Strong Wind', 22]";

#[test]
fn pivot_counts_by_default() {
    let q = expanded(WIND, 352);
    let t = eval(&format!("{q}| project State, EventType | evaluate pivot(State)"));
    assert_eq!(schema(&t), ["EventType:string", "ALABAMA:long", "ALASKA:long"]);
    assert_eq!(
        rows(&t),
        [
            "Thunderstorm Wind,352,1",
            "High Wind,0,95",
            "Extreme Cold/Wind Chill,0,10",
            "Strong Wind,22,0"
        ]
    );
}

/// The pivot page's `DeathsDirect` examples (states starting with "AR").
const DEATHS: &str = "datatable(State:string, EventType:string, Source:string, DeathsDirect:long) [\
     'ARKANSAS', 'Heavy Rain', 'Emergency Manager', 1, 'ARKANSAS', 'Thunderstorm Wind', 'Emergency Manager', 1, \
     'ARIZONA', 'Lightning', 'Newspaper', 1, 'ARIZONA', 'Flash Flood', 'Trained Spotter', 2, \
     'ARIZONA', 'Flash Flood', 'Broadcast Media', 3, 'ARIZONA', 'Flash Flood', 'Newspaper', 1, \
     'ARKANSAS', 'Strong Wind', 'Law Enforcement', 1, 'ARKANSAS', 'Heat', 'Newspaper', 3]";

#[test]
fn pivot_aggregates_and_groups_as_the_docs_show() {
    let want = [
        "Heavy Rain,1,0",
        "Thunderstorm Wind,1,0",
        "Lightning,0,1",
        "Flash Flood,0,6",
        "Strong Wind,1,0",
        "Heat,3,0",
    ];
    let t = eval(&format!(
        "{DEATHS} | project State, EventType, DeathsDirect | evaluate pivot(State, sum(DeathsDirect))"
    ));
    assert_eq!(schema(&t), ["EventType:string", "ARKANSAS:long", "ARIZONA:long"]);
    assert_eq!(rows(&t), want);
    let t = eval(&format!("{DEATHS} | evaluate pivot(State, sum(DeathsDirect), EventType)"));
    assert_eq!(rows(&t), want, "the same with the column named");
    let t = eval(&format!("{DEATHS} | evaluate pivot(State, sum(DeathsDirect), EventType, Source)"));
    assert_eq!(t.column_names(), ["EventType", "Source", "ARKANSAS", "ARIZONA"]);
    assert_eq!(
        rows(&t),
        [
            "Heavy Rain,Emergency Manager,1,0",
            "Thunderstorm Wind,Emergency Manager,1,0",
            "Lightning,Newspaper,0,1",
            "Flash Flood,Trained Spotter,0,2",
            "Flash Flood,Broadcast Media,0,3",
            "Flash Flood,Newspaper,0,1",
            "Strong Wind,Law Enforcement,1,0",
            "Heat,Newspaper,3,0"
        ]
    );
}

#[test]
fn pivot_with_an_output_schema_keeps_the_declared_columns() {
    // The docs' last example: every state, but only ALABAMA and ALASKA asked for.
    let cells = "datatable(State:string, EventType:string, n:long) ['ALABAMA', 'Thunderstorm Wind', 352, 'ALASKA', 'Thunderstorm Wind', 1, \
                 'ALASKA', 'High Wind', 95, 'TEXAS', 'Marine Thunderstorm Wind', 7, 'ALABAMA', 'Strong Wind', 22]";
    let q = expanded(cells, 352);
    let t = eval(&format!(
        "{q}| project State, EventType | where EventType has 'Wind' | evaluate pivot(State) : (EventType:string, ALABAMA:long, ALASKA:long)"
    ));
    assert_eq!(schema(&t), ["EventType:string", "ALABAMA:long", "ALASKA:long"]);
    assert_eq!(
        rows(&t),
        [
            "Thunderstorm Wind,352,1",
            "High Wind,0,95",
            "Marine Thunderstorm Wind,0,0",
            "Strong Wind,22,0"
        ]
    );
}

#[test]
fn pivot_cells_without_rows_hold_the_aggregation_of_none() {
    // pairwise-dist-fl's `pivot(entity, max(dist), entity1)`: an entity and itself is empty.
    let t = eval(
        "datatable(entity:string, entity1:string, dist:real) ['Andy', 'Betsy', 0.354, 'Betsy', 'Andy', 0.354] \
         | evaluate pivot(entity, max(dist), entity1)",
    );
    assert_eq!(schema(&t), ["entity1:string", "Andy:real", "Betsy:real"]);
    assert_eq!(rows(&t), ["Betsy,0.354,", "Andy,,0.354"]);
    let t = eval("datatable(k:string, v:string, x:long) ['a', 'p', 1, 'a', 'p', 2, 'b', 'q', 3] | evaluate pivot(v, make_list(x))");
    assert_eq!(schema(&t), ["k:string", "p:dynamic", "q:dynamic"]);
    assert_eq!(rows(&t), ["a,[1,2],[]", "b,[],[3]"]);
    // Values naming a grouping column get a suffix; an empty value a generated name.
    let t = eval("datatable(k:string, v:string) ['a', 'k', 'b', ''] | evaluate pivot(v)");
    assert_eq!(t.column_names(), ["k", "k1", "Column1"]);
}

// ---- narrow (…/narrow-plugin) ----

#[test]
fn narrow_gives_a_row_per_cell() {
    let t = eval("datatable(IsHealthy:bool, MachinesTotal:long, BuildVersion:string) [true, 2, '1.0.6281.19882'] | evaluate narrow()");
    assert_eq!(schema(&t), ["Row:long", "Column:string", "Value:string"]);
    assert_eq!(rows(&t), ["0,IsHealthy,true", "0,MachinesTotal,2", "0,BuildVersion,1.0.6281.19882"]);
    let t = eval("range x from 1 to 2 step 1 | extend y = x * 10 | evaluate narrow()");
    assert_eq!(rows(&t), ["0,x,1", "0,y,10", "1,x,2", "1,y,20"]);
    let t = eval("print a = 1 | where a > 1 | evaluate narrow()");
    assert_eq!(schema(&t), ["Row:long", "Column:string", "Value:string"], "typed with no rows");
}

// ---- ipv4_lookup (…/ipv4-lookup-plugin) ----

const IP_DATA: &str = "let IP_Data = datatable(network:string, continent_code:string, continent_name:string, country_iso_code:string, country_name:string) [\n\
     '111.68.128.0/17', 'AS', 'Asia', 'JP', 'Japan',\n\
     '5.8.0.0/19', 'EU', 'Europe', 'RU', 'Russia',\n\
     '223.255.254.0/24', 'AS', 'Asia', 'SG', 'Singapore',\n\
     '46.36.200.51/32', 'OC', 'Oceania', 'CK', 'Cook Islands',\n\
     '2.20.183.0/24', 'EU', 'Europe', 'GB', 'United Kingdom',\n\
     '192.165.8.0/21', 'EU', 'Europe', 'SE', 'Sweden'];\n";

#[test]
fn ipv4_lookup_matches_rows_in_ranges() {
    let ips = "let IPs = datatable(ip:string) ['2.20.183.12', '5.8.1.2', '192.168.12.17'];\n";
    let t = eval(&format!("{IP_DATA}{ips}IPs | evaluate ipv4_lookup(IP_Data, ip, network)"));
    assert_eq!(
        t.column_names(),
        [
            "ip",
            "network",
            "continent_code",
            "continent_name",
            "country_iso_code",
            "country_name"
        ]
    );
    assert_eq!(
        rows(&t),
        [
            "2.20.183.12,2.20.183.0/24,EU,Europe,GB,United Kingdom",
            "5.8.1.2,5.8.0.0/19,EU,Europe,RU,Russia"
        ]
    );
    let t = eval(&format!(
        "{IP_DATA}{ips}IPs | evaluate ipv4_lookup(IP_Data, ip, network, return_unmatched = true)"
    ));
    assert_eq!(rows(&t)[2], "192.168.12.17,,,,,", "the unmatched row, lookup columns empty");
    assert_eq!(t.rows.len(), 3);
    // The third example: 192.165.12.17 is in Sweden's /21.
    let t = eval(&format!(
        "{IP_DATA}datatable(ip:string) ['192.165.12.17'] | evaluate ipv4_lookup(IP_Data, ip, network, return_unmatched = true)"
    ));
    assert_eq!(rows(&t), ["192.165.12.17,192.165.8.0/21,EU,Europe,SE,Sweden"]);
}

#[test]
fn ipv4_lookup_with_extra_keys_drops_them_from_the_lookup_side() {
    let ips = "let IPs = datatable(ip:string, continent_name:string, country_iso_code:string) \
               ['2.20.183.12', 'Europe', 'GB', '5.8.1.2', 'Europe', 'RU', '192.165.12.17', 'Europe', ''];\n";
    let t = eval(&format!(
        "{IP_DATA}{ips}IPs | evaluate ipv4_lookup(IP_Data, ip, network, continent_name, country_iso_code)"
    ));
    assert_eq!(
        t.column_names(),
        [
            "ip",
            "continent_name",
            "country_iso_code",
            "network",
            "continent_code",
            "country_name"
        ]
    );
    assert_eq!(
        rows(&t),
        [
            "2.20.183.12,Europe,GB,2.20.183.0/24,EU,United Kingdom",
            "5.8.1.2,Europe,RU,5.8.0.0/19,EU,Russia"
        ]
    );
}

#[test]
fn ipv4_lookup_matches_every_range_and_prefixes_on_both_sides() {
    // Sentinel-style: a watchlist-like let of CIDR ranges, overlapping.
    let ranges = "let Ranges = datatable(Range:string, Label:string) ['10.0.0.0/8', 'corp', '10.1.0.0/16', 'lab', 'bogus', 'x', '0.0.0.0/0', 'any'];\n";
    let t = eval(&format!(
        "{ranges}datatable(IPAddress:string) ['10.1.2.3', '8.8.8.8', '', '10.0.0.0/12'] | evaluate ipv4_lookup(Ranges, IPAddress, Range)"
    ));
    assert_eq!(
        rows(&t),
        [
            "10.1.2.3,10.0.0.0/8,corp",
            "10.1.2.3,10.1.0.0/16,lab",
            "10.1.2.3,0.0.0.0/0,any",
            "8.8.8.8,0.0.0.0/0,any",
            // A /12 source matches a /8 that contains it and a /16 inside it.
            "10.0.0.0/12,10.0.0.0/8,corp",
            "10.0.0.0/12,10.1.0.0/16,lab",
            "10.0.0.0/12,0.0.0.0/0,any"
        ]
    );
    // A tabular expression in place, and a clashing column name renamed as join renames it.
    let t = eval(
        "datatable(ip:string, Label:string) ['10.1.2.3', 'mine'] \
         | evaluate ipv4_lookup(datatable(Range:string, Label:string) ['10.0.0.0/8', 'corp'] | where Label == 'corp', ip, Range)",
    );
    assert_eq!(t.column_names(), ["ip", "Label", "Range", "Label1"]);
    assert_eq!(rows(&t), ["10.1.2.3,mine,10.0.0.0/8,corp"]);
}

#[test]
fn ipv4_lookup_reads_a_watchlist_over_the_real_tables() {
    let dir = seed_fixture();
    dir.write("Watchlist_ranges.jsonl", "{\"SearchKey\":\"20.50.0.0/16\",\"Owner\":\"deploy\"}\n");
    let cat: Catalog = catalog(&dir);
    let t = run_one(
        "AADServicePrincipalSignInLogs | project IPAddress, ServicePrincipalName \
         | evaluate ipv4_lookup(_GetWatchlist('ranges'), IPAddress, SearchKey) | distinct ServicePrincipalName, Owner",
        &cat,
        &options(),
    );
    assert_eq!(rows(&t), ["Deploy-SP,deploy"]);
}

// ---- basket (…/basket-plugin) ----

/// The basket page's StormEvents rows for May (5,884 of them), by the counts its outputs show:
/// State spread over six values so that none is frequent.
const STORM: &str = "datatable(EventType:string, Damage:string, DamageCrops:long, n:long) [\n\
     'Hail', 'NO', 0, 2278, 'Hail', 'YES', 0, 93, 'Hail', 'YES', 5000, 97,\n\
     'Thunderstorm Wind', 'NO', 0, 700, 'Thunderstorm Wind', 'YES', 0, 579, 'Thunderstorm Wind', 'YES', 5000, 12,\n\
     'Flash Flood', 'NO', 0, 800, 'Flash Flood', 'YES', 0, 215, 'Flash Flood', 'YES', 5000, 50,\n\
     'Tornado', 'NO', 0, 796, 'Tornado', 'YES', 0, 214, 'Tornado', 'YES', 5000, 50]";

fn storm() -> String {
    format!(
        "{}| extend State = strcat('S', i_ % 6) | project State, EventType, Damage, DamageCrops\n",
        expanded(STORM, 2278)
    )
}

#[test]
fn basket_finds_the_documented_frequent_patterns() {
    let t = eval(&format!("{}| evaluate basket(0.2)", storm()));
    assert_eq!(
        schema(&t),
        [
            "SegmentId:long",
            "Count:long",
            "Percent:real",
            "State:string",
            "EventType:string",
            "Damage:string",
            "DamageCrops:long"
        ]
    );
    // The docs' table, in the documented order of tenantless (Count descending).
    assert_eq!(
        segments(&t),
        [
            "5675|96.4||||0",
            "4574|77.7|||NO|0",
            "2468|41.9||Hail||",
            "2371|40.3||Hail||0",
            "2278|38.7||Hail|NO|0",
            "1310|22.3|||YES|",
            "1291|21.9||Thunderstorm Wind||",
            "1279|21.7||Thunderstorm Wind||0"
        ]
    );
    let t = eval(&format!("{}| evaluate basket(0.2, '~', '~', '*', int(-1))", storm()));
    assert_eq!(
        sorted(segments(&t)),
        sorted(
            [
                "4574|77.7|*|*|NO|0",
                "2278|38.7|*|Hail|NO|0",
                "5675|96.4|*|*|*|0",
                "2371|40.3|*|Hail|*|0",
                "1279|21.7|*|Thunderstorm Wind|*|0",
                "2468|41.9|*|Hail|*|-1",
                "1310|22.3|*|*|YES|-1",
                "1291|21.9|*|Thunderstorm Wind|*|-1"
            ]
            .map(String::from)
            .to_vec()
        )
    );
}

#[test]
fn basket_weights_rows_and_limits_dimensions() {
    // Three cells with their counts as weights give the same patterns as the rows themselves.
    let q = "datatable(A:string, B:string, w:long) ['x', 'p', 6, 'x', 'q', 3, 'y', 'q', 1]";
    let t = eval(&format!("{q} | evaluate basket(0.3, w)"));
    assert_eq!(
        t.column_names(),
        ["SegmentId", "Count", "Percent", "A", "B"],
        "the weight is no dimension"
    );
    // 10 in all, 3 needed: x (9), p (6, all of them x), q (4) and x with q (3).
    assert_eq!(segments(&t), ["9|90.0|x|", "6|60.0|x|p", "4|40.0||q", "3|30.0|x|q"]);
    // One dimension per basket: x, p and q alone; p's rows are all x, so its pattern closes over A.
    let t = eval(&format!("{q} | evaluate basket(0.3, w, 1)"));
    assert_eq!(segments(&t), ["9|90.0|x|", "6|60.0|x|p", "4|40.0||q"]);
    let t = eval("datatable(A:string) [] | evaluate basket()");
    assert_eq!(schema(&t), ["SegmentId:long", "Count:long", "Percent:real", "A:string"]);
    assert!(t.rows.is_empty());
}

/// 200 rows: a column with two values, one unique per row, and 30 constant ones.
fn wide_constant_rows() -> String {
    let constants: Vec<String> = (0..30).map(|c| format!("C{c} = 'c'")).collect();
    format!(
        "range i from 1 to 200 step 1 | extend V = iff(i % 2 == 0, 'even', 'odd'), U = strcat('u', i), {} | project-away i",
        constants.join(", ")
    )
}

#[test]
fn basket_and_autocluster_see_through_constant_and_unique_columns() {
    // Every subset of the 30 constants is frequent; only their closed pattern is reported, once,
    // and inside every other pattern.
    let t = eval(&format!("{} | evaluate basket()", wide_constant_rows()));
    let c = "|c".repeat(30);
    assert_eq!(
        segments(&t),
        [
            format!("200|100.0|||{}", &c[1..]),
            format!("100|50.0|even|{c}"),
            format!("100|50.0|odd|{c}")
        ]
    );
    // autocluster: constants say nothing and unique ids are searched past.
    let t = eval(&format!("{} | evaluate autocluster()", wide_constant_rows()));
    let blank = "|".repeat(30);
    assert_eq!(segments(&t), [format!("100|50.0|even|{blank}"), format!("100|50.0|odd|{blank}")]);
}

// ---- autocluster (…/autocluster-plugin) ----

/// Rows shaped like the autocluster page's example: Hail without damage over many states,
/// Thunderstorm Wind with damage, TEXAS with varied events, and some noise.
const CLUSTERS: &str = "datatable(State:string, EventType:string, Damage:string, n:long, spread:long) [\n\
     '', 'Hail', 'NO', 40, 8, '', 'Thunderstorm Wind', 'YES', 15, 5,\n\
     'TEXAS', 'Flash Flood', 'NO', 6, 1, 'TEXAS', 'Tornado', 'NO', 6, 1,\n\
     'TEXAS', 'Flash Flood', 'YES', 4, 1, 'TEXAS', 'Tornado', 'YES', 4, 1,\n\
     'S6', 'Heat', 'NO', 3, 1, 'S7', 'Lightning', 'NO', 3, 1]";

fn clusters() -> String {
    format!(
        "{}| extend State = iff(State == '', strcat('S', i_ % spread), State) | project State, EventType, Damage\n",
        expanded(CLUSTERS, 40)
    )
}

#[test]
fn autocluster_finds_the_documented_kind_of_patterns() {
    let t = eval(&format!("{}| evaluate autocluster(0.6)", clusters()));
    assert_eq!(
        schema(&t),
        [
            "SegmentId:long",
            "Count:long",
            "Percent:real",
            "State:string",
            "EventType:string",
            "Damage:string"
        ]
    );
    // The docs' three patterns (Hail/NO, Thunderstorm Wind/YES, TEXAS), best score first.
    assert_eq!(
        segments(&t),
        ["40|49.4||Hail|NO", "15|18.5||Thunderstorm Wind|YES", "20|24.7|TEXAS||"]
    );
    let t = eval(&format!("{}| evaluate autocluster(0.6, '~', '~', '*')", clusters()));
    assert_eq!(
        segments(&t),
        ["40|49.4|*|Hail|NO", "15|18.5|*|Thunderstorm Wind|YES", "20|24.7|TEXAS|*|*"]
    );
    // A smaller SizeWeight prefers more specific patterns.
    let t = eval(&format!("{}| evaluate autocluster(0.2)", clusters()));
    assert!(t.rows.len() > 3, "{:?}", segments(&t));
}

#[test]
fn autocluster_is_deterministic_and_typed_when_empty() {
    let q = format!("{}| evaluate autocluster()", clusters());
    assert_eq!(rows(&eval(&q)), rows(&eval(&q)));
    let t = eval("datatable(A:long, B:string) [] | evaluate autocluster()");
    assert_eq!(schema(&t), ["SegmentId:long", "Count:long", "Percent:real", "A:long", "B:string"]);
}

// ---- the call itself ----

#[test]
fn plugin_calls_print_back_and_parse_to_the_same_tree() {
    for q in [
        "T | evaluate bag_unpack(d, 'p_', columnsConflict='keep_source', ignoredProperties=dynamic(['a'])) : (*, a:string)",
        "T | evaluate hint.distribution=per_node pivot(State, sum(D), EventType, Source) : (EventType:string, X:long)",
        "T | evaluate narrow()",
        "T | evaluate ipv4_lookup(datatable(Range:string) ['10.0.0.0/8'] | where Range != '', ip, Range, Extra, return_unmatched=true)",
        "T | evaluate ipv4_lookup(L, ip, network, true)",
        "T | evaluate basket(0.2, '~', '~', '*', int(-1))",
        "T | evaluate basket('~', w)",
        "T | evaluate autocluster(0.6, '~', 10)",
        "T | evaluate autocluster()",
    ] {
        assert_round_trip(q);
    }
}

#[test]
fn bad_plugin_calls_are_located_errors() {
    let e = eval_err("print x = 1\n| evaluate pivt(x)");
    assert!(e.contains("<query>:2:12") && e.contains("^^^^"), "{e}");
    assert!(
        e.contains(
            "unknown plugin `pivt`; did you mean `pivot`? tenantless runs: autocluster, bag_unpack, basket, ipv4_lookup, narrow, pivot"
        ),
        "{e}"
    );
    for (query, want) in [
        ("print x = 1 | evaluate narrow(x)", "`narrow` takes no arguments, got 1"),
        (
            "print x = 1 | evaluate bag_unpack(x, OutputColumnPrefx='a')",
            "did you mean `OutputColumnPrefix`?",
        ),
        (
            "print x = 1 | evaluate bag_unpack(x, 'a', 'error', dynamic([]), 5)",
            "takes at most 4 arguments",
        ),
        (
            "print x = 1 | evaluate bag_unpack(x, OutputColumnPrefix='a', 'b')",
            "a positional argument cannot follow",
        ),
        (
            "print x = 1 | evaluate pivot(x, median(x))",
            "pivot cannot aggregate with `median()`",
        ),
        ("print x = 1 | evaluate pivot(x, x + 1)", "expected a column name, found"),
        (
            "print x = 1 | evaluate basket(2)",
            "basket's Threshold must be between 0.015 and 1, got 2",
        ),
        (
            "print x = 1 | evaluate autocluster(0.5, '~', 0)",
            "autocluster's NumSeeds must be between 1",
        ),
        (
            "print x = 'a' | evaluate basket(0.2, x)",
            "WeightColumn `x` must be a numeric column",
        ),
        (
            "print x = 1 | evaluate ipv4_lookup(x, x)",
            "`ipv4_lookup` needs the lookup table's range column",
        ),
        ("print x = 1 | evaluate narrow() : (a:long)", "`narrow` takes no output schema"),
    ] {
        let e = eval_err(query);
        assert!(e.contains(want), "{query}: {e}");
        assert!(e.contains("<query>:1:") && e.contains('^'), "{query}: located: {e}");
    }
    // Unknown columns point at the name.
    let e = eval_err("print ip = '1.2.3.4'\n| evaluate ipv4_lookup(datatable(r:string) ['1.0.0.0/8'], ip, range_)");
    assert!(
        e.contains("<query>:2:") && e.contains("unknown column `range_` in ipv4_lookup's lookup table"),
        "{e}"
    );
    let e = eval_err("print x = 1\n| evaluate pivot(y)");
    assert!(e.contains("<query>:2:18") && e.contains("unknown column `y`"), "{e}");
    let e = eval_err("print x = 1 | evaluate ipv4_lookup(1, x, x)");
    assert!(e.contains("expected a table"), "{e}");
}

#[test]
fn plugins_kusto_has_and_tenantless_lacks_are_named() {
    for name in [
        "schema_merge",
        "sql_request",
        "python",
        "sequence_detect",
        "rolling_percentile",
        "diffpatterns",
    ] {
        let e = eval_err(&format!("print x = 1 | evaluate {name}(x)"));
        assert_eq!(e, format!("`evaluate {name}` is not supported by tenantless yet"));
    }
}

#[test]
fn plugins_count_against_the_memory_budget() {
    let options = tenantless::kql::RunOptions {
        max_memory: 4 << 20,
        ..tenantless::kql::RunOptions::default()
    };
    for (query, op) in [
        (
            "range x from 1 to 20000 step 1 | extend y = x | evaluate narrow()",
            "evaluate narrow",
        ),
        (
            "range x from 1 to 20000 step 1 | extend k = x % 7 | evaluate pivot(x)",
            "evaluate pivot",
        ),
        (
            "range x from 1 to 20000 step 1 | extend y = x | evaluate basket()",
            "evaluate basket",
        ),
    ] {
        match tenantless::kql::run(query, &Catalog::new(), &options) {
            Err(tenantless::kql::KqlError::Memory { op: at, .. }) => assert_eq!(at, op, "{query}"),
            other => panic!("{query}: expected a memory error, got {other:?}"),
        }
    }
}

/// pivot's `dcount()` counts through the same HyperLogLog as summarize's (exact this small).
#[test]
fn pivot_dcount_counts_distinct_values_per_cell() {
    let t = eval("datatable(a: string, b: string)['x', '1', 'x', '2', 'y', '1'] | evaluate pivot(b, dcount(a))");
    assert_eq!(t.column_names(), ["1", "2"]);
    assert_eq!(column(&t, "1"), ["2"]);
    assert_eq!(column(&t, "2"), ["1"]);
}

//! Places outside Azure that sign-ins come from: where a `sign_in` action's `country` puts the
//! caller (a stolen credential used from abroad), each with a city, its coordinates and /16
//! prefixes of consumer or hosting address space there (plausible, not an authoritative
//! geo-IP list). Entra fills `Location` and `LocationDetails` from the address's geolocation
//! (azure-logs.md §2.3), so the address and the place must agree.

use super::Region;

/// The countries `country:` may name (ISO 3166 alpha-2, as `Location` holds them).
pub const OUTSIDE_COUNTRIES: &[&str] = &["BR", "CN", "GB", "IN", "IR", "NG", "RO", "RU", "TR", "UA", "US", "VN"];

const fn place(
    name: &'static str,
    city: &'static str,
    state: &'static str,
    country: &'static str,
    at: (f64, f64),
    prefixes: &'static [[u8; 2]],
) -> Region {
    Region {
        name,
        city,
        state,
        country,
        latitude: at.0,
        longitude: at.1,
        prefixes,
    }
}

/// One place per country of [`OUTSIDE_COUNTRIES`], in the same order.
pub const OUTSIDE_LOCATIONS: &[Region] = &[
    place(
        "outside-br",
        "Sao Paulo",
        "Sao Paulo",
        "BR",
        (-23.5505, -46.6333),
        &[[177, 32], [189, 44]],
    ),
    place(
        "outside-cn",
        "Beijing",
        "Beijing",
        "CN",
        (39.9042, 116.4074),
        &[[36, 110], [123, 125]],
    ),
    place("outside-gb", "London", "England", "GB", (51.5072, -0.1276), &[[86, 150], [81, 108]]),
    place(
        "outside-in",
        "Mumbai",
        "Maharashtra",
        "IN",
        (19.076, 72.8777),
        &[[49, 36], [117, 196]],
    ),
    place("outside-ir", "Tehran", "Tehran", "IR", (35.6892, 51.389), &[[5, 160], [91, 98]]),
    place("outside-ng", "Lagos", "Lagos", "NG", (6.5244, 3.3792), &[[105, 112], [102, 89]]),
    place(
        "outside-ro",
        "Bucharest",
        "Bucuresti",
        "RO",
        (44.4268, 26.1025),
        &[[86, 120], [89, 136]],
    ),
    place("outside-ru", "Moscow", "Moscow", "RU", (55.7558, 37.6173), &[[95, 165], [178, 176]]),
    place(
        "outside-tr",
        "Istanbul",
        "Istanbul",
        "TR",
        (41.0082, 28.9784),
        &[[78, 160], [88, 230]],
    ),
    place("outside-ua", "Kyiv", "Kyiv City", "UA", (50.4501, 30.5234), &[[93, 72], [176, 36]]),
    place(
        "outside-us",
        "Chicago",
        "Illinois",
        "US",
        (41.8781, -87.6298),
        &[[73, 44], [98, 206]],
    ),
    place("outside-vn", "Hanoi", "Ha Noi", "VN", (21.0278, 105.8342), &[[113, 160], [14, 160]]),
];

/// The place `country` names, if it is one of [`OUTSIDE_COUNTRIES`].
pub fn outside_location(country: &str) -> Option<&'static Region> {
    OUTSIDE_LOCATIONS.iter().find(|r| r.country.eq_ignore_ascii_case(country))
}

/// The outside place whose address space holds `ip`, if any.
pub fn outside_location_of_ip(ip: std::net::Ipv4Addr) -> Option<&'static Region> {
    let o = ip.octets();
    OUTSIDE_LOCATIONS.iter().find(|r| r.prefixes.iter().any(|p| p[..] == o[..2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_has_its_place_in_order_and_no_prefix_is_azures() {
        let countries: Vec<&str> = OUTSIDE_LOCATIONS.iter().map(|r| r.country).collect();
        assert_eq!(countries, OUTSIDE_COUNTRIES);
        for place in OUTSIDE_LOCATIONS {
            for p in place.prefixes {
                let ip = std::net::Ipv4Addr::new(p[0], p[1], 1, 1);
                assert!(super::super::region_of_ip(ip).is_none(), "{} overlaps Azure", place.name);
                assert_eq!(outside_location_of_ip(ip), Some(place));
            }
        }
    }
}

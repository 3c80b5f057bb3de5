//! Which Mindbody site a sandbox studio is: its id, its name and locations (`site/sites`,
//! `site/locations`), and the seed that makes its data its own. Site `-99` (seed 0) is the
//! sandbox's original studio, to the byte; the chain's other sites (`-98`, `-97`, ...) sell a
//! different mix of products at their own prices, to clients of other names, with contracts
//! billed on other days. Their numeric ids (sales, clients, locations 1 to 3) overlap site
//! `-99`'s, as they do between real Mindbody sites, which keep a database each.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::LOCATIONS;

/// The sandbox's first site: Mindbody's public sandbox.
pub const FIRST_SITE: i64 = -99;

/// The name of the first site; the others add their neighbourhood to it.
pub const FIRST_SITE_NAME: &str = "Legion Sandbox Studio";

/// The neighbourhoods of the chain's other sites, in order (`-98` is Eastside).
const AREAS: [&str; 19] = [
    "Eastside",
    "Northgate",
    "Westfield",
    "Southbank",
    "Riverside",
    "Hillcrest",
    "Lakeview",
    "Midtown",
    "Old Town",
    "Parkside",
    "Harbor",
    "Uptown",
    "Greenway",
    "Brookside",
    "Fairview",
    "Kingsway",
    "Maplewood",
    "Stonebridge",
    "Bayside",
];

const CITIES: [&str; 5] = ["Austin", "Dallas", "Houston", "San Antonio", "El Paso"];

#[derive(Debug, Clone, PartialEq)]
pub struct StudioSite {
    pub id: i64,
    /// 0 for the first site, 1 for `-98`, and so on.
    pub seed: u64,
    pub name: String,
    pub city: &'static str,
    /// (id, name), as `site/locations` lists them.
    pub locations: Vec<(i64, String)>,
    /// Where its clients' e-mail addresses are (two sites' Jane Doe are two people).
    pub email_domain: String,
}

impl StudioSite {
    /// Site `id`'s profile, the same every time.
    pub fn of(id: i64) -> StudioSite {
        let seed = id.wrapping_sub(FIRST_SITE).unsigned_abs();
        if seed == 0 {
            return StudioSite {
                id,
                seed,
                name: FIRST_SITE_NAME.to_string(),
                city: CITIES[0],
                locations: LOCATIONS
                    .iter()
                    .map(|(id, name)| (*id, name.to_string()))
                    .collect(),
                email_domain: "example.com".to_string(),
            };
        }
        let index = ((seed - 1) % AREAS.len() as u64) as usize;
        // Past the named neighbourhoods (never in a sandbox of at most 20 sites), a number.
        let area = match (seed - 1) / AREAS.len() as u64 {
            0 => AREAS[index].to_string(),
            round => format!("{} {}", AREAS[index], round + 1),
        };
        StudioSite {
            id,
            seed,
            name: format!("{FIRST_SITE_NAME} {area}"),
            city: CITIES[(seed % CITIES.len() as u64) as usize],
            locations: vec![
                (1, format!("Legion Fitness {area}")),
                (2, format!("Legion Fitness {area} North")),
                (3, format!("Legion Fitness {area} South")),
            ],
            email_domain: format!("{}.example.com", area.to_lowercase().replace(' ', "-")),
        }
    }

    /// What the site charges for something the first site sells at `cents`: three percent more
    /// per site along the chain, to the cent (rounded down).
    pub fn price(&self, cents: i64) -> Decimal {
        let markup = 100 + 3 * (self.seed % 20) as i64;
        Decimal::new(cents * markup / 100, 2)
    }

    /// Its locations, as `site/locations` answers them.
    pub fn locations_json(&self) -> Vec<Value> {
        self.locations
            .iter()
            .map(|(id, name)| {
                json!({"Id": id, "Name": name, "City": self.city, "SiteID": self.id, "HasClasses": true})
            })
            .collect()
    }

    /// The site, as `site/sites` lists it.
    pub fn json(&self) -> Value {
        json!({
            "Id": self.id,
            "Name": self.name,
            "Description": format!("A Legion Finance sandbox studio in {}.", self.city),
            "ContactEmail": format!("frontdesk@{}", self.email_domain),
            "CurrencyIsoCode": "USD",
            "CountryCode": "US",
            "TimeZone": "Central Standard Time",
            "TaxInclusivePrices": false,
            "AcceptsVisa": true,
            "AcceptsMasterCard": true,
            "AcceptsAmericanExpress": true,
            "AcceptsDiscover": true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_site_is_the_original_studio_and_the_others_are_their_own() {
        let first = StudioSite::of(FIRST_SITE);
        assert_eq!(first.seed, 0);
        assert_eq!(first.name, "Legion Sandbox Studio");
        assert_eq!(first.price(15_000), Decimal::new(15_000, 2));
        assert_eq!(first.locations[0].1, LOCATIONS[0].1);
        let second = StudioSite::of(-98);
        assert_eq!(second.name, "Legion Sandbox Studio Eastside");
        assert_eq!(second.price(15_000), Decimal::new(15_450, 2));
        assert_eq!(StudioSite::of(-97).name, "Legion Sandbox Studio Northgate");
        let names: std::collections::HashSet<String> =
            (0..20).map(|k| StudioSite::of(-99 + k).name).collect();
        assert_eq!(names.len(), 20, "twenty sites, twenty names");
        assert_eq!(
            StudioSite::of(-98),
            StudioSite::of(-98),
            "the same every time"
        );
    }
}

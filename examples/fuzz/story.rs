//! The shop the `facts` target reads from its bytes (through `arbitrary`): one to three orders
//! of one customer and one of another, their parcels and what the carrier says, and the
//! messages sent to it.
//!
//! The facts are chosen to break things: titles and cities such as "None", "null", "NaN",
//! "{{", right-to-left and zero-width text, empty strings; timestamps at the ends of the
//! calendar; totals of "1e308"; carrier names that do not match. Each order also carries a
//! made-up word in a title (and often its city) so that the leak check always has a secret that
//! no template could contain.

use arbitrary::Unstructured;
use deskbot::carrier::{resolve, Carrier};
use deskbot::respond::facts::{
    Destination, FinancialStatus, FulfilledItem, Fulfillment, FulfillmentStatus, LineItem, Money,
    Order, ReturnStatus, Tracking, TrackingEvent, TrackingStatus,
};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

const OWNER: &str = "prop@example.com";
const OTHER: &str = "other@example.com";

/// Order numbers: the owner's, then the other customer's.
const NUMBERS: [&str; 4] = ["4242", "4243", "4244", "5151"];

/// A made-up word per order, in one of its titles and often its city: a secret no template,
/// policy or other order contains.
const MARKERS: [&str; 4] = ["Quillonette", "Zephyrine", "Marrowick", "Tamsinor"];

/// Valid tracking numbers, a disjoint set per order.
const TRACKING_POOLS: [[&str; 3]; 4] = [
    [
        "1Z999AA10123456784",
        "9400111201080805483016",
        "123456789012",
    ],
    [
        "1Z5R89390357567127",
        "9400111899223197428497",
        "986578788855",
    ],
    [
        "1Z879E930346834440",
        "9611020987654312345672",
        "477179081230",
    ],
    ["1Z410E7W0392751591", "RB123456785GB", "449044304137821"],
];

/// Words of titles, cities, places and descriptions.
const WORDS: &[&str] = &[
    "Linen",
    "Dress",
    "Tote",
    "Candle",
    "Wool",
    "None",
    "Nonesuch",
    "null",
    "Null",
    "NaN",
    "Nan",
    "undefined",
    "Undefined",
    "{{",
    "}}",
    "{%",
    "{# x #}",
    "{{ shop.name }}",
    "{% raw %}",
    "Größe",
    "東京",
    "القاهرة",
    "\u{202E}gnp.exe",
    "zero\u{200B}width",
    "\u{FEFF}bom",
    "🧣",
    "e\u{301}",
    "\"quoted\"",
    "it's",
    "a,b",
    "100%",
    "#1006",
    "$5",
    "<b>bold</b>",
    "line\nbreak",
    "tab\there",
    "",
    " ",
    "Ω",
    "-0",
    "1e308",
];

/// Carrier names as platforms send them.
const PLATFORM_CARRIERS: &[Option<&str>] = &[
    None,
    Some("UPS"),
    Some("USPS"),
    Some("FedEx"),
    Some("Royal Mail"),
    Some("DHL"),
    Some("Pigeon Post"),
    Some(""),
];

const STATUSES: [TrackingStatus; 8] = [
    TrackingStatus::LabelCreated,
    TrackingStatus::InTransit,
    TrackingStatus::OutForDelivery,
    TrackingStatus::Delivered,
    TrackingStatus::AttemptedDelivery,
    TrackingStatus::Exception,
    TrackingStatus::ReturnedToSender,
    TrackingStatus::Unknown,
];

/// Reads choices from the input, falling back to the first option when it runs out.
struct Gen<'a> {
    u: Unstructured<'a>,
    now: Timestamp,
}

impl Gen<'_> {
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        self.u.choose(items).unwrap_or(&items[0]).clone()
    }

    fn int(&mut self, low: i64, high: i64) -> i64 {
        self.u.int_in_range(low..=high).unwrap_or(low)
    }

    /// True with probability `numerator / denominator`; false once the input runs out
    /// (`ratio` alone would then say true every time).
    fn chance(&mut self, numerator: u8, denominator: u8) -> bool {
        !self.u.is_empty() && self.u.ratio(numerator, denominator).unwrap_or(false)
    }

    fn words(&mut self, most: i64) -> String {
        if self.chance(1, 32) {
            return self.u.arbitrary::<String>().unwrap_or_default();
        }
        if self.chance(1, 64) {
            return "Very Long Name ".repeat(200);
        }
        let n = self.int(1, most);
        (0..n)
            .map(|_| self.pick(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A time: mostly `hours` after `base`, now and then at or near the ends of the calendar,
    /// in the future, or anywhere.
    fn time_after(&mut self, base: Timestamp, hours: i64) -> Timestamp {
        match self.int(0, 95) {
            0 => Timestamp::MIN,
            1 => Timestamp::MAX,
            2 => Timestamp::MIN + SignedDuration::from_secs(1),
            3 => Timestamp::MAX - SignedDuration::from_secs(1),
            4 => Timestamp::UNIX_EPOCH,
            5 => add_hours(self.now, self.int(1, 72)),
            6 => {
                let second = self.int(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
                Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
            }
            _ => add_hours(base, self.int(0, hours)),
        }
    }

    fn date_near(&mut self, base: Timestamp) -> Date {
        match self.int(0, 15) {
            0 => Date::MIN,
            1 => Date::MAX,
            _ => add_hours(base, 24 * self.int(-10, 20))
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date(),
        }
    }
}

fn add_hours(time: Timestamp, hours: i64) -> Timestamp {
    time.checked_add(SignedDuration::from_hours(hours))
        .unwrap_or(if hours < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
}

/// One generated shop and the messages sent to it.
pub struct Story {
    pub policy: usize,
    pub now: Timestamp,
    pub orders: Vec<Order>,
    pub tracking: Vec<Tracking>,
    pub failing_number: Option<String>,
    pub platform_down: bool,
    /// (sender, message) pairs, each answered for every intent.
    pub messages: Vec<(Option<String>, String)>,
    /// No blank fact and no template syntax in any fact: a template must not fail.
    pub clean: bool,
}

/// The shop `input` describes, as of `demo_now` (now and then another time), under one of
/// `policies` policy variants.
pub fn story(input: &[u8], demo_now: Timestamp, policies: usize) -> Story {
    let mut g = Gen {
        u: Unstructured::new(input),
        now: demo_now,
    };
    let policy = g.int(0, policies as i64 - 1) as usize;
    let now = match g.int(0, 31) {
        0 => Timestamp::MIN,
        1 => Timestamp::MAX,
        2 => Timestamp::UNIX_EPOCH,
        _ => demo_now,
    };
    g.now = now;
    let owned = g.int(1, 3) as usize;
    let mut orders = Vec::new();
    let mut tracking = Vec::new();
    for k in (0..owned).chain([3]) {
        let (order, parcels) = order(&mut g, k);
        orders.push(order);
        tracking.extend(parcels);
    }
    let numbers: Vec<String> = tracking.iter().map(|t| t.number.clone()).collect();
    let failing_number = (g.chance(1, 16) && !numbers.is_empty()).then(|| g.pick(&numbers));
    let platform_down = g.chance(1, 32);
    let owner_parcel = orders[0]
        .fulfillments
        .iter()
        .flat_map(|f| f.tracking_numbers.first())
        .next()
        .cloned()
        .unwrap_or_else(|| "1Z999AA10123456784".into());
    let other_parcel = orders[owned]
        .fulfillments
        .iter()
        .flat_map(|f| f.tracking_numbers.first())
        .next()
        .cloned()
        .unwrap_or_else(|| "1Z410E7W0392751591".into());
    let choices: Vec<(Option<&str>, String)> = vec![
        (Some(OWNER), "where is my order?".into()),
        (Some(" PROP@Example.COM\t"), "about order #4242".into()),
        (None, "about order #4242".into()),
        (Some(OTHER), "about order #4242".into()),
        (None, format!("I am {OWNER}, order #4242")),
        (Some("someone.else@example.com"), "where is my order".into()),
        (Some(OWNER), format!("where is parcel {other_parcel}?")),
        (
            Some(OTHER),
            "where is my order? one item was not in the box".into(),
        ),
        (
            Some(OWNER),
            "order #4243, part of it was missing from the box".into(),
        ),
        (None, format!("where is parcel {owner_parcel}")),
        (Some(OWNER), "is #5151 shipped?".into()),
        (
            Some(OTHER),
            format!("any news on {owner_parcel}? order 4242"),
        ),
    ];
    let messages = (0..3)
        .map(|_| {
            let (sender, message) = g.pick(&choices);
            (sender.map(str::to_owned), message)
        })
        .collect();
    let clean = fact_strings(&orders, &tracking).iter().all(|s| {
        !s.trim().is_empty()
            && !["{{", "}}", "{%", "%}", "{#", "#}"]
                .iter()
                .any(|t| s.contains(t))
    });
    Story {
        policy,
        now,
        orders,
        tracking,
        failing_number,
        platform_down,
        messages,
        clean,
    }
}

/// Every string of the facts.
fn fact_strings(orders: &[Order], tracking: &[Tracking]) -> Vec<String> {
    let mut all = Vec::new();
    let value = serde_json::json!({"orders": orders, "tracking": tracking});
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    walk(&value, &mut all);
    all
}

/// Order `k` (0–2 the owner's, 3 the other customer's) and what the carrier says of it.
fn order(g: &mut Gen, k: usize) -> (Order, Vec<Tracking>) {
    let age = g.int(0, 24 * 50);
    let created = g.time_after(add_hours(g.now, -age), 0);
    let n_items = g.int(0, 4) as usize;
    let line_items: Vec<LineItem> = (0..n_items.max(1))
        .map(|i| LineItem {
            id: format!("li-{k}-{i}"),
            title: if i == 0 {
                format!("{} {}", MARKERS[k], g.words(2))
            } else {
                g.words(3)
            },
            quantity: g.pick(&[1, 1, 2, 3, 0, u32::MAX]),
        })
        .collect();
    let mut fulfillments = Vec::new();
    let mut parcels = Vec::new();
    let shipped_count = g.int(0, 3) as usize;
    for (p, pooled) in TRACKING_POOLS[k].iter().enumerate().take(shipped_count) {
        let number = if g.chance(1, 24) {
            g.pick(&["", "NaN", "{{", "1Z", "RR123456785ZZ"]).to_owned()
        } else {
            (*pooled).to_owned()
        };
        // Mostly the carrier's own name (or none), as a platform that bought the label says.
        let platform_carrier = if g.chance(3, 4) {
            resolve(None, &number)
                .filter(|_| g.chance(2, 3))
                .map(|c| c.display_name().into_owned())
        } else {
            g.pick(PLATFORM_CARRIERS).map(str::to_owned)
        };
        let shipped_at = g.time_after(created, 24 * 4);
        let mut items = Vec::new();
        for item in &line_items {
            if g.chance(2, 3) {
                items.push(FulfilledItem {
                    line_item_id: if g.chance(1, 32) {
                        "li-gone".into()
                    } else {
                        item.id.clone()
                    },
                    quantity: item.quantity.min(g.int(0, 3) as u32),
                });
            }
        }
        fulfillments.push(Fulfillment {
            id: format!("f-{k}-{p}"),
            items,
            tracking_numbers: if g.chance(1, 32) {
                Vec::new()
            } else {
                vec![number.clone()]
            },
            carrier: platform_carrier.clone(),
            tracking_urls: if g.chance(1, 4) {
                vec![format!("https://track.example/{number}")]
            } else {
                Vec::new()
            },
            shipped_at: g.chance(7, 8).then_some(shipped_at),
            platform_status: if g.chance(1, 4) {
                Some(g.pick(&STATUSES))
            } else {
                None
            },
            // As WooCommerce gives them: the whole order, not this parcel's part.
            items_known: g.chance(5, 6),
        });
        let Some(carrier) = resolve(platform_carrier.as_deref(), &number) else {
            continue;
        };
        let carrier = if g.chance(1, 24) {
            Carrier::Dhl
        } else {
            carrier
        };
        let status = g.pick(&STATUSES);
        let scan = if g.chance(1, 2) {
            let hours = g.int(0, 96);
            add_hours(g.now, -hours)
        } else {
            g.time_after(shipped_at, 24 * 8).min(g.time_after(g.now, 0))
        };
        parcels.push(Tracking {
            carrier,
            number: number.clone(),
            status,
            latest_event: g.chance(3, 4).then(|| TrackingEvent {
                time: scan,
                place: g.chance(2, 3).then(|| g.words(2)),
                description: g.words(3),
            }),
            estimated_delivery: g.chance(1, 2).then(|| g.date_near(g.now)),
            delivered_at: (status == TrackingStatus::Delivered || g.chance(1, 16))
                .then(|| g.time_after(scan, 24)),
            url: g
                .chance(1, 2)
                .then(|| format!("https://carrier.example/{number}")),
            ..Tracking::new(carrier, number.clone(), status)
        });
    }
    let fulfillment_status = match (fulfillments.len(), g.int(0, 7)) {
        (_, 0) => FulfillmentStatus::Unknown,
        (_, 1) => FulfillmentStatus::PartiallyFulfilled,
        (0, 2) => FulfillmentStatus::InProgress,
        (0, _) => FulfillmentStatus::Unfulfilled,
        _ => FulfillmentStatus::Fulfilled,
    };
    let city = if g.chance(1, 2) {
        format!("{}ville", MARKERS[k])
    } else {
        g.words(2)
    };
    let order = Order {
        id: format!("o-{k}"),
        number: NUMBERS[k].to_owned(),
        email: match (k, g.int(0, 15)) {
            (3, _) => OTHER.to_owned(),
            (_, 0) => " Prop@Example.COM ".to_owned(),
            _ => OWNER.to_owned(),
        },
        created_at: created,
        financial_status: g.pick(&[
            FinancialStatus::Paid,
            FinancialStatus::Paid,
            FinancialStatus::Pending,
            FinancialStatus::Refunded,
            FinancialStatus::PartiallyRefunded,
            FinancialStatus::Voided,
            FinancialStatus::Unknown,
        ]),
        fulfillment_status,
        cancelled_at: g.chance(1, 8).then(|| g.time_after(created, 48)),
        line_items,
        shipping_method: g
            .pick(&[None, Some("express"), Some("standard"), Some("{{ x }}")])
            .map(str::to_owned),
        destination: g.chance(7, 8).then(|| Destination {
            city,
            country: g.pick(&["US", "GB", "", "ZZ"]).to_owned(),
            postcode: g
                .pick(&[None, Some("78701"), Some("SW1A 1AA"), Some("")])
                .map(str::to_owned),
        }),
        fulfillments,
        return_status: if g.chance(1, 6) {
            Some(g.pick(&[
                ReturnStatus::Requested,
                ReturnStatus::InProgress,
                ReturnStatus::Received,
                ReturnStatus::Refunded,
            ]))
        } else {
            None
        },
        total: g.chance(1, 2).then(|| Money {
            amount: g
                .pick(&[
                    "128.00",
                    "1234.5",
                    "0",
                    "-0",
                    "1e308",
                    "NaN",
                    "",
                    "99999999999999999999999",
                    "12.345",
                    "-5.00",
                ])
                .to_owned(),
            currency: g
                .pick(&["USD", "GBP", "EUR", "CAD", "JPY", "", "{{", "usd"])
                .to_owned(),
        }),
    };
    (order, parcels)
}

"""Static reference data of the simulated shop: countries, devices, products, traffic, names."""

from __future__ import annotations

from dataclasses import dataclass

SHOP_HOST = "shop.example.com"
SHOP_URL = f"https://{SHOP_HOST}"
SHOP_NAME = "Example Outfitters"
GA4_STREAM_ID = "4178032551"
EU_CURRENCY = "EUR"


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    continent: str
    sub_continent: str
    weight: float
    currency: str
    tax_rate: float
    language: str
    cities: tuple[tuple[str, str], ...]  # (city, region)


# fmt: off
COUNTRIES: tuple[Country, ...] = (
    Country("US", "United States", "Americas", "Northern America", 0.52, "USD", 0.07, "en-us",
            (("New York", "New York"), ("Los Angeles", "California"), ("Chicago", "Illinois"),
                ("Seattle", "Washington"), ("Denver", "Colorado"), ("Austin", "Texas"))),
    Country("CA", "Canada", "Americas", "Northern America", 0.05, "USD", 0.05, "en-ca",
            (("Toronto", "Ontario"), ("Vancouver", "British Columbia"))),
    Country("GB", "United Kingdom", "Europe", "Northern Europe", 0.08, "USD", 0.2, "en-gb",
            (("London", "England"), ("Manchester", "England"), ("Edinburgh", "Scotland"))),
    Country("DE", "Germany", "Europe", "Western Europe", 0.13, "EUR", 0.19, "de-de",
            (("Berlin", "Berlin"), ("Munich", "Bavaria"), ("Hamburg", "Hamburg"))),
    Country("FR", "France", "Europe", "Western Europe", 0.06, "EUR", 0.2, "fr-fr",
            (("Paris", "Ile-de-France"), ("Lyon", "Auvergne-Rhone-Alpes"))),
    Country("NL", "Netherlands", "Europe", "Western Europe", 0.05, "EUR", 0.21, "nl-nl",
            (("Amsterdam", "North Holland"), ("Utrecht", "Utrecht"))),
    Country("AT", "Austria", "Europe", "Western Europe", 0.04, "EUR", 0.2, "de-at",
            (("Vienna", "Vienna"), ("Innsbruck", "Tyrol"))),
    Country("IT", "Italy", "Europe", "Southern Europe", 0.04, "EUR", 0.22, "it-it",
            (("Milan", "Lombardy"), ("Rome", "Lazio"))),
    Country("ES", "Spain", "Europe", "Southern Europe", 0.03, "EUR", 0.21, "es-es",
            (("Madrid", "Community of Madrid"), ("Barcelona", "Catalonia"))),
)

# Device profiles: (category, brand, model, os, os version, browser, browser version, weight)
DEVICE_PROFILES: tuple[tuple[str, str, str, str, str, str, str, float], ...] = (
    ("desktop", "Microsoft", "Chrome", "Windows", "Windows 10", "Chrome", "120.0.0.0", 0.16),
    ("desktop", "Microsoft", "Edge", "Windows", "Windows 11", "Edge", "120.0.2210.91", 0.08),
    ("desktop", "Microsoft", "Firefox", "Windows", "Windows 10", "Firefox", "121.0", 0.03),
    ("desktop", "Apple", "Safari", "Macintosh", "Macintosh Intel 10.15", "Safari", "17.2", 0.07),
    ("desktop", "Apple", "Chrome", "Macintosh", "Macintosh Intel 10.15", "Chrome", "120.0.0.0",
        0.06),
    ("desktop", "Google", "Chromebook", "Chrome OS", "Chrome OS 15633.69.0", "Chrome",
        "119.0.0.0", 0.01),
    ("desktop", "(not set)", "(not set)", "Linux", "Linux x86_64", "Firefox", "121.0", 0.01),
    ("mobile", "Apple", "iPhone", "iOS", "iOS 17.2.1", "Safari", "17.2", 0.24),
    ("mobile", "Apple", "iPhone", "iOS", "iOS 16.6", "Chrome", "120.0.6099.119", 0.04),
    ("mobile", "Samsung", "SM-S918B", "Android", "Android 14", "Samsung Internet", "23.0", 0.06),
    ("mobile", "Samsung", "SM-A546B", "Android", "Android 13", "Chrome", "120.0.6099.144", 0.07),
    ("mobile", "Google", "Pixel 8", "Android", "Android 14", "Chrome", "120.0.6099.144", 0.04),
    ("mobile", "Xiaomi", "Redmi Note 12", "Android", "Android 13", "Chrome", "120.0.6099.43",
        0.03),
    ("tablet", "Apple", "iPad", "iOS", "iPadOS 17.2", "Safari", "17.2", 0.08),
    ("tablet", "Samsung", "SM-X200", "Android", "Android 13", "Chrome", "120.0.6099.144", 0.02),
)

PRODUCT_CATEGORIES = ("Jackets", "Fleece", "Base Layers", "Footwear", "Backpacks", "Accessories")

# (sku, handle, name, category index, brand, typical price USD)
PRODUCTS: tuple[tuple[str, str, str, int, str, float], ...] = (
    ("JK-1001", "storm-shell-jacket", "Storm Shell Jacket", 0, "Example Outfitters", 189.0),
    ("JK-1002", "down-parka", "Summit Down Parka", 0, "Example Outfitters", 249.0),
    ("JK-1003", "wind-breaker", "Ridge Windbreaker", 0, "Trailhead", 89.0),
    ("JK-1004", "rain-jacket-lite", "Drizzle Rain Jacket Lite", 0, "Trailhead", 119.0),
    ("JK-1005", "insulated-vest", "Insulated Vest", 0, "Example Outfitters", 99.0),
    ("FL-2001", "grid-fleece", "Grid Fleece Hoodie", 1, "Example Outfitters", 79.0),
    ("FL-2002", "sherpa-pullover", "Sherpa Pullover", 1, "Northpine", 69.0),
    ("FL-2003", "micro-fleece", "Micro Fleece Half-Zip", 1, "Trailhead", 49.0),
    ("FL-2004", "polar-jacket", "Polar Fleece Jacket", 1, "Northpine", 89.0),
    ("BL-3001", "merino-crew", "Merino 200 Crew", 2, "Example Outfitters", 65.0),
    ("BL-3002", "merino-leggings", "Merino 200 Leggings", 2, "Example Outfitters", 59.0),
    ("BL-3003", "synthetic-tee", "Quick-Dry Tee", 2, "Trailhead", 29.0),
    ("BL-3004", "merino-boxer", "Merino Boxer Brief", 2, "Northpine", 32.0),
    ("BL-3005", "thermal-zip", "Thermal Zip Neck", 2, "Example Outfitters", 55.0),
    ("FW-4001", "trail-runner", "Trail Runner GTX", 3, "Stridewell", 149.0),
    ("FW-4002", "hiking-boot", "Alpine Hiking Boot", 3, "Stridewell", 189.0),
    ("FW-4003", "approach-shoe", "Approach Shoe", 3, "Stridewell", 129.0),
    ("FW-4004", "camp-slipper", "Down Camp Slipper", 3, "Northpine", 45.0),
    ("FW-4005", "hiking-socks", "Merino Hiking Socks 3-Pack", 3, "Example Outfitters", 36.0),
    ("BP-5001", "daypack-22", "Daypack 22L", 4, "Example Outfitters", 79.0),
    ("BP-5002", "trekking-pack-45", "Trekking Pack 45L", 4, "Example Outfitters", 179.0),
    ("BP-5003", "hip-pack", "Trail Hip Pack", 4, "Trailhead", 39.0),
    ("BP-5004", "dry-bag", "Roll-Top Dry Bag 20L", 4, "Trailhead", 29.0),
    ("BP-5005", "hydration-vest", "Hydration Vest 8L", 4, "Stridewell", 109.0),
    ("AC-6001", "beanie", "Merino Beanie", 5, "Example Outfitters", 25.0),
    ("AC-6002", "gloves", "Touchscreen Gloves", 5, "Northpine", 29.0),
    ("AC-6003", "headlamp", "Headlamp 400", 5, "Trailhead", 39.0),
    ("AC-6004", "trekking-poles", "Carbon Trekking Poles", 5, "Trailhead", 119.0),
    ("AC-6005", "water-bottle", "Insulated Bottle 0.75L", 5, "Example Outfitters", 27.0),
    ("AC-6006", "buff", "Neck Gaiter", 5, "Northpine", 19.0),
)
VARIANTS = ("S / Black", "M / Black", "L / Navy", "M / Olive", "XL / Black", "One Size")

COLLECTIONS = ("jackets", "fleece", "base-layers", "footwear", "backpacks", "accessories")
BLOG_POSTS = (
    "layering-guide", "how-to-choose-hiking-boots", "merino-vs-synthetic",
    "packing-list-weekend-hike", "winter-camping-tips", "caring-for-down",
)

# Traffic of each channel (index of truths.CHANNELS): (source, medium, campaign, referrer, tagged
# with utm parameters, gclid, weight). Campaign "" for email: the email"s own utm_campaign.
TRAFFIC: tuple[tuple[int, str, str, str, str, bool, bool, float], ...] = (
    (0, "(direct)", "(none)", "(direct)", "", False, False, 1.0),
    (1, "google", "organic", "(organic)", "https://www.google.com/", False, False, 0.82),
    (1, "bing", "organic", "(organic)", "https://www.bing.com/", False, False, 0.12),
    (1, "duckduckgo", "organic", "(organic)", "https://duckduckgo.com/", False, False, 0.06),
    (2, "google", "cpc", "brand_search", "https://www.google.com/", True, True, 0.4),
    (2, "google", "cpc", "generic_search_outdoor", "https://www.google.com/", True, True, 0.45),
    (2, "google", "cpc", "competitor_search", "https://www.google.com/", True, True, 0.15),
    (3, "l.facebook.com", "referral", "(referral)", "https://l.facebook.com/", False, False, 0.35),
    (3, "l.instagram.com", "referral", "(referral)", "https://l.instagram.com/", False, False,
        0.25),
    (3, "facebook", "social", "organic_post", "https://m.facebook.com/", True, False, 0.25),
    (3, "pinterest.com", "referral", "(referral)", "https://www.pinterest.com/", False, False,
        0.15),
    (4, "facebook", "paid_social", "prospecting_lookalike", "https://m.facebook.com/", True,
        False, 0.45),
    (4, "facebook", "paid_social", "retargeting_dpa", "https://m.facebook.com/", True, False, 0.3),
    (4, "instagram", "paid_social", "reels_awareness", "https://l.instagram.com/", True, False,
        0.25),
    (5, "gdn", "display", "remarketing_display", "https://googleads.g.doubleclick.net/", True,
        False, 0.6),
    (5, "criteo", "display", "prospecting_banner", "https://cat.fr.eu.criteo.com/", True, False,
        0.4),
    (6, "klaviyo", "email", "", "", True, False, 1.0),
    (7, "trailblog.example.org", "referral", "(referral)",
        "https://trailblog.example.org/best-winter-jackets", False, False, 0.5),
    (7, "hikingforum.example.net", "referral", "(referral)",
        "https://hikingforum.example.net/t/gear-advice", False, False, 0.3),
    (7, "gearreview.example.com", "referral", "(referral)",
        "https://gearreview.example.com/reviews/daypacks", False, False, 0.2),
)

SEARCH_TERMS = (
    "outdoor jacket", "example outfitters", "merino base layer", "hiking boots sale",
    "waterproof jacket", "daypack", "fleece hoodie",
)
AD_CONTENT = ("video_15s", "carousel_a", "static_b", "dpa_feed")

# Paid campaigns with spend: (source, medium, campaign, cost per click USD, click-through rate)
PAID_CAMPAIGNS: tuple[tuple[str, str, str, float, float], ...] = (
    ("google", "cpc", "brand_search", 0.45, 0.12),
    ("google", "cpc", "generic_search_outdoor", 1.35, 0.035),
    ("google", "cpc", "competitor_search", 1.9, 0.02),
    ("facebook", "paid_social", "prospecting_lookalike", 0.85, 0.009),
    ("facebook", "paid_social", "retargeting_dpa", 0.6, 0.015),
    ("instagram", "paid_social", "reels_awareness", 0.7, 0.006),
    ("gdn", "display", "remarketing_display", 0.55, 0.003),
    ("criteo", "display", "prospecting_banner", 0.65, 0.002),
)

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Henry", "Isabel", "Jonas",
    "Katie", "Lukas", "Maria", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Samuel", "Tara",
    "Umar", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Liam", "Mia", "Ethan", "Sophie", "Leon",
    "Chloe", "Mateo", "Hannah", "Lucas", "Amelia", "Elias", "Lea", "James", "Julia", "Marco",
    "Ines", "Oscar", "Nora", "Hugo", "Ella", "Finn", "Lina", "Daniel", "Sarah", "Tom", "Laura",
    "Max", "Alice", "Leo", "Camille", "Jakob", "Emily", "Theo", "Charlotte",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "White", "Harris", "Clark",
    "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann",
    "Dubois", "Laurent", "Bernard", "Rossi", "Russo", "Bianchi", "Jansen", "de Vries", "Bakker",
    "Lopez", "Martinez", "Fernandez", "Novak", "Berger", "Huber", "Murphy", "Kelly", "Evans",
    "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Collins",
)
EMAIL_DOMAINS = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de", "web.de",
    "proton.me", "orange.fr", "libero.it",
)
EMAIL_DOMAIN_WEIGHTS = (0.38, 0.09, 0.12, 0.07, 0.12, 0.07, 0.05, 0.03, 0.04, 0.03)

EMAIL_THEMES = (
    "New Arrivals", "Weekend Sale", "Trail Stories", "Staff Picks", "Layering 101", "Last Chance",
    "Members Preview", "Gear Care Tips", "Free Shipping Days", "Best Sellers",
)

# Time-of-day weights (local hours 0-23) of session starts.
HOUR_WEIGHTS = (0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.6, 2.6, 3.2, 3.6, 3.8, 4.2, 4.0, 3.7, 3.6,
    3.8, 4.2, 4.9, 5.6, 6.0, 5.6, 4.1, 2.2)
# fmt: on

"""Pages of the simulated shop and where sessions land."""

from __future__ import annotations

import numpy as np

from orchestration.generator import catalog
from orchestration.generator.vec import choice

PATHS: list[str] = ["/"]
TITLES: list[str] = [f"{catalog.SHOP_NAME} | Outdoor clothing and gear"]
PATHS += [f"/collections/{c}" for c in catalog.COLLECTIONS]
TITLES += [f"{c.replace('-', ' ').title()} | {catalog.SHOP_NAME}" for c in catalog.COLLECTIONS]
FIRST_PRODUCT = len(PATHS)
PATHS += [f"/products/{p[1]}" for p in catalog.PRODUCTS]
TITLES += [f"{p[2]} | {catalog.SHOP_NAME}" for p in catalog.PRODUCTS]
FIRST_BLOG = len(PATHS)
PATHS += [f"/blogs/journal/{b}" for b in catalog.BLOG_POSTS]
TITLES += [f"{b.replace('-', ' ').capitalize()} | Journal" for b in catalog.BLOG_POSTS]
CART = len(PATHS)
PATHS += ["/cart", "/checkout", "/checkout/thank-you"]
TITLES += [f"Your Shopping Cart | {catalog.SHOP_NAME}", "Checkout", "Thank you for your order!"]
CHECKOUT, THANK_YOU = CART + 1, CART + 2
URLS: list[str] = [catalog.SHOP_URL + p for p in PATHS]
PAGE_OF_PATH = {p: i for i, p in enumerate(PATHS)}

N_COLLECTIONS = len(catalog.COLLECTIONS)
N_PRODUCTS = len(catalog.PRODUCTS)
N_BLOG = len(catalog.BLOG_POSTS)

# landing page type weights per channel (home, collection, product, blog)
LANDING = (
    (0.70, 0.10, 0.20, 0.00),  # Direct
    (0.15, 0.10, 0.45, 0.30),  # Organic Search
    (0.20, 0.30, 0.50, 0.00),  # Paid Search
    (0.20, 0.00, 0.50, 0.30),  # Organic Social
    (0.00, 0.20, 0.80, 0.00),  # Paid Social
    (0.20, 0.50, 0.30, 0.00),  # Display
    (0.30, 0.30, 0.40, 0.00),  # Email (replaced by the email's link)
    (0.20, 0.00, 0.40, 0.40),  # Referral
)
BROWSE = (0.10, 0.30, 0.45, 0.15)


def random_pages(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """A page of each page type (0 home, 1 collection, 2 product, 3 blog)."""
    page = np.zeros(kind.size, dtype=np.int64)
    page = np.where(kind == 1, 1 + rng.integers(0, N_COLLECTIONS, kind.size), page)
    page = np.where(kind == 2, FIRST_PRODUCT + rng.integers(0, N_PRODUCTS, kind.size), page)
    return np.where(kind == 3, FIRST_BLOG + rng.integers(0, N_BLOG, kind.size), page)


def landing_pages(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    kind = np.zeros(channel.size, dtype=np.int64)
    for c, weights in enumerate(LANDING):
        mask = channel == c
        kind[mask] = choice(rng, weights, int(mask.sum()))
    return random_pages(rng, kind)


def browse_pages(rng: np.random.Generator, n: int) -> np.ndarray:
    return random_pages(rng, choice(rng, BROWSE, n))

"""Planted truths: the known parameters the sample exports are generated from.

Later tests and marts validate against these. How each one enters the data:

1. **Repeat purchases (BG/NBD, time unit days).** Every person draws a purchase rate
   ``lambda ~ Gamma(shape=r, rate=alpha)`` and a dropout probability ``p ~ Beta(a, b)``. For a
   buyer the process starts at the first purchase (time 0): repeat purchases arrive as a Poisson
   process with rate ``lambda`` per day; right after each repeat purchase the buyer becomes inactive
   with probability ``p``. It runs until the end of the observation window (local midnight after the
   last day). This is exactly the BG/NBD model, likelihood
   ``L = (1-p)^x lambda^x e^{-lambda T} + [x>0] p (1-p)^(x-1) lambda^x e^{-lambda t_x}``.
   Caveats: purchase times can be moved by up to a few hours so that one device's sessions do not
   overlap, and orders whose purchase event would fall after the window end are not exported.
2. **Order value (Gamma-Gamma).** Every person draws ``nu ~ Gamma(shape=q, rate=gamma)``; each of
   their orders (first, repeat and cancelled ones) has gross Total ``z ~ Gamma(shape=p, rate=nu)`` in
   the reporting currency USD (rounded to cents, at least 1.00; EUR orders carry
   ``round(z / eur_usd, 2)`` EUR, so their USD value is ``Total * eur_usd``).
   So ``E[z] = p * gamma / (q - 1)`` and, over first orders (one per buyer, independent),
   ``Var[z] = p * gamma^2 / ((q-1)(q-2)) + p^2 * gamma^2 / ((q-1)^2 (q-2))``.
   Cancelled orders are EXTRA orders outside the BG/NBD process (flagged in ``_truth/orders``).
3. **Channel effects on the first purchase.** A person's journey is their sessions up to and
   including the first purchase (all sessions in the window for non-buyers). With ``S`` the set of
   channels of those sessions (Direct is the baseline and has no lift), the person converts with
   ``P = 1 - (1 - base) * prod_{c in S} (1 - lift_c)``. Conversion is decided from ``S`` alone and the
   purchase happens in the last journey session. Display's lift is exactly 0. A session's channel is
   GA4's default channel group of its traffic (``catalog.TRAFFIC``: google/bing/duckduckgo organic,
   google/cpc with gclid, l.facebook.com / l.instagram.com / pinterest.com referrals and
   facebook/social, facebook|instagram/paid_social, gdn|criteo/display, klaviyo/email, blog and
   forum referrals, direct). A purchase that would fall after the window end is cut off:
   ``_truth/persons.converted`` is what the data shows, ``planted_convert`` the decision.
4. **Funnel.** In a session that does not purchase, ``view_item`` happens with probability
   ``view_item``; given it, ``add_to_cart`` with ``add_to_cart``; given that, ``begin_checkout`` with
   ``begin_checkout``; given that, ``add_payment_info`` with ``add_payment_info`` (each independent of
   channel, device and everything else). A purchasing session passes every step. Hence for a
   non-purchasing session ``P(reached step k) = prod_{j<=k} f_j`` and the expected number of
   sessions reaching add_to_cart is ``n_purchase + n_other * f1 * f2``, etc.
5. **Experiment (A/B test).** One experiment, ``experiment_id`` (``homepage_banner_2024``), tests
   a promotion banner on the homepage. Every device (``user_pseudo_id``) is assigned ``treatment``
   with probability ``treatment_share`` (0.5, else ``control``: exactly 50/50 expected, so a
   sample-ratio check must not flag it). A device is *exposed* when it views the homepage
   (``page_view`` of ``/``): those page_view events carry the event params ``experiment_id`` and
   ``experiment_variant``. Each exposed device converts with probability ``control_rate`` (0.10) or
   ``treatment_rate`` (0.13): the absolute lift is exactly +0.03 (relative +30%). A conversion is
   one ``select_promotion`` event (params ``promotion_id``, ``promotion_name`` and the experiment
   params) at the timestamp of one of the device's homepage page_views, chosen uniformly (so never
   before the first exposure). Revenue, orders, sessions, page views, engagement and funnels are
   untouched: the variant has no effect on revenue (true difference 0). Everything of the
   experiment is drawn from its own random stream ``np.random.default_rng([seed, rng_stream])``,
   so every other generated value is the same as without it. ``_truth/experiment_users.parquet``
   lists the exposed devices with their variant, first exposure and conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHANNELS: tuple[str, ...] = (
    "Direct",
    "Organic Search",
    "Paid Search",
    "Organic Social",
    "Paid Social",
    "Display",
    "Email",
    "Referral",
)
DIRECT, ORGANIC_SEARCH, PAID_SEARCH, ORGANIC_SOCIAL, PAID_SOCIAL, DISPLAY, EMAIL, REFERRAL = range(
    8
)


@dataclass(frozen=True)
class BgNbd:
    """BG/NBD parameters of the repeat-purchase process of buyers; time unit days."""

    r: float = 0.9
    alpha: float = 20.0
    a: float = 0.8
    b: float = 2.5


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma spend: nu ~ Gamma(q, rate gamma); order Total z ~ Gamma(p, rate nu), in USD."""

    p: float = 6.0
    q: float = 3.8
    gamma: float = 37.0

    @property
    def mean_order_value(self) -> float:
        return self.p * self.gamma / (self.q - 1.0)

    @property
    def order_value_variance(self) -> float:
        """Variance of one order's value for a random customer (needs q > 2)."""
        p, q, g = self.p, self.q, self.gamma
        return p * g**2 / ((q - 1) * (q - 2)) + p**2 * g**2 / ((q - 1) ** 2 * (q - 2))


@dataclass(frozen=True)
class ChannelEffects:
    """P(first purchase | channel set S) = 1 - (1 - base) * prod_{c in S} (1 - lift_c)."""

    base: float = 0.05
    lifts: tuple[tuple[str, float], ...] = (
        ("Organic Search", 0.05),
        ("Paid Search", 0.08),
        ("Organic Social", 0.03),
        ("Paid Social", 0.05),
        ("Display", 0.0),
        ("Email", 0.12),
        ("Referral", 0.07),
    )

    def lift(self, channel: str) -> float:
        return dict(self.lifts).get(channel, 0.0)

    def probability(self, channels: set[str] | frozenset[str]) -> float:
        keep = 1.0 - self.base
        for channel in sorted(channels):
            keep *= 1.0 - self.lift(channel)
        return 1.0 - keep


@dataclass(frozen=True)
class Funnel:
    """Continuation probabilities of sessions that do not purchase."""

    view_item: float = 0.55  # P(view_item | session)
    add_to_cart: float = 0.30  # P(add_to_cart | view_item)
    begin_checkout: float = 0.45  # P(begin_checkout | add_to_cart)
    add_payment_info: float = 0.60  # P(add_payment_info | begin_checkout)

    @property
    def steps(self) -> tuple[tuple[str, float], ...]:
        return (
            ("view_item", self.view_item),
            ("add_to_cart", self.add_to_cart),
            ("begin_checkout", self.begin_checkout),
            ("add_payment_info", self.add_payment_info),
        )


@dataclass(frozen=True)
class Experiment:
    """The planted A/B test: variant per device, conversion = one select_promotion event."""

    experiment_id: str = "homepage_banner_2024"
    control: str = "control"
    treatment: str = "treatment"
    treatment_share: float = 0.5  # P(treatment) per device; the expected split is 50/50
    exposure_page_path: str = "/"  # page_views of this page carry the experiment params
    conversion_event: str = "select_promotion"
    control_rate: float = 0.10  # P(conversion | exposed, control)
    treatment_rate: float = 0.13  # P(conversion | exposed, treatment)
    revenue_per_user_difference: float = 0.0  # no planted revenue effect
    rng_stream: int = 7001  # np.random.default_rng([seed, rng_stream]): the experiment's stream

    @property
    def lift(self) -> float:
        """Absolute lift of the conversion rate, treatment - control (+0.03)."""
        return self.treatment_rate - self.control_rate

    @property
    def relative_lift(self) -> float:
        """Relative lift, lift / control rate (+0.30)."""
        return self.lift / self.control_rate


@dataclass(frozen=True)
class PlantedTruths:
    """Everything planted in the sample exports (see the module docstring for the semantics)."""

    bgnbd: BgNbd = field(default_factory=BgNbd)
    gamma_gamma: GammaGamma = field(default_factory=GammaGamma)
    channels: ChannelEffects = field(default_factory=ChannelEffects)
    funnel: Funnel = field(default_factory=Funnel)
    experiment: Experiment = field(default_factory=Experiment)
    reporting_currency: str = "USD"
    eur_usd: float = 1.08  # fixed rate: 1 EUR = 1.08 USD (EUR orders, GA4 *_in_usd)
    time_zone: str = "Europe/Berlin"  # GA4 property, shop and reporting time zone
    cancelled_order_share: float = 0.06  # buyers with one extra, cancelled (voided) order
    refunded_share: float = 0.04  # non-cancelled orders fully refunded
    partially_refunded_share: float = 0.03
    duplicate_event_share: float = 0.002  # exact duplicate GA4 rows
    late_event_share: float = 0.04  # last day's non-purchase events missing from the first export
    no_consent_device_share: float = 0.05  # devices with analytics_storage 'No'


def planted_truths() -> PlantedTruths:
    """The planted parameters (immutable)."""
    return PlantedTruths()

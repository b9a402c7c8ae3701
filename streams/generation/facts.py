"""The facts a generated text may state: product facts and platform policies.

Generated replies and descriptions are grounded in these two objects only. For a reply,
:func:`build_grounding` turns them into one :class:`Grounding` (fact lines and policy statements in
the reply's language) that the prompt, the answer check and the templates all read. The guard
(:mod:`streams.generation.guard`) rejects any price, date, duration or policy claim in model output
that cannot be traced back to them, so whatever is not written here is, for the guard, invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from streams import money

Lang = Literal["en", "zh"]
"""Languages replies are written in: English and (simplified) Chinese."""

FactKind = Literal["title", "category", "price", "attribute", "description"]
PolicyTopic = Literal["returns", "refunds", "shipping", "free_shipping", "warranty"]
"""What a policy statement is about; questions are matched to topics."""


@dataclass(frozen=True, slots=True)
class FactLine:
    """One fact of a product, as prompts, templates and checks read it.

    Attributes:
        kind: Which field of :class:`ProductFacts` it comes from.
        key: Label (``"Product"``, ``"Price"``) or the attribute name (``"max load"``).
        value: The value as the merchant wrote it (``"150 kg"``).
    """

    kind: FactKind
    key: str
    value: str

    def text(self) -> str:
        """Return ``key: value``, the form prompts and grounding texts use."""
        return f"{self.key}: {self.value}"


@dataclass(frozen=True, slots=True)
class PolicyLine:
    """One platform policy statement in one language.

    Attributes:
        topic: What the statement is about.
        text: The sentence, the only wording of this policy a reply may use.
    """

    topic: PolicyTopic
    text: str


class ProductFacts(BaseModel):
    """What the platform knows about one product (from the latest product-update event).

    Attributes:
        product_id: The platform's product id.
        title: Product title as the merchant wrote it.
        category: Category name.
        attributes: Free-form attributes (``{"colour": "blue", "material": "100% cotton"}``).
        price: Current price, or ``None`` when unknown (then no price may be stated).
        currency: ISO 4217 code of ``price`` (``"EUR"``), or ``None``.
        description: Current description, if any. It is shown to the reply model as
            context but is not a source of numbers for a new description (it may be stale).
        updated_at: When these facts were last updated, if known.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    product_id: str
    title: str
    category: str
    attributes: dict[str, str] = Field(default_factory=dict)
    # Held as a float until every reader takes a Decimal (the description fingerprint
    # JSON-encodes it); exact for every price a ProductUpdate admits, see price_text.
    price: float | Decimal | None = Field(default=None, union_mode="left_to_right")
    currency: str | None = None
    description: str | None = None
    updated_at: datetime | None = None

    def price_text(self) -> str | None:
        """Return the price as prompts and fallbacks write it (``"19.99 EUR"``, ``"4980 JPY"``).

        Returns:
            The formatted price with its currency code, or ``None`` when there is no price.
        """
        if self.price is None:
            return None
        # The float's shortest text is the exact decimal of every price a ProductUpdate admits
        # (at most 15 significant digits); written with the currency's own decimal places.
        amount = money.format_amount(Decimal(str(self.price)), self.currency)
        return f"{amount} {self.currency}" if self.currency else amount

    def lines(self, *, include_description: bool = True) -> tuple[FactLine, ...]:
        """Return every fact as a :class:`FactLine`, the one list all renderings use.

        Args:
            include_description: Whether the current description counts as a fact.

        Returns:
            Title, category, price (when known), the attributes sorted by name and,
            optionally, the current description.
        """
        out = [
            FactLine("title", "Product", self.title),
            FactLine("category", "Category", self.category),
        ]
        price = self.price_text()
        if price is not None:
            out.append(FactLine("price", "Price", price))
        out.extend(
            FactLine("attribute", key, value) for key, value in sorted(self.attributes.items())
        )
        if include_description and self.description:
            out.append(FactLine("description", "Description", self.description))
        return tuple(out)

    def grounding_text(self, *, include_description: bool = True) -> str:
        """Return every fact as one text, the haystack in which claims must be found.

        Args:
            include_description: Whether the current description counts as a fact.

        Returns:
            Title, category, attributes (``key: value``), price and, optionally, the
            current description, one per line (attributes with their names, the other
            fields as bare values).
        """
        order = {"title": 0, "category": 1, "attribute": 2, "price": 3, "description": 4}
        lines = sorted(
            self.lines(include_description=include_description), key=lambda f: order[f.kind]
        )
        return "\n".join(f.text() if f.kind == "attribute" else f.value for f in lines)


class PlatformPolicies(BaseModel):
    """The policy facts the platform states to customers; replies may only repeat these.

    The defaults are a small, typical set. A deployment overrides them (for example from
    its settings object) so that the prompts, the fallback replies and the guard agree.

    Attributes:
        return_window_days: Days after delivery within which an item can be returned.
        refund_processing_days: Days after a return arrives within which the refund is paid.
        shipping_days_min: Fewest business days standard shipping takes.
        shipping_days_max: Most business days standard shipping takes.
        free_shipping_threshold: Order value from which shipping is free, or ``None`` when
            shipping is never free (then any "free shipping" claim is ungrounded).
        currency: Currency of ``free_shipping_threshold``.
        warranty_years: Statutory/platform warranty in years, or ``None`` for no claim.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    return_window_days: int = Field(default=30, ge=0)
    refund_processing_days: int = Field(default=14, ge=0)
    shipping_days_min: int = Field(default=2, ge=0)
    shipping_days_max: int = Field(default=5, ge=0)
    free_shipping_threshold: float | None = Field(default=50.0, ge=0)
    currency: str = "EUR"
    warranty_years: int | None = Field(default=2, ge=0)

    def statements(self) -> tuple[str, ...]:
        """Return the policies as short English sentences, the wording the guard trusts.

        Returns:
            One sentence per policy, in a fixed order.
        """
        return tuple(line.text for line in self.lines("en"))

    def grounding_statements(self) -> tuple[str, ...]:
        """Return the policies in every language replies are written in (English, Chinese).

        The guard traces claims to these: a Chinese reply that says 满50 EUR免运费 repeats the
        platform's own Chinese wording of the free-shipping policy.

        Returns:
            The English sentences, then the Chinese ones.
        """
        return (*self.statements(), *(line.text for line in self.lines("zh")))

    def lines(self, lang: Lang = "en") -> tuple[PolicyLine, ...]:
        """Return the policies as sentences in ``lang``, each tagged with its topic.

        The Chinese sentences state the same numbers as the English ones, so a reply that
        repeats either is grounded in the same values.

        Args:
            lang: Language of the sentences.

        Returns:
            One line per policy, in a fixed order (returns, refunds, shipping, free
            shipping when there is a threshold, warranty when there is one).
        """
        zh = lang == "zh"
        days = f"{self.shipping_days_min}-{self.shipping_days_max}"
        out = [
            PolicyLine(
                "returns",
                f"商品可在签收后{self.return_window_days}天内退货。"
                if zh
                else f"Items can be returned within {self.return_window_days} days of delivery.",
            ),
            PolicyLine(
                "refunds",
                f"退货到达后{self.refund_processing_days}天内，退款将退回原支付方式。"  # noqa: RUF001
                if zh
                else "Refunds are paid to the original payment method within "
                f"{self.refund_processing_days} days after the return arrives.",
            ),
            PolicyLine(
                "shipping",
                f"标准配送需要{days}个工作日。"
                if zh
                else f"Standard shipping takes {days} business days.",
            ),
        ]
        if self.free_shipping_threshold is not None:
            threshold = Decimal(str(self.free_shipping_threshold)).quantize(Decimal("0.01"))
            out.append(
                PolicyLine(
                    "free_shipping",
                    f"订单满{threshold} {self.currency}免运费。"
                    if zh
                    else f"Shipping is free for orders over {threshold} {self.currency}.",
                )
            )
        if self.warranty_years is not None:
            out.append(
                PolicyLine(
                    "warranty",
                    f"所有商品均享有{self.warranty_years}年保修。"
                    if zh
                    else f"Every product has a {self.warranty_years}-year warranty.",
                )
            )
        return tuple(out)

    def allowed_amounts(self) -> tuple[float, ...]:
        """Return the money amounts the policies state.

        Returns:
            The free-shipping threshold, when there is one.
        """
        return () if self.free_shipping_threshold is None else (self.free_shipping_threshold,)

    def allowed_durations(self) -> frozenset[tuple[float, str]]:
        """Return the ``(number, unit)`` durations the policies state.

        Returns:
            Pairs such as ``(30.0, "day")`` or ``(2.0, "year")``; units are singular.
        """
        pairs = {
            (float(self.return_window_days), "day"),
            (float(self.refund_processing_days), "day"),
            (float(self.shipping_days_min), "day"),
            (float(self.shipping_days_max), "day"),
        }
        if self.warranty_years is not None:
            pairs.add((float(self.warranty_years), "year"))
        return frozenset(pairs)


@dataclass(frozen=True, slots=True)
class Grounding:
    """Everything one reply may state: the product's facts and the platform policies.

    Built once per message by :func:`build_grounding`; the prompt, the template answers
    and the answer check all read this one object, so they cannot disagree about what
    the facts are.

    Attributes:
        facts: The product's facts (empty when no product was named).
        policies: The policy statements in the reply's language.
        english_policies: The same statements in English (what the guard compares with).
    """

    facts: tuple[FactLine, ...]
    policies: tuple[PolicyLine, ...]
    english_policies: tuple[PolicyLine, ...]

    def fact(self, key: str) -> FactLine | None:
        """Return the fact named ``key`` (any kind), or ``None``."""
        return next((f for f in self.facts if f.key == key), None)

    def policy(self, topic: PolicyTopic) -> PolicyLine | None:
        """Return the policy statement on ``topic`` in the reply's language, or ``None``."""
        return next((p for p in self.policies if p.topic == topic), None)

    def text(self) -> str:
        """Return the facts (``key: value``) and the policies, one per line.

        This is the haystack a reply's values must be found in: facts, the policies in
        English and, when the reply is in another language, in that language too.
        """
        policies = dict.fromkeys(p.text for p in (*self.english_policies, *self.policies))
        return "\n".join([*(f.text() for f in self.facts), *policies])


def build_grounding(
    facts: ProductFacts | None, policies: PlatformPolicies, lang: Lang = "en"
) -> Grounding:
    """Build the grounding of one reply.

    Args:
        facts: The product the conversation is about, or ``None``.
        policies: The platform policies.
        lang: The language the reply is written in.

    Returns:
        The facts and policies as :class:`Grounding`.
    """
    return Grounding(
        facts=facts.lines() if facts is not None else (),
        policies=policies.lines(lang),
        english_policies=policies.lines("en"),
    )

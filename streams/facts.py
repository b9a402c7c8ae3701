"""The facts a generated text may state: product facts and platform policies.

Generated replies and descriptions are grounded in these two objects only. The guard
(:mod:`streams.guard`) rejects any price, date, duration or policy claim in model output that
cannot be traced back to them, so whatever is not written here is, for the guard, invented.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from streams import money


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

    def grounding_text(self, *, include_description: bool = True) -> str:
        """Return every fact as one text, the haystack in which claims must be found.

        Args:
            include_description: Whether the current description counts as a fact.

        Returns:
            Title, category, attributes (``key: value``), price and, optionally, the
            current description, one per line.
        """
        lines = [self.title, self.category]
        lines.extend(f"{key}: {value}" for key, value in sorted(self.attributes.items()))
        price = self.price_text()
        if price is not None:
            lines.append(price)
        if include_description and self.description:
            lines.append(self.description)
        return "\n".join(lines)


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
        """Return the policies as short sentences, the only policy wording replies may use.

        Returns:
            One sentence per policy, in a fixed order.
        """
        out = [
            f"Items can be returned within {self.return_window_days} days of delivery.",
            f"Refunds are paid to the original payment method within "
            f"{self.refund_processing_days} days after the return arrives.",
            f"Standard shipping takes {self.shipping_days_min}-{self.shipping_days_max} "
            f"business days.",
        ]
        if self.free_shipping_threshold is not None:
            threshold = Decimal(str(self.free_shipping_threshold)).quantize(Decimal("0.01"))
            out.append(f"Shipping is free for orders over {threshold} {self.currency}.")
        if self.warranty_years is not None:
            out.append(f"Every product has a {self.warranty_years}-year warranty.")
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

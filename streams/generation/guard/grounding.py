"""Grounding: every price, discount, date, duration and policy claim must come from facts.

A small LM invents plausible details ("it ships in 24 hours", "use code SAVE10 for 10% off").
This module finds each such claim in a generated text and checks it against the product
facts and the platform policies. Anything it cannot trace is a reason to reject. The check
is deliberately strict: a rejected reply is replaced by a template, a wrong promise reaches
a customer. For that reason negations are not parsed: "we can't offer a discount" is
rejected as a discount claim, which only costs a template answer.

Reasons are ``"kind:matched text"`` strings, so the audit table can group by kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from streams.generation.facts import PlatformPolicies, ProductFacts

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def parse_number(raw: str) -> Decimal | None:
    """Parse a number as written in shop text (``1,299.99``, ``1.299,99``, ``19,99``).

    Args:
        raw: Digits with optional ``,``/``.`` separators.

    Returns:
        The value, or ``None`` when ``raw`` is not a number.
    """
    text = raw.replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        text = text.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in text:
        parts = text.split(",")
        text = (
            text.replace(",", ".")
            if len(parts) == 2 and len(parts[1]) <= 2
            else text.replace(",", "")
        )
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def extract_numbers(text: str) -> tuple[Decimal, ...]:
    """Return every number written with digits in ``text``, normalised.

    Digit runs are taken wherever they stand, also inside model numbers (``XM4`` gives
    4), so that facts and generated text are read the same way.

    Args:
        text: Any text.

    Returns:
        The numbers in order of appearance.
    """
    values = (parse_number(m.group()) for m in _NUMBER.finditer(text))
    return tuple(value.normalize() for value in values if value is not None)


_SYMBOLS: dict[str, frozenset[str]] = {
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
    "dollar": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD"}),
    "buck": frozenset({"USD", "CAD", "AUD", "NZD"}),
    "euro": frozenset({"EUR"}),
    "pound": frozenset({"GBP"}),
    "yen": frozenset({"JPY"}),
    "rupee": frozenset({"INR"}),
    "franc": frozenset({"CHF"}),
}
_CODES = (
    "USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|INR|CNY|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|ZAR|KRW|TRY|SGD|HKD"
)
_AMOUNT_NUM = r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_WORDS = r"dollars?|bucks|euros?|pounds?|yen|rupees?|francs?|cents?"
_MONEY = re.compile(
    rf"(?:(?:US|CA|AU|NZ|HK|S)?(?P<sym>[$€£¥₹])|(?<![A-Za-z])(?P<code>(?-i:{_CODES}))(?![A-Za-z]))"
    rf"\s?(?P<num>{_AMOUNT_NUM})"
    rf"|(?<![A-Za-z0-9.,])(?P<num2>{_AMOUNT_NUM})\s?(?:(?P<sym2>[$€£¥₹])"
    rf"|(?P<code2>(?-i:{_CODES}))(?![A-Za-z])|(?P<word>{_WORDS})(?![A-Za-z]))",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_DISCOUNT = re.compile(
    r"\b(?:discount(?:s|ed)?|coupons?|promo(?:tion(?:al)?)?(?:\s*codes?)?|vouchers?|rebates?|"
    r"cash\s?back|store credit|gift cards?|sale price|on sale|markdown|price match(?:ing)?|"
    r"(?:percent|\d+\s?%)\s+off|special offer)\b",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|\b{_MONTH}\.?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b"
    r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|\bweekends?\b"
    r"|\b(?:tomorrow|tonight|next (?:week|month|year)|this (?:week|month|afternoon|evening)|"
    r"end of (?:the )?(?:day|week|month)|same[- ]day|next[- ]day|overnight|yesterday|"
    r"last (?:night|week|month|year)|earlier today|this morning)\b"
    r"|\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14,
    "fifteen": 15, "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUM_OR_WORD = rf"\d+(?:[.,]\d+)?|{'|'.join(_NUMBER_WORDS)}"
_UNIT = r"hours?|hrs?|days?|weeks?|months?|years?|yrs?"
_DURATION = re.compile(
    rf"\b(?P<a>{_NUM_OR_WORD})(?:\s*(?:-|\u2013|to|or)\s*(?P<b>{_NUM_OR_WORD}))?(?:\s+|-)"
    rf"(?:(?:more|business|working|calendar|full)\s+)?(?P<unit>{_UNIT})\b"
    rf"|\b(?:within|in|under|less than|about|around|up to|only)\s+(?:an?)\s+(?P<unit1>{_UNIT})\b",
    re.IGNORECASE,
)
_VAGUE_DURATION = re.compile(
    r"\b(?:a few|a couple (?:of )?|several|a number of)\s+(?:more\s+)?(?:business\s+|working\s+)?"
    r"(?:hours|days|weeks|months)\b",
    re.IGNORECASE,
)
# Free shipping in English and Chinese (免运费, 包邮, 免邮, 免费配送/送货/发货): a promise only the
# policy's threshold makes true.
_FREE_SHIPPING = re.compile(
    r"\bfree (?:shipping|delivery|postage)\b|\b(?:ships|delivered|shipping is|delivery is) "
    r"(?:for )?free\b|\bno (?:shipping|delivery) (?:costs?|fees?|charges?)\b"
    r"|\u514d\u8fd0\u8d39|\u5305\u90ae|\u514d\u90ae|\u514d\u8d39(?:\u914d\u9001|\u9001\u8d27|\u53d1\u8d27)",
    re.IGNORECASE,
)
_POLICY_PHRASES = re.compile(
    r"\b(?:free (?:returns?|exchanges?|replacements?|of charge)|for free|complimentary|"
    r"lifetime (?:warranty|guarantee)|money[- ]back guarantee|no questions asked|"
    r"(?:return|exchange)(?:ed)? (?:it )?(?:at )?any ?time|price guarantee)\b",
    re.IGNORECASE,
)
_RETURN_WINDOW = re.compile(
    rf"\breturn(?:s|ed|ing)?\b[^.!?\n]{{0,40}}?\b(?:within|in|for|up to)\s+"
    rf"(?P<n>{_NUM_OR_WORD})(?:\s+|-)(?P<unit>days?|weeks?|months?)\b",
    re.IGNORECASE,
)
_WARRANTY_TERM = re.compile(
    rf"\b(?P<n>{_NUM_OR_WORD})(?:\s+|-)(?P<unit>years?|months?)(?:\s+|-)(?:warranty|guarantee)\b"
    rf"|\b(?:warranty|guarantee)\b[^.!?\n]{{0,30}}?\b(?:of|for|lasts?|is)\s+"
    rf"(?P<n2>{_NUM_OR_WORD})(?:\s+|-)(?P<unit2>years?|months?)\b",
    re.IGNORECASE,
)
_WARRANTY = re.compile(r"\bwarrant(?:y|ies|ied)\b|\bguarantee[ds]?\b", re.IGNORECASE)
_REFUND_COMMITMENT = re.compile(
    r"\bfull refund\b"
    r"|\brefund (?:has been|was|is being|will be|is) (?:approved|issued|processed|granted|sent|"
    r"on its way)\b"
    r"|\byou(?:'ll| will| are going to) (?:get|receive|be getting) (?:a |your )?(?:full )?refund\b"
    r"|\b(?:i|we)(?:'ll| will|'ve| have| am| are)?\s+(?:now |already |just )?"
    r"(?:refund(?:ed|ing)?|issu(?:e|ed|ing)|process(?:ed|ing)?|approv(?:e|ed|ing)|credit(?:ed)?)"
    r"\b(?:[^.\n]{0,25}\brefund\b| you\b| your (?:money|payment|account))",
    re.IGNORECASE,
)
_ORDER_STATE = re.compile(
    # "my order" too: a small model slips into the customer's voice ("Yes, my order has been
    # shipped.") and states the same thing it cannot know.
    r"\b(?:your|the|my|our) (?:order|package|parcel|item|shipment|delivery|return)s? "
    r"(?:has|have|was|were|is|are|will be) (?:already |now |just )?(?:been )?"
    r"(?:shipped|dispatched|delivered|sent|on (?:its|the) way|out for delivery|in transit|lost|"
    r"cancell?ed|processed|packed|received|arriving|confirmed|approved)\b"
    r"|\btracking (?:number|code|id) is\b|\bis on (?:its|the) way\b"
    r"|\b(?:i|we)(?:'ve| have)\s+(?:now |already |just )?(?:cancell?ed|updated|changed|shipped|"
    r"upgraded|reshipped|replaced|expedited)\b"
    # Chinese: an order, parcel or refund said to be in a state ("订单已发货", "是已签收的",
    # "正在派送"), or a tracking number given.
    r"|(?:订单|包裹|快递|货物|商品|退款)[^。\uff01\uff1f!?]{0,8}?已经?"
    r"(?:发货|发出|寄出|签收|送达|到达|出库|揽收|取消|退款|退回|处理|批准|到账)"
    r"|(?:我们|我)?(?:已经|已)(?:为您|给您|帮您)(?:发货|寄出|退款|取消|处理)"
    r"|正在(?:配送|派送|运输|发货)|(?:物流|快递|运单)单?号(?:是|为)"
    # Whatever the subject ("耳机已寄回给客户", a demo reply): no order state is known.
    r"|已经?(?:寄回|退回|寄出|发出|签收|送达|发货)",
    re.IGNORECASE,
)
_LINK = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+|\b[\w-]+\.(?:com|net|org|shop|store)\b", re.IGNORECASE
)
# Other marketplaces and retailers, and named sales events: the platform's facts never mention
# them, so a reply that does invents a comparison, a channel or a promotion.
_THIRD_PARTY = re.compile(
    r"\b(?:amazon|ebay|walmart|aliexpress|alibaba|etsy|temu|shein|wish\.com|best ?buy|"
    r"target\.com|costco|ikea|zalando|otto\.de|rakuten|mercado ?libre|flipkart|jd\.com|"
    r"taobao|tmall|shopee|lazada)\b",
    re.IGNORECASE,
)
_SALES_EVENT = re.compile(
    r"\b(?:prime day|black friday|cyber monday|cyber week|singles'? day|boxing day|"
    r"(?:flash|clearance|holiday|christmas|summer|winter|spring|seasonal|anniversary|"
    r"warehouse|end[- ]of[- ]season) sale|sale event|doorbuster|lightning deal|"
    r"(?:deal|offer) of the day|limited[- ]time (?:offer|deal)|buy one,? get one|bogo)\b",
    re.IGNORECASE,
)
# Stock levels are not among the facts the assistant sees; it may not assert them.
_STOCK_CLAIM = re.compile(
    r"\b(?:(?:is|are|it's|they're|currently|now|still) (?:back )?in stock|"
    r"(?:is|are|it's|they're|currently) (?:out of stock|sold out|unavailable)|"
    r"(?:only|just) \w+ (?:left|remaining) in stock|ready to ship|ships (?:today|immediately))\b",
    re.IGNORECASE,
)
# A sentence ends at a full stop before a space or the end ("over 50.00 EUR." is one), or at
# a Chinese one.
_SENTENCE = re.compile(r"(?:[^.!?\n\u3002\uff01\uff1f]|[.!?](?=[^\s.!?]))+")


_UNITS = {"h": "hour", "d": "day", "w": "week", "m": "month", "y": "year"}


def _unit(raw: str) -> str:
    return _UNITS[raw[0].lower()]


def _num(raw: str) -> float | None:
    word = _NUMBER_WORDS.get(raw.lower())
    if word is not None:
        return float(word)
    value = parse_number(raw)
    return None if value is None else float(value)


def _durations(text: str) -> list[tuple[str, tuple[tuple[float, str], ...]]]:
    out: list[tuple[str, tuple[tuple[float, str], ...]]] = []
    for match in _DURATION.finditer(text):
        if match.group("unit1"):
            out.append((match.group(), ((1.0, _unit(match.group("unit1"))),)))
            continue
        unit = _unit(match.group("unit"))
        values = [_num(v) for v in (match.group("a"), match.group("b")) if v is not None]
        out.append((match.group(), tuple((v, unit) for v in values if v is not None)))
    return out


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def _money_currencies(match: re.Match[str]) -> frozenset[str] | None:
    code = match.group("code") or match.group("code2")
    if code:
        return frozenset({code.upper()})
    sym = match.group("sym") or match.group("sym2")
    if sym:
        return _SYMBOLS[sym]
    word = (match.group("word") or "").lower().rstrip("s")
    return _SYMBOLS.get(word)


class _Grounds:
    """Everything a text may state, precomputed once per check."""

    def __init__(self, facts: ProductFacts | None, policies: PlatformPolicies | None) -> None:
        parts: list[str] = []
        self.amounts: list[tuple[Decimal, str | None]] = []
        if facts is not None:
            parts.append(facts.grounding_text())
            if facts.price is not None:
                self.amounts.append((_cents(facts.price), facts.currency))
        if policies is not None:
            parts.extend(policies.grounding_statements())
            self.amounts.extend((_cents(a), policies.currency) for a in policies.allowed_amounts())
        self.text = "\n".join(parts)
        self.haystack = _squash(self.text)
        fact_text = facts.grounding_text() if facts is not None else ""
        self.fact_haystack = _squash(fact_text)
        # Product-specific terms (a "warranty: 3 years" attribute) override the platform's.
        self.product_warranty = (
            {pair for _, pairs in _durations(fact_text) for pair in pairs}
            if _WARRANTY.search(fact_text)
            else set()
        )
        self.durations: set[tuple[float, str]] = set()
        if policies is not None:
            self.durations |= policies.allowed_durations()
        for _, pairs in _durations(self.text):
            self.durations.update(pairs)
        self.policies = policies

    def says(self, phrase: str) -> bool:
        return _squash(phrase) in self.haystack


def _cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _check_amounts(text: str, grounds: _Grounds) -> Iterable[str]:
    for match in _MONEY.finditer(text):
        value = parse_number(match.group("num") or match.group("num2") or "")
        if value is None:
            continue
        if (match.group("word") or "").lower().startswith("cent"):
            value = value / 100
        currencies = _money_currencies(match)
        ok = grounds.says(match.group()) or any(
            _cents(value) == amount
            and (currencies is None or currency is None or currency.upper() in currencies)
            for amount, currency in grounds.amounts
        )
        if not ok:
            yield f"ungrounded_amount:{match.group().strip()}"


def _check_percentages_and_discounts(text: str, grounds: _Grounds) -> Iterable[str]:
    allowed = {parse_number(m.group(1)) for m in _PERCENT.finditer(grounds.text)}
    for match in _PERCENT.finditer(text):
        if parse_number(match.group(1)) not in allowed:
            yield f"ungrounded_percentage:{match.group()}"
    for match in _DISCOUNT.finditer(text):
        if not grounds.says(match.group()):
            yield f"discount_claim:{match.group()}"


def _check_dates(text: str, grounds: _Grounds) -> Iterable[str]:
    for match in _DATE.finditer(text):
        if not grounds.says(match.group()):
            yield f"ungrounded_date:{match.group()}"
    for raw, pairs in _durations(text):
        if not pairs or any(pair not in grounds.durations for pair in pairs):
            yield f"ungrounded_duration:{raw}"
    for match in _VAGUE_DURATION.finditer(text):
        if not grounds.says(match.group()):
            yield f"ungrounded_duration:{match.group()}"


def _check_policy_terms(text: str, grounds: _Grounds) -> Iterable[str]:
    policies = grounds.policies
    for match in _RETURN_WINDOW.finditer(text):
        stated = (_num(match.group("n")), _unit(match.group("unit")))
        expected = None if policies is None else (float(policies.return_window_days), "day")
        if stated != expected and not grounds.says(match.group()):
            yield f"policy_mismatch:return_window:{match.group()}"
    for match in _WARRANTY_TERM.finditer(text):
        n, unit = match.group("n") or match.group("n2"), match.group("unit") or match.group("unit2")
        stated = (_num(n), _unit(unit))
        years = None if policies is None else policies.warranty_years
        expected = None if years is None else (float(years), "year")
        if stated not in {expected, *grounds.product_warranty}:
            yield f"policy_mismatch:warranty:{match.group()}"


def _check_policies(text: str, grounds: _Grounds) -> Iterable[str]:
    policies = grounds.policies
    for sentence in _SENTENCE.findall(text):
        for match in _FREE_SHIPPING.finditer(sentence):
            threshold = None if policies is None else policies.free_shipping_threshold
            conditional = threshold is not None and (threshold == 0 or _MONEY.search(sentence))
            # The policy's own wording is conditional; only a product's facts can make
            # free shipping unconditional ("shipping: free").
            if not conditional and _squash(match.group()) not in grounds.fact_haystack:
                yield f"policy_mismatch:{match.group()}"
        warranty = _WARRANTY.search(sentence)
        has_policy = policies is not None and policies.warranty_years is not None
        if warranty and not has_policy and not _WARRANTY.search(grounds.text):
            yield f"ungrounded_policy:{warranty.group()}"
    yield from _check_policy_terms(text, grounds)
    for match in _POLICY_PHRASES.finditer(text):
        if not grounds.says(match.group()):
            yield f"ungrounded_policy:{match.group()}"
    for match in _REFUND_COMMITMENT.finditer(text):
        yield f"refund_commitment:{match.group()}"
    for match in _ORDER_STATE.finditer(text):
        yield f"order_state_claim:{match.group()}"
    for match in _LINK.finditer(text):
        if not grounds.says(match.group()):
            yield f"ungrounded_link:{match.group()}"


def _check_third_parties_and_events(text: str, grounds: _Grounds) -> Iterable[str]:
    for kind, pattern in (("third_party", _THIRD_PARTY), ("sales_event", _SALES_EVENT)):
        for match in pattern.finditer(text):
            if not grounds.says(match.group()):
                yield f"ungrounded_{kind}:{match.group()}"
    for match in _STOCK_CLAIM.finditer(text):
        if not grounds.says(match.group()):
            yield f"stock_claim:{match.group()}"


# "20 minutes per hour", "2 L a day", "每小时20分钟": a number made into a rate is a new
# quantity even when the number itself is grounded ("play time: 20 minutes").
# A match starts only where a number does, so a long run of digits is read once, not once per
# digit.
_RATE = re.compile(
    r"(?<![\d.,])\d[\d.,]*\s*[^\W\d_]*\s+(?P<rate>(?:per|an?|each|every)\s+(?:hour|minute|second|day|week|"
    r"month|year|charge|use|wash|cycle)s?)\b|(?P<rate_zh>每(?:小时|分钟|天|日|周|月|年|次))",
    re.IGNORECASE,
)


def _check_rates(text: str, grounds: _Grounds) -> Iterable[str]:
    for match in _RATE.finditer(text):
        rate = match.group("rate") or match.group("rate_zh")
        unit = rate.split()[-1].lower().rstrip("s") if match.group("rate") else rate
        if not re.search(
            rf"(?:per|an?|each|every)\s+{re.escape(unit)}|{re.escape(rate)}",
            grounds.text,
            re.IGNORECASE,
        ):
            yield f"invented_rate:{match.group().strip()}"


def check_grounding(
    text: str,
    facts: ProductFacts | None,
    policies: PlatformPolicies | None,
) -> tuple[str, ...]:
    """Find every claim in ``text`` that the facts and policies do not support.

    Checks, in order: money amounts (value and currency must equal the product price or a
    policy amount), percentages and discount/coupon/promo wording, dates and durations
    (must appear in the facts or the policy statements), policy claims (free shipping,
    warranty, lifetime/money-back guarantees), refund commitments and order-state claims
    (the assistant sees no order data, so it may assert neither), links, other marketplaces
    and retailers, named sales events, stock levels (also not among the facts), and rates
    ("20 minutes per hour") the facts do not give.

    Args:
        text: Generated text (reply or description).
        facts: The product the text is about, or ``None`` (then no price may be stated).
        policies: The platform policies, or ``None`` (then no policy may be stated).

    Returns:
        One ``"kind:matched text"`` reason per unsupported claim, without duplicates;
        empty when the text is grounded.
    """
    grounds = _Grounds(facts, policies)
    reasons: dict[str, None] = {}
    checks = (
        _check_amounts,
        _check_percentages_and_discounts,
        _check_dates,
        _check_policies,
        _check_third_parties_and_events,
        _check_rates,
    )
    for check in checks:
        reasons.update(dict.fromkeys(check(text, grounds)))
    return tuple(reasons)

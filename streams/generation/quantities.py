"""Quantities with units in shop text: ``"150 kg"``, ``"1,3 kg"``, ``"45厘米"``, ``"2 lbs"``.

Questions and product attributes write the same measure in different units and languages;
both are read into a :class:`Quantity` in the family's base unit (kilograms, metres, litres,
watts, hours, milliampere-hours, years for ages), so "OK for 300 lb?" can be compared with
"max load: 150 kg" and "a 7-year-old" with "recommended age: 8+ years".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# unit spelling -> (family, factor to the family's base unit)
_UNITS: dict[str, tuple[str, Decimal]] = {
    "kg": ("mass", Decimal(1)), "kgs": ("mass", Decimal(1)), "kilo": ("mass", Decimal(1)),
    "kilos": ("mass", Decimal(1)), "kilogram": ("mass", Decimal(1)),
    "kilograms": ("mass", Decimal(1)), "g": ("mass", Decimal("0.001")),
    "gram": ("mass", Decimal("0.001")), "grams": ("mass", Decimal("0.001")),
    "lb": ("mass", Decimal("0.45359237")), "lbs": ("mass", Decimal("0.45359237")),
    "pound": ("mass", Decimal("0.45359237")), "pounds": ("mass", Decimal("0.45359237")),
    "公斤": ("mass", Decimal(1)), "千克": ("mass", Decimal(1)), "克": ("mass", Decimal("0.001")),
    "斤": ("mass", Decimal("0.5")), "磅": ("mass", Decimal("0.45359237")),
    "mm": ("length", Decimal("0.001")), "cm": ("length", Decimal("0.01")),
    "m": ("length", Decimal(1)), "meter": ("length", Decimal(1)),
    "meters": ("length", Decimal(1)), "metre": ("length", Decimal(1)),
    "metres": ("length", Decimal(1)), "inch": ("length", Decimal("0.0254")),
    "inches": ("length", Decimal("0.0254")), '"': ("length", Decimal("0.0254")),
    "ft": ("length", Decimal("0.3048")), "feet": ("length", Decimal("0.3048")),
    "foot": ("length", Decimal("0.3048")), "毫米": ("length", Decimal("0.001")),
    "厘米": ("length", Decimal("0.01")), "公分": ("length", Decimal("0.01")),
    "米": ("length", Decimal(1)), "英寸": ("length", Decimal("0.0254")),
    "l": ("volume", Decimal(1)), "litre": ("volume", Decimal(1)),
    "litres": ("volume", Decimal(1)), "liter": ("volume", Decimal(1)),
    "liters": ("volume", Decimal(1)), "ml": ("volume", Decimal("0.001")),
    "升": ("volume", Decimal(1)), "毫升": ("volume", Decimal("0.001")),
    "w": ("power", Decimal(1)), "watt": ("power", Decimal(1)), "watts": ("power", Decimal(1)),
    "kw": ("power", Decimal(1000)), "瓦": ("power", Decimal(1)),
    "h": ("time", Decimal(1)), "hr": ("time", Decimal(1)), "hrs": ("time", Decimal(1)),
    "hour": ("time", Decimal(1)), "hours": ("time", Decimal(1)),
    "min": ("time", Decimal(1) / 60), "mins": ("time", Decimal(1) / 60),
    "minutes": ("time", Decimal(1) / 60), "小时": ("time", Decimal(1)),
    "分钟": ("time", Decimal(1) / 60), "mah": ("charge", Decimal(1)),
    "毫安": ("charge", Decimal(1)), "毫安时": ("charge", Decimal(1)),
    "°c": ("temperature", Decimal(1)), "度": ("temperature", Decimal(1)),
    "℃": ("temperature", Decimal(1)), "degrees": ("temperature", Decimal(1)),
    "degree": ("temperature", Decimal(1)),
    "gb": ("storage", Decimal(1)), "tb": ("storage", Decimal(1000)),
    "year": ("years", Decimal(1)), "years": ("years", Decimal(1)), "yrs": ("years", Decimal(1)),
    "-year-old": ("years", Decimal(1)), "year-old": ("years", Decimal(1)),
    "-years-old": ("years", Decimal(1)), "years-old": ("years", Decimal(1)),
    "month": ("years", Decimal(1) / 12), "months": ("years", Decimal(1) / 12),
    "-month-old": ("years", Decimal(1) / 12), "岁": ("years", Decimal(1)),
    "周岁": ("years", Decimal(1)), "个月": ("years", Decimal(1) / 12),
}  # fmt: skip

UNIT_WORDS = frozenset(u for u in _UNITS if u.isascii() and u.isalpha())
"""Latin unit spellings (``"kg"``, ``"cm"``): words that say how much, not what."""

_LATIN = sorted((u for u in _UNITS if u.isascii() and u != '"'), key=len, reverse=True)
_HAN = sorted((u for u in _UNITS if not u.isascii()), key=len, reverse=True)
_QUANTITY = re.compile(
    r"(?<![A-Za-z0-9.,])(?P<num>\d+(?:[.,]\d+)?)\+?\s*"
    rf"(?:(?P<latin>{'|'.join(re.escape(u) for u in _LATIN)})(?![A-Za-z])"
    rf"|(?P<han>{'|'.join(re.escape(u) for u in _HAN)})|(?P<inch>\"))",
    re.IGNORECASE,
)


# A unit named without a number ("how many mAh?") says which kind of quantity is asked about.
# Only spellings that are no everyday word or part of one count: not "m", "min", "in" or "度".
_NAMED_UNIT = re.compile(
    r"(?<![A-Za-z])(?:"
    + "|".join(re.escape(u) for u in _LATIN if len(u) >= 2 and u not in {"min", "hr", "ft"})
    + r")(?![A-Za-z])|"
    + "|".join(re.escape(u) for u in _HAN if len(u) >= 2),
    re.IGNORECASE,
)


def named_unit_families(text: str) -> frozenset[str]:
    """Return the quantity families whose units ``text`` names, with or without a number.

    Args:
        text: A question.

    Returns:
        The families (``"charge"`` for "how many mAh does it have?").
    """
    return frozenset(_UNITS[match.group().lower()][0] for match in _NAMED_UNIT.finditer(text))


def unit_spellings(family: str) -> frozenset[str]:
    """Return the Latin spellings of a family's units (``"grams"``, ``"kg"`` for mass).

    Args:
        family: A quantity family (``"mass"``).

    Returns:
        Every Latin spelling :func:`quantities` reads for it.
    """
    return frozenset(u for u, (f, _) in _UNITS.items() if f == family and u.isascii())


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with a unit, converted to its family's base unit.

    Attributes:
        raw: The text as written (``"140 kg"``).
        family: ``"mass"``, ``"length"``, ``"volume"``, ``"power"``, ``"time"``,
            ``"charge"``, ``"temperature"`` or ``"storage"``.
        base: The value in the family's base unit.
    """

    raw: str
    family: str
    base: Decimal


def _number(raw: str) -> Decimal | None:
    # A single comma with one or two digits after it is a decimal comma ("1,3 kg").
    text = raw.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", raw) else raw.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def quantities(text: str) -> tuple[Quantity, ...]:
    """Return every number-with-unit in ``text``.

    Args:
        text: A question or an attribute value.

    Returns:
        The quantities in order of appearance.
    """
    out = []
    for match in _QUANTITY.finditer(text):
        unit = (match.group("latin") or match.group("han") or match.group("inch")).lower()
        value = _number(match.group("num"))
        if value is None:
            continue
        family, factor = _UNITS[unit]
        out.append(Quantity(raw=match.group().strip(), family=family, base=value * factor))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Span:
    """A range an attribute gives: ``"45-55 cm"``, ``"EU 38-47"``, ``"36-45"`` (shoe sizes).

    Attributes:
        low: Its lower end.
        high: Its upper end, in the same family.
    """

    low: Quantity
    high: Quantity

    def holds(self, value: Quantity) -> bool:
        """Whether ``value`` (of the span's family) lies within the span, ends included."""
        return self.low.base <= value.base <= self.high.base


# "45-55 cm", "EU 38-47", "80 to 200 °C", "36~45". A size system ("EU", "UK") before the
# numbers is a label: only a number the question writes with the same label is compared.
_SPAN = re.compile(
    r"(?<![A-Za-z0-9.,])(?:(?P<label>[A-Z]{2,3})\s*)?(?P<low>\d+(?:[.,]\d+)?)\s*"
    r"(?:-|\u2013|~|\uff5e|to|\u81f3|\u5230)\s*(?P<high>\d+(?:[.,]\d+)?)(?![\d.,])"
    r"(?P<unit>\s*[^\s\d,;\uff0c\uff1b]*)"
)
_SIZE_MARK = r"(?:\u7801|\u53f7)"  # 码, 号: a Chinese size ("我穿45码")
_SIZE_MARK_RE = re.compile(_SIZE_MARK)
_UNLABELLED = "label:"


def spans(text: str) -> tuple[Span, ...]:
    """Return the ranges in an attribute value.

    A range with a unit is read in the unit's family; one with a size label ("EU 38-47")
    or with neither ("36-45") is a family of its own (``label:EU``, ``label:``), compared
    only with numbers a question writes the same way (:func:`labelled`).

    Args:
        text: An attribute value.

    Returns:
        The spans in order; ranges with an unknown unit ("2700-6500 K") are left out.
    """
    out = []
    for match in _SPAN.finditer(text):
        low, high = _number(match.group("low")), _number(match.group("high"))
        if low is None or high is None or low > high:
            continue
        unit, label = match.group("unit").strip(), match.group("label")
        ends = (
            quantities(f"{match.group('low')} {unit}"),
            quantities(f"{match.group('high')} {unit}"),
        )
        if unit and ends[0] and ends[1]:
            out.append(Span(ends[0][0], ends[1][0]))
        elif not unit or _SIZE_MARK_RE.fullmatch(unit):
            family = f"label:{label.upper()}" if label else _UNLABELLED
            prefix = f"{label} " if label else ""
            out.append(
                Span(
                    Quantity(f"{prefix}{match.group('low')}", family, low),
                    Quantity(f"{prefix}{match.group('high')}", family, high),
                )
            )
    return tuple(out)


def labelled(text: str, family: str) -> tuple[Quantity, ...]:
    """Return the numbers ``text`` writes in a labelled family of :func:`spans`.

    Args:
        text: A question.
        family: ``label:EU`` (numbers after "EU") or ``label:`` (Chinese sizes: "45码", and
            "size 45").

    Returns:
        The numbers as quantities of ``family``.
    """
    label = family.removeprefix("label:")
    if label:
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(label)}\s*(\d+(?:[.,]\d)?)(?![\d.,])", re.I)
    else:
        # A number starts after no digit: "1.23码" holds no size 23, and a long run of digits
        # is read once, not once per digit.
        pattern = re.compile(
            rf"(?<![\d.,])(\d+(?:[.,]\d)?)\s*{_SIZE_MARK}|\bsize\s+(\d+(?:[.,]\d)?)\b", re.I
        )
    out = []
    for match in pattern.finditer(text):
        raw = next(group for group in match.groups() if group)
        value = _number(raw)
        if value is not None:
            out.append(Quantity(match.group().strip(), family, value))
    return tuple(out)

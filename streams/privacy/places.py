"""Place detectors: street addresses and postcodes (US, UK, Chinese).

A street line is a house number, a few name words and a street type ("742 Evergreen
Terrace"); a Chinese address is a chain of administrative units and a road with its number
("北京市朝阳区建国路88号"). Postcodes are found by shape where the shape is distinctive (a
full UK postcode, a ZIP after a state code) and by an address context otherwise ("postcode
SW1A", "ship to M1").
"""

from __future__ import annotations

import re

from streams.privacy.context import (
    GAP,
    KEYWORD_END,
    KEYWORD_START,
    NO_ALNUM_AFTER,
    NO_ALNUM_BEFORE,
    Span,
    group_spans,
    unquoted,
)

_STREET_SUFFIX = (
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|"
    r"place|pl|terrace|ter|parkway|pkwy|circle|cir|highway|hwy|square|sq|crescent|close|"
    r"gardens|grove|mews|row|walk|hill)"
)
_UNIT = r"(?:,?\s*(?i:apt|apartment|suite|ste|unit|flat|floor|fl)\.?\s*#?\s*[A-Za-z0-9]+)?"
# Capitalised name words anywhere; after an address keyword, lower-case words too.
_ADDRESS = re.compile(
    r"(?<![A-Za-z0-9_#.,$€£¥-])\d{1,5}[A-Za-z]?,?\s+"
    r"(?:(?:[A-Z][A-Za-z'-]*|\d+(?i:st|nd|rd|th))\.?\s+){1,4}"
    rf"{_STREET_SUFFIX}{KEYWORD_END}\.?{_UNIT}"
    # Optional ", City" and ", ST" (the ZIP after it is a postcode of its own).
    r"(?:,\s*[A-Z][a-z'-]+(?:\s[A-Z][a-z'-]+)*(?:,?\s+[A-Z]{2}(?![A-Za-z0-9]))?)?"
)
_ADDRESS_KEYWORD = (
    rf"{KEYWORD_START}(?i:address|live\s+at|living\s+at|lives\s+at|located\s+at"
    r"|ship(?:ped|ping)?(?:\s+it)?\s+to|deliver(?:ed|y)?(?:\s+it)?\s+to|send(?:\s+it)?\s+to"
    r"|post(?:\s+it)?\s+to|mail(?:\s+it)?\s+to)"
    rf"{KEYWORD_END}"
)
_ADDRESS_AFTER_KEYWORD = re.compile(
    rf"(?:{_ADDRESS_KEYWORD})(?:\s*(?i:is|:))?\s*"
    r"(?P<v>(?:(?i:flat|apt|apartment|unit|suite)\.?\s*[A-Za-z0-9]{1,4},?\s+)?\d{1,5}[A-Za-z]?,?\s+(?:(?:[A-Za-z][A-Za-z'-]*|\d+(?i:st|nd|rd|th))\.?\s+){1,4}"
    rf"{_STREET_SUFFIX}{KEYWORD_END}\.?{_UNIT})"
)

_HAN = r"[\u4e00-\u9fff]"
_CN_NUMBER = r"(?:\d{1,5}|[一二三四五六七八九十百零〇]{1,5})"
_CN_ADMIN = (
    rf"(?:{_HAN}{{2,7}}?(?:省|自治区|特别行政区))?"
    rf"(?:{_HAN}{{2,4}}?(?:市|州|盟))?"
    rf"(?:{_HAN}{{1,5}}?(?:区|县|旗))?"
    rf"(?:{_HAN}{{1,5}}?(?:镇|乡|街道))?"
)
_CN_ROAD = rf"(?:{_HAN}|\d){{1,8}}?(?:路|街|大街|大道|巷|弄|胡同)"
_CN_BUILDING = rf"(?:\s?(?:{_CN_NUMBER}|[A-Za-z])(?:号楼|栋|幢|座|单元|层|楼|室|号|户))*"
_CN_ADDRESS = re.compile(
    rf"(?P<admin>{_CN_ADMIN})(?P<road>{_CN_ROAD})(?P<num>{_CN_NUMBER}\s?(?:号|號))?{_CN_BUILDING}"
)
# Words that run into an address without being part of it ("寄到北京市..." starts at 北).
_CN_LEADING = frozenset("我你他她您住在于是到寄送发往给请帮麻烦地址为的")

_US_STATE = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT"
    r"|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)"
)
# After "City, ST" or "City ST": a state code on its own ("ID 12345") is often an ID.
_ZIP_AFTER_STATE = re.compile(
    rf"(?:,\s*|[A-Z][a-z]+\s+){_US_STATE}\.?,?\s+(?P<v>\d{{5}}(?:-\d{{4}})?)(?![\d-])"
)
# Outward code ("SW1A", "M1", "EC1A") and inward code ("1AA"); inward letters never use
# C, I, K, M, O or V.
_UK_OUTWARD = r"(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)"
_UK_INWARD = r"\d[ABD-HJLNP-UW-Z]{2}"
# "M2 2TB", "B1 4GB": a size in a product name, not an inward code.
_NOT_UNIT = r"(?!\d(?:TB|GB|HZ))"
# Outside a postcode context the space is required: "S1M0NE" is a film title, "SW1A 1AA" is
# how the Royal Mail and customers write a postcode.
_UK_FULL = re.compile(rf"{NO_ALNUM_BEFORE}{_UK_OUTWARD} {_NOT_UNIT}{_UK_INWARD}{NO_ALNUM_AFTER}")
_POSTCODE_KEYWORD = (
    rf"{KEYWORD_START}(?i:post\s?code|postal\s+code|zip\s?code|zip(?=\s*(?:is|:|#))|plz|eircode)"
    rf"{KEYWORD_END}"
    r"|邮编|邮政编码|郵遞區號"
)
# Not "area" or "near": "A4", "M4" and "M2" are paper, screw and SSD sizes as well.
_AREA_KEYWORD = (
    rf"{_ADDRESS_KEYWORD}|{KEYWORD_START}(?i:live[sd]?\s+in|living\s+in|based\s+in"
    rf"|located\s+in|moved\s+to|staying\s+in|i'?m\s+in|i\s+am\s+in){KEYWORD_END}"
)
_POSTCODE_VALUE = (
    rf"(?i:{_UK_OUTWARD} ?{_UK_INWARD}|[A-Z]\d[A-Z] ?\d[A-Z]\d|{_UK_OUTWARD})"
    r"|\d{5}-\d{4}|\d{4,6}"
)
_POSTCODE_AFTER_KEYWORD = re.compile(
    rf"(?:{_POSTCODE_KEYWORD})(?:\s*(?i:is|:))?{GAP}{NO_ALNUM_BEFORE}(?P<v>{_POSTCODE_VALUE})"
    rf"{NO_ALNUM_AFTER}"
)
# After "ship to" / "I live in": an outward code alone, capitals as the Royal Mail writes it.
_OUTWARD_AFTER_AREA = re.compile(
    rf"(?:{_AREA_KEYWORD})[^\n.!?,]{{0,20}}?{NO_ALNUM_BEFORE}(?P<v>{_UK_OUTWARD})"
    rf"{NO_ALNUM_AFTER}"
)
# Right after a street line, past at most two town words: "12 High Street, London SW19",
# "27 castle hill, bath ba1 2ab".
_OUTWARD_AFTER_STREET = re.compile(
    rf"[ \t,]*(?:[A-Za-z][a-z'-]+[ \t,]+){{0,2}}"
    rf"(?P<v>(?i:{_UK_OUTWARD}(?: {_UK_INWARD})?)){NO_ALNUM_AFTER}"
)


def _cn_address_spans(text: str) -> list[Span]:
    spans = []
    for match in _CN_ADDRESS.finditer(text):
        # A road alone ("这条路") is no address: it needs an administrative unit, or a number
        # after a road name of two characters or more.
        road = match.group("road")
        if not (match.group("admin") or (match.group("num") and len(road) >= 3)):
            continue
        start, end = match.span()
        while start < end and text[start] in _CN_LEADING:
            start += 1
        if end - start >= 4:
            spans.append((start, end))
    return spans


def address_spans(text: str) -> list[Span]:
    """US and UK street lines, and Chinese addresses down to the road and number."""
    spans = [m.span() for m in _ADDRESS.finditer(text)]
    spans += group_spans(_ADDRESS_AFTER_KEYWORD, text)
    spans += _cn_address_spans(text)
    return spans


def postcode_spans(text: str) -> list[Span]:
    """Full UK postcodes, ZIPs after a state, and postcodes or fragments in address context."""
    spans = [m.span() for m in _UK_FULL.finditer(text)]
    spans += group_spans(_ZIP_AFTER_STATE, text)
    spans += group_spans(_POSTCODE_AFTER_KEYWORD, text)
    spans += group_spans(_OUTWARD_AFTER_AREA, text)
    for street in (*_ADDRESS.finditer(text), *_ADDRESS_AFTER_KEYWORD.finditer(text)):
        match = _OUTWARD_AFTER_STREET.match(text, street.end())
        if match is not None:
            spans.append(match.span("v"))
    return unquoted(text, spans)

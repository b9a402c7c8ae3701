"""Identity detectors: national ID numbers and dates of birth.

National IDs are found by their structure and check digits wherever they appear (Chinese
resident ID, US Social Security number, UK National Insurance number), and any ID-like
token right after "身份证"/"passport"/"SSN". A date is a birth date only in a birth
context ("born", "DOB", "出生"): a shop message is full of order and delivery dates.
"""

from __future__ import annotations

import re

from streams.privacy.checksums import cn_resident_id_valid, digits_of, ssn_valid
from streams.privacy.context import (
    GAP,
    KEYWORD_END,
    KEYWORD_START,
    NO_ALNUM_AFTER,
    NO_ALNUM_BEFORE,
    Span,
    group_spans,
)

# Region (6) + birth date (8) + sequence (3) + check (digit or X), optionally grouped 6-8-4.
_CN_ID = re.compile(
    rf"{NO_ALNUM_BEFORE}[1-9]\d{{5}}[ -]?(?:19|20)\d{{6}}[ -]?\d{{3}}[\dXx]{NO_ALNUM_AFTER}"
)
_SSN = re.compile(rf"(?<![\d-]){NO_ALNUM_BEFORE}\d{{3}}-\d{{2}}-\d{{4}}(?![\d-]){NO_ALNUM_AFTER}")
# Prefix letters D, F, I, Q, U, V are never used, nor O second; suffix A-D. Either no spaces
# or the usual "QQ 12 34 56 C" pairs, so that a model number like "AB 123456C" is left alone.
_NINO_BODY = r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
_NINO = re.compile(
    rf"{NO_ALNUM_BEFORE}{_NINO_BODY}(?:\d{{6}}|(?: \d{{2}}){{3}} ?)[A-D]{NO_ALNUM_AFTER}"
)
_ID_KEYWORD = (
    rf"{KEYWORD_START}(?i:ssn|social\s+security(?:\s+(?:number|no))?|passport(?:\s+(?:number|no))?"
    r"|national\s+insurance(?:\s+(?:number|no))?|ni\s+number|nino|national\s+id(?:\s+number)?"
    r"|id\s+card(?:\s+(?:number|no))?|identity\s+card(?:\s+(?:number|no))?"
    rf"|driver'?s?\s+licen[cs]e(?:\s+(?:number|no))?){KEYWORD_END}"
    r"|身份证(?:号码|号)?|身分證(?:號碼|號)?|居民身份证|护照(?:号码|号)?|護照(?:號碼|號)?"
)
# After such a keyword, a token of letters and digits with at least six digits; a space or
# dash inside it must be followed by a digit or a lone letter ("QQ 12 34 56 C"), so the words
# after the number are not taken with it.
_ID_AFTER_KEYWORD = re.compile(
    rf"(?:{_ID_KEYWORD})\.?(?:\s*(?i:is|was))?{GAP}{NO_ALNUM_BEFORE}"
    r"(?P<v>(?=(?:[A-Za-z -]*\d){6})[A-Za-z0-9]"
    r"(?:[A-Za-z0-9]|[ -](?=\d|[A-Za-z](?![A-Za-z]))){5,21})"
    rf"{NO_ALNUM_AFTER}"
)

_MONTH_NAME = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"(?i:st|nd|rd|th)?"
_DATE_WITH_YEAR = (
    r"\d{4}\s?[-/.]\s?\d{1,2}\s?[-/.]\s?\d{1,2}"
    r"|\d{1,2}\s?[-/.]\s?\d{1,2}\s?[-/.]\s?\d{2,4}"
    rf"|\d{{1,2}}{_ORDINAL}\s+(?i:of\s+)?{_MONTH_NAME},?\s+\d{{4}}"
    rf"|{_MONTH_NAME}\s+\d{{1,2}}{_ORDINAL},?\s+\d{{4}}"
    r"|\d{4}\s?年\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?[日号])?"
    r"|\d{8}"
)
_DATE_WITHOUT_YEAR = (
    r"\d{1,2}\s?[-/.]\s?\d{1,2}"
    rf"|\d{{1,2}}{_ORDINAL}\s+(?i:of\s+)?{_MONTH_NAME}"
    rf"|{_MONTH_NAME}\s+\d{{1,2}}{_ORDINAL}"
    r"|\d{1,2}\s?月\s?\d{1,2}\s?[日号]?"
    r"|(?:19|20)\d{2}(?:\s?年)?"
)
# "born", "DOB" and "出生" make any date (or a bare year) a birth date; "birthday" and "生日"
# only a full date with its year, since "before my birthday on 12/05" is a delivery wish.
_BIRTH_KEYWORD = (
    rf"{KEYWORD_START}(?i:born|d\.?o\.?b|date\s+of\s+birth|birth\s?date|year\s+of\s+birth)"
    rf"{KEYWORD_END}(?:\s+(?i:on|in|at))?\.?"
    r"|出生(?:日期|年月日|年月|于|在|年份)?|生于|出生日"
)
_BIRTHDAY_KEYWORD = rf"{KEYWORD_START}(?i:birthday){KEYWORD_END}|生日"
_DATE_END = r"(?![\d/.-]\d)(?!\d)"
_DOB = re.compile(
    rf"(?:{_BIRTH_KEYWORD})(?:\s*(?i:is|was|:))?{GAP}(?<!\d)"
    rf"(?P<v>{_DATE_WITH_YEAR}|{_DATE_WITHOUT_YEAR}){_DATE_END}"
    rf"|(?:{_BIRTHDAY_KEYWORD})(?:\s*(?i:is|was|:))?{GAP}(?<!\d)(?P<b>{_DATE_WITH_YEAR}){_DATE_END}"
    rf"|(?<!\d)(?P<a>{_DATE_WITH_YEAR})\s?(?:出生|生人)"
)


def national_id_spans(text: str) -> list[Span]:
    """Chinese resident IDs, SSNs and NI numbers, and ID tokens after an ID keyword."""
    spans = [m.span() for m in _CN_ID.finditer(text) if cn_resident_id_valid(m.group())]
    spans += [m.span() for m in _SSN.finditer(text) if ssn_valid(digits_of(m.group()))]
    spans += [m.span() for m in _NINO.finditer(text)]
    spans += group_spans(_ID_AFTER_KEYWORD, text)
    return spans


def dob_spans(text: str) -> list[Span]:
    """Dates (or bare years) in a birth context."""
    return [span for group in ("v", "b", "a") for span in group_spans(_DOB, text, group)]

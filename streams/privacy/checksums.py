"""Check digits and structural rules that tell a real identifier from a random digit run.

A shop message is full of numbers (prices, order numbers, barcodes, model numbers), so the
PII detectors only trust a digit run that also passes the checksum or the issuing rules of
the identifier it looks like.
"""

from __future__ import annotations

from datetime import date

_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"


def digits_of(text: str) -> str:
    """Return only the decimal digits of ``text``, in order."""
    return "".join(char for char in text if char.isdecimal())


def luhn_valid(digits: str) -> bool:
    """Return whether a digit string passes the Luhn checksum (payment cards).

    Args:
        digits: Only the digits, no separators.

    Returns:
        ``True`` when the checksum is valid.
    """
    if not digits.isdecimal():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """Return whether ``candidate`` (spaces allowed) is an IBAN with a valid mod-97 check.

    Args:
        candidate: Country code, check digits and account identifier.

    Returns:
        ``True`` when the length is possible and the ISO 13616 checksum holds.
    """
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isascii() or not compact.isalnum():
        return False
    if not (compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def cn_resident_id_check(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of a Chinese resident ID.

    Args:
        first17: The first 17 digits of the ID.

    Returns:
        One of ``0``-``9`` or ``X``.
    """
    total = sum(int(char) * weight for char, weight in zip(first17, _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11]


def cn_resident_id_valid(candidate: str) -> bool:
    """Return whether ``candidate`` is an 18-character Chinese resident ID number.

    The region code must not start with 0, the birth date must be a real day and the check
    character must match.

    Args:
        candidate: The ID, optionally with spaces or dashes between its groups.

    Returns:
        ``True`` when structure, birth date and check character are all valid.
    """
    compact = "".join(char for char in candidate if char not in " -").upper()
    if len(compact) != 18 or not compact[:17].isdecimal() or compact[0] == "0":
        return False
    if not valid_date(int(compact[6:10]), int(compact[10:12]), int(compact[12:14])):
        return False
    return cn_resident_id_check(compact[:17]) == compact[17]


def ssn_valid(digits: str) -> bool:
    """Return whether nine digits follow the US Social Security number issuing rules.

    Area 000, 666 and 900-999, group 00 and serial 0000 are never issued.

    Args:
        digits: The nine digits, no separators.

    Returns:
        ``True`` when the number could have been issued.
    """
    if len(digits) != 9 or not digits.isdecimal():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def valid_date(year: int, month: int, day: int) -> bool:
    """Return whether the numbers form a real calendar day between 1900 and 2099.

    The range is fixed rather than ending today so that a check is a pure function of its
    input: the same text redacts the same way on every replay.
    """
    if not 1900 <= year <= 2099:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True

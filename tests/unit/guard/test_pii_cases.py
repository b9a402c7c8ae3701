"""PII redaction on a list of English and Chinese shop messages.

Each positive case names the kinds that must be reported and the raw values that must not
survive; each negative case is a shop message whose numbers must come through untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from streams.privacy.pii import PLACEHOLDERS, redact


@dataclass(frozen=True)
class Case:
    text: str
    kinds: frozenset[str]
    secrets: tuple[str, ...]


def case(text: str, kinds: str, secrets: str) -> Case:
    """A case from its text, its kinds (space-separated) and its raw values ("|"-separated)."""
    return Case(text, frozenset(kinds.split()), tuple(secrets.split("|")))


POSITIVE = [
    # Payment cards, expiry dates and security codes.
    case(
        "My card is 4111 1111 1111 1111 exp 12/27 cvv 123",
        "card card_expiry cvv",
        "4111 1111 1111 1111|12/27|123",
    ),
    case("charge 5555-5555-5555-4444 again please", "card", "5555-5555-5555-4444"),
    case("Amex 378282246310005, expires 12/2027", "card card_expiry", "378282246310005|12/2027"),
    case(
        "Discover 6011111111111117 valid thru 08/26", "card card_expiry", "6011111111111117|08/26"
    ),
    case(
        "卡号6225881234567898\uff0c有效期 12/27\uff0c安全码 456",
        "card card_expiry cvv",
        "6225881234567898|12/27|456",
    ),
    case("信用卡 6258 0700 0000 0009 的验证码是 7788", "card cvv", "6258 0700 0000 0009|7788"),
    case("the CVC2 is 9012 on my debit card", "cvv", "9012"),
    case("security code: 0421", "cvv", "0421"),
    case("my visa card expires 11/26, can you update it", "card_expiry", "11/26"),
    case("卡的有效期至2027年12月", "card_expiry", "2027"),
    # IBANs.
    case("IBAN DE89 3704 0044 0532 0130 00 for the refund", "iban", "DE89 3704 0044 0532 0130 00"),
    case("refund to GB82WEST12345698765432", "iban", "GB82WEST12345698765432"),
    case("退款账户 NL91ABNA0417164300", "iban", "NL91ABNA0417164300"),
    # Emails.
    case("write to JOHN.DOE@Example.COM", "email", "JOHN.DOE@Example.COM"),
    case("我的邮箱是zhang.wei@example.cn谢谢", "email", "zhang.wei@example.cn"),
    # Phone numbers.
    case("call +44 20 7946 0958 after 5pm", "phone", "7946 0958"),
    case("mobile: 07700 900123", "phone", "07700 900123"),
    case("text me on 07700900123", "phone", "07700900123"),
    case("ring me at (415) 555-0132", "phone", "555-0132"),
    case("my number is 4155550132", "phone", "4155550132"),
    case("请打电话 138 0013 8000", "phone", "138 0013 8000"),
    case("手机13912345678\uff0c谢谢", "phone", "13912345678"),
    case("联系我 +86 138-0013-8000", "phone", "138-0013-8000"),
    case("座机 010-12345678", "phone", "12345678"),
    case("whatsapp 0086 13800138000", "phone", "13800138000"),
    case(
        "手机号\uff1a\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",
        "phone",
        "\uff11\uff13\uff18",
    ),
    # National IDs.
    case("身份证号 11010519491231002X", "national_id", "11010519491231002X"),
    case("我的身份证是440308199901011234", "national_id", "440308199901011234"),
    case("ID: 510107 19920615 1236", "national_id", "19920615"),
    case("my SSN is 078-05-1120", "national_id", "078-05-1120"),
    case("social security number 123 45 6789", "national_id", "123 45 6789"),
    case("NI number QQ 12 34 56 C", "national_id", "12 34 56"),
    case("national insurance AB123456D", "national_id", "AB123456D"),
    case("passport number E12345678 for customs", "national_id", "E12345678"),
    # Addresses and postcodes.
    case(
        "Send it to 742 Evergreen Terrace, Springfield, IL 62704.",
        "address postcode",
        "742 Evergreen|62704",
    ),
    case("I live at 221B Baker Street, London NW1 6XE", "address postcode", "221B Baker|NW1 6XE"),
    case("ship to 12 oak street apt 4", "address", "12 oak street"),
    case("new address: 55 West 42nd St. Apt 5B", "address", "55 West 42nd"),
    case("postcode SW1A 1AA", "postcode", "SW1A 1AA"),
    case("I live in Leeds LS6, is delivery free?", "postcode", "LS6"),
    case("deliver to Manchester M1 please", "postcode", "M1 please"),
    case("zip code 94105", "postcode", "94105"),
    case("邮编100020", "postcode", "100020"),
    case("请寄到北京市朝阳区建国路88号", "address", "建国路88号|朝阳区"),
    case("地址\uff1a上海市徐汇区漕溪北路88号2单元301室", "address", "漕溪北路|301"),
    case("送到广东省深圳市南山区科技园路1号", "address", "科技园路1号"),
    # Dates of birth.
    case("I was born on 5 March 1990", "dob", "1990|5 March"),
    case("DOB 1988-07-14", "dob", "1988-07-14"),
    case("date of birth: 07/14/1988", "dob", "07/14/1988"),
    case("出生日期 1990年3月5日", "dob", "1990"),
    case("我是1992年6月出生的", "dob", "1992"),
    case("my birthday is March 5, 1990", "dob", "1990"),
    # Several kinds at once.
    case(
        "Email ann@shop.io, phone 415-555-0132, born 1975",
        "email phone dob",
        "ann@shop.io|555-0132|1975",
    ),
]

NEGATIVE = [
    "The price is $1,299.99 and the old one was €49,90",
    "It is ¥199, or 49.99 EUR in Europe",
    "我买了3件\uff0c每件199元\uff0c一共597元",
    "Where is order #12345?",
    "order 100234 has not arrived",
    "订单号13800138000还没发货",
    "订单号\uff1a202412050001",
    "Tracking 1Z999AA10123456784 says in transit",
    "Delivered on 2024-12-05, or was it 12/05/2024?",
    "It arrived on 12/05 but the box was open",
    "2024年12月5日到货\uff0c12月8号退货",
    "Is the WH-1000XM4 better than the SM-G991B?",
    "Does it fit an RTX 4090?",
    "The iPhone 15 Pro Max 256GB in blue",
    "An M2 2TB SSD and a pack of A4 paper",
    "It holds 150 kg and the battery is 10000mAh",
    "Shoe size 42 EU, 30 x 40 x 50 cm",
    "The EAN on the box is 4006381333931",
    "条形码 6901234567892",
    "UPC 012345678905 on the label",
    "The coupon expires 12/25, can I still use it?",
    "I need it before my birthday on 12/05",
    "我的生日快到了\uff0c能加急吗",
    "Model 3 weighs 4.5 kg, 220-240 V, 1,500 W",
    "Firmware 2.0.1 fixed it at 10:30",
    "这条路上的快递站关门了",
    "ISBN 978-3-16-148410-0",
    "Order number 12345678 and invoice 87654321",
    "A 4111 1111 1111 1112 number that fails Luhn",
    "I ordered 3 on December 5, 2024",
]


@pytest.mark.parametrize("item", POSITIVE, ids=lambda item: item.text[:40])
def test_positive_case(item: Case) -> None:
    result = redact(item.text)
    assert set(result.found) == item.kinds, result
    for secret in item.secrets:
        assert secret not in result.text, result
    for kind in item.kinds:
        assert PLACEHOLDERS[kind] in result.text


@pytest.mark.parametrize("text", NEGATIVE, ids=lambda text: text[:40])
def test_negative_case(text: str) -> None:
    result = redact(text)
    assert result.found == (), result
    assert result.text == text


def test_case_list_covers_every_kind() -> None:
    covered = {kind for item in POSITIVE for kind in item.kinds}
    assert covered == set(PLACEHOLDERS)
    assert len(POSITIVE) >= 40
    assert len(NEGATIVE) >= 25

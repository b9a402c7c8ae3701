"""Claim-level guard: unsupported claims go, grounded ones stay (English and Chinese)."""

# Chinese cases are written with Chinese punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard import (
    check_reply,
    review_description,
    review_reply,
    validate_description,
)
from streams.generation.guard.claims import ClaimGrounds, find_claims, split_sentences, stem
from streams.generation.guard.leak import PromptLike

POLICIES = PlatformPolicies()
MAT = ProductFacts(
    product_id="m1",
    title="FlowFit Yoga Mat",
    category="Sports",
    attributes={"material": "TPE", "thickness": "6 mm", "colour": "purple", "surface": "non-slip"},
    price=29.99,
    currency="EUR",
)
SHIRT = ProductFacts(
    product_id="s1",
    title="Basic Crew T-Shirt",
    category="Clothing",
    attributes={
        "material": "100% cotton",
        "certification": "OEKO-TEX Standard 100",
        "origin": "Made in Portugal",
    },
)
CASE = ProductFacts(
    product_id="c1",
    title="Slim Phone Case",
    category="Accessories",
    attributes={
        "compatibility": "compatible with iPhone 15",
        "material": "silicone",
        "certification": "CE certified",
    },
)
EARBUDS = ProductFacts(
    product_id="e1",
    title="Pulse Wireless Earbuds",
    category="Audio",
    attributes={"colour": "white", "connectivity": "Bluetooth 5.3"},
)
BIB = ProductFacts(
    product_id="b1",
    title="Soft Baby Bib",
    category="Baby",
    attributes={
        "safety": "safe for babies",
        "material": "food-grade silicone",
        "skin": "hypoallergenic",
    },
)
TOWEL = ProductFacts(
    product_id="t1",
    title="竹纤维毛巾",
    category="家居",
    attributes={"材质": "竹纤维", "产地": "浙江", "认证": "OEKO-TEX 认证"},
)
OPENERS = {
    "m1": "The FlowFit Yoga Mat is a purple TPE mat with a non-slip surface, 6 mm thick and "
    "comfortable for long sessions on the floor.",
    "s1": "The Basic Crew T-Shirt is a wardrobe staple in 100% cotton, soft and easy to wear "
    "every day of the week.",
    "c1": "The Slim Phone Case is a thin silicone case that is compatible with iPhone 15 and "
    "feels pleasant to hold.",
    "e1": "The Pulse Wireless Earbuds come in white and connect over Bluetooth 5.3, a simple "
    "and comfortable pair for everyday listening.",
    "b1": "The Soft Baby Bib is made of food-grade silicone, easy to wipe clean and soft enough "
    "for every mealtime.",
    "t1": "这款竹纤维毛巾柔软舒适，吸水性好，手感细腻，非常适合日常使用，"
    "是浴室里的好帮手，全家人都会喜欢它。",
}


def _prompt(customer: str = "Can you tell me more about it?") -> PromptLike:
    return [
        {"role": "system", "content": "You are the shop assistant."},
        {"role": "user", "content": customer},
    ]


UNSUPPORTED: list[tuple[str, ProductFacts, str]] = [
    ("It is made from a blend of cotton and polyester.", MAT, "material"),
    ("The mat is CE and FDA approved.", MAT, "certification"),
    ("It meets strict EU safety standards.", MAT, "certification"),
    ("Each mat is made in Germany.", MAT, "origin"),
    ("It is imported from Japan.", MAT, "origin"),
    ("They work with the Nintendo Switch.", EARBUDS, "compatibility"),
    ("They are compatible with all Android phones.", EARBUDS, "compatibility"),
    ("It fits the Samsung Galaxy S24 perfectly.", CASE, "compatibility"),
    ("These earbuds are designed to ensure optimal ear health.", EARBUDS, "health"),
    ("Regular use boosts immunity and relieves back pain.", MAT, "health"),
    ("It is hypoallergenic and safe for babies.", MAT, "health"),
    ("The coating is non-toxic.", MAT, "health"),
    ("Music through these earbuds cures insomnia.", EARBUDS, "health"),
    ("It is available at the finest supermarkets worldwide.", MAT, "third_party"),
    ("You can also buy it on Amazon.", MAT, "third_party"),
    ("The earbuds were featured on the evening news.", EARBUDS, "third_party"),
    ("It is our best-selling mat.", MAT, "award"),
    ("Its award-winning design wins every test.", MAT, "award"),
    ("It is the #1 choice for serious athletes.", MAT, "award"),
    ("Good news: the mat is in stock and ships today.", MAT, "shipping"),
    ("Order now and it arrives tomorrow.", MAT, "shipping"),
    ("We offer fast worldwide shipping.", MAT, "shipping"),
    ("The shirt is cut from soft Egyptian cotton.", SHIRT, "origin"),
    ("It is waterproof and scratch-resistant.", MAT, "property"),
    ("The mat is eco-friendly and biodegradable.", MAT, "property"),
    ("It is crafted from premium bamboo fibre.", MAT, "material"),
    ("It was designed together with Olympic coaches.", MAT, "name"),
    ("It is dermatologically tested.", SHIRT, "certification"),
    ("It is recommended by doctors.", MAT, "health"),
    ("The case is made of genuine leather.", CASE, "material"),
    ("Every order comes with free shipping.", MAT, "policy_mismatch"),
    ("Kids love the bright colours, and it is safe for toddlers.", MAT, "health"),
    ("这款瑜伽垫采用纯棉制成。", MAT, "material"),
    ("本产品通过欧盟CE认证。", MAT, "certification"),
    ("产地：日本。", MAT, "origin"),
    ("耳机兼容任天堂Switch。", EARBUDS, "compatibility"),
    ("长期使用有助于保健养生。", MAT, "health"),
    ("天猫和京东均有销售。", MAT, "third_party"),
    ("这是本店销量第一的爆款。", MAT, "award"),
    ("现货当天发货，全国包邮。", MAT, "shipping"),
    ("具有抗菌防臭功能。", MAT, "health"),
    ("表面防水耐磨。", MAT, "property"),
    ("适合婴儿使用，安全无毒。", MAT, "health"),
    ("采用德国进口材料。", TOWEL, "origin"),
    ("已获得FDA认证。", TOWEL, "certification"),
    ("纯棉材质，柔软亲肤。", TOWEL, "material"),
    ("It protects your joints and improves posture.", MAT, "health"),
    ("耳机兼容苹果MacBook和Windows电脑。", EARBUDS, "compatibility"),
    ("The flicker-free sound keeps your ears rested.", EARBUDS, "property"),
    ("It is the thickest mat on the market.", MAT, "award"),
    ("Trusted by yoga teachers everywhere.", MAT, "award"),
    ("It contains no harmful chemicals.", MAT, "health"),
    ("Our mats are used at the Ritz-Carlton.", MAT, "name"),
]

GROUNDED: list[tuple[str, ProductFacts]] = [
    ("The shirt is made of 100% cotton.", SHIRT),
    ("It is OEKO-TEX Standard 100 certified.", SHIRT),
    ("It is made in Portugal.", SHIRT),
    ("The case is CE certified.", CASE),
    ("It is compatible with iPhone 15.", CASE),
    ("The slim silicone case fits the iPhone 15.", CASE),
    ("The mat is made of TPE with a non-slip surface.", MAT),
    ("The bib is hypoallergenic and safe for babies.", BIB),
    ("It is made of food-grade silicone.", BIB),
    ("Shipping is free for orders over 50.00 EUR.", MAT),
    ("Standard shipping takes 2-5 business days.", MAT),
    ("The earbuds connect over Bluetooth 5.3.", EARBUDS),
    ("It is a great, stylish choice, perfect for everyday use.", MAT),
    ("Its purple colour looks lovely, and it is easy to roll up.", MAT),
    ("这款毛巾采用竹纤维制成。", TOWEL),
    ("产地：浙江。", TOWEL),
    ("通过OEKO-TEX认证。", TOWEL),
    ("Every product has a 2-year warranty.", MAT),
    ("You can return it within 30 days of delivery.", MAT),
    ("The FlowFit Yoga Mat is 6 mm thick.", MAT),
    ("At 29.99 EUR it is good value.", MAT),
    ("Its soft, comfortable feel makes every session a pleasure.", EARBUDS),
    ("This iPhone case is slim and light.", CASE),
    ("Enjoy free shipping on orders over 50 EUR.", MAT),
    ("It felt great to help, and there is no need to sit down and wait.", MAT),
    ("麻烦您稍等一下，这是您第一次购买吗？", TOWEL),
    ("Thanks for your patience, Customer Service is here for you.", EARBUDS),
    ("它专为日常使用设计，手感舒适。", TOWEL),
]


@pytest.mark.parametrize(("sentence", "facts", "kind"), UNSUPPORTED)
def test_unsupported_claim_is_removed_from_a_reply(
    sentence: str, facts: ProductFacts, kind: str
) -> None:
    opener = OPENERS[facts.product_id]
    revision = review_reply(f"{opener} {sentence}", facts, POLICIES, _prompt())
    assert revision.verdict.accepted, revision.verdict.reasons
    assert sentence.strip() in revision.removed
    assert opener in revision.text
    assert sentence not in revision.text
    assert any(r.startswith(f"removed:{kind}:") for r in revision.verdict.reasons), (
        revision.verdict.reasons
    )


@pytest.mark.parametrize(("sentence", "facts", "kind"), UNSUPPORTED)
def test_unsupported_claim_is_removed_from_a_description(
    sentence: str, facts: ProductFacts, kind: str
) -> None:
    opener = OPENERS[facts.product_id]
    revision = review_description(f"{opener} {sentence}", facts, POLICIES)
    if revision.verdict.accepted:
        assert sentence not in revision.text
        assert any(r.startswith(f"removed:{kind}:") for r in revision.verdict.reasons)
    else:
        # Too little left to name the product is a rejection, never a publication.
        assert revision.text == ""
        assert any(r.startswith(f"unsupported:{kind}:") for r in revision.verdict.reasons)


@pytest.mark.parametrize(("sentence", "facts"), GROUNDED)
def test_grounded_sentence_survives(sentence: str, facts: ProductFacts) -> None:
    opener = OPENERS[facts.product_id]
    text = f"{opener} {sentence}"
    revision = review_reply(text, facts, POLICIES, _prompt())
    assert revision.verdict.accepted, revision.verdict.reasons
    assert revision.removed == (), revision.verdict.reasons
    assert revision.text == text


@pytest.mark.parametrize(("sentence", "facts"), GROUNDED)
def test_grounded_sentence_has_no_unsupported_claim(sentence: str, facts: ProductFacts) -> None:
    allowed = "\n".join([facts.grounding_text(), *POLICIES.statements()])
    assert ClaimGrounds(allowed).unsupported(sentence) == []


def test_most_unsupported_text_is_rejected_with_every_claim() -> None:
    text = (
        "The FlowFit Yoga Mat is great. It is made of organic cotton from India and is "
        "approved by the FDA. It is sold at supermarkets worldwide and boosts immunity."
    )
    revision = review_reply(text, MAT, POLICIES, _prompt())
    assert not revision.verdict.accepted
    assert revision.text == ""
    reasons = revision.verdict.reasons
    assert "rejected:mostly_unsupported" in reasons
    for kind in ("material", "origin", "certification", "third_party", "health"):
        assert any(r.startswith(f"unsupported:{kind}:") for r in reasons), (kind, reasons)


def test_reply_too_short_after_removal_is_rejected() -> None:
    text = "Hi there! This mat is made of premium natural rubber imported from Vietnam."
    revision = review_reply(text, MAT, POLICIES, _prompt())
    assert not revision.verdict.accepted
    assert revision.text == ""


def test_sentence_leaning_on_a_removed_one_goes_too() -> None:
    kept = (
        "The FlowFit Yoga Mat is purple and made of TPE, with a non-slip surface that stays "
        "put on wooden floors and tiles. Its soft, even feel makes it a pleasure to roll out. "
        "Enjoy your practice!"
    )
    text = kept.replace(
        " Enjoy",
        " It is clinically proven to reduce back pain. It also helps everyone feel great. Enjoy",
    )
    revision = review_reply(text, MAT, POLICIES, _prompt())
    assert revision.verdict.accepted, revision.verdict.reasons
    assert revision.text == kept
    assert any(r.startswith("removed:dependent:") for r in revision.verdict.reasons)


def test_customer_turns_ground_names_but_not_properties() -> None:
    prompt = _prompt("Hi, I'm Anna. Is the mat made of cork? My Garmin watch needs a strap.")
    text = "Thanks for asking, Anna! The FlowFit Yoga Mat is made of cork."
    revision = review_reply(text, MAT, POLICIES, prompt)
    assert revision.verdict.accepted or revision.text == ""
    assert "cork" not in revision.text
    assert "removed:material:cork" in revision.verdict.reasons or not revision.verdict.accepted


def test_earlier_published_reply_grounds_a_claim() -> None:
    prompt: PromptLike = [
        {"role": "system", "content": "rules"},
        {"role": "assistant", "content": "The mat is certified by TÜV Rheinland."},
        {"role": "user", "content": "Which certificate again?"},
    ]
    text = "The FlowFit Yoga Mat is certified by TÜV Rheinland."
    revision = review_reply(text, MAT, POLICIES, prompt)
    assert revision.text == text, revision.verdict.reasons


def test_whole_text_checks_still_reject_outright() -> None:
    text = "The FlowFit Yoga Mat is purple. Write to me at anna@example.com for details."
    revision = review_reply(text, MAT, POLICIES, _prompt())
    assert not revision.verdict.accepted
    assert revision.text == ""
    assert "email" in revision.verdict.pii_types


def test_sentences_split_on_english_and_chinese_punctuation() -> None:
    pairs = split_sentences("It costs 29.99 EUR. Great!\n- Colour: purple\n好用。真的吗？是的")
    sentences = [s for s, _ in pairs]
    assert sentences == [
        "It costs 29.99 EUR.",
        "Great!",
        "- Colour: purple",
        "好用。",
        "真的吗？",
        "是的",
    ]
    assert "".join(s + sep for s, sep in pairs) == (
        "It costs 29.99 EUR. Great!\n- Colour: purple\n好用。真的吗？是的"
    )


def test_abbreviations_end_no_sentence() -> None:
    sentences = [s for s, _ in split_sentences("It is the No. 1 mat. It is approx. 6 mm thick.")]
    assert sentences == ["It is the No. 1 mat.", "It is approx. 6 mm thick."]
    assert "award:no. 1" in ClaimGrounds(MAT.grounding_text()).unsupported(sentences[0])


def test_stemming_meets_plural_and_derived_forms() -> None:
    assert stem("babies") == stem("baby")
    assert stem("mats") == stem("mat")
    assert stem("shoes") == stem("shoe")
    assert stem("boxes") == stem("box")
    allowed = "certification: CE\nsafe for babies"
    assert ClaimGrounds(allowed).unsupported("It is CE certified and safe for a baby.") == []


def test_generic_marketing_makes_no_claim() -> None:
    sentence = "A stylish, versatile companion that feels great and is perfect for everyday use."
    assert find_claims(sentence) == ()


def test_marks_are_whole_words_in_latin_and_chinese_text() -> None:
    # A model number holds no certification mark; the same mark beside Chinese text does.
    assert (
        ClaimGrounds("title: 03C\ncategory: General").unsupported("03C, from our General range.")
        == []
    )
    assert ClaimGrounds("title: Kettle").unsupported("本品已通过3C认证。") != []
    assert "certification:ccc" in ClaimGrounds("title: Kettle").unsupported("It carries CCC.")


def test_a_colour_the_facts_do_not_list_is_removed() -> None:
    grounds = ClaimGrounds("title: Breeze Rain Jacket\ncolours: yellow, navy, black")
    assert grounds.unsupported("The Breeze jacket comes in yellow, navy and black.") == []
    invented = grounds.unsupported("It also comes in red and sky blue.")
    assert "colour:red" in invented
    assert "colour:sky blue" in invented
    assert "colour:红色" in ClaimGrounds("颜色: 黑色").unsupported("这件外套有黑色和红色。")
    # A colour word that also names a product type or flavour is not a colour claim.
    assert ClaimGrounds("title: Night Cream").unsupported("This cream smells of mint.") == []


def test_reasons_name_kind_and_term() -> None:
    opener = OPENERS["m1"]
    revision = review_reply(
        f"{opener} It is made from a blend of cotton and polyester.", MAT, POLICIES, _prompt()
    )
    assert "removed:material:cotton" in revision.verdict.reasons
    assert "removed:material:polyester" in revision.verdict.reasons
    rejected = review_reply("They ensure optimal ear health.", EARBUDS, POLICIES, _prompt())
    assert "unsupported:health:ear health" in rejected.verdict.reasons


def test_featured_on_a_console_is_removed() -> None:
    text = f"{OPENERS['e1']} They were featured on the Nintendo Switch."
    revision = review_reply(text, EARBUDS, POLICIES, _prompt())
    assert "Nintendo" not in revision.text
    assert "removed:third_party:featured on the nintendo switch" in revision.verdict.reasons


def test_strict_checks_reject_unsupported_claims_without_removing() -> None:
    text = f"{OPENERS['m1']} It is certified by the EU."
    verdict = check_reply(text, MAT, POLICIES, _prompt())
    assert not verdict.accepted
    assert any(r.startswith("unsupported:certification:") for r in verdict.reasons)
    described = validate_description(text, MAT, policies=POLICIES)
    assert any(r.startswith("unsupported:certification:") for r in described.reasons)
    assert check_reply(OPENERS["m1"], MAT, POLICIES, _prompt()).accepted


def test_accepted_revision_keeps_no_unsupported_claim() -> None:
    text = " ".join([OPENERS["m1"], *(s for s, f, _ in UNSUPPORTED[:3] if f is MAT)])
    revision = review_reply(
        text + " " + OPENERS["m1"].replace("The ", "This "), MAT, POLICIES, _prompt()
    )
    allowed = "\n".join([MAT.grounding_text(), *POLICIES.statements()])
    for sentence, _ in split_sentences(revision.text):
        assert ClaimGrounds(allowed).unsupported(sentence) == []


def test_a_feature_only_the_customer_named_is_not_granted() -> None:
    grounds = ClaimGrounds(
        "Product: StudioLine Wired Monitor Headphones\nconnector: 3.5 mm",
        "Do the StudioLine headphones have Bluetooth?",
    )
    granted = "Yes, the StudioLine Wired Monitor Headphones have Bluetooth."
    assert grounds.unsupported(granted) == ["feature:bluetooth"]
    assert grounds.unsupported("支持Bluetooth吗？是的，支持Bluetooth。") == ["feature:bluetooth"]
    # Repeating the customer's word without claiming it for the product stays allowed.
    assert grounds.unsupported("I cannot confirm Bluetooth from the product details.") == []


ZH_CASE = ProductFacts(
    product_id="c2",
    title="iPhone 15 Pro 防摔手机壳",
    category="手机壳",
    attributes={"适用机型": "iPhone 15 Pro", "材质": "TPU + 亚克力"},
)


def test_a_chinese_compatibility_claim_reads_the_whole_model_name() -> None:
    # Twelve characters after 适用于 end inside "Pro"; the claim is the whole name.
    grounds = ClaimGrounds(ZH_CASE.grounding_text())
    assert grounds.unsupported("它采用TPU材质，适用于 iPhone 15 Pro。") == []
    assert grounds.unsupported("适用于 iPhone 15 Pro Max。") != []

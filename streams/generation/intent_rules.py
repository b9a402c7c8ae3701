"""The keyword rules intent detection scores, in English and Chinese.

Kept apart from :mod:`streams.generation.intents` (which holds the detector) because the rules are
data: a reader adding a phrase comes here, a reader changing how scores decide goes there.
"""

# Chinese rules are written with Chinese (full-width) punctuation.

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Intent = Literal[
    "order_status", "return_refund", "shipping", "product_question", "complaint", "other"
]
"""The intents a chat message is classified into."""

INTENTS: tuple[Intent, ...] = get_args(Intent)
"""All intents, in declaration order."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One scoring rule.

    Attributes:
        name: Short name reported in :attr:`IntentResult.matched`.
        intent: The intent it votes for.
        pattern: Case-insensitive regular expression searched in the message.
        weight: Points added when it matches.
    """

    name: str
    intent: Intent
    pattern: str
    weight: float = 1.0


_ARTICLE = r"(?:my|the|our|this|that|an?)"
_THING = r"(?:order|package|parcel|delivery|shipment|item|items|stuff|purchase)"

DEFAULT_RULES: tuple[Rule, ...] = (
    # order_status: where is a specific order.
    Rule("where_is_order", "order_status", rf"\bwhere(?:'s| is| are)\s+{_ARTICLE}\s+{_THING}", 3),
    Rule("order_status", "order_status", r"\border (?:status|update)\b|\bstatus of my\b", 3),
    Rule("tracking", "order_status", r"\btrack(?:ing)?\b", 2),
    Rule(
        "news_on_order",
        "order_status",
        rf"\b(?:news|update|updates|info|information)\s+(?:on|about)\s+{_ARTICLE}\s+{_THING}"
        r"|\b(?:left the warehouse|been dispatched|been sent out|dispatched yet)\b",
        3,
    ),
    Rule("my_order", "order_status", r"\bmy (?:order|package|parcel|delivery|shipment)s?\b", 1),
    Rule(
        "not_arrived",
        "order_status",
        r"\b(?:hasn't|has not|haven't|have not|still not|"
        r"never|not yet|didn't|did not)\s+(?:\w+\s+)?(?:arrived?|received?|came|come|shipped|got|"
        r"delivered|showed up|turned up)\b"
        r"|\bnothing (?:has )?(?:arrived|come|shown up|turned up)\b",
        2,
    ),
    Rule(
        "when_arrive",
        "order_status",
        rf"\bwhen (?:will|is|does|do)\s+{_ARTICLE}?\s*{_THING}?"
        r"\s*(?:it\s+)?(?:arrive|come|get here|be delivered|ship)",
        2,
    ),
    Rule(
        "order_number",
        "order_status",
        r"#\s?\d{4,}|\border (?:number|no\.?|id)\b|\border\s+#?\d{4,}",
        1,
    ),
    Rule(
        "did_it_ship",
        "order_status",
        r"\bhas (?:my|the) order (?:been )?(?:shipped|sent)\b"
        r"|\bhas it shipped\b",
        3,
    ),
    Rule(
        "late",
        "order_status",
        r"\b(?:late|delayed|delay|overdue|still waiting|taking so long)\b",
        1,
    ),
    # return_refund: the customer wants money or goods back.
    Rule("refund", "return_refund", r"\brefund(?:s|ed)?\b", 3),
    Rule("money_back", "return_refund", r"\bmoney back\b|\breimburse", 3),
    Rule(
        "return_item",
        "return_refund",
        r"\breturn(?:ing|ed)?\s+(?:it|this|these|them|the|my|an?|something|anything|items?|"
        r"products?|goods|orders?)\b|\bsend\s+(?:\w+\s+){0,3}?back\b|\bhow (?:do|can) i return\b",
        3,
    ),
    # Shop text rarely uses "return" for anything but sending goods back.
    Rule("return_word", "return_refund", r"\breturn(?:s|ing|ed)?\b", 1),
    Rule("return_policy", "return_refund", r"\breturns?(?: policy| label| window| form)\b", 3),
    Rule("exchange", "return_refund", r"\bexchange\b|\bswap (?:it|this|them)\b", 3),
    Rule("cancel", "return_refund", r"\bcancel(?:l?ed|l?ing|lation)?\b", 2),
    Rule(
        "bad_fit",
        "return_refund",
        r"\b(?:doesn't|does not|don't|do not) fit\b"
        r"|\btoo (?:small|big|large|tight|loose|short|long)\b|\bwrong (?:size|colou?r|item)\b",
        1,
    ),
    Rule("chargeback", "return_refund", r"\bchargeback\b|\bdispute the charge\b", 2),
    # shipping: how delivery works in general.
    Rule("shipping", "shipping", r"\bshipping\b|\bpostage\b|\bfree delivery\b", 2),
    Rule("ship_to", "shipping", r"\b(?:do|can) you (?:ship|deliver)\b|\bship(?:s|ping)? to\b", 3),
    Rule(
        "delivery_terms",
        "shipping",
        r"\bdeliver(?:y|ies)? (?:time|times|cost|costs|fee|fees|"
        r"options?|charges?|to)\b|\bhow (?:long|much) (?:does|is|will) (?:the )?(?:shipping|"
        r"delivery|it take)\b",
        3,
    ),
    Rule(
        "fast_shipping",
        "shipping",
        r"\b(?:express|overnight|next[- ]day|same[- ]day|"
        r"expedited|standard) (?:shipping|delivery)?",
        2,
    ),
    Rule(
        "carrier",
        "shipping",
        r"\b(?:courier|carrier|dhl|ups|fedex|usps|royal mail|"
        r"international|customs|abroad|overseas)\b",
        1,
    ),
    # product_question: facts about a product.
    Rule(
        "does_it",
        "product_question",
        r"\b(?:does|do|is|are|can|will) (?:it|this|that|the|"
        r"they|these|those)\b[^.?!]{0,40}\b(?:come|have|fit|work|support|include|compatible|"
        r"available|made|waterproof|washable|suitable)\b",
        2,
    ),
    Rule(
        "yes_no_about_it",
        "product_question",
        r"^\s*(?:does|do|is|are|can|will|would|could)\s+(?:it|this|that|they|these|those)\b",
        1,
    ),
    Rule(
        "what_spec",
        "product_question",
        r"\bwhat (?:size|sizes|colou?rs?|material|dimensions|"
        r"is the (?:size|weight|material|capacity|battery)|are the dimensions)\b",
        2,
    ),
    Rule(
        "stock",
        "product_question",
        r"\bin stock\b|\bavailable in\b|\bavailability\b"
        r"|\bback in stock\b",
        2,
    ),
    Rule(
        "spec_words",
        "product_question",
        r"\b(?:size|sizes|sizing|colou?rs?|material|fabric|"
        r"cotton|wool|leather|metal|plastic|wood(?:en)?|steel|dimensions|weight|battery|"
        r"capacity|specs?|specifications|compatible|"
        r"waterproof|ingredients|warranty|model)\b",
        1,
    ),
    Rule(
        "how_spec",
        "product_question",
        r"\bhow (?:big|large|heavy|small|tall|wide|long is|"
        r"much does it weigh)\b|\bdifference between\b|\brecommend\b",
        2,
    ),
    Rule("price", "product_question", r"\bhow much (?:is|are|does|do)\b|\bprice of\b", 2),
    # complaint: dissatisfaction without a more specific request.
    Rule("complain", "complaint", r"\bcomplain(?:t|ts|ing)?\b", 3),
    Rule(
        "angry",
        "complaint",
        r"\b(?:terrible|awful|horrible|worst|unacceptable|disappointed|"
        r"disappointing|disgusting|furious|angry|ridiculous|outrageous|pathetic|useless|rude|"
        r"scam|fed up|unhappy|not happy|very upset|poor (?:quality|service)|waste of money)\b",
        2,
    ),
    Rule(
        "defect",
        "complaint",
        r"\b(?:broken|broke|damaged|defective|faulty|cracked|torn|"
        r"stopped working|doesn't work|does not work|missing (?:parts?|pieces?))\b",
        1,
    ),
    Rule(
        "escalate",
        "complaint",
        r"\b(?:speak|talk) to (?:a|your|the) (?:manager|supervisor|"
        r"human)\b|\bnever (?:again|buying|ordering|shop)\b|\bleave a bad review\b",
        2,
    ),
)
"""The default English rules. Weights: 3 = names the intent outright, 2 = strong cue, 1 = hint."""

# Chinese has no word boundaries, so these rules match substrings; the weights mean the same.
CHINESE_RULES: tuple[Rule, ...] = (
    Rule(
        "zh_where_is_order", "order_status", r"(?:订单|包裹|快递|货|东西)(?:现在)?(?:在哪|到哪)", 3
    ),
    Rule("zh_my_order", "order_status", r"我的(?:订单|包裹|快递|货)", 1),
    Rule(
        "zh_order_status", "order_status", r"订单(?:状态|进度|情况)|查(?:一下|询)?(?:我的)?订单", 3
    ),
    Rule("zh_tracking", "order_status", r"物流(?:信息|单号|状态)?|快递单号|运单号|追踪|跟踪", 2),
    Rule(
        "zh_not_arrived",
        "order_status",
        r"(?:还|一直|怎么)?(?:没|未)(?:有)?(?:收到|到货|到|发货|送到|寄到|更新|拿到)",
        2,
    ),
    Rule(
        "zh_when_arrive",
        "order_status",
        r"(?:我的|我)(?:订单|包裹|快递|货).{0,6}(?:什么时候|何时|多久|几时)",
        2,
    ),
    Rule("zh_shipped_yet", "order_status", r"发货了(?:吗|没)|发出了(?:吗|没)|寄出了(?:吗|没)", 3),
    Rule("zh_late", "order_status", r"太慢|延迟|延误|迟迟|等了.{0,4}(?:天|周|星期)", 1),
    Rule("zh_refund", "return_refund", r"退款|退钱|把钱退|返还", 3),
    Rule(
        "zh_return", "return_refund", r"退货|退回|退掉|退换|怎么退|(?:可以|能|想|要|申请)退|退吗", 3
    ),
    Rule("zh_unwanted", "return_refund", r"不想要了|不要了", 2),
    Rule("zh_exchange", "return_refund", r"换货|换一个|换个|调换|换成", 2),
    Rule("zh_cancel", "return_refund", r"取消(?:订单|购买)?", 2),
    Rule("zh_bad_fit", "return_refund", r"不合适|太(?:大|小|紧|松)了|尺码不对|发错", 1),
    Rule("zh_shipping", "shipping", r"运费|邮费|包邮|免运费|快递费", 2),
    Rule(
        "zh_ship_to",
        "shipping",
        r"(?:能|可以|是否)?(?:寄|发货?|送货?|配送|运)(?:到|往)|国际(?:运输|快递|配送)",
        3,
    ),
    Rule(
        "zh_delivery_terms",
        "shipping",
        r"配送(?:方式|时间|范围|需要)|(?:发货|配送|送货|运输)(?:要|需要)?(?:多久|几天)|用什么快递|顺丰|海关|关税",
        3,
    ),
    Rule("zh_how_long", "shipping", r"(?:几天|多久|多长时间)(?:能|可以|才能)?(?:到|送到|收到)", 1),
    Rule("zh_fast_shipping", "shipping", r"加急|次日达|当日达|特快", 2),
    Rule(
        "zh_does_it",
        "product_question",
        # A demonstrative ("这个", "它") points at the product; "可以开发票吗" asks the shop.
        r"(?:这|那|它|该)[个款件把只台双条套张]?.{0,12}(?:吗|么|嘛|呢)|"
        r"(?:能不能|可不可以|是不是|有没有|支不支持|适不适合|能否)",
        2,
    ),
    Rule(
        "zh_quantity",
        "product_question",
        r"\d+\s*(?:公斤|千克|斤|克|厘米|公分|毫米|米|升|毫升|瓦|英寸|kg|cm|mm)",
        1,
    ),
    Rule(
        "zh_spec",
        "product_question",
        r"尺寸|尺码|大小|重量|多重|承重|载重|颜色|材质|材料|面料|容量|功率|电池|续航|规格|参数|"
        r"型号|防水|兼容|保修|质保|产地|多大|多高|多宽|多长|高度|宽度|长度|深度|重不重|"
        r"[黑白红蓝绿黄灰粉紫橙棕金银]色",
        2,
    ),
    Rule("zh_stock", "product_question", r"有货|有现货|库存|缺货|补货", 2),
    Rule("zh_price", "product_question", r"多少钱|价格|价钱|售价", 2),
    Rule("zh_what_is", "product_question", r"是什么|是多少|多少(?:公斤|厘米|升|瓦|克)", 1),
    Rule("zh_complain", "complaint", r"投诉|举报", 3),
    Rule(
        "zh_angry",
        "complaint",
        r"太差|很差|差劲|垃圾|失望|生气|愤怒|气死|离谱|不满|糟糕|恶心|骗子|骗人|态度(?:太|很|极)?(?:差|恶劣)|"
        r"质量(?:太|很)?差|浪费钱",
        2,
    ),
    Rule(
        "zh_defect", "complaint", r"坏了|破损|损坏|碎了|裂了|有问题|不能用|用不了|缺(?:少)?零件", 1
    ),
    Rule(
        "zh_escalate", "complaint", r"(?:找|叫|要)(?:你们)?(?:经理|主管|负责人|人工)|差评|再也不", 2
    ),
)
"""Rules for messages written in Chinese."""

FACT_QUESTION_RULES: tuple[Rule, ...] = (
    Rule(
        "ok_for_amount",
        "product_question",
        r"\b(?:ok|okay|good|suitable|safe|rated|enough|strong enough|big enough)\s+for\s+"
        r"(?:an?\s+|my\s+)?\d",
        2,
    ),
    Rule(
        "can_it_hold",
        "product_question",
        r"\b(?:can|could|will|would|does|do)\s+(?:it|this|they|the \w+)\s+"
        r"(?:hold|carry|take|support|bear|handle|fit)\b",
        2,
    ),
    Rule(
        "how_much_spec",
        "product_question",
        r"\bhow (?:much|many) (?:weight|load|power|watts|litres|liters|water|battery)\b"
        r"|\bmax(?:imum)? (?:load|weight|capacity)\b",
        2,
    ),
)
"""English rules for questions about a product's measures, which the facts often answer."""

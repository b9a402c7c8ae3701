"""Vocabularies of checkable claims, by kind: the data behind
:mod:`streams.generation.guard.claims`.

Each kind has *terms* (words that assert a fact wherever they stand: a material, a standard, a
health effect) and, for some kinds, *triggers* (wording that introduces an object that must itself
be grounded: "compatible with …", "made in …", "sold by …"). The lists cover the common cases; the
trigger patterns and the proper-noun rule in :mod:`streams.generation.guard.claims` catch what the
lists do not name. Entries are regular-expression fragments matched case-insensitively on word
boundaries (English) or as substrings (Chinese).
"""

from __future__ import annotations

MATERIALS = (
    r"cotton|organic cotton|polyester|poly-?cotton|nylon|spandex|elastane|lycra|rayon|viscose|"
    r"modal|lyocell|tencel|acrylic|wool|merino|cashmere|alpaca|mohair|angora|silk|satin|linen|"
    r"hemp|jute|bamboo|denim|canvas|fleece|velvet|velour|corduroy|tweed|chiffon|lace|wool felt|"
    r"suede|leather|faux leather|vegan leather|pu leather|nubuck|(?:goose|duck) down|"
    r"down[- ]filled|feathers?|microfib(?:er|re)|"
    r"memory foam|foam|latex|rubber|natural rubber|silicone|neoprene|tpe|tpu|pvc|eva foam|"
    r"abs plastic|"
    r"polycarbonate|polypropylene|polyethylene|polyurethane|plastic|resin|acetate|vinyl|"
    r"stainless steel|carbon steel|steel|cast iron|wrought iron|aluminium|aluminum|titanium|copper|"
    r"brass|"
    r"bronze|zinc|chrome|nickel|pewter|gold|silver|sterling silver|platinum|"
    r"carbon fib(?:er|re)|"
    r"fiberglass|glass|tempered glass|crystal(?! clear)|ceramic|porcelain|stoneware|earthenware|"
    r"terracotta|"
    r"marble|granite|slate|stone|concrete|wood|wooden|oak|walnut|beech|birch|pine|maple|teak|"
    r"mahogany|acacia|cherry wood|plywood|mdf|bamboo fib(?:er|re)|cork|rattan|wicker|"
    r"cardboard|kraft paper|beeswax|soy wax|paraffin|gel|gore-tex|kevlar"
)
"""English material names."""

MATERIALS_ZH = (
    "纯棉|全棉|棉质|棉布|有机棉|棉麻|棉|涤纶|聚酯纤维|聚酯|尼龙|锦纶|氨纶|莱卡|人造丝|粘胶|莫代尔|腈纶|"
    "羊毛|美利奴|羊绒|真丝|桑蚕丝|丝绸|亚麻|苎麻|麻布|竹纤维|竹制|竹子|牛仔布|帆布|抓绒|天鹅绒|麂皮|"
    "真皮|头层牛皮|牛皮|羊皮|皮革|人造革|羽绒|超细纤维|记忆棉|海绵|乳胶|橡胶|硅胶|氯丁橡胶|塑料|"
    "树脂|亚克力|不锈钢|碳钢|钢材|钢制|铸铁|铁质|铁制|铝合金|铝制|铝材|钛合金|纯钛|纯铜|黄铜|铜制|"
    "锌合金|黄金|白银|纯银|铂金|碳纤维|玻璃纤维|钢化玻璃|玻璃|水晶|陶瓷|瓷器|骨瓷|大理石|花岗岩|"
    "石材|实木|原木|木质|木制|橡木|胡桃木|榉木|松木|柚木|软木|藤编|藤制|纸质"
)
"""Chinese material names."""

SURROUNDING_WORDS = frozenset(
    {
        "on",
        "onto",
        "over",
        "across",
        "against",
        "under",
        "beneath",
        "protects",
        "protect",
        "scratch",
        "scratching",
        "your",
    }
)
"""Words before a material that make it the material of something else ("on wooden floors")."""

MATERIAL_TRIGGERS = (
    r"made (?:of|from|out of|with)|crafted (?:from|of|with)|constructed (?:from|of)|"
    r"built (?:from|of)|woven from|knitted from|cast from|blend of|consists of|composed of|"
    r"formed from|moulded from|molded from"
)
"""Wording that introduces what a product is made of."""

MATERIAL_TRIGGERS_ZH = (
    "(?:材质|面料|材料)(?:为|是|[:\uff1a])(?P<object>[^\\s\u3002\uff0c\uff1b\uff01\uff1f,.;!?]{1,8})"
    "|(?:由|采用|选用|精选)(?P<made>[^\\s\u3002\uff0c\uff1b\uff01\uff1f,.;!?]{1,8}?)"
    "(?:精心|手工)?(?:制成|制作|制造|打造|而成|做成)"
)
"""Chinese wording around a material ("材质为…", "采用…制成"); the material must be grounded."""

OBJECT_TAIL_ZH = "(?:精心|手工)?(?:制成|制作|制造|打造|而成|做成|材质|材料|面料|的)+$"
"""What ends a Chinese object phrase without belonging to it ("竹纤维制成" names 竹纤维)."""

# Colour words that also name a flavour, scent, food or material (cream, mint, lavender,
# orange, gold, silver, charcoal) are left out: "this cream" is not a colour claim.
COLOURS = (
    r"black|white|grey|gray|red|crimson|burgundy|maroon|pink|rose gold|yellow|beige|ivory|"
    r"brown|khaki|green|teal|turquoise|cyan|blue|navy|navy blue|sky blue|royal blue|indigo|"
    r"purple|violet|magenta|multicolou?r(?:ed)?"
)
"""Colour names: a product comes in the colours its facts list, and no other."""

COLOURS_ZH = (
    "黑色|白色|灰色|银色|金色|红色|酒红色|粉色|粉红色|玫瑰金|橙色|黄色|米色|米白色|奶白色|棕色|"
    "咖啡色|卡其色|橄榄绿|绿色|薄荷绿|青色|蓝色|藏青色|天蓝色|宝蓝色|紫色|薰衣草紫|深灰色|浅灰色|"
    "香槟色|铜色|古铜色|彩色|多色"
)
"""Chinese colour names."""

CERTIFICATIONS = (
    r"ce|fda|iso\s?\d*(?::\d+)?|rohs|ul|etl|fcc|tüv|tuv|gs|bsci|gots|oeko-?tex|fsc|pefc|"
    r"fairtrade|fair trade|usda|energy star|cpsia|cpsc|astm\s?\w*|en\s?\d+|iec\s?\d+|din\s?\d+|"
    r"lfgb|kc|pse|ukca|csa|nsf|halal|kosher|ecocert|cosmos|bluesign|leaping bunny|3c|ccc"
)
"""Certification marks and standards, matched as whole words."""

CERTIFICATION_WORDS = (
    r"certif\w*|approv\w*|complian(?:t|ce)|compl(?:y|ies)|conform\w*|accredit\w*|"
    r"(?:[\w-]+ )?standards|(?:safety|quality|industry|eu|european|international|federal|iso) "
    r"standard|"
    r"regulations?|regulatory|(?:lab|laboratory|clinically|dermatologically)[- ]tested|"
    r"tested|inspected|verified|registered|licen[cs]ed|authori[sz]ed|genuine|authentic"
)
"""Words that assert a certification, test or official approval."""

CERTIFICATIONS_ZH = (
    "认证|认可|国标|国家标准|行业标准|欧盟标准|安全标准|质量标准|检测|检验|质检|合格|达标|批准|"
    "许可|备案|权威|正品|授权"
)
"""Chinese certification wording."""

ORIGIN_TRIGGERS = (
    r"made in|manufactured in|produced in|assembled in|crafted in|handcrafted in|hand-?made in|"
    r"designed in|built in|engineered in|printed in|bottled in|brewed in|grown in|harvested in|"
    r"imported from|sourced from|shipped from|comes from|originat\w* (?:from|in)|hails? from|"
    r"country of origin|origin"
)
"""Wording that introduces a place of origin."""

PLACES = (
    r"china|chinese|japan|japanese|korea|korean|taiwan|taiwanese|vietnam|vietnamese|"
    r"thailand|thai|india|indian|indonesia|indonesian|bangladesh|turkey|turkish|germany|german|"
    r"france|french|italy|italian|spain|spanish|portugal|portuguese|england|english|britain|"
    r"british|uk|scotland|scottish|ireland|irish|sweden|swedish|norway|norwegian|denmark|danish|"
    r"finland|finnish|netherlands|dutch|belgium|belgian|switzerland|swiss|austria|austrian|"
    r"poland|polish|czech|greece|greek|usa|america|american|canada|canadian|mexico|mexican|"
    r"brazil|brazilian|australia|australian|new zealand|egypt|egyptian|peru|peruvian|"
    r"europe|european|eu|asia|asian|scandinavia|scandinavian|himalaya\w*|mongolia\w*|tibet\w*"
)
"""Countries, regions and their adjectives: "Italian leather" asserts an origin."""

ORIGINS_ZH = (
    "产地|原产|产自|进口|国产|原装|制造于|生产于|中国制造|中国|日本|韩国|台湾|越南|泰国|印度|德国|"
    "法国|意大利|西班牙|英国|瑞士|瑞典|荷兰|美国|加拿大|澳大利亚|新西兰|欧洲|欧盟"
)
"""Chinese origin wording and place names."""

COMPATIBILITY_TRIGGERS = (
    r"compatible with|compatibility with|works? (?:with|on)|working with|fits?|fitting|"
    r"designed for|made for|built for|for use with|pairs? (?:with|to)|connects? (?:to|with)|"
    r"syncs? with|integrates? with|supports?|suitable for|replacement for|interchangeable with"
)
"""Wording that introduces a device, model or system the product works with."""

DEVICES = (
    r"phones?|smartphones?|mobiles?|tablets?|laptops?|notebooks?|computers?|pcs?|macs?|"
    r"consoles?|controllers?|gamepads?|chargers?|cars?|vehicles?|printers?|cameras?|lens(?:es)?|"
    r"tvs?|televisions?|monitors?|speakers?|headphones?|earbuds?|watch(?:es)?|smartwatch(?:es)?|"
    r"routers?|appliances?|ovens?|hobs?|cooktops?|induction|dishwashers?|blenders?|vacuums?|"
    r"drones?|bikes?|bicycles?|strollers?|prams?|car seats?|models?|devices?|brands?|systems?"
)
"""Things compatibility is claimed with (a claim only when the object names one)."""

_MODEL = r"(?: ?(?:\d+[a-z]*|pro|max|mini|plus|se|air|ultra)(?![a-z]))*"

BRANDS = (
    rf"iphone{_MODEL}|ipad{_MODEL}|macbook{_MODEL}|airpods?|imac|samsung|galaxy|google|"
    r"android|ios|ipados|macos|linux|chromebook|huawei|xiaomi|oneplus|oppo|vivo|"
    r"motorola|nokia|lenovo|dell|hp|asus|acer|microsoft|sony|playstation|ps[2345]|xbox|"
    r"nintendo|switch oled|wii|steam deck|alexa|echo dot|siri|google home|homekit|kindle|"
    r"fitbit|garmin|gopro|canon|nikon|fujifilm|panasonic|lg|philips|bosch|siemens|miele|dyson|"
    r"tesla|bmw|audi|mercedes|volkswagen|toyota|ford|ikea|lego|disney|marvel|pixar|nike|adidas|"
    r"puma|gucci|prada|chanel|rolex|nespresso|dolce gusto|keurig|thermomix|kitchenaid|"
    r"magsafe|thunderbolt"
)
"""Brands, devices and platforms that text may only name when the facts do."""

COMPATIBILITY_TRIGGERS_ZH = "兼容|适用于|适配|专为"
"""Chinese wording that introduces what a product works with."""

ORIGIN_TRIGGERS_ZH = "原产地|产地|产自|进口自|生产于|制造于"
"""Chinese wording that introduces a place of origin."""

BRANDS_ZH = "苹果|华为|小米|三星|索尼|任天堂|安卓|鸿蒙|微软|戴尔|联想"
"""Chinese names of brands and platforms."""

HEALTH = (
    r"health(?:y|ier|iest|ful)?|(?:\w+ )?health|immun\w*|hypo-?allergenic|allerg\w*|"
    r"anti-?bacterial|anti-?microbial|anti-?viral|anti-?fungal|germs?|bacteria|viruses|"
    r"non-?toxic|toxic|toxins?|chemical-free|harmful|chemicals|bpa-free|bpa|phthalates?|lead-free|"
    r"(?:baby|child|kid|skin|food|pet|eco)[- ]safe|safe (?:for|to|on|around) [\w ]+?|"
    r"cures?|cured|healing|heals?|remed(?:y|ies)|therap\w*|treatments?|medical|medicinal|"
    r"medically|clinical\w*|doctors?|dermatolog\w*|physicians?|orthop(?:a)?edic|"
    r"pain(?:-free)?|aches?|reliev\w*|relief|detox\w*|wellness|well-?being|posture|circulation|"
    r"inflammation|vitamins?|nutrients?|nutritious|sleep better|insomnia|anxiety|stress relief|"
    r"(?:reduces?|relieves?|prevents?|boosts?|improves?|promotes?|protects?|strengthens?|"
    r"supports?) (?:your |the )?(?:\w+ )?(?:health|immunity|immune system|sleep|posture|"
    r"circulation|joints?|spine|back|skin|digestion|metabolism|pain|stress|hair growth|"
    r"eye ?strain|eyes?|"
    r"eyesight|vision|hearing|ears?|teeth|gums|heart|brain|muscles?|bones?|body)|"
    r"eye strain|eyestrain|"
    r"gentle on (?:the |your )?skin|sensitive skin|skin-friendly|"
    r"(?:babies|infants|newborns|toddlers|pregnan\w*)"
)
"""Health, medical and safety wording."""

HEALTH_ZH = (
    "健康|保健|免疫|抗菌|杀菌|除菌|抑菌|无毒|有毒|低敏|抗过敏|过敏|治疗|治愈|疗效|医用|医疗|药用|"
    "养生|排毒|缓解|止痛|改善睡眠|助眠|护眼|护脊|矫正|安全无害|食品级|婴儿|宝宝(?:使用|适用|专用|安全)|"
    "孕妇|母婴|儿童安全"
)
"""Chinese health, medical and safety wording."""

PROPERTIES = (
    r"\w+-?proof|\w+[- ]resistant|water[- ]repellent|non-\w+|anti-\w+|\w+-free|"
    r"(?:dishwasher|microwave|oven|freezer|dryer)[- ]safe|(?:machine[- ])?washable|"
    r"ip[x\d]\d|uv ?\d+|uv protection|spf ?\d*|breathable|moisture-wicking|quick-dry(?:ing)?|"
    r"eco-?friendly|environmentally friendly|sustainabl[ey]|biodegradable|compostable|"
    r"recyclable|recycled|upcycled|organic|vegan|cruelty-free|carbon[- ]neutral|"
    r"all-natural|100% natural|handmade|hand-made|handcrafted|patented|patent-pending|"
    r"hand-?(?:painted|stitched|sewn|woven|carved|blown|knitted|poured|finished|crafted)"
)
"""Product properties a shopper can check (waterproof, non-slip, recycled, …)."""

GENERIC_PROPERTIES = frozenset(
    {
        "hassle-free", "worry-free", "stress-free", "care-free", "carefree", "trouble-free",
        "fuss-free", "guilt-free", "tangle-free", "clutter-free", "hands-free", "mess-free",
        "foolproof", "future-proof", "non-stop", "non-negotiable", "anti-social",
    }
)  # fmt: skip
"""Words with a property suffix that assert nothing checkable."""

PROPERTIES_ZH = (
    "防水|防尘|防滑|防摔|防刮|防晒|防紫外线|耐磨|耐高温|耐腐蚀|抗震|可水洗|机洗|透气|速干|环保|"
    "可降解|可回收|有机|天然|纯天然|手工|专利|无添加"
)
"""Chinese property wording."""

AWARDS = (
    r"best[- ]sell(?:ing|er)s?|best sellers?|top[- ]sell(?:ing|er)s?|award[- ]winning|awards?|"
    r"prize[- ]winning|#\s?1|no\.\s?1|number one|top[- ]rated|highest[- ]rated|five[- ]star|"
    r"5[- ]star|most popular|most loved|most trusted|fan favou?rite|customer favou?rite|"
    r"world'?s (?:best|finest|first|leading|most \w+)|industry[- ]leading|market[- ]leading|"
    r"(?:leading|top) brand|unbeatable|unrivall?ed|unmatched|unparall?eled|second to none|"
    r"best[- ]in[- ]class|voted|highly[- ]rated|(?:rave|glowing|positive) reviews|"
    r"millions|thousands|hundreds of (?:customers|buyers|reviews)|bestseller|lifetime|"
    r"(?:trusted|loved|chosen|preferred|favou?red|adored) by|rated (?:\d|by|as)|"
    r"\d(?:\.\d)? (?:out of (?:5|five|10|ten)|stars?)|on the market|in the world|ever made|"
    r"of all time|(?:the|our|its) (?:most|least) [a-z]+|"
    r"(?:the|our|its) (?!(?:rest|interest|forest|guest|request|chest|quest|test|nest|west|contest|"
    r"harvest|honest|latest|modest|digest|manifest|protest|arrest)\b)[a-z]{2,}est|"
    r"lasts? (?:a lifetime|forever)|indestructible|unbreakable|"
    r"(?:the|our) (?:best|finest|highest[- ]quality|top|cheapest|lowest[- ]priced)|finest|"
    r"(?:clinically|scientifically) proven|proven|viral|trending|as seen on \w+"
)
"""Superlatives, rankings, awards and social proof."""

AWARDS_ZH = (
    "畅销|热销|销量第一|销冠|第一名|排名第一|行业第一|全网第一|排名|获奖|大奖|冠军|最佳|最强|顶级|"
    "领先|爆款|网红|好评|"
    "五星|明星同款|同款|代言"
)
"""Chinese superlatives and awards."""

THIRD_PARTY_TRIGGERS = (
    r"available (?:at|in|from|on|through|via)|sold (?:by|at|in|on|through)|stocked (?:by|at|in)|"
    r"carried by|featured (?:on|in|by)|as seen (?:on|in)|endorsed by|recommended by|"
    r"trusted by|loved by|chosen by|worn by|approved by|backed by|partner(?:ed|s)? with|"
    r"in (?:partnership|collaboration) with|official(?:ly)? licensed|exclusive(?:ly)? (?:to|at)|"
    r"distributed by|supplied (?:by|to)"
)
"""Wording that introduces a retailer, endorser or other third party."""

RETAILERS = (
    r"amazon|ebay|walmart|aliexpress|alibaba|etsy|temu|shein|best ?buy|target\.com|costco|zalando|"
    r"otto|rakuten|mercado ?libre|flipkart|jd\.com|taobao|tmall|shopee|lazada|argos|tesco|"
    r"carrefour|lidl|aldi|mediamarkt|sephora|harrods|john lewis|"
    r"supermarkets?|hypermarkets?|department stores?|retailers?|pharmac(?:y|ies)|drugstores?|"
    r"stores (?:worldwide|nationwide)|shops (?:worldwide|nationwide)|celebrit(?:y|ies)|"
    r"influencers?|netflix|youtube|instagram|tiktok"
)
"""Retailers, venues and endorsers."""

THIRD_PARTY_ZH = (
    "亚马逊|京东|天猫|淘宝|拼多多|唯品会|苏宁|沃尔玛|超市|商场|专卖店|实体店|药店|专柜|明星|网红|"
    "达人|专家推荐|医生推荐|官方旗舰店|电视|抖音|小红书"
)
"""Chinese retailers and endorsers."""

SHIPPING = (
    r"(?:fast|quick|rapid|speedy|express|expedited|priority|same[- ]day|next[- ]day|"
    r"overnight|worldwide|international|global|tracked|insured|instant|immediate|"
    r"24[- ]hours?|48[- ]hours?) (?:shipping|delivery|dispatch|postage|returns?)|"
    r"ships? (?:today|tomorrow|immediately|fast|worldwide|internationally|same day|next day|"
    r"within [\w ]+?)|dispatch(?:ed|es)? (?:today|tomorrow|immediately|same day|within [\w ]+?)|"
    r"arriv(?:e|es|ing) (?:today|tomorrow|soon|quickly|fast|in time|by \w+|within [\w ]+?)|"
    r"delivered (?:today|tomorrow|fast|quickly|by \w+|within [\w ]+?|to your door)|"
    r"in stock|out of stock|back in stock|available now|available immediately|ready to ship|"
    r"limited stock|low stock|limited (?:edition|quantit(?:y|ies)|supply|time)|"
    r"(?:only|just) \w+ left|selling fast|while (?:supplies|stocks?) last|sold out|pre-?order|"
    r"restock\w*|last chance"
)
"""Stock and shipping promises. Free shipping is left to :mod:`streams.generation.guard.grounding`,
which knows the policy's threshold ("free shipping on orders over 50 EUR" is grounded)."""

SHIPPING_ZH = (
    "现货|有货|库存|缺货|售罄|限量|顺丰|当天发货|当日发货|次日达|次日送达|"
    "明天到|极速发货|快速发货|48小时发货|24小时发货|预售|秒发"
)
"""Chinese stock and shipping promises (free shipping is a policy, checked with its threshold)."""

GENERIC_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "with", "by",
        "from", "as", "is", "are", "be", "it", "its", "it's", "this", "that", "these", "those",
        "our", "your", "you", "we", "us", "all", "any", "every", "most", "many", "some", "more",
        "other", "such", "very", "so", "also", "only", "just", "both", "each", "one", "use",
        "used", "using", "high", "quality", "high-quality", "premium", "durable", "soft",
        "material", "materials", "fabric", "product", "products", "item", "items", "design",
        "love", "care", "attention", "precision", "pride", "style", "comfort", "shop", "store",
        "here", "now", "online", "website", "site", "platform", "everyone", "everyday", "daily",
        "life", "home", "you're", "great", "perfect", "ideal", "best", "finest", "top",
        "standard", "standards", "well", "really", "truly", "plus", "them", "they", "their",
        "my", "me", "i", "ease", "easily", "easy", "long", "lasting", "long-lasting",
    }
)  # fmt: skip
"""Words that carry no checkable content in a claim's object ("made with love")."""

NAMES_ALLOWED = frozenset(
    {
        "i", "i'm", "i'll", "i've", "i'd", "ok", "okay", "ai", "mr", "mrs", "ms", "dr", "sir",
        "madam", "dear", "hi", "hello", "thanks", "thank", "please", "yes", "no", "christmas",
        "easter", "halloween", "thanksgiving", "valentine's", "valentine", "mother's", "father's",
        "new", "year", "year's", "diwali", "eid", "hanukkah", "ramadan", "monday", "tuesday",
        "wednesday", "thursday", "friday", "saturday", "sunday",
        "customer", "customers", "service", "support", "team", "shop", "store",
    }
)  # fmt: skip
"""Capitalised words that name no product, brand or third party."""

DEPENDENT_OPENERS = (
    r"this (?:means|makes|is why|ensures|helps|allows|lets|way|also)|"
    r"that (?:means|makes|is why|ensures|way)|that's why|these (?:features|benefits|qualities)|"
    r"therefore|thus|hence|so|also|moreover|furthermore|additionally|in addition|as a result|"
    r"because of (?:this|that)|plus|what's more|it also|they also|"
    r"因此|所以|此外|另外|而且|同时|这意味着|这使|这让|这样"
)
"""Sentence openings that lean on the previous sentence; they go when it goes."""

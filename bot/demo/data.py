"""Words for ``salesbot demo seed``: names, questions, answers and survey comments (en, zh).

Plain data, kept apart from the seeding logic in ``bot.demo.seed``. The unanswered questions
come in families of paraphrases, so the dashboard's grouping has something to group.
"""

from __future__ import annotations

FIRST_EN = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "James",
    "Sophia",
    "Lucas",
    "Mia",
    "Ethan",
    "Isabella",
    "Mason",
    "Harper",
    "Logan",
    "Amelia",
    "Elijah",
    "Chloe",
    "Aiden",
    "Grace",
    "Jack",
    "Lena",
    "Marco",
    "Sofia",
    "Jonas",
    "Priya",
    "Omar",
    "Hannah",
    "Felix",
)
LAST_EN = (
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Schmidt",
    "Rossi",
    "Novak",
    "Patel",
    "Haddad",
    "Larsen",
    "Dubois",
)
NAMES_ZH = (
    "王伟",
    "李娜",
    "张敏",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄丽",
    "周杰",
    "吴婷",
    "徐强",
    "孙悦",
    "马超",
    "朱琳",
    "胡斌",
    "郭峰",
    "何雪",
    "高鹏",
    "林晓",
    "罗欣",
)
COMPANIES = (
    "Acme Rooms",
    "Northwind Legal",
    "Bluefin Labs",
    "Harbor Health",
    "Stellar Media",
    "Quarry Partners",
    "Lumen Schools",
    "Vertex Logistics",
    "Cedar Architects",
    "Orbit Finance",
    "上海云启科技",
    "深圳星河电子",
    "北京合创咨询",
    "杭州远帆教育",
)
CAMPAIGNS = (None, None, "spring-promo", "webinar-hybrid-work", "google-ads", "partner-referral")

QUESTIONS = {
    "en": (
        ("How much is the Auralis Bar?", "The Auralis Bar costs $1,499; the Huddle Kit is $1,949."),
        ("Does the Cam 4K work with Zoom?", "Yes, the Cam 4K is certified for Zoom and Teams."),
        ("How long does shipping take?", "In-stock items ship within 1–2 business days."),
        ("What's the warranty on the Board?", "The Board has a 2-year warranty; Care extends it."),
        ("Can I get a quote for 12 rooms?", "Happy to help: a few questions and a rep follows up."),
        ("Is there a free trial of Auralis Cloud?", "Yes, Auralis Cloud has a 30-day free trial."),
        ("Which camera is best for a small huddle room?", "For huddle rooms the Bar fits best."),
    ),
    "zh": (
        ("Auralis Bar 多少钱？", "Auralis Bar 售价 1,499 美元，小型会议室套装 1,949 美元。"),
        ("Cam 4K 支持腾讯会议吗？", "支持，Cam 4K 即插即用，兼容主流会议软件。"),
        ("发货需要多久？", "现货商品在 1–2 个工作日内出库。"),
        ("Board 保修多久？", "Board 保修 2 年，购买 Care 可延长。"),
        ("十个会议室怎么报价？", "好的，请回答几个问题，销售代表会尽快联系您。"),
        ("云服务可以试用吗？", "Auralis Cloud 提供 30 天免费试用。"),
    ),
}

# Families of paraphrases (the grouping should find each family).
UNANSWERED = {
    "en": (
        (
            "Do you ship to Brazil?",
            "do you ship to brazil",
            "Can you deliver to Brazil?",
            "shipping to Brazil possible?",
        ),
        (
            "Is there a student discount?",
            "student discount?",
            "Do you offer discounts for students",
        ),
        ("Can I pay with bitcoin?", "Can I pay in bitcoin?", "do you take bitcoin"),
        (
            "Does the Cam 4K work on Linux?",
            "Does the cam work with linux",
            "linux drivers for cam 4k?",
        ),
        (
            "Can I rent the Board for an event?",
            "rent the board for a conference",
            "Is renting a Board possible?",
        ),
    ),
    "zh": (
        ("可以寄到巴西吗", "能发货到巴西吗", "巴西能送货吗"),
        ("有学生折扣吗", "学生有优惠吗"),
        ("支持比特币付款吗", "可以用比特币支付吗"),
        ("Board 可以租吗", "能租一台 Board 用于活动吗"),
    ),
}
FALLBACK = {
    "en": "Sorry, I don't know that yet. Would you like to talk to someone from sales?",
    "zh": "抱歉，这个问题我暂时无法回答。需要为您转接销售人员吗？",
}
HANDOFF_ASK = {"en": "Can I talk to a person, please?", "zh": "可以转人工吗？"}
AGENT_HELLO = {
    "en": "Hi, this is {rep} from Auralis sales. How can I help?",
    "zh": "您好，我是 Auralis 销售 {rep}，请问有什么可以帮您？",
}
COMMENTS = {
    "en": {
        "detractor": (
            "The answer took far too long.",
            "Nobody followed up after the call.",
            "Price was not what the website said.",
            "Rep did not know the product.",
        ),
        "passive": (
            "OK, but I had to repeat my question.",
            "Fine, a bit slow.",
            "Helpful, though the quote came late.",
        ),
        "promoter": (
            "Super helpful, thanks!",
            "Quick and clear answers.",
            "Great call, the rep knew exactly what we need.",
            "Excellent service.",
        ),
    },
    "zh": {
        "detractor": ("回复太慢了。", "电话之后没有人跟进。", "价格和网站上写的不一样。"),
        "passive": ("还可以，就是有点慢。", "总体不错，报价来得晚了些。"),
        "promoter": ("非常专业，谢谢！", "回答又快又清楚。", "销售很了解我们的需求。"),
    },
}

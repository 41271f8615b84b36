"""The demo product page at ``/``: the demo business's catalog with the widget on it.

Rendered on the server from ``config/catalog/products.yaml``; every text from the
configuration is HTML-escaped, so a product name cannot inject markup into the page.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from string import Template

from dialogs.core.content import Content, Plan, Product

STRINGS = {
    "en": {
        "intro": "Meeting-room cameras, video bars, whiteboards and the cloud that runs them.",
        "chat_hint": "Questions? Open the chat at the bottom right: ask about prices, "
        "delivery or a product, or ask for a call with sales.",
        "switch": "中文",
        "widget_title": "Chat with us",
        "once": "",
        "month": " / month",
        "year": " / year",
        "hour": " / hour",
        "user": " / user",
        "seat": " / seat",
        "unit": " / unit",
        "monthly": " / month",
        "yearly": " / year",
        "in_stock": "In stock",
        "preorder": "Pre-order",
        "out_of_stock": "Out of stock",
        "good_for": "Good for",
    },
    "zh": {
        "intro": "会议室摄像头、视频会议一体机、智能白板，以及管理它们的云服务。",
        "chat_hint": "有问题？点击右下角的聊天按钮：咨询价格、发货、产品，或预约销售回电。",
        "switch": "English",
        "widget_title": "在线咨询",
        "once": "",
        "month": " / 月",
        "year": " / 年",
        "hour": " / 小时",
        "user": " / 用户",
        "seat": " / 席位",
        "unit": " / 件",
        "monthly": " / 月",
        "yearly": " / 年",
        "in_stock": "现货",
        "preorder": "预售",
        "out_of_stock": "缺货",
        "good_for": "适用于",
    },
}


def _template() -> Template:
    source = resources.files("channels.webchat").joinpath("static/demo.html").read_text("utf-8")
    return Template(source)


def _price(plan: Plan, currency: str, lang: str) -> str:
    value = plan.amount(currency)
    amount = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    symbol = "$" if currency == "USD" else f"{currency} "
    billing = STRINGS[lang][plan.billing] if plan.billing else ""
    return f"{symbol}{amount}{STRINGS[lang][plan.unit]}{billing}"


def _product(product: Product, currency: str, lang: str) -> str:
    s = STRINGS[lang]
    stock = product.availability or "in_stock"  # software: nothing to run out of
    features = "".join(f"<li>{escape(f)}</li>" for f in product.features.get(lang))
    plans = "".join(
        f"<li><span>{escape(plan.name.get(lang))}</span> "
        f"<strong>{escape(_price(plan, currency, lang))}</strong></li>"
        for plan in product.plans
    )
    return (
        f'<article class="product" id="{escape(product.id)}">'
        f'<p class="category">{escape(product.category.get(lang))}</p>'
        f"<h2>{escape(product.name.get(lang))}</h2>"
        f'<p class="availability {escape(stock)}">{escape(s[stock])}</p>'
        f"<p>{escape(product.summary.get(lang))}</p>"
        f'<ul class="features">{features}</ul>'
        f'<ul class="plans">{plans}</ul>'
        f'<p class="good-for">{escape(s["good_for"])}: {escape(product.good_for.get(lang))}</p>'
        "</article>"
    )


def render_demo(content: Content, business: str, lang: str) -> str:
    lang = "zh" if lang == "zh" else "en"
    s = STRINGS[lang]
    catalog = content.catalog
    code = catalog.currency_for(lang)
    products = "\n".join(_product(p, code, lang) for p in catalog.products)
    return _template().substitute(
        lang=lang,
        business=escape(business),
        intro=escape(s["intro"]),
        chat_hint=escape(s["chat_hint"]),
        products=products,
        switch_href="/?lang=en" if lang == "zh" else "/?lang=zh",
        switch_label=escape(s["switch"]),
        widget_title=escape(s["widget_title"], quote=True),
    )

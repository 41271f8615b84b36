"""The demo page, the widget assets and ``mount`` (in-process ASGI, no hub needed)."""

from __future__ import annotations

import re
from dataclasses import replace
from importlib import resources

import httpx
import pytest
from fastapi import FastAPI

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings.model import Settings
from bot.transports import webchat_of
from channels.webchat.connections import WebchatLimits
from channels.webchat.demo import render_demo
from dialogs.core.content import Content

STATIC = resources.files("channels.webchat").joinpath("static")


def build(settings: Settings) -> tuple[FastAPI, Runtime]:
    runtime = Runtime.create(settings)
    app = create_app(runtime)
    webchat_of(app)
    return app, runtime


async def get(app: FastAPI, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path, headers=headers)


async def test_the_demo_page_shows_the_catalog_with_the_widget(
    settings: Settings, content: Content
) -> None:
    app, runtime = build(settings)
    page = await get(app, "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    for product in content.catalog.products:
        assert f"<h2>{product.name.en}</h2>" in html.replace("&amp;", "&")
    assert "$899" in html and "$9 / month" in html
    assert re.search(r'<script src="/webchat/widget.js" data-lang="en" data-title="[^"]+"', html)
    assert '<html lang="en">' in html and "<script>" not in html  # no inline script
    zh = (await get(app, "/?lang=zh")).text
    assert '<html lang="zh">' in zh and 'data-lang="zh"' in zh
    assert "Auralis Cam 4K 会议摄像头" in zh and "在线咨询" in zh


def test_catalog_text_is_escaped(content: Content) -> None:
    product = content.catalog.products[0]
    evil = product.model_copy(
        update={"name": product.name.model_copy(update={"en": '<img src=x onerror="alert(1)">'})}
    )
    catalog = content.catalog.model_copy(update={"products": (evil,)})
    html = render_demo(replace(content, catalog=catalog), "A & B <Co>", "en")
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "A &amp; B &lt;Co&gt;" in html


@pytest.mark.parametrize(
    ("name", "kind"),
    [("widget.js", "text/javascript"), ("widget.css", "text/css"), ("demo.css", "text/css")],
)
async def test_assets_are_served_with_etags(settings: Settings, name: str, kind: str) -> None:
    app, _ = build(settings)
    first = await get(app, f"/webchat/{name}")
    assert first.status_code == 200 and first.headers["content-type"].startswith(kind)
    assert first.content == STATIC.joinpath(name).read_bytes()
    again = await get(app, f"/webchat/{name}", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert (await get(app, "/webchat/secret_key")).status_code == 404
    assert (await get(app, "/webchat/..%2F..%2Fsettings.py")).status_code == 404


def test_the_widget_never_renders_html() -> None:
    source = STATIC.joinpath("widget.js").read_text("utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink
    assert "textContent" in source
    # Every UI string exists in both languages.
    blocks = re.findall(r"(en|zh): \{(.*?)\n    \}", source, re.S)
    keys = {lang: set(re.findall(r"(\w+):", body)) for lang, body in blocks}
    assert keys["en"] == keys["zh"] and len(keys["en"]) > 10


async def test_mount_registers_both_adapters_once(settings: Settings) -> None:
    app, runtime = build(settings)
    assert set(runtime.adapters) >= {"webchat", "rest"}
    channel = app.state.channels["webchat"]
    routes = len(app.routes)
    limits = WebchatLimits(connections_per_ip=99)
    assert webchat_of(app, limits=limits, rest_token="t") is channel
    assert len(app.routes) == routes and channel.registry.limits == limits
    assert channel.rest_token == "t"


async def test_a_disabled_web_chat_serves_no_widget(settings: Settings) -> None:
    off = settings.model_copy(
        update={
            "channels": settings.channels.model_copy(
                update={"webchat": settings.channels.webchat.model_copy(update={"enabled": False})}
            )
        }
    )
    app, runtime = build(off)
    assert (await get(app, "/webchat/widget.js")).status_code == 404
    assert (await get(app, "/")).status_code == 404
    assert "webchat" in runtime.adapters  # replies already queued still go out

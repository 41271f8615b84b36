"""Who gets in and what they see: login, logout, lockout, CSRF, and a rep's own work only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.dashboard.security import COOKIE
from crm_store.models import AuditLog, Lead
from crm_store.models.ops import User
from tests.dashboard.conftest import PASSWORD, Site


async def test_pages_need_a_login_and_logout_ends_the_session(site: Site) -> None:
    anonymous = await site.open(None)
    response = await anonymous.http.get("/admin/kpis?since=2026-02-02")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%2Fkpis%3Fsince%3D2026-02-02"

    token = await anonymous.csrf()
    response = await anonymous.http.post(
        "/admin/login",
        data={
            "username": "BOSS",  # usernames are case-insensitive
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/admin/kpis?since=2026-02-02",
        },
    )
    assert (
        response.status_code == 303
        and response.headers["location"] == "/admin/kpis?since=2026-02-02"
    )
    cookie = response.cookies[COOKIE]
    page = await anonymous.http.get("/admin/kpis")
    assert page.status_code == 200 and "boss" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]

    # Logging out needs the form's token too; afterwards the pages want a login again.
    assert (await anonymous.post("/admin/logout", {}, csrf=False)).status_code == 403
    response = await anonymous.post("/admin/logout", {})
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert (await anonymous.http.get("/admin/kpis")).status_code == 303
    # An open redirect is not possible through ?next=.
    boss = await site.open(None)
    token = await boss.csrf()
    response = await boss.http.post(
        "/admin/login",
        data={
            "username": "boss",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["location"] == "/admin/surveys"
    assert cookie != response.cookies[COOKIE]


async def test_wrong_passwords_lock_the_account(site: Site) -> None:
    browser = await site.open(None)
    for _ in range(4):
        response = await browser.login("ann", "not the password")
        assert response.status_code == 200 and "Wrong username or password" in response.text
    response = await browser.login("ann", "still wrong")  # the fifth failure locks
    assert response.status_code == 429 and "Too many failed attempts" in response.text
    # Locked: even the right password is refused, for 15 minutes.
    response = await browser.login("ann")
    assert response.status_code == 429
    site.clock.advance(minutes=14)
    assert (await browser.login("ann")).status_code == 429
    site.clock.advance(minutes=2)
    assert (await browser.login("ann")).status_code == 303
    async with site.runtime.uow() as uow:
        ann = (await uow.session.scalars(select(User).where(User.username == "ann"))).one()
        assert (ann.failed_logins, ann.locked_until) == (0, None)
        actions = (await uow.session.scalars(select(AuditLog.action).order_by(AuditLog.id))).all()
    assert actions.count("dashboard.login_failed") == 4
    assert actions.count("dashboard.login_locked") == 3
    # An unknown user is refused like a wrong password (no hint that the name is free).
    response = await (await site.open(None)).login("nobody")
    assert response.status_code == 200 and "Wrong username or password" in response.text


async def test_a_locked_or_disabled_user_loses_an_open_session(site: Site) -> None:
    boss, ann = await site.open("boss"), await site.open("ann")
    assert (await boss.http.get("/admin/surveys")).status_code == 200
    assert (await ann.http.get("/admin/surveys")).status_code == 200
    async with site.runtime.uow() as uow:
        user = (await uow.session.scalars(select(User).where(User.username == "boss"))).one()
        user.active = False
        # A rep who left (inactive in config/reps.yaml) keeps no access either.
        (await uow.reps.get(site.known.rep1)).active = False
    assert (await boss.http.get("/admin/surveys")).status_code == 303
    assert (await ann.http.get("/admin/surveys")).status_code == 303


async def test_forms_without_the_csrf_token_are_refused(site: Site) -> None:
    boss = await site.open("boss")
    l6 = site.known.leads["L6"]
    for data in ({"status": "qualified"}, {"status": "qualified", "csrf_token": "forged"}):
        response = await boss.post(f"/admin/leads/{l6}/status", data, csrf=False)
        assert response.status_code == 403
    response = await boss.post(f"/admin/leads/{l6}/owner", {"owner": ""}, csrf=False)
    assert response.status_code == 403
    # The login form is protected as well.
    anonymous = await site.open(None)
    response = await anonymous.http.post(
        "/admin/login", data={"username": "boss", "password": PASSWORD}
    )
    assert response.status_code == 403
    async with site.runtime.uow() as uow:
        lead = await uow.session.get(Lead, l6)
        assert lead is not None and lead.status == "new" and lead.owner_rep_id == site.known.rep2


async def test_a_rep_sees_only_their_own_conversations_and_leads(site: Site) -> None:
    ann, bob, boss = await site.open("ann"), await site.open("bob"), await site.open("boss")
    conv = site.known.conversations  # by index n: handed off to Ann (n = 0, 2, 4), Bob (1, 3)
    # A rep sees what was handed to them and the conversations of their leads' contacts:
    # Ann owns the leads of contacts 1, 3, 5, 7; Bob those of contacts 2, 4, 6.
    ann_sees = {conv[n] for n in (0, 1, 2, 3, 4, 5, 7, 9)}
    bob_sees = {conv[n] for n in (1, 2, 3, 4, 6)}

    def ids(csv_text: str) -> set[int]:
        return {int(line.split(",")[0]) for line in csv_text.strip().splitlines()[1:]}

    listed = "/admin/conversations?since=&export=conversations"
    assert ids((await ann.http.get(listed)).text) == ann_sees
    assert ids((await bob.http.get(listed)).text) == bob_sees
    assert len(ids((await boss.http.get(listed)).text)) == 11  # all, the old one too
    response = await ann.http.get(f"/admin/conversations/{conv[6]}")
    assert response.status_code == 404 and "hello" not in response.text
    assert (await bob.http.get(f"/admin/conversations/{conv[6]}")).status_code == 200
    assert (await boss.http.get(f"/admin/conversations/{conv[6]}")).status_code == 200
    transcript = await ann.http.get(f"/admin/conversations/{conv[0]}")
    assert transcript.status_code == 200
    assert [m for m in ("Customer", "Bot", "Ann Rep") if m in transcript.text] == [
        "Customer",
        "Bot",
        "Ann Rep",
    ]

    leads = ids((await ann.http.get("/admin/leads?since=&export=leads")).text)
    assert leads == {site.known.leads[n] for n in ("L1", "L3", "L5", "L7")}
    assert len(ids((await boss.http.get("/admin/leads?since=&export=leads")).text)) == 8

    # A rep may move their own lead on, not someone else's, and reassigns nobody.
    l7, l6 = site.known.leads["L7"], site.known.leads["L6"]
    assert (await ann.post(f"/admin/leads/{l6}/status", {"status": "qualified"})).status_code == 404
    response = await ann.post(f"/admin/leads/{l7}/status", {"status": "meeting_booked"})
    assert response.status_code == 303
    assert (await ann.post(f"/admin/leads/{l7}/owner", {"owner": ""})).status_code == 403
    # Survey and KPI pages show the rep's own numbers only.
    surveys = (
        await ann.http.get("/admin/surveys?since=2026-02-02&until=2026-03-02&export=surveys")
    ).text
    assert surveys.splitlines()[1].startswith("all,5,4,80.0,4,4.5,")
    assert (await ann.http.get("/admin/audit")).status_code == 403
    assert (await boss.http.get("/admin/audit")).status_code == 403
    root = await site.open("root")
    audit = await root.http.get("/admin/audit")
    assert audit.status_code == 200 and "lead.status" in audit.text


async def test_a_session_expires_after_session_hours(site: Site) -> None:
    boss = await site.open("boss")
    site.clock.advance(timedelta(hours=11, minutes=59))
    assert (await boss.http.get("/admin/surveys")).status_code == 200
    site.clock.advance(timedelta(minutes=2))  # 12 hours (DashboardSettings.session_hours)
    assert (await boss.http.get("/admin/surveys")).status_code == 303

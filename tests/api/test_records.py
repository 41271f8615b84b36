"""Auth, contacts, conversations with transcripts, follow-ups, reps (``/api/v1``)."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy import select

from crm_store.models import AuditLog
from crm_store.uow import UnitOfWork
from tests.api.conftest import Api

V1 = "/api/v1"


async def test_bearer_token_is_required_and_checked(api: Api) -> None:
    assert (await api.http.get(f"{V1}/leads")).status_code == 401
    response = await api.http.get(f"{V1}/leads", headers={"Authorization": "Bearer sbt_nope"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "invalid or revoked token"}
    real = api.seed.tokens["manager"]
    for bad in (real[:-1] + ("A" if real[-1] != "A" else "B"), real + "x", "Basic " + real):
        headers = {"Authorization": bad if bad.startswith("Basic") else f"Bearer {bad}"}
        assert (await api.http.get(f"{V1}/leads", headers=headers)).status_code == 401
    assert (await api.get(f"{V1}/leads", who="revoked")).status_code == 401
    me = (await api.get(f"{V1}/me", who="rep1")).json()
    assert me == {"token_id": api.seed.token_ids["rep1"], "role": "rep", "rep_id": api.seed.rep1}
    async with UnitOfWork(api.db, api.clock) as uow:  # the rep leaves the team
        (await uow.reps.get(api.seed.rep1)).active = False
    response = await api.get(f"{V1}/me", who="rep1")
    assert response.status_code == 401 and "no longer active" in response.json()["detail"]


async def test_environment_token_acts_as_admin(api: Api, settings, content) -> None:  # noqa: ANN001
    import httpx

    from bot.runtime import Runtime
    from tests.api.conftest import api_app

    secrets = settings.secrets.model_copy(update={"api_token": SecretStr("env-admin-token")})
    runtime = Runtime(settings.model_copy(update={"secrets": secrets}), content, api.db, api.clock)
    transport = httpx.ASGITransport(app=api_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        ok = await http.get(f"{V1}/me", headers={"Authorization": "Bearer env-admin-token"})
        assert ok.json() == {"token_id": None, "role": "admin", "rep_id": None}
        no = await http.get(f"{V1}/me", headers={"Authorization": "Bearer env-admin-tokeN"})
        assert no.status_code == 401


async def test_contact_with_identities_leads_follow_ups_and_surveys(api: Api) -> None:
    alice = api.seed.contacts["alice"]
    contact = (await api.get(f"{V1}/contacts/{alice}")).json()
    assert contact["email"] == "alice@customer.example"
    assert [(i["channel"], i["external_id"]) for i in contact["identities"]] == [("webchat", "v-1")]
    assert [lead["id"] for lead in contact["leads"]] == [
        api.seed.leads["alice"],
        api.seed.leads["alice2"],
    ]
    assert [c["id"] for c in contact["conversations"]] == [api.seed.conversations["alice"]]
    assert [f["id"] for f in contact["follow_ups"]] == [api.seed.follow_ups["alice"]]
    [survey] = contact["surveys"]
    assert {(a["kind"], a["score"], a["comment"]) for a in survey["answers"]} == {
        ("csat", 5, None),
        ("nps", 9, None),
        ("comment", None, "great"),
    }
    assert (await api.get(f"{V1}/contacts/987654")).status_code == 404


async def test_rep_sees_a_contact_only_through_its_own_records(api: Api) -> None:
    c = api.seed.contacts
    # rep2: Carl through his lead, Dana through her assigned conversation; not Alice.
    assert (await api.get(f"{V1}/contacts/{c['alice']}", who="rep2")).status_code == 404
    dana = (await api.get(f"{V1}/contacts/{c['dana']}", who="rep2")).json()
    assert dana["leads"] == [] and [x["id"] for x in dana["conversations"]] == [
        api.seed.conversations["dana"]
    ]
    alice = (await api.get(f"{V1}/contacts/{c['alice']}", who="rep1")).json()
    # Alice's unowned lost lead is not rep1's.
    assert [lead["id"] for lead in alice["leads"]] == [api.seed.leads["alice"]]
    assert (await api.get(f"{V1}/contacts/{c['dana']}", who="rep1")).status_code == 404


async def test_conversations_list_and_transcript(api: Api) -> None:
    conv = api.seed.conversations
    everything = (await api.get(f"{V1}/conversations")).json()
    assert [x["id"] for x in everything["items"]] == [conv["dana"], conv["carl"], conv["alice"]]
    handoff = (await api.get(f"{V1}/conversations", status="handoff", channel="webchat")).json()
    assert [x["id"] for x in handoff["items"]] == [conv["dana"]]
    assigned = (await api.get(f"{V1}/conversations", rep_id=api.seed.rep2)).json()
    assert assigned["total"] == 2
    detail = (await api.get(f"{V1}/conversations/{conv['alice']}")).json()
    assert [(m["seq"], m["role"], m["text"]) for m in detail["messages"]] == [
        (1, "customer", "how much is the Cam 4K?"),
        (2, "bot", "The Cam 4K is $899."),
    ]
    assert detail["messages"][1]["buttons"] == [{"title": "Talk to sales", "payload": "lead:start"}]
    assert detail["next_after_seq"] is None
    page = (await api.get(f"{V1}/conversations/{conv['alice']}", limit=1)).json()
    assert [m["seq"] for m in page["messages"]] == [1] and page["next_after_seq"] == 1
    rest = (await api.get(f"{V1}/conversations/{conv['alice']}", after_seq=1)).json()
    assert [m["seq"] for m in rest["messages"]] == [2]
    assert (await api.get(f"{V1}/conversations", status="open")).status_code == 422


async def test_rep_sees_only_its_conversations(api: Api) -> None:
    conv = api.seed.conversations
    rep1 = (await api.get(f"{V1}/conversations", who="rep1")).json()
    assert [x["id"] for x in rep1["items"]] == [conv["alice"]]  # through its lead
    rep2 = (await api.get(f"{V1}/conversations", who="rep2")).json()
    assert [x["id"] for x in rep2["items"]] == [conv["dana"], conv["carl"]]
    assert (await api.get(f"{V1}/conversations/{conv['carl']}", who="rep1")).status_code == 404
    assert (await api.get(f"{V1}/conversations/{conv['alice']}", who="rep1")).status_code == 200
    response = await api.get(f"{V1}/conversations", who="rep1", rep_id=api.seed.rep2)
    assert response.status_code == 403


async def test_follow_ups_by_rep_status_and_date(api: Api) -> None:
    f = api.seed.follow_ups
    listed = (await api.get(f"{V1}/follow-ups")).json()
    assert [x["id"] for x in listed["items"]] == [f["alice"], f["carl"]]
    assert listed["items"][0]["duration_minutes"] == 30
    by_rep = (await api.get(f"{V1}/follow-ups", rep_id=api.seed.rep2)).json()
    assert [x["id"] for x in by_rep["items"]] == [f["carl"]]
    # alice's call starts 2026-03-05 15:00 UTC, carl's 2026-03-06 15:00 UTC.
    window = (await api.get(f"{V1}/follow-ups", since="2026-03-06", until="2026-03-07")).json()
    assert [x["id"] for x in window["items"]] == [f["carl"]]
    assert (await api.get(f"{V1}/follow-ups", status="cancelled")).json()["total"] == 0
    mine = (await api.get(f"{V1}/follow-ups", who="rep1")).json()
    assert [x["id"] for x in mine["items"]] == [f["alice"]]
    assert (await api.get(f"{V1}/follow-ups", status="maybe")).status_code == 422


async def test_reps_and_personal_data_reads_are_audited(api: Api) -> None:
    reps = (await api.get(f"{V1}/reps", who="rep1")).json()
    assert [r["email"] for r in reps] == ["ann@auralis.example", "bob@auralis.example"]
    await api.get(f"{V1}/contacts/{api.seed.contacts['carl']}")
    await api.get(f"{V1}/conversations/{api.seed.conversations['carl']}", who="rep2")
    await api.get(f"{V1}/conversations")
    async with api.db.session() as session:
        rows = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    assert [(r.action, r.target_id) for r in rows] == [
        ("api.contacts.get", str(api.seed.contacts["carl"])),
        ("api.conversations.get", str(api.seed.conversations["carl"])),
        ("api.conversations.list", None),
    ]
    assert rows[1].actor == f"token:{api.seed.token_ids['rep2']}"

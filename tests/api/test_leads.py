"""``/api/v1/leads``: filters, pagination, bad filters, status and owner changes, rep scope."""

from __future__ import annotations

from sqlalchemy import select

from crm_store.models import AuditLog, DomainEvent
from crm_store.uow import UnitOfWork
from tests.api.conftest import Api

LEADS = "/api/v1/leads"


def ids(response) -> list[int]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_list_filters(api: Api) -> None:
    leads = api.seed.leads
    assert ids(await api.get(LEADS)) == [leads["alice2"], leads["carl"], leads["alice"]]
    assert ids(await api.get(LEADS, status="qualified")) == [leads["carl"]]
    assert ids(
        await api.http.get(LEADS + "?status=new&status=lost", headers=api.auth("manager"))
    ) == [
        leads["alice2"],
        leads["alice"],
    ]
    assert ids(await api.get(LEADS, channel="telegram")) == [leads["carl"]]
    assert ids(await api.get(LEADS, rep_id=api.seed.rep1)) == [leads["alice"]]
    assert ids(await api.get(LEADS, contact_id=api.seed.contacts["alice"])) == [
        leads["alice2"],
        leads["alice"],
    ]
    # Created on day 0, 1 and 2 after 2026-03-02 15:00 UTC; a bare date means 00:00 UTC.
    assert ids(await api.get(LEADS, since="2026-03-03", until="2026-03-04")) == [leads["carl"]]
    assert ids(await api.get(LEADS, since="2026-03-03T16:00:00+01:00")) == [
        leads["alice2"],
        leads["carl"],
    ]
    assert ids(await api.get(LEADS, status="won")) == []


async def test_pagination(api: Api) -> None:
    first = (await api.get(LEADS, limit=2)).json()
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (3, 2, 0, 2)
    rest = (await api.get(LEADS, limit=2, offset=first["next_offset"])).json()
    assert rest["next_offset"] is None and len(rest["items"]) == 1
    seen = [i["id"] for i in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(api.seed.leads.values())
    beyond = (await api.get(LEADS, offset=50)).json()
    assert beyond["items"] == [] and beyond["total"] == 3


async def test_bad_filters_are_422_with_a_readable_message(api: Api) -> None:
    cases = {
        "status=bogus": "Input should be 'new', 'qualified', 'meeting_booked', 'won' or 'lost'",
        "limit=0": "greater than or equal to 1",
        "limit=1000": "less than or equal to 200",
        "offset=-1": "greater than or equal to 0",
        "since=yesterday": "valid datetime",
        "since=2026-03-05&until=2026-03-01": "until must be later than since",
        "rep_id=abc": "valid integer",
        "channel=Web%20Chat": "should match pattern",
    }
    for query, message in cases.items():
        response = await api.http.get(f"{LEADS}?{query}", headers=api.auth("manager"))
        assert response.status_code == 422, query
        [error] = response.json()["detail"]
        assert message in error["msg"], (query, error)
        assert error["loc"][0] == "query"


async def test_get_lead_with_contact_history_and_follow_ups(api: Api) -> None:
    response = await api.get(f"{LEADS}/{api.seed.leads['carl']}")
    assert response.status_code == 200
    lead = response.json()
    assert lead["status"] == "qualified" and lead["owner_rep_id"] == api.seed.rep2
    assert lead["contact"]["email"] == "carl@customer.example"
    assert [(t["from_status"], t["to_status"]) for t in lead["transitions"]] == [
        (None, "new"),
        ("new", "qualified"),
    ]
    assert [f["id"] for f in lead["follow_ups"]] == [api.seed.follow_ups["carl"]]
    assert (await api.get(f"{LEADS}/999999")).status_code == 404
    assert (await api.get(f"{LEADS}/0")).status_code == 422


async def test_patch_status_through_the_pipeline_and_409(api: Api) -> None:
    url = f"{LEADS}/{api.seed.leads['alice']}"
    response = await api.patch(url, {"status": "qualified"})
    assert response.status_code == 200 and response.json()["status"] == "qualified"
    assert response.json()["transitions"][-1]["actor"] == f"token:{api.seed.token_ids['manager']}"
    async with UnitOfWork(api.db, api.clock) as uow:
        types = [e.type for e in await uow.events.after(0)]
    assert types[-2:] == ["lead.status_changed", "lead.qualified"]  # webhooks will see it
    response = await api.patch(f"{LEADS}/{api.seed.leads['alice2']}", {"status": "new"})
    assert response.status_code == 409
    assert response.json()["detail"] == "a lead cannot go from lost to new (lost is final)"
    response = await api.patch(url, {"status": "new"})
    assert response.json()["detail"] == (
        "a lead cannot go from qualified to new (allowed: lost, meeting_booked, won)"
    )
    response = await api.patch(url, {"status": "archived"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "status"]
    assert (await api.patch(url, {})).status_code == 422
    assert (await api.patch(url, {"colour": "red"})).status_code == 422


async def test_patch_owner_is_atomic_with_status(api: Api) -> None:
    url = f"{LEADS}/{api.seed.leads['alice2']}"
    response = await api.patch(url, {"owner_rep_id": api.seed.rep2, "status": "won"})
    assert response.status_code == 409  # lost -> won refused: the owner did not change either
    assert (await api.get(url)).json()["owner_rep_id"] is None
    response = await api.patch(url, {"owner_rep_id": api.seed.rep2})
    assert response.status_code == 200 and response.json()["owner_rep_id"] == api.seed.rep2
    async with UnitOfWork(api.db, api.clock) as uow:
        # Reassigned through the API, as in the dashboard: webhook subscribers hear of it.
        events = (
            await uow.session.scalars(
                select(DomainEvent.data).where(DomainEvent.type == "lead.updated")
            )
        ).all()
    assert {"lead_id": int(url.rsplit("/", 1)[1]), "fields": ["owner_rep_id"]} in events
    response = await api.patch(url, {"owner_rep_id": None})
    assert response.status_code == 200 and response.json()["owner_rep_id"] is None
    response = await api.patch(url, {"owner_rep_id": 424242})
    assert response.status_code == 422 and "does not exist" in response.json()["detail"][0]["msg"]


async def test_rep_token_sees_and_changes_only_its_own_leads(api: Api) -> None:
    leads = api.seed.leads
    assert ids(await api.get(LEADS, who="rep1")) == [leads["alice"]]
    assert ids(await api.get(LEADS, who="rep2")) == [leads["carl"]]
    assert (await api.get(LEADS, who="rep1", rep_id=api.seed.rep2)).status_code == 403
    assert (await api.get(f"{LEADS}/{leads['carl']}", who="rep1")).status_code == 404
    assert (
        await api.patch(f"{LEADS}/{leads['carl']}", {"status": "won"}, who="rep1")
    ).status_code == 404
    own = f"{LEADS}/{leads['alice']}"
    assert (await api.patch(own, {"status": "qualified"}, who="rep1")).status_code == 200
    response = await api.patch(own, {"owner_rep_id": api.seed.rep2}, who="rep1")
    assert response.status_code == 403


async def test_reads_and_changes_are_audited(api: Api) -> None:
    await api.get(LEADS, status="new")
    await api.get(f"{LEADS}/{api.seed.leads['carl']}", who="rep2")
    await api.patch(f"{LEADS}/{api.seed.leads['alice']}", {"status": "qualified"})
    async with api.db.session() as session:
        rows = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    manager, rep2 = (f"token:{api.seed.token_ids[n]}" for n in ("manager", "rep2"))
    got = [(r.actor, r.action, r.target_id) for r in rows]
    assert got == [
        (manager, "api.leads.list", None),
        (rep2, "api.leads.get", str(api.seed.leads["carl"])),
        (manager, "api.leads.update", str(api.seed.leads["alice"])),
    ]
    assert rows[2].detail == {
        "before": {"status": "new", "owner_rep_id": api.seed.rep1},
        "after": {"status": "qualified", "owner_rep_id": api.seed.rep1},
    }

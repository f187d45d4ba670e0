"""Specifications: create, edit with version checks, outcomes from the library, links, audit; both back ends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flagdesk.errors import ConflictError, NotFoundError, ValidationError
from flagdesk.reports.packdata import OutcomeRecord
from flagdesk.services.audit import list_audit
from flagdesk.services.specifications import (
    OUTCOME_TEMPLATES,
    add_outcome,
    create_specification,
    draft_specification,
    get_specification,
    link_specification,
    list_specifications,
    outcome_templates,
    remove_outcome,
    update_outcome,
    update_specification,
)
from flagdesk.store.models import Opportunity, Partner


def test_library_covers_the_ict_categories_with_complete_outcomes() -> None:
    assert {"availability", "time_to_resolve", "user_satisfaction", "carbon", "accessibility"} <= set(OUTCOME_TEMPLATES)
    for outcome in outcome_templates():
        assert outcome.statement and outcome.measure and outcome.target and outcome.evidence_source
    assert outcome_templates("Time to resolve") == list(OUTCOME_TEMPLATES["time_to_resolve"])
    with pytest.raises(ValidationError, match="choose one of"):
        outcome_templates("astrology")
    draft = draft_specification("Print")
    assert draft.id is None and len(draft.outcomes) == 5 and draft.kind == "outcome_based"


def test_create_edit_and_audit_a_specification(any_register) -> None:
    with any_register.write() as session:
        spec = create_specification(
            session,
            user="alice",
            title="  Service desk  ",
            kind="outcome based",
            category="end user",
            requirements=["24/7 phone line", " "],
            template_categories=["time_to_resolve"],
            outcomes=[OutcomeRecord("Calls answered fast", "Answered within 60 s", "70%", "90%", "ACD report")],
        )
    assert spec.title == "Service desk" and spec.kind == "outcome_based" and spec.requirements == ("24/7 phone line",)
    assert spec.outcomes[0].statement == "Calls answered fast" and len(spec.outcomes) == 3

    with any_register.write() as session:
        spec = update_specification(
            session, spec.id, {"summary": "One desk for all partners"}, user="bob", if_version=1
        )
        spec = add_outcome(session, spec.id, outcome_templates("carbon")[0], user="bob", if_version=spec.version)
        spec = update_outcome(session, spec.outcomes[0].id, {"target": "95%"}, user="bob", if_version=spec.version)
        spec = remove_outcome(session, spec.outcomes[1].id, user="bob")
    assert spec.version == 5 and spec.summary == "One desk for all partners"
    assert spec.outcomes[0].target == "95%" and len(spec.outcomes) == 3
    assert spec.outcomes[-1].statement.startswith("The service's carbon footprint")

    with any_register.session() as session:
        events = list_audit(session, table="specification")
        outcome_events = list_audit(session, table="outcome")
        assert [s.title for s in list_specifications(session)] == ["Service desk"]
    assert {(e.user, e.field) for e in events} >= {("alice", "title"), ("bob", "summary")}
    assert {e.action for e in outcome_events} == {"insert", "update", "delete"}


def test_stale_version_is_refused_and_nothing_written(any_register) -> None:
    with any_register.write() as session:
        spec = create_specification(session, user="alice", title="Hosting")
        update_specification(session, spec.id, {"title": "Hosting and backup"}, user="alice")
    with pytest.raises(ConflictError) as caught, any_register.write() as session:
        update_specification(session, spec.id, {"title": "Stale edit"}, user="bob", if_version=1)
    assert caught.value.exit_code == 3 and caught.value.current_version == 2
    with pytest.raises(ConflictError), any_register.write() as session:
        add_outcome(session, spec.id, OutcomeRecord("x"), user="bob", if_version=1)
    with any_register.session() as session:
        current = get_specification(session, spec.id)
    assert current.title == "Hosting and backup" and current.version == 2 and current.outcomes == ()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "needs a title"),
        ({"kind": "vibes"}, "kind"),
        ({"colour": "red"}, "Unknown"),
        ({"requirements": "one string"}, "list"),
        ({"title": "x" * 301}, "at most 300"),
    ],
)
def test_invalid_changes_are_refused(register, changes: dict[str, object], message: str) -> None:
    with register.write() as session:
        spec = create_specification(session, user="alice", title="Print")
    with pytest.raises(ValidationError, match=message), register.write() as session:
        update_specification(session, spec.id, changes, user="alice")
    with pytest.raises(ValidationError, match="statement"), register.write() as session:
        add_outcome(session, spec.id, OutcomeRecord("   "), user="alice")


def test_link_unlink_and_not_found(register) -> None:
    with register.write() as session:
        session.add(Partner(name="Westvale Borough Council", kind="district_council"))
        session.add(Opportunity(id="AGG-0000000001", kind="aggregation", title="Print"))
        spec = create_specification(session, user="alice", title="Print")
        link_specification(session, spec.id, "AGG-0000000001", user="alice")
    with register.session() as session:
        assert get_specification(session, spec.id).opportunity_ids == ("AGG-0000000001",)
        assert list_specifications(session)[0].opportunity_ids == ("AGG-0000000001",)
    with register.write() as session:
        link_specification(session, None, "AGG-0000000001", user="alice")
        opp = session.scalars(select(Opportunity)).one()
        assert opp.specification_id is None and opp.version == 3
        with pytest.raises(NotFoundError):
            link_specification(session, spec.id, "AGG-missing", user="alice")
        with pytest.raises(NotFoundError):
            link_specification(session, 999, "AGG-0000000001", user="alice")
        with pytest.raises(NotFoundError):
            get_specification(session, 999)

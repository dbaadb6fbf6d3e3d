"""Customers' personal links (pure): issued only to a customer contact, kept as
a hash, and honoured only while bound, live and not expired; the console's
rate limit for the customer's pages; and the page's words for the customer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ec_console.security.customer_guard import csrf_ok, csrf_value
from ec_escalation.domain import commands as c
from ec_escalation.domain.customer_links import (
    MAILER,
    honoured,
    issue,
    issued_by_hand,
    issuer,
    removed_contacts,
    token_hash,
)
from ec_escalation.domain.customer_view import customer_view
from ec_events.escalations import PlanRevised
from ec_platform.http.throttle import Pacing, WindowLimiter
from harness.escalations import (
    JO,
    NOW,
    PROVIDER_CONTACT,
    customer_contacts,
    managed,
    plan,
)

DAY = timedelta(days=1)


def test_a_link_is_random_and_only_its_hash_is_kept() -> None:
    escalation = managed().given(customer_contacts()).current

    first = issue(escalation, "JO@customer.example", now=NOW, issued_by=MAILER)
    second = issue(escalation, JO.email, now=NOW, issued_by=MAILER)

    assert first.token != second.token
    assert len(first.token) >= 43
    assert first.link.token_hash == token_hash(first.token)
    assert first.token not in repr(first.link)
    assert (first.link.contact_email, first.link.contact_name) == (JO.email, JO.name)


def test_a_link_keeps_who_issued_it_and_only_a_hand_issued_one_marks_acts() -> None:
    # given links made for a mail, by an operator by hand, and before issuers were kept
    escalation = managed().given(customer_contacts()).current
    mailed = issue(escalation, JO.email, now=NOW, issued_by=issuer("operator", "notifier")).link
    by_hand = issue(escalation, JO.email, now=NOW, issued_by=issuer("operator", "olivia")).link
    older = replace(mailed, issued_by=None)

    # then the mailed one is the mailer's, the other names its operator
    assert mailed.issued_by == MAILER
    assert by_hand.issued_by == "operator:olivia"
    # and only acts through the hand-issued one say whose link it was
    assert [issued_by_hand(link) for link in (mailed, by_hand, older)] == [
        None,
        "operator:olivia",
        None,
    ]


def test_no_link_for_someone_who_is_not_a_customer_contact() -> None:
    escalation = managed().given(customer_contacts()).current
    with pytest.raises(ValueError, match="not a customer contact"):
        issue(escalation, PROVIDER_CONTACT.email, now=NOW, issued_by=MAILER)


def test_a_link_opens_while_bound_to_a_current_contact_and_not_revoked() -> None:
    escalation = managed().given(customer_contacts()).current
    link = issue(escalation, JO.email, now=NOW, issued_by=MAILER).link
    other = managed().given(customer_contacts()).current

    assert honoured(link, escalation, ended_at=None, now=NOW)
    assert not honoured(replace(link, revoked_at=NOW), escalation, ended_at=None, now=NOW)
    assert not honoured(link, other, ended_at=None, now=NOW)  # another escalation
    assert not honoured(None, escalation, ended_at=None, now=NOW)
    removed = managed().given(customer_contacts(), c.SetContacts()).current
    assert not honoured(replace(link, escalation_id=removed.id), removed, ended_at=None, now=NOW)


def test_a_link_expires_its_lifetime_after_the_escalation_ended() -> None:
    history = managed().given(customer_contacts(), c.Withdraw(reason="a mistake"))
    link = issue(history.current, JO.email, now=NOW, issued_by=MAILER).link
    ended = NOW + DAY

    def opens(at: timedelta) -> bool:
        return honoured(
            link, history.current, ended_at=ended, now=ended + at, lifetime_after_end=2 * DAY
        )

    assert opens(DAY)
    assert not opens(2 * DAY)


def test_removing_a_contact_names_them_for_revocation() -> None:
    before = managed().given(customer_contacts()).current
    after = managed().given(c.SetContacts()).current
    assert removed_contacts(before, after) == (JO.email,)
    assert removed_contacts(before, before) == ()


def test_the_page_tells_what_changed_since_the_version_they_last_answered() -> None:
    history = managed().given(customer_contacts(), plan())
    history.given(c.AgreeToPlan(contact=JO, plan_version=1))
    first_action = plan().actions[0]
    daily = first_action.model_copy(update={"title": "Daily call"})
    history.given(replace(plan(reason="v2"), actions=(first_action, daily)))
    plans = [e for e in history.events if isinstance(e, PlanRevised)]

    page = customer_view(history.current, plans, contact_email=JO.email)

    assert page["plan_version_last_seen"] == 1
    assert page["plan_changes"] == ["added: Daily call"]
    assert page["plan"]["actions"][0]["owner"] is None
    assert page["manager"] is None
    assert page["can"] == ["agree_plan", "decline_plan", "confirm_resolution"]
    named = customer_view(history.current, plans, contact_email=JO.email, show_names=True)
    assert named["manager"] == "Dana Okafor"


def test_the_csrf_value_belongs_to_one_link_and_one_secret() -> None:
    value = csrf_value("s" * 32, "token-a")
    assert csrf_ok("s" * 32, "token-a", value)
    assert not csrf_ok("s" * 32, "token-b", value)
    assert not csrf_ok("t" * 32, "token-a", value)


def test_the_customer_pages_limit_each_client_per_window() -> None:
    now = [0.0]
    limiter = WindowLimiter(limit=2, window_s=60, clock=lambda: now[0])

    answers = [limiter.allow("10.0.0.1")[0] for _ in range(3)]
    other = limiter.allow("10.0.0.2")[0]
    now[0] = 61.0
    later = limiter.allow("10.0.0.1")[0]

    assert answers == [True, True, False]
    assert other is True
    assert later is True


def test_the_customer_routes_pace_each_address_and_each_link() -> None:
    now = [0.0]
    pacing = Pacing.per_minute(2, lambda: now[0])

    # one address trying many links, and many addresses on one link
    many_links = [pacing.admit("10.0.0.1", f"link-{n}") for n in range(3)]
    many_addresses = [pacing.admit(f"10.0.1.{n}", "shared-link") for n in range(3)]
    now[0] = 61.0

    assert many_links[:2] == [None, None]
    assert many_links[2] is not None
    assert many_addresses[:2] == [None, None]
    assert many_addresses[2] is not None
    assert pacing.admit("10.0.0.1", "link-0") is None

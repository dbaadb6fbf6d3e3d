"""What goes back to the ITSM platforms: which milestones write a note where,
the notes' words, the platforms' request formats (ADF for Jira), problem
records from the review, the platforms' error messages, Retry-After, and the
connections file's checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ec_events import escalations as esc
from ec_events.base import Event, PlatformRecord
from ec_notifier.channels.platform_requests import (
    adf,
    created_problem,
    error_message,
    request_for,
    retry_after_s,
)
from ec_notifier.domain.audience import Audience, evolve
from ec_notifier.domain.connections import (
    ConnectionsFileError,
    load_connections,
    parse_connections,
)
from ec_notifier.domain.writeback import WriteBack, writebacks_for
from harness.notifier import Story

CONSOLE = "https://ec.example/console"
SN = PlatformRecord(platform="servicenow", record_id="a" * 32, number="INC0012345")
JIRA = PlatformRecord(platform="jira", record_id="OPS-7")
PD = PlatformRecord(platform="pagerduty", record_id="PT4KHLK", number="1042")
FILE = {
    "connections": {
        "servicenow": {
            "base_url": "https://acme.service-now.com",
            "username": "ec-integration",
            "password_env": "EC_SERVICENOW_PASSWORD",
        },
        "jira": {
            "base_url": "https://acme.atlassian.net",
            "email": "escalations@acme.example",
            "api_token_env": "EC_JIRA_API_TOKEN",
            "problem_project": "PRB",
            "problem_issue_type": "Problem",
        },
        "pagerduty": {
            "base_url": "https://api.pagerduty.com",
            "api_token_env": "EC_PAGERDUTY_API_TOKEN",
            "from_email": "escalations@acme.example",
        },
    }
}
CONNECTIONS = parse_connections(FILE)


def incident_records(*records: PlatformRecord) -> tuple[esc.IncidentRecord, ...]:
    return tuple(esc.IncidentRecord(incident_id=uuid.uuid4(), record=r) for r in records)


def replay(story: Story, *events: Event) -> list[list[WriteBack]]:
    """The write-backs of each event, folding the audience as the notifier does."""
    audience = Audience(str(story.id))
    found = []
    for event in events:
        audience = evolve(audience, event)
        found.append(writebacks_for(CONNECTIONS, audience, event, console_url=CONSOLE))
    return found


# The milestones


def test_a_start_writes_one_note_on_each_incident_record_with_a_connection() -> None:
    story = Story()

    [notes] = replay(story, story.started(incident_records=incident_records(SN, JIRA, PD)))

    assert [(n.channel, n.recipient) for n in notes] == [
        ("servicenow", SN.record_id),
        ("jira", "OPS-7"),
        ("pagerduty", "PT4KHLK"),
    ]
    note = notes[0].body
    assert f"escalation {story.id}, level 1" in note
    assert "Why: escalation criteria met: p1" in note
    assert f"{CONSOLE}/escalations/{story.id}" in note
    assert "Next:" in note


def test_later_milestones_reach_the_records_known_from_the_start_and_from_links() -> None:
    story = Story()
    linked = esc.RecordLinked(
        escalation_id=story.id, kind="incident", ref=str(uuid.uuid4()), platform_record=JIRA
    )

    _, on_link, on_manager, on_team, on_progress = replay(
        story,
        story.started(incident_records=incident_records(SN)),
        linked,
        story.manager(),
        story.team(),
        story.progress(),
    )

    assert [n.recipient for n in on_link] == ["OPS-7"]  # only the incident just linked
    assert "linked to escalation" in on_link[0].body
    assert [n.channel for n in on_manager] == ["servicenow", "jira"]
    assert "Dana Okafor (dana@provider.example) is the escalation manager" in on_manager[0].body
    assert on_team == []  # not a milestone
    assert "3 of 5 gateways restored" in on_progress[0].body
    assert "Next update by" in on_progress[0].body


def test_a_linked_problem_record_is_not_taken_for_an_incident_to_write_to() -> None:
    story = Story()
    problem = PlatformRecord(platform="servicenow", record_id="b" * 32, number="PRB0040001")
    link = esc.RecordLinked(
        escalation_id=story.id, kind="problem", ref="PRB0040001", platform_record=problem
    )

    _, on_link, on_progress = replay(story, story.started(), link, story.progress())

    assert on_link == []
    assert on_progress == []


def test_a_reopening_names_the_recurring_incident_and_closure_says_what_comes_next() -> None:
    story = Story()
    reopened = esc.EscalationReopened(
        escalation_id=story.id, round=1, note="502s are back", platform_record=PD
    )

    _, on_reopen, on_close = replay(story, story.started(), reopened, story.closed())

    assert [n.recipient for n in on_reopen] == ["PT4KHLK"]
    assert "502s are back" in on_reopen[0].body
    assert "Jo Meyer" in on_close[0].body
    assert "reviewed" in on_close[0].body


def test_a_withdrawal_tells_the_records_that_they_are_no_longer_escalated() -> None:
    story = Story()
    withdrawn = esc.EscalationWithdrawn(escalation_id=story.id, reason="a misread payload")

    _, on_withdrawal = replay(
        story, story.started(incident_records=incident_records(SN)), withdrawn
    )

    assert "withdrawn" in on_withdrawal[0].body
    assert "a misread payload" in on_withdrawal[0].body


def test_a_platform_without_a_connection_gets_nothing() -> None:
    story = Story()
    only_jira = parse_connections({"connections": {"jira": FILE["connections"]["jira"]}})
    audience = evolve(Audience(str(story.id)), story.started())
    event = story.started(incident_records=incident_records(SN, JIRA))
    audience = evolve(audience, event)

    notes = writebacks_for(only_jira, audience, event, console_url=CONSOLE)

    assert [n.channel for n in notes] == ["jira"]


# Problem records


def test_each_open_problem_input_becomes_one_problem_record_on_the_incidents_platform() -> None:
    story = Story()
    review = story.reviewed(
        esc.ProblemManagementInput(kind="open_problem", description="Certificates expire unseen"),
        esc.ProblemManagementInput(kind="follow_up_action", description="Add an expiry alert"),
        esc.ProblemManagementInput(kind="open_problem", description="Failover is manual"),
    )

    _, problems = replay(story, story.started(incident_records=incident_records(PD, SN)), review)

    assert [(p.channel, p.recipient) for p in problems] == [
        ("servicenow-problem", "problem 1"),
        ("servicenow-problem", "problem 3"),
    ]
    assert problems[0].subject == "Problem from escalation: Certificates expire unseen"
    assert str(story.id) in problems[0].body
    assert "INC0012345" in problems[0].body
    assert "a certificate expired on the EU gateways" in problems[0].body


def test_pagerduty_keeps_no_problem_records() -> None:
    story = Story()
    review = story.reviewed(esc.ProblemManagementInput(kind="open_problem", description="x"))

    _, problems = replay(story, story.started(incident_records=incident_records(PD)), review)

    assert problems == []


# The platforms' formats


def test_servicenow_gets_work_notes_never_comments() -> None:
    connection = CONNECTIONS.get("servicenow")
    assert connection is not None

    request = request_for(
        "servicenow", connection, "pw", record_id=SN.record_id, subject="s", body="a note"
    )

    assert request.method == "PATCH"
    assert request.url == f"https://acme.service-now.com/api/now/table/incident/{SN.record_id}"
    assert request.body == {"work_notes": "a note"}
    assert request.headers["Authorization"] == "Basic ZWMtaW50ZWdyYXRpb246cHc="


def test_jira_text_becomes_adf_paragraphs_with_hard_breaks() -> None:
    document = adf("First line\nsecond line\n\n\nNext paragraph\n")

    assert document == {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "First line"},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "second line"},
                ],
            },
            {"type": "paragraph", "content": [{"type": "text", "text": "Next paragraph"}]},
        ],
    }


def test_a_jira_problem_is_an_issue_in_the_configured_project_and_type() -> None:
    connection = CONNECTIONS.get("jira")
    assert connection is not None

    request = request_for(
        "jira-problem", connection, "t", record_id="problem 1", subject="Summary", body="Text"
    )

    assert request.url == "https://acme.atlassian.net/rest/api/3/issue"
    fields = request.body["fields"]
    assert fields["project"] == {"key": "PRB"}
    assert fields["issuetype"] == {"name": "Problem"}
    assert fields["summary"] == "Summary"
    assert fields["description"]["type"] == "doc"


def test_pagerduty_notes_carry_the_token_the_from_user_and_the_v2_media_type() -> None:
    connection = CONNECTIONS.get("pagerduty")
    assert connection is not None

    request = request_for("pagerduty", connection, "tok", record_id="PT4KHLK", subject="", body="n")

    assert request.url == "https://api.pagerduty.com/incidents/PT4KHLK/notes"
    assert request.body == {"note": {"content": "n"}}
    assert request.headers["Authorization"] == "Token token=tok"
    assert request.headers["From"] == "escalations@acme.example"
    assert request.headers["Accept"] == "application/vnd.pagerduty+json;version=2"


@pytest.mark.parametrize(
    ("platform", "body", "said"),
    [
        (
            "servicenow",
            '{"error": {"message": "User Not Authenticated", "detail": "Required to provide '
            'Auth information"}, "status": "failure"}',
            "User Not Authenticated: Required to provide Auth information",
        ),
        (
            "jira",
            '{"errorMessages": ["Issue does not exist"], "errors": {"summary": "required"}}',
            "Issue does not exist; summary: required",
        ),
        (
            "pagerduty",
            '{"error": {"message": "Invalid Input Provided", "code": 2001, '
            '"errors": ["Requester User Not Found"]}}',
            "Invalid Input Provided; Requester User Not Found (code 2001)",
        ),
        ("servicenow", "<html>proxy error</html>", "<html>proxy error</html>"),
    ],
)
def test_a_refusal_keeps_the_platforms_own_words(platform: str, body: str, said: str) -> None:
    assert error_message(platform, 401, body) == f"{platform} answered 401: {said}"


def test_the_created_problem_is_read_from_each_platforms_answer() -> None:
    servicenow = '{"result": {"sys_id": "abc", "number": "PRB0040001", "state": "101"}}'

    assert created_problem("servicenow", servicenow) == ("abc", "PRB0040001")
    assert created_problem("jira", '{"id": "10042", "key": "PRB-7", "self": "x"}') == (
        "PRB-7",
        None,
    )
    assert created_problem("servicenow", '{"result": {}}') is None


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)

    assert retry_after_s("120", now) == 120
    assert retry_after_s("Fri, 04 Dec 2026 06:01:30 GMT", now) == 90
    assert retry_after_s("soon", now) is None
    assert retry_after_s(None, now) is None


# The connections file


def test_the_issues_example_file_is_read_with_its_secrets_from_the_environment(
    tmp_path: Path,
) -> None:
    path = tmp_path / "connections.yaml"
    path.write_text(
        """
connections:
  servicenow:
    base_url: https://acme.service-now.com
    username: ec-integration
    password_env: EC_SERVICENOW_PASSWORD
  pagerduty:
    base_url: https://api.pagerduty.com
    api_token_env: EC_PAGERDUTY_API_TOKEN
    from_email: escalations@acme.example
"""
    )
    environ = {"EC_SERVICENOW_PASSWORD": "pw", "EC_PAGERDUTY_API_TOKEN": "tok"}

    connections = load_connections(str(path), environ)

    servicenow = connections.get("servicenow")
    assert servicenow is not None
    assert servicenow.user == "ec-integration"
    assert servicenow.secret(environ) == "pw"
    assert "jira" not in connections


def test_no_file_means_no_write_backs() -> None:
    assert load_connections(None).by_platform == {}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"servicenow": {"base_url": "acme.service-now.com"}}, "servicenow.base_url"),
        ({"servicenow": {"password": "in the file"}}, "servicenow.password"),
        ({"jira": {"email": "not an address"}}, "jira.email"),
        ({"pagerduty": {"api_token_env": "NOT-A-NAME"}}, "pagerduty.api_token_env"),
        ({"zendesk": {}}, "zendesk"),
    ],
)
def test_a_bad_file_is_refused_naming_the_field(
    change: dict[str, dict[str, str]], named: str
) -> None:
    data = {
        "connections": {
            platform: {**FILE["connections"].get(platform, {}), **fields}
            for platform, fields in change.items()
        }
    }

    with pytest.raises(ConnectionsFileError, match=named.replace(".", r"\.")):
        parse_connections(data)


def test_a_secret_variable_that_is_not_set_stops_the_start_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "connections.yaml"
    path.write_text(
        "connections:\n  jira:\n    base_url: https://acme.atlassian.net\n"
        "    email: a@acme.example\n    api_token_env: EC_JIRA_API_TOKEN\n"
    )

    with pytest.raises(ConnectionsFileError, match="EC_JIRA_API_TOKEN is not set"):
        load_connections(str(path), {})


def test_a_missing_or_malformed_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConnectionsFileError, match="cannot read"):
        load_connections(str(tmp_path / "absent.yaml"), {})
    bad = tmp_path / "bad.yaml"
    bad.write_text("connections: [\n")
    with pytest.raises(ConnectionsFileError, match="not valid YAML"):
        load_connections(str(bad), {})

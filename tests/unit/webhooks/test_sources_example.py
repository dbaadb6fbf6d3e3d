"""The README's example sources file is the one the tests load, and it loads."""

from __future__ import annotations

from pathlib import Path

from ec_intake.sources import load_sources
from ec_intake.webhooks import to_incidents
from tests.unit.webhooks.golden import GOLDEN, example

EXAMPLE = GOLDEN / "sources.example.yaml"
# The page of the documentation that shows it (Integrating, "Webhook field mappings").
README = Path(__file__).parents[3] / "docs" / "integrating" / "webhook-mappings.md"


def test_the_readme_shows_the_example_sources_file_verbatim() -> None:
    assert f"```yaml\n{EXAMPLE.read_text()}```" in README.read_text()


def test_the_example_sources_file_loads_and_maps_customers() -> None:
    # given the README's example sources file
    sources = load_sources(str(EXAMPLE), None)

    # when a PagerDuty incident of a mapped service and a Jira issue of a mapped project arrive
    [paged] = to_incidents(example("pagerduty", "incident_triggered"), sources["pagerduty"])
    jira_issue = example("jira", "issue_created_without_organization")
    del jira_issue["issue"]["fields"]["customfield_10050"]
    [ticket] = to_incidents(jira_issue, sources["jira"])

    # then each names its mapped customer
    assert paged.customer.model_dump() == {
        "id": "fabrikam",
        "name": "Fabrikam Finance",
        "tier": "gold",
    }
    assert ticket.customer.model_dump() == {
        "id": "contoso",
        "name": "Contoso Retail",
        "tier": "silver",
    }
    assert paged.customer_resolved
    assert ticket.customer_resolved


def test_the_example_generic_source_reads_acme_monitor_alerts() -> None:
    sources = load_sources(str(EXAMPLE), None)

    [alert] = to_incidents(example("generic", "acme_monitor"), sources["acme-monitor"])

    assert (alert.external_id, alert.priority, alert.service) == ("AM-77812", "P1", "ledger")
    assert alert.customer.model_dump() == {
        "id": "org-42",
        "name": "Fabrikam Finance",
        "tier": "gold",
    }

"""The whole event catalogue, as the embedded mode serves it at /asyncapi.json:

    python -m ec_embedded.asyncapi > asyncapi.json

Topic names follow EC_TOPIC_PREFIX, as the services' do."""

from __future__ import annotations

import json
import sys
from typing import Any

from ec_escalation.service import EscalationService
from ec_intake.service import IntakeService
from ec_monitor.service import MonitorService
from ec_notifier.service import NotifierService
from ec_platform.app import VERSION, catalogue_title
from ec_platform.asyncapi.document import catalogue
from ec_platform.settings import PlatformSettings

SERVICES = (IntakeService, EscalationService, NotifierService, MonitorService)


def full_catalogue(settings: PlatformSettings) -> dict[str, Any]:
    return catalogue(
        [service.bus_use for service in SERVICES],
        topics=settings.topics,
        title=catalogue_title("embedded"),
        version=VERSION,
    )


def main() -> int:
    json.dump(full_catalogue(PlatformSettings()), sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

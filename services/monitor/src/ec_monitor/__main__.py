"""`python -m ec_monitor [serve options]` serves; `python -m ec_monitor migrate` brings
its database to this version's schema and stops."""

import sys

from ec_monitor.app import create_app
from ec_monitor.migrations import history
from ec_monitor.settings import DEFAULT_PORT
from ec_platform.serve import serve
from ec_platform.storage.migrate_command import migrate_command

if __name__ == "__main__":
    if sys.argv[1:2] == ["migrate"]:
        sys.exit(migrate_command(history(), sys.argv[2:]))
    serve(create_app, name="monitor", default_port=DEFAULT_PORT)

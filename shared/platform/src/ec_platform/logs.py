"""How a process logs: one line a record, as text or as JSON, each naming the
trace and span it was logged in (`trace_id`, `span_id`), so a log line leads
to its trace and back."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Literal

from ec_platform.tracing import TraceIdsInLogs

LogFormat = Literal["text", "json"]
TEXT_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [trace_id=%(trace_id)s span_id=%(span_id)s]: %(message)s"
)


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "trace_id": getattr(record, "trace_id", ""),
            "span_id": getattr(record, "span_id", ""),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str, log_format: LogFormat) -> logging.Handler:
    """The root logger's one handler, writing to stderr; returned for a test to read."""
    handler = logging.StreamHandler()
    handler.addFilter(TraceIdsInLogs())
    handler.setFormatter(
        JsonLogFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    return handler

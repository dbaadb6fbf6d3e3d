"""How a process logs: one line a record, as text or as JSON, each naming the
trace and span it was logged in (`trace_id`, `span_id`), so a log line leads
to its trace and back."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Literal

from ec_platform.observability.tracing import TraceIdsInLogs

LogFormat = Literal["text", "json"]
TEXT_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [trace_id=%(trace_id)s span_id=%(span_id)s]: %(message)s"
)


# Every C0 control but none printable, DEL and the C1 controls, and the
# Unicode line and paragraph separators some terminals also break lines on.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """`text` on one line: `\\r`, `\\n`, `\\t` and `\\xNN`/`\\uNNNN` in place of the
    control characters, so that input logged verbatim cannot forge log lines."""
    return _CONTROLS.sub(lambda m: _NAMED.get(m[0]) or m[0].encode("unicode_escape").decode(), text)


class TextLogFormatter(logging.Formatter):
    """The text format, with the message (its arguments filled in) escaped.
    A traceback keeps its lines: it is the code's text, not a caller's."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = escape_controls(record.message)
        return super().formatMessage(record)


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
        JsonLogFormatter() if log_format == "json" else TextLogFormatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    return handler

"""Text fit for a mail header (a subject, a display name). Pure.

Titles and names are stored as people gave them, line breaks included (a
multi-line Alertmanager summary is common); a header cannot hold a line break,
and the mail library refuses the whole message rather than fold it. So each
run of line breaks, control characters and other invisible format characters
becomes one space here, the only place text turns into a header."""

from __future__ import annotations

import unicodedata

# Control, format, surrogate, private-use and unassigned code points, and the
# Unicode line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MAX_HEADER_CHARS = 900


def header_safe(text: str) -> str:
    """One line of printable text: breaks and controls folded to single
    spaces, the ends trimmed, and at most MAX_HEADER_CHARS characters."""
    spaced = "".join(
        " " if unicodedata.category(char) in _UNSAFE_CATEGORIES else char for char in text
    )
    return " ".join(spaced.split())[:MAX_HEADER_CHARS]

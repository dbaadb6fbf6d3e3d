"""Sessions: a random id in a signed, expiring cookie; everything else, the
user's token above all, stays in this process's memory.

Why server-side: the console must hold the token to call the services on the
user's behalf, and a token never goes back to the browser. Keeping the session
here also makes logout final: the entry is deleted, so the same cookie, replayed,
finds nothing. The price is that a restart signs everyone out and replicas need
sticky sessions, which suits a console used by a handful of people."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

from itsdangerous import BadSignature, TimestampSigner

COOKIE = "ec_console_session"
LOGIN_COOKIE = "ec_console_login"


@dataclass(frozen=True)
class User:
    role: str
    name: str

    @property
    def may_change(self) -> bool:
        return self.role in ("operator", "admin")

    @property
    def may_audit(self) -> bool:
        return self.role in ("auditor", "admin")

    @property
    def may_administer(self) -> bool:
        return self.role == "admin"


@dataclass
class Session:
    id: str
    token: str
    user: User
    csrf: str
    expires_at: float
    flash: list[str] = field(default_factory=list)

    @property
    def watch_key(self) -> str:
        """Names the token (never shows it) for sharing watchers between tabs."""
        return hashlib.sha256(self.token.encode()).hexdigest()[:16]

    def __repr__(self) -> str:  # never the token, whatever logs it
        return f"Session(user={self.user!r})"


class SessionStore:
    def __init__(self, secret: str, *, lifetime_s: float) -> None:
        self._signer = TimestampSigner(secret, salt="ec-console-session")
        self._login_signer = TimestampSigner(secret, salt="ec-console-login")
        self._lifetime_s = lifetime_s
        self._sessions: dict[str, Session] = {}

    @property
    def lifetime_s(self) -> int:
        return int(self._lifetime_s)

    def create(self, token: str, user: User) -> tuple[Session, str]:
        """A new session and the cookie value naming it."""
        self._purge()
        session = Session(
            id=secrets.token_urlsafe(32),
            token=token,
            user=user,
            csrf=secrets.token_urlsafe(32),
            expires_at=time.time() + self._lifetime_s,
        )
        self._sessions[session.id] = session
        return session, self._signer.sign(session.id).decode()

    def find(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            session_id = self._signer.unsign(cookie, max_age=int(self._lifetime_s)).decode()
        except BadSignature:
            return None
        session = self._sessions.get(session_id)
        if session is None or session.expires_at < time.time():
            self._sessions.pop(session_id, None)
            return None
        return session

    def end(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def _purge(self) -> None:
        now = time.time()
        for key in [k for k, s in self._sessions.items() if s.expires_at < now]:
            del self._sessions[key]

    # The login form has no session yet: a signed nonce in a cookie and the same
    # nonce in the form (double submit) keeps other sites from signing people in.
    def login_nonce(self) -> tuple[str, str]:
        nonce = secrets.token_urlsafe(24)
        return nonce, self._login_signer.sign(nonce).decode()

    def login_nonce_matches(self, cookie: str | None, submitted: str) -> bool:
        if not cookie or not submitted:
            return False
        try:
            nonce = self._login_signer.unsign(cookie, max_age=3600).decode()
        except BadSignature:
            return False
        return hmac.compare_digest(nonce, submitted)


def csrf_matches(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf, submitted or "")

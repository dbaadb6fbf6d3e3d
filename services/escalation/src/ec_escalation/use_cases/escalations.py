"""Use cases: load the escalation, decide, append, and write what the command
implies, all in one transaction. Dependencies are parameters."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from ec_escalation.domain import customer_links
from ec_escalation.domain.commands import Command, SetContacts, StartEscalation
from ec_escalation.domain.decide import decide
from ec_escalation.domain.errors import StaleVersion
from ec_escalation.domain.observations import Observation
from ec_escalation.domain.state import Escalation
from ec_escalation.store import customer_links as links
from ec_escalation.store.event_store import Change, EscalationStore, Recorded
from ec_events import Envelope
from ec_platform.clock import Clock
from ec_platform.storage.eventlog import NewEvent, VersionConflict
from ec_platform.storage.inbox import first_delivery
from ec_platform.storage.retry import retry_on_conflict

Actor = tuple[str, str]
CommandChoice = Callable[[AsyncConnection], Awaitable[tuple[UUID, Command] | None]]
Work = Callable[[AsyncConnection], Awaitable[Recorded]]
SERVICE_ACTOR: Actor = ("service", "escalation")


@dataclass(frozen=True)
class Cause:
    """The message a command came from, for correlation and exactly-once."""

    envelope: Envelope
    consumer: str


class StateCache:
    """Recently used escalations as last committed, so a command folds only the
    events recorded since (usually none) instead of replaying the stream."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._states: OrderedDict[UUID, Escalation] = OrderedDict()

    def get(self, escalation_id: UUID) -> Escalation | None:
        state = self._states.get(escalation_id)
        if state is not None:
            self._states.move_to_end(escalation_id)
        return state

    def committed(self, state: Escalation) -> None:
        """Called only after the transaction that produced `state` committed."""
        known = self._states.get(state.id)
        if known is None or known.version < state.version:
            self._states[state.id] = state
            self._states.move_to_end(state.id)
        while len(self._states) > self._size:
            self._states.popitem(last=False)


class Escalations:
    """The escalation use cases. `appended` is told after every commit that
    stored events, so the relay need not wait for its next poll; `observe`,
    what the process metrics learn from them (never before the commit, so a
    retried or failed transaction counts nothing)."""

    def __init__(
        self,
        store: EscalationStore,
        clock: Clock,
        appended: Callable[[], None],
        *,
        observe: Callable[[Sequence[Observation]], None] = lambda _: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.appended = appended
        self.observe = observe
        self.cache = StateCache()

    async def start(self, command: StartEscalation, *, actor: Actor) -> Recorded:
        return await self.execute(uuid.uuid4(), command, actor=actor)

    async def execute(
        self,
        escalation_id: UUID,
        command: Command,
        *,
        actor: Actor,
        if_match: int | None = None,
    ) -> Recorded:
        """Runs one command in its own transaction; a lost race is retried on
        the fresh state unless the caller pinned a version with If-Match."""

        async def work(conn: AsyncConnection) -> Recorded:
            return await self.execute_in(
                conn, escalation_id, command, actor=actor, if_match=if_match
            )

        return await self.transaction(work, if_match=if_match)

    async def transaction(self, work: Work, *, if_match: int | None = None) -> Recorded:
        """Runs `work` (its reads, a command, what it implies) in one
        transaction, retried whole on a lost race unless the caller pinned a
        version with If-Match."""

        async def attempt() -> Recorded:
            async with self.store.db.transaction() as conn:
                return await work(conn)

        try:
            recorded = await retry_on_conflict(attempt)
        except VersionConflict:
            if if_match is None:
                raise
            raise StaleVersion(if_match, if_match + 1) from None
        self.committed(recorded)
        return recorded

    def committed(self, recorded: Recorded | None) -> None:
        """Told after the transaction that produced `recorded` committed."""
        if recorded is None:
            return
        self.cache.committed(recorded.state)
        if recorded.events:
            self.observe(recorded.observed)
            self.appended()

    async def execute_in(
        self,
        conn: AsyncConnection,
        escalation_id: UUID,
        command: Command,
        *,
        actor: Actor,
        if_match: int | None = None,
        cause: Cause | None = None,
    ) -> Recorded:
        """The command inside the caller's transaction (so a consumer can record
        the message it came from in the same transaction)."""
        state = await self.store.load(conn, escalation_id, known=self.cache.get(escalation_id))
        if if_match is not None and state is not None and state.version != if_match:
            raise StaleVersion(if_match, state.version)
        now = self.clock()
        events = decide(state, command, escalation_id=escalation_id, now=now)
        if not events:
            assert state is not None
            return Recorded(state, ())
        envelope = cause.envelope if cause else None
        new_events = [
            NewEvent.of(
                event,
                event_id=uuid.uuid4(),
                actor=actor,
                correlation_id=(envelope.correlation_id or envelope.id) if envelope else None,
                causation_id=envelope.id if envelope else None,
            )
            for event in events
        ]
        recorded = await self.store.append(
            conn, state, escalation_id, events, new_events, recorded_at=now
        )
        if isinstance(command, SetContacts) and state is not None:
            # A contact taken off the escalation loses their personal links,
            # in the transaction that took them off.
            removed = customer_links.removed_contacts(state, recorded.state)
            await links.revoke(conn, self.store.tables, escalation_id, removed, now=now)
        return recorded

    async def execute_all_in(
        self,
        conn: AsyncConnection,
        commands: Sequence[tuple[UUID, Command, Cause]],
        *,
        actor: Actor = SERVICE_ACTOR,
    ) -> list[Recorded]:
        """As execute_in, for commands on distinct escalations: loaded
        together, their events appended in one insert, the read models written
        together."""
        if not commands:
            return []
        ids = [escalation_id for escalation_id, _, _ in commands]
        known = {i: state for i in ids if (state := self.cache.get(i)) is not None}
        states = await self.store.load_all(conn, ids, known=known)
        now = self.clock()
        changes = []
        for escalation_id, command, cause in commands:
            state = states[escalation_id]
            events = decide(state, command, escalation_id=escalation_id, now=now)
            envelope = cause.envelope
            new_events = [
                NewEvent.of(
                    event,
                    event_id=uuid.uuid4(),
                    actor=actor,
                    correlation_id=envelope.correlation_id or envelope.id,
                    causation_id=envelope.id,
                )
                for event in events
            ]
            changes.append(Change(state, escalation_id, events, new_events))
        return await self.store.append_all(conn, changes, recorded_at=now)

    async def execute_once(
        self, escalation_id: UUID, command: Command, *, cause: Cause, actor: Actor = SERVICE_ACTOR
    ) -> Recorded | None:
        """A command from a message, applied at most once."""

        async def fixed(_: AsyncConnection) -> tuple[UUID, Command]:
            return escalation_id, command

        return await self.handle_message(cause, fixed, actor=actor)

    async def handle_message(
        self, cause: Cause, choose: CommandChoice, *, actor: Actor = SERVICE_ACTOR
    ) -> Recorded | None:
        """The message's effect and its id commit in one transaction, so a
        re-delivered message changes nothing. `choose` reads what it needs in
        that transaction and names the command, or None for no effect."""

        async def attempt() -> Recorded | None:
            async with self.store.db.transaction() as conn:
                if not await first_delivery(
                    conn,
                    self.store.tables.inbox,
                    consumer=cause.consumer,
                    message_id=cause.envelope.id,
                ):
                    return None
                chosen = await choose(conn)
                if chosen is None:
                    return None
                escalation_id, command = chosen
                return await self.execute_in(conn, escalation_id, command, actor=actor, cause=cause)

        recorded = await retry_on_conflict(attempt)
        self.committed(recorded)
        return recorded

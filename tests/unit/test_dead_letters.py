"""A dead letter carries why and whence it failed; read back, it gives the
message as it was, to send to its own topic again."""

from __future__ import annotations

import pytest

from ec_events import Message
from ec_platform.bus.base import Delivery
from ec_platform.bus.dead_letters import (
    REPLAYED_FROM,
    DeadLetter,
    NotADeadLetter,
    dead_letter,
)

ORIGINAL = Message(
    key=b"esc-42",
    value=b'{"note": "x"}',
    headers=(("ce_id", b"evt-1"), ("ce_type", b"ProgressReported"), ("content-type", b"json")),
)


def dead(message: Message = ORIGINAL, *, topic: str = "ec.escalations") -> Message:
    delivery = Delivery(topic=topic, partition=2, offset=17, message=message)
    return dead_letter(delivery, group="notifier", reason="failed 5 times: KeyError: 'x'")


def test_a_dead_letter_read_back_says_where_it_was_read_by_whom_and_why() -> None:
    letter = DeadLetter.read(dead(), dlq_topic="ec.escalations.dlq")

    assert (letter.topic, letter.partition, letter.offset) == ("ec.escalations", 2, 17)
    assert letter.group == "notifier"
    assert letter.reason == "failed 5 times: KeyError: 'x'"
    assert letter.at


def test_a_dead_letter_read_back_holds_the_original_message_unchanged() -> None:
    letter = DeadLetter.read(dead(), dlq_topic="ec.escalations.dlq")

    assert letter.original == ORIGINAL


def test_a_replay_is_the_original_marked_with_where_it_was_replayed_from() -> None:
    letter = DeadLetter.read(dead(), dlq_topic="ec.escalations.dlq")

    replayed = letter.replay(replayed_from="ec.escalations.dlq:0@3")

    assert (replayed.key, replayed.value) == (ORIGINAL.key, ORIGINAL.value)
    assert replayed.headers == (*ORIGINAL.headers, (REPLAYED_FROM, b"ec.escalations.dlq:0@3"))


def test_a_message_replayed_and_dead_lettered_again_replays_with_one_mark() -> None:
    first = DeadLetter.read(dead(), dlq_topic="ec.escalations.dlq")
    again = dead(first.replay(replayed_from="ec.escalations.dlq:0@3"))

    replayed = DeadLetter.read(again, dlq_topic="ec.escalations.dlq").replay(
        replayed_from="ec.escalations.dlq:1@9"
    )

    assert [v for k, v in replayed.headers if k == REPLAYED_FROM] == [b"ec.escalations.dlq:1@9"]


def test_a_plain_message_is_not_a_dead_letter() -> None:
    with pytest.raises(NotADeadLetter, match="not a dead letter"):
        DeadLetter.read(ORIGINAL, dlq_topic="ec.escalations.dlq")


def test_a_dead_letter_of_another_topic_is_refused_where_it_does_not_belong() -> None:
    with pytest.raises(NotADeadLetter, match=r"'ec\.incidents'"):
        DeadLetter.read(dead(topic="ec.incidents"), dlq_topic="ec.escalations.dlq")

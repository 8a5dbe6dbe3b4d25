"""Questions told with a comma before the question ("gefragt, wie viele", "спрашивал, когда"), and the
press office refused in plain words ("she didnt want the press office"), sixteenth round (issue 17).

German and Russian put a comma before every indirect question, so "hat gefragt, wie viele Leute
nachts ..." is the same act as "fragte nach ...": a question put about the organisation. And a caller
who calls herself a journalist but "didn't want the press office" and "asked me directly" bypassed
it, so her questions are read as what they are. Every sentence is written for this suite.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read
from watchword.domain import ApproachType, Scope

ASKED_BEFORE_A_COMMA = [
    "Auf der Messe hat ein Besucher am Stand gefragt, wie viele Leute nachts im Leitstand sitzen.",
    "Ein Mann auf dem Parkplatz fragte, wann die Nachtschicht wechselt und wer den Schlüssel hat.",
]


@pytest.mark.parametrize("text", ASKED_BEFORE_A_COMMA)
def test_a_question_after_a_comma_is_read(text: str) -> None:
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == ApproachType.ELICITATION


def test_a_journalist_who_refused_the_press_office_is_read_by_her_questions() -> None:
    text = (
        "A woman rang saying she was a reporter. She didnt want the press office, "
        "she asked me directly when the board meets and who sits on it."
    )
    reading = read(text)
    assert reading.scope == Scope.IN_SCOPE, reading.scope_reason
    assert reading.primary == ApproachType.ELICITATION


def test_a_journalist_through_the_press_office_is_still_journalism() -> None:
    text = "A reporter from the local paper went through our press office and asked when the board meets."
    assert read(text).scope != Scope.IN_SCOPE

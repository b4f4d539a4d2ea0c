"""Every lesson's claim, measured: the claim's runs train with fixed seeds on the CPU, and every condition
the lesson's file states must hold. The runs and conditions come from the lesson's own file, so a lesson
cannot drift from its test."""

import pytest

from dlcore.lessons import check_claim, check_state, course

LESSONS = course().lessons


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_the_lesson_opens_and_its_claim_holds(lesson):
    check_state(lesson)
    outcomes = check_claim(lesson)
    failed = [o.text for o in outcomes if not o.passed]
    assert not failed, f"{lesson.id}: '{lesson.claim.says}' does not hold: {'; '.join(failed)}"

"""The lessons' challenges, checked on real runs: the lesson's starting setup does not pass, and the change
its steps suggest (the claim's other run) does."""

import pytest

from dlcore.lessons import check_challenge, course
from dlcore.lessons.runs import run

CHALLENGES = [  # lesson, the claim's run as the lesson opens, the claim's run with the suggested change
    ("pooling_receptive_field", "flat", "pooled"),
    ("imbalanced_recall", "plain", "balanced"),
    ("adversarial_training", "plain", "robust"),
    ("input_normalisation", "raw", "standardised"),
    ("early_stopping", "full", "early"),
    ("data_augmentation", "plain", "augmented"),
]


@pytest.mark.parametrize("lesson_id, start, changed", CHALLENGES, ids=[c[0] for c in CHALLENGES])
def test_the_challenge_needs_the_change_the_steps_suggest(lesson_id, start, changed):
    lesson = course().lesson(lesson_id)
    before, after = check_challenge(lesson, run(lesson, start)), check_challenge(lesson, run(lesson, changed))
    assert not before.passed, [o.text for o in before.outcomes]
    assert after.passed, [o.text for o in after.outcomes]

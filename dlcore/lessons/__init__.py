"""Lessons: guided experiments as data (assets/lessons/), each with a question the server checks and a
claim its test asserts. See docs/lessons.md for the format.

    course().lessons            # every lesson, in course order
    lesson_link(lesson)         # "playground?lesson=xor": opens the page with the lesson's state
    lesson_query(lesson)        # the page's link parameters for the lesson's state
    check_claim(lesson)         # trains the claim's runs; Outcomes with the numbers
    check_answer / check_challenge
    offered_course()            # the lessons that open, and a LessonError for each that does not
"""

from dlcore.lessons import (
    attention,  # noqa: F401  (the attention tab's runs and its mirror_attention measure)
    diffusion,  # noqa: F401  (registers sample_distance and noise_only_steps)
    dynamics,  # noqa: F401 (registers loss_noise, saturation, weight_norm)
    gan,  # noqa: F401  (registers modes_covered and generator_push)
    generative,  # noqa: F401  (the Generative page: its links, its runs, test_score)
    robustness,  # noqa: F401  (registers the architecture and trust measures)
    sequences,  # noqa: F401  (registers the Sequences page and its tabs' runs)
    state_space,  # noqa: F401  (registers the state-space tab's runs and longest_half_life)
    training,  # noqa: F401  (registers search runs and the training lessons' measures)
)
from dlcore.lessons.catalogue import (
    LessonFilter,
    filter_from_query,
    filter_to_query,
    offered_course,
    validate_filter,
)
from dlcore.lessons.checks import STUDENT, Verdict, check_answer, check_challenge, check_claim
from dlcore.lessons.lesson import (
    LESSON_PARAM,
    LEVELS,
    Claim,
    Condition,
    Course,
    Lesson,
    LessonError,
    Question,
    course,
    read_course,
    read_lesson,
)
from dlcore.lessons.measures import MEASURES, Outcome, register_measure
from dlcore.lessons.pages import PAGES, check_state, lesson_link, lesson_query, register_page
from dlcore.lessons.runs import RunResult, register_runner, result_of

__all__ = [
    "LESSON_PARAM",
    "LEVELS",
    "Claim",
    "Condition",
    "Course",
    "Lesson",
    "LessonError",
    "Question",
    "course",
    "read_course",
    "read_lesson",
    "PAGES",
    "check_state",
    "lesson_link",
    "lesson_query",
    "register_page",
    "RunResult",
    "register_runner",
    "result_of",
    "MEASURES",
    "Outcome",
    "register_measure",
    "STUDENT",
    "Verdict",
    "check_answer",
    "check_challenge",
    "check_claim",
    "offered_course",
    "LessonFilter",
    "filter_from_query",
    "filter_to_query",
    "validate_filter",
]

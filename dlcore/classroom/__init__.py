"""The classroom (issue 20): classes students join with a code, challenges scored on examples no student
ever gets, leaderboards, and the teacher's view of every student's runs, in the run store's database.

service.py   Classroom (create_class, join, create_challenge, hand_in, leaderboard, ...), its records,
             classroom_service() on the process's run store
scoring.py   a handed-in run rebuilt from its spec and weights, checked and scored on the hidden examples
teacher.py   the teacher password ($DLP_TEACHER_PASSWORD or --teacher-password) and its rate limit
tables.py    the tables, beside the runs tables
"""

from dlcore.classroom.service import (
    TEACHER,
    ChallengeRecord,
    ClassRecord,
    Classroom,
    HandIn,
    LeaderboardRow,
    StudentProgress,
    StudentRecord,
    classroom_service,
)
from dlcore.classroom.teacher import configured_password
from dlcore.errors import ClassroomError, TooManyAttempts

__all__ = [
    "TEACHER",
    "ChallengeRecord",
    "ClassRecord",
    "Classroom",
    "ClassroomError",
    "HandIn",
    "LeaderboardRow",
    "StudentProgress",
    "StudentRecord",
    "TooManyAttempts",
    "classroom_service",
    "configured_password",
]

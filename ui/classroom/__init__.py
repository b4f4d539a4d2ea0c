"""The Classroom page: a student's view and the teacher's, over dlcore's classroom service.

state.py        the page's state (dlcore.classroom_view.ClassroomView) in this tab, mirrored to the link
student.py      join with a code and a name; the challenges, Open on Train, hand in a run, my hand-ins
teacher.py      the teacher's password; classes, the code shown big, the sections, the CSV export
challenges.py   what a challenge asks, which one is shown, the teacher's section that sets and closes them
leaderboard.py  the leaderboard (the teacher's live; a student's once shared)
progress.py     the teacher's Students section: every student's latest run, opened read-only
"""

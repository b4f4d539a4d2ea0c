"""Lessons in the app: the Lessons page, a lesson open on its page, and its card in the sidebar.

A lesson (dlcore.lessons, assets/lessons/) opens on its page with its state: its link is
`/<page>?lesson=<id>` alone, and app.py's `lesson_frame` loads the lesson's state into that page's
PageStates (`opening.LESSON_PAGES`) when a tab first sees the link. From then on the page's own link
carries the student's state beside the lesson's id, so a reload keeps both.

- `opening`: which PageStates each page has, opening and leaving a lesson, the frame's part;
- `card`: the card in the sidebar (the text, the question and its check, Next and Leave);
- `runs`: the student's run on each page, as a dlcore.lessons.RunResult for a challenge;
- `listing`: the Lessons page's parts (the filter, the lessons by topic, each with Open and its link).
"""

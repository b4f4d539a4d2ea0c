"""Text a user typed or uploaded (a spec's name, a layer's type, a file name) shown as plain text.

Streamlit renders markdown in st.markdown, st.caption, st.error and friends, so a spec named
`![t](http://host/track.png)` would show as an image fetched from that host by everyone who opens the spec
(and learn who did). `plain` escapes what would turn text into markup there.
"""

from __future__ import annotations

import re

# links and images ([ ] !), HTML and autolinks (< >), maths ($), code (`), emphasis (* ~), tables (|),
# headings (#), and ':' before a word, which starts an emoji, an icon (:material/x:) or a colour (:red[x]).
_MARKUP = re.compile(r"([\\\[\]<>$`*~|#!]|:(?=\S))")


def plain(text: object) -> str:
    """`text` escaped so that markdown shows it character for character, on one line."""
    return _MARKUP.sub(r"\\\1", " ".join(str(text).splitlines()))

"""The 2-D playground: TF Playground's lessons on the real engine, live, with A/B comparison.

Its state is the engine's frozen `Playground`, held as the page's PageState (ui.state): read from the
link, bound to every widget, mirrored to the address bar, so a link reopens exactly this setup.

- `bar`: the player bar (Play/Pause, Step, Reset through ui.run_controls), the lessons menu, A/B;
- `data`, `network`, `classroom`: the controls of the data, of each network, and the teacher's panel;
- `runs`: one training job per network, restarted or continued when the state changes;
- `views`: the live pictures of each network and its output.
"""

from dlcore import playground as pg
from ui.state import PLAYGROUND, PageState

STATE = PageState(PLAYGROUND, pg.from_query, pg.to_query, pg.validate)

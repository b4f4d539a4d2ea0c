"""The Runs page: every kept run in a table; tick several to overlay their curves and compare their
settings; one to rename, note, reopen on Build and Train, or delete.

sections.py  the page's sections (its tabs below the table): a registry others add to
state.py     the page's state (dlcore.runs.RunsView) in this tab, mirrored to the link
table.py     the filters, the name runs are kept under, and the table with its ticks
compare.py   the Compare section: curves overlaid, settings side by side
manage.py    the This run section: rename, note, open on Build and Train, delete
search.py    the Search section: a hyper-parameter search around the ticked run (search_plan.py: its plan)
exports.py   the Export section: the ticked run as a TensorBoard log and as a notebook
"""

# Each module registers its section when imported: the import order is the tabs' order.
# isort: off
from ui.runs import compare, manage  # noqa: F401
from ui.runs import search  # noqa: F401
from ui.runs import exports  # noqa: F401
# isort: on

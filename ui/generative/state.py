"""The Generative page's state in this tab: the engine's frozen GenerativeState, held as a PageState (read
from the link, bound to every widget, mirrored to the address bar)."""

from dlcore import generative as gen
from ui.state import GENERATIVE as GENERATIVE_KEY
from ui.state import PageState

GENERATIVE = PageState(GENERATIVE_KEY, gen.from_query, gen.to_query, gen.validate)

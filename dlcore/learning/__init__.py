"""How networks learn, up close: the engine of the Learning page's tools."""

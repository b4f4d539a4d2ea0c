"""The Learning page: how networks learn, up close."""

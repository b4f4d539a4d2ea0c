"""Hostile files and the checks that they are refused cheaply and clearly (a package: shared makers)."""

"""Imported by a page other than the term page."""


def show() -> None:
    print("other page")

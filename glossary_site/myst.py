"""Reading a MyST page's front matter, the way myst-parser does: YAML between ``---`` lines."""

from __future__ import annotations

from typing import Any

import yaml


class FrontMatterError(ValueError):
    """Front matter that is not a YAML mapping, or a ``glossary`` key this project does not know."""


def front_matter(text: str) -> dict[str, Any]:
    """The YAML mapping at the top of a MyST page, or ``{}`` when it has none.

    Block and flow style are the same YAML:

    >>> front_matter("---\\nglossary:\\n  fresh_kernel: true\\n---\\n# T\\n")
    {'glossary': {'fresh_kernel': True}}
    >>> front_matter("---\\nglossary: {fresh_kernel: true}\\n---\\n# T\\n")
    {'glossary': {'fresh_kernel': True}}
    >>> front_matter("# No front matter\\n")
    {}
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return {}
    for end, line in enumerate(lines[1:], start=1):
        if line.rstrip() == "---":
            break
    else:
        raise FrontMatterError("the front matter has no closing '---' line")
    try:
        data = yaml.safe_load("".join(lines[1:end]))
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"the front matter is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError("the front matter is not a YAML mapping")
    return data


# The project's own front-matter settings, under the key ``glossary``, and their types.
GLOSSARY_SETTINGS = {"fresh_kernel": bool}


def glossary_settings(text: str) -> dict[str, Any]:
    """The page's ``glossary:`` settings, checked: unknown keys and wrong types are errors.

    >>> glossary_settings("---\\nglossary: {fresh_kernel: true}\\n---\\n")
    {'fresh_kernel': True}
    >>> glossary_settings("---\\nglossary:\\n  fresh_kernel: yes please\\n---\\n")
    Traceback (most recent call last):
    ...
    glossary_site.myst.FrontMatterError: glossary.fresh_kernel must be true or false, not 'yes please'
    """
    settings = front_matter(text).get("glossary") or {}
    if not isinstance(settings, dict):
        raise FrontMatterError("glossary: in the front matter must be a mapping")
    for key, value in settings.items():
        if key not in GLOSSARY_SETTINGS:
            known = ", ".join(sorted(GLOSSARY_SETTINGS))
            raise FrontMatterError(f"unknown front-matter setting glossary.{key} (known: {known})")
        if not isinstance(value, GLOSSARY_SETTINGS[key]):
            raise FrontMatterError(f"glossary.{key} must be true or false, not {value!r}")
    return settings

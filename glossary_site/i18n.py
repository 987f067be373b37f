"""The extension's own words, in the edition's language: gettext, as Sphinx's own are.

A page's prose is translated by its catalog (:mod:`.translations`). What this
extension writes around it (the names line, the reading path, a claim box's
labels, the related terms, the run-it-yourself box, the provenance line) and
what it takes from the registry for readers (each term's summary, each claim
as its sources state it, each related concept's note) are the messages of one
more catalog, ``locales/zh_CN/LC_MESSAGES/glossary-site.po``: made, updated,
checked and counted exactly like a page's (it is the pseudo-page
``glossary-site`` of ``_build/translations.json``).

- :data:`_` translates a message (Sphinx's ``get_translation``, with the
  catalog :func:`setup` compiles and registers);
- :func:`fill` builds a sentence with nodes in it from one message with
  ``{placeholders}``, so that a translator sees whole sentences, not pieces;
- :func:`messages` is every message of the catalog: the strings marked
  ``_("...")`` in this package's modules (found as ``xgettext`` finds them,
  by babel's extractor) and the registry's texts.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from docutils import nodes
from sphinx.locale import get_translation

from . import settings

DOMAIN = "glossary-site"  # the catalog's name: locales/<language>/LC_MESSAGES/glossary-site.po
_ = get_translation(DOMAIN)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def N_(message: str) -> str:
    """Mark a message for the catalog without translating it (a constant, translated
    with ``_()`` where it is used)."""
    return message


def name_of(term, config) -> str:
    """A term's name where a page names it: in the Chinese edition its Chinese name."""
    return term.name if config.language == "en" else term.zh


def fill(message: str, **parts: nodes.Node | str) -> list[nodes.Node]:
    """A translated sentence as nodes: each ``{name}`` replaced by ``parts[name]``.

    >>> [n.astext() for n in fill("see {link}.", link=nodes.strong("", "Start here"))]
    ['see ', 'Start here', '.']
    """
    out: list[nodes.Node] = []
    at = 0
    for m in _PLACEHOLDER.finditer(message):
        if m.start() > at:
            out.append(nodes.Text(message[at:m.start()]))
        part = parts[m.group(1)]
        out.append(nodes.Text(part) if isinstance(part, str) else part)
        at = m.end()
    if at < len(message):
        out.append(nodes.Text(message[at:]))
    return out


def registry_messages() -> list[str]:
    """The registry's texts that readers see: summaries, claims, related concepts' notes."""
    from glossary_examples._lib import registry

    found: dict[str, None] = {}
    for term in registry.TERMS:
        found.setdefault(term.summary, None)
        for claim in term.claims:
            found.setdefault(claim.text, None)
        for concept in term.concepts:
            found.setdefault(concept.note, None)
    return list(found)


def code_messages(package: Path | None = None) -> list[str]:
    """The strings marked ``_("...")`` in this package's modules, in file order."""
    from babel.messages.extract import extract_python

    package = package or Path(__file__).parent
    found: dict[str, None] = {}
    for path in sorted(package.rglob("*.py")):
        if "from .i18n import" not in path.read_text(encoding="utf-8"):
            continue  # its _ (if any) is Sphinx's, for Sphinx's own words
        with path.open("rb") as f:
            for _line, function, message, _comments in extract_python(
                    f, keywords=["_", "N_"], comment_tags=[], options={}):
                if function in ("_", "N_") and isinstance(message, str):
                    found.setdefault(message, None)
    return list(found)


def messages() -> list[str]:
    """Every message of the extension's catalog."""
    return list(dict.fromkeys([*code_messages(), *registry_messages()]))


def compiled_dir(root: Path) -> Path:
    """Where the catalog is compiled for Sphinx (``<language>/LC_MESSAGES/<domain>.mo``)."""
    return settings.build_dir(root) / "locale"


def compile_catalog(root: Path, language: str) -> Path | None:
    """The ``.mo`` of the extension's catalog for ``language`` (fuzzy entries left out,
    as Sphinx compiles the pages' catalogs); None when there is no catalog."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = settings.catalog_path(DOMAIN, root, language)
    if not source.is_file():
        return None
    target = compiled_dir(root) / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with source.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    data = buffer.getvalue()
    if not target.is_file() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return target


def setup(app) -> None:
    root = Path(app.confdir)
    if app.config.language != "en":
        compile_catalog(root, app.config.language)
        # Pages are read again when their words change (the catalog is their dependency).
    app.add_message_catalog(DOMAIN, str(compiled_dir(root)))
    app.connect("doctree-read", _depends_on_catalog)


def _depends_on_catalog(app, doctree) -> None:
    """In an edition other than English, every page is read again when the extension's
    catalog changes: its words are in the pages' doctrees."""
    if app.config.language != "en":
        catalog = settings.catalog_path(DOMAIN, Path(app.confdir), app.config.language)
        app.env.note_dependency(str(catalog))

"""The Chinese edition's catalogs, and whether they keep up with the English pages.

The site is written once, in English (``docs/``, MyST). The Chinese edition is
the same pages through Sphinx's own i18n: one gettext catalog per page,
``locales/zh_CN/LC_MESSAGES/<page>.po`` (``gettext_compact`` off), whose
``msgid`` are the page's translatable messages exactly as Sphinx extracts them
(:func:`sphinx.util.nodes.extract_messages`, what the ``gettext`` builder
uses): headings, paragraphs, list items, figure captions, in MyST.

- **Drift.** After every English build the messages of each page, taken from
  the doctrees that build wrote, are compared with its catalog. A message the
  catalog has no translation for (new English, or English that changed) is
  *untranslated*; a translation marked fuzzy (by :func:`update`, when the
  English it was made for changed) is *fuzzy*: Sphinx shows neither, the page
  shows English there. The count, page by page, is written to
  ``_build/translations.json``; the build command prints it
  (:mod:`glossary_site.engine.publish`) and ``tests/test_translations.py``
  fails on any.
- ``python -m glossary_site.translations update`` (``make translations``)
  brings every catalog up to the pages of the last build, as ``msgmerge``
  would: a new message is added untranslated, a changed one keeps the old
  translation marked fuzzy (babel's fuzzy matching), a removed one goes.
  Translating is then editing the ``.po`` files and removing ``fuzzy`` flags.

The catalogs are written with no dates and no source locations, so that an
update that changes no message changes no file.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from . import i18n, settings

LANGUAGE = "zh_CN"  # Sphinx's name of the language, and the edition's folder in the site
LOCALES = settings.LOCALES
REPORT = "translations.json"  # in _build
_FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def catalog_path(docname: str, root: Path = settings.ROOT) -> Path:
    return settings.catalog_path(docname, root, LANGUAGE)


def catalog_dir(root: Path = settings.ROOT) -> Path:
    return settings.catalog_dir(root, LANGUAGE)


def report_path(root: Path = settings.ROOT) -> Path:
    return settings.build_dir(root) / REPORT


def page_messages(doctree, toctrees=()) -> list[str]:
    """A page's translatable messages, in order, each once (as the gettext builder
    extracts them, toctree captions included)."""
    from sphinx.util.nodes import extract_messages

    found: dict[str, None] = {}
    for tree in (*toctrees, doctree):
        for _node, message in extract_messages(tree):
            found.setdefault(message, None)
    return list(found)


def read_catalog(path: Path):
    from babel.messages.pofile import read_po

    if not path.is_file():
        return None
    data = path.read_bytes()
    catalog = read_po(io.BytesIO(data), locale=LANGUAGE)
    for msgid, previous in _previous_ids(data.decode("utf-8")).items():
        message = catalog.get(msgid)
        if message is not None:
            message.previous_id = [previous]
            message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
    return catalog


def _previous_ids(text: str) -> dict[str, str]:
    r"""msgid -> the English it was translated from, the "#| msgid" of a fuzzy message.

    Babel writes that line wrapped at 76 columns (as xgettext does, whatever the width),
    breaking at whitespace, but reads it back as comments: a second `make translations`
    would turn it into "# | msgid" comments that outlive the fuzzy. So it is read here.

    >>> _previous_ids('#, fuzzy\n#| msgid "an old\n#| line"\nmsgid ""\n"new"\nmsgstr "x"\n')
    {'new': 'an old line'}
    """
    from babel.messages.pofile import denormalize

    found: dict[str, str] = {}
    previous: list[str] = []
    msgid: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("#|"):
            previous.append(line[2:].strip())
        elif line.startswith("msgid "):
            msgid = [line[len("msgid "):]]
        elif msgid is not None and line.startswith('"'):
            msgid.append(line)
        else:
            if msgid is not None and previous and previous[0].startswith("msgid "):
                found[denormalize("\n".join(msgid))] = denormalize(
                    " ".join(previous).removeprefix("msgid "))
            if msgid is not None or not line.startswith("#"):
                previous = []
            msgid = None
    return found


@dataclass(frozen=True)
class PageStatus:
    messages: int
    untranslated: int
    fuzzy: int

    @property
    def translated(self) -> int:
        return self.messages - self.untranslated - self.fuzzy

    @property
    def percent(self) -> float:
        return 100.0 if not self.messages else 100.0 * self.translated / self.messages


def status(messages: list[str], catalog) -> PageStatus:
    """How much of a page's ``messages`` its catalog translates (None: no catalog)."""
    untranslated = fuzzy = 0
    for message in messages:
        entry = catalog.get(message) if catalog is not None else None
        if entry is None or not entry.string:
            untranslated += 1
        elif entry.fuzzy:
            fuzzy += 1
    return PageStatus(len(messages), untranslated, fuzzy)


def write_report(root: Path, messages: dict[str, list[str]]) -> dict:
    """``_build/translations.json``: every page's messages and how many are translated."""
    pages = {}
    for docname in sorted(messages):
        found = status(messages[docname], read_catalog(catalog_path(docname, root)))
        pages[docname] = {"messages": found.messages, "untranslated": found.untranslated,
                          "fuzzy": found.fuzzy}
    report = {"language": LANGUAGE, "pages": pages, "msgids": messages}
    path = report_path(root)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    # Written only when it changes: the Chinese index, which shows it, is read again then.
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return report


def summary(report: dict) -> list[str]:
    """What the build prints: a line of totals, then a line for each page not done."""
    pages = report["pages"]
    total = sum(p["messages"] for p in pages.values())
    untranslated = sum(p["untranslated"] for p in pages.values())
    fuzzy = sum(p["fuzzy"] for p in pages.values())
    done = total - untranslated - fuzzy
    percent = 100.0 * done / total if total else 100.0
    lines = [f"Chinese edition: {done} of {total} messages translated ({percent:.1f} %), "
             f"{untranslated} untranslated, {fuzzy} fuzzy"]
    for docname, p in pages.items():
        if p["untranslated"] or p["fuzzy"]:
            page_percent = 100.0 * (p["messages"] - p["untranslated"] - p["fuzzy"]) / p["messages"]
            lines.append(f"  {docname}: {page_percent:.0f} % ({p['untranslated']} untranslated, "
                         f"{p['fuzzy']} fuzzy) in {LOCALES}/{LANGUAGE}/LC_MESSAGES/{docname}.po")
    return lines


# --- What a translation must keep of its English -----------------------------------------------

# A page's section titles, in both editions (terms.py checks the English ones).
SECTION_TITLES = {
    "Definition": "定义", "Formula": "公式", "Example": "示例", "Plot": "图示",
    "NumPy vs Keras": "NumPy 与 Keras 对照", "Source claims checked": "来源说法核查",
    "Pitfalls": "常见陷阱", "Related terms": "相关术语", "Run it yourself": "亲自运行",
}
_ROLE = re.compile(r"\{([\w:.-]+)\}`([^`]*)`")
_CODE = re.compile(r"``[^`]+``|`[^`]+`")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_FIELD = re.compile(r"\{\w+\}(?!`)")
_CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef]+")  # ：、； as a translation
_HAN = re.compile(r"[\u4e00-\u9fff]")


# The theme's words may hold HTML (sphinx.po: furo's footer): its tags are kept as they are.
_HTML_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?>")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+(?:\{[^{}]*\})?")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _is_formula(message: str) -> bool:
    r"""Whether a message is a display formula's TeX (``$$`` blocks reach the catalog
    without their ``$$``): TeX commands, and no run of words outside them.

    >>> _is_formula(r"m_i \sim \operatorname{Bernoulli}(1 - p), \[4pt] 	ext{training}")
    True
    >>> _is_formula(r"The rate $p$ is the fraction dropped.")
    False
    """
    if ("$" in message or "`" in message or _HTML_TAG.search(message)
            or not re.search(r"[\\^_=]", message)):
        return False
    rest = _TEX_COMMAND.sub(" ", message)
    return not re.search(r"[A-Za-z]{3,}[ ,;:]+[A-Za-z]{3,}", rest)


def _term_titles() -> dict[str, str]:
    from glossary_examples._lib import registry

    return {t.title: t.zh_title for t in registry.TERMS}


def lint(english: str, chinese: str, names_may_stay: bool = False) -> list[str]:
    """What a translation lost of its English: the problems, in words (none: fine).

    Code, math, link targets and glued numbers ({glue:...} roles, whose numbers
    come from the code) are kept exactly; other roles keep their names; a
    message with no words to translate (a formula, code) is copied; the others
    are Chinese; a section title is the edition's own.

    >>> lint("Set `rate` to {glue:text}`p:.2f` at $x$.", "将 `rate` 设为 {glue:text}`p:.2f`，见 $x$。")
    []
    >>> lint("Set `rate` to {glue:text}`p:.2f`.", "将 rate 设为 0.5。")
    ['glued numbers differ: {glue:text}`p:.2f` became (none)', 'code differs: `rate` became (none)']
    >>> lint('<a href="https://x.org/">Sphinx</a> and ', '<a href="x.org">Sphinx</a> 和 ')
    ['markup differs: <a href="https://x.org/"> became <a href="x.org">']
    """
    if english in SECTION_TITLES:
        return [] if chinese == SECTION_TITLES[english] else [
            f"section title {english!r} is {SECTION_TITLES[english]!r} in this edition"]
    titles = _term_titles()
    if english in titles:
        return [] if chinese == titles[english] else [
            f"a term page's title is {titles[english]!r} in this edition"]
    problems = []

    def compare(what: str, before: list[str], after: list[str]) -> None:
        if sorted(before) != sorted(after):
            lost = [x for x in before if x not in after] or ["(none)"]
            new = [x for x in after if x not in before] or ["(none)"]
            problems.append(f"{what}: {' '.join(lost)} became {' '.join(new)}")

    roles = list(_ROLE.finditer(english)), list(_ROLE.finditer(chinese))
    glued = [[m.group(0) for m in found if m.group(1).startswith("glue")] for found in roles]
    other = [[m.group(1) for m in found if not m.group(1).startswith("glue")] for found in roles]
    compare("glued numbers differ", *glued)
    compare("roles differ", *other)
    bare = _ROLE.sub("", english), _ROLE.sub("", chinese)
    compare("math differs", _MATH.findall(_CODE.sub("", bare[0])), _MATH.findall(_CODE.sub("", bare[1])))
    compare("code differs", _CODE.findall(bare[0]), _CODE.findall(bare[1]))
    compare("link targets differ", _LINK_TARGET.findall(english), _LINK_TARGET.findall(chinese))
    compare("markup differs", *(_HTML_TAG.findall(_CODE.sub("", text)) for text in bare))
    # The extension's sentences: {name} is filled in with a node or a value.
    compare("placeholders differ", _FIELD.findall(english), _FIELD.findall(chinese))
    if not names_may_stay and _is_formula(english):  # a display formula's TeX: copied
        return [] if chinese == english else ["a formula: copy the English as it is"]
    words = re.sub(r"[^A-Za-z]", "", _MATH.sub("", _CODE.sub("", bare[0])))
    if names_may_stay and len(english.split()) <= 6 and (
            chinese == english or not _HAN.search(chinese)):
        return problems  # a plot's label of names and symbols: "ReLU", "Keras fit, SGD"
    if len(words) >= 3 and not _HAN.search(chinese):
        problems.append("not translated: no Chinese in it")
    if len(words) < 3 and chinese != english and not _HAN.search(chinese) \
            and not _CJK_PUNCTUATION.fullmatch(chinese.strip() or "x"):
        problems.append("no words to translate: copy the English as it is")
    return problems


# --- Bringing the catalogs up to the English pages -------------------------------------------

def _template(messages: list[str]):
    from babel.messages.catalog import Catalog

    template = Catalog(locale=None, creation_date=_FIXED_DATE, fuzzy=False)
    for message in messages:
        template.add(message)
    return template


def _note_previous(catalog, before: dict[str, str], kept: dict[str, list[str]]) -> None:
    """Gives each fuzzy message the English it was translated from ("#| msgid").

    Babel's update copies the closest old translation but does not say from which English,
    as xgettext's msgmerge does, and drops what the file said: a message still fuzzy keeps
    what it had (``kept``); one just matched gets the old message, now gone, whose
    translation was copied (the closest of them if several had the same).
    """
    import difflib

    gone = {msgid: string for msgid, string in before.items() if catalog.get(msgid) is None}
    for message in catalog:
        if message.fuzzy and message.id in kept:
            message.previous_id = list(kept[message.id])
        elif message.fuzzy and message.id and not message.previous_id and message.id not in before:
            olds = [msgid for msgid, string in gone.items() if string == message.string]
            if olds:
                message.previous_id = [max(olds, key=lambda old: difflib.SequenceMatcher(
                    None, old, message.id).ratio())]


def updated_catalog(messages: list[str], existing):
    """The catalog for a page with ``messages``, keeping what ``existing`` translated."""
    from babel.messages.catalog import Catalog

    template = _template(messages)
    catalog = existing or Catalog(
        locale=LANGUAGE, project="Deep learning glossary", version="", fuzzy=False,
        header_comment="# The Chinese edition of a page of the deep learning glossary.\n"
                       "# Made and updated by `make translations` (glossary_site/translations.py).",
        msgid_bugs_address="", last_translator="", language_team="zh_CN",
        creation_date=_FIXED_DATE)
    before = {m.id: m.string for m in catalog if m.id and m.string} if existing else {}
    kept = {m.id: m.previous_id for m in catalog if m.id and m.previous_id} if existing else {}
    catalog.update(template, update_creation_date=False)
    _note_previous(catalog, before, kept)
    for message in catalog:
        # babel marks a message with braces (a glue role) as python-brace-format: it is not.
        message.flags.discard("python-brace-format")
        message.flags.discard("python-format")
    catalog.obsolete.clear()  # the English they were made for is gone
    catalog.revision_date = _FIXED_DATE
    catalog.fuzzy = False  # the header: not a message
    return catalog


def catalog_bytes(catalog) -> bytes:
    from babel.messages.pofile import write_po

    for message in catalog:
        # Babel flags a message with {braces} as Python format on reading; ours are
        # MyST roles and placeholders filled by name, and the files never carried it.
        message.flags -= {"python-format", "python-brace-format"}
        if not message.fuzzy:
            # the English it was made for: kept while the translation is fuzzy, not after
            message.previous_id = []
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, no_location=True, omit_header=False,
             include_previous=True)
    return buffer.getvalue()


def update(root: Path = settings.ROOT) -> list[Path]:
    """Every page's catalog brought up to the last English build; the files it changed."""
    path = report_path(root)
    if not path.is_file():
        raise SystemExit(f"error: no {path}: build the site first (make docs-en)")
    messages = json.loads(path.read_text(encoding="utf-8"))["msgids"]
    changed = []
    for docname, page in messages.items():
        target = catalog_path(docname, root)
        data = catalog_bytes(updated_catalog(page, read_catalog(target)))
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed.append(target)
    return changed


# --- In the English build ----------------------------------------------------------------------

def check_catalogs(app, exception) -> None:
    """After an English build: the report of what the Chinese catalogs translate."""
    if exception is not None or app.builder.format != "html" or app.config.language != "en":
        return
    from sphinx import addnodes

    env = app.env
    messages = {}
    for docname in sorted(env.found_docs):
        toc = env.tocs.get(docname)
        toctrees = list(toc.findall(addnodes.toctree)) if toc is not None else []
        messages[docname] = page_messages(env.get_doctree(docname), toctrees)
    # The extension's own words and the registry's texts: a catalog like a page's.
    messages[i18n.DOMAIN] = i18n.messages()
    # The figures' texts, as the kernels drew them (glossary_examples/_lib/zh_figures.py).
    from . import zh_figures

    texts = zh_figures.english_texts(app.config.nb_execution_cache_path)
    if texts:
        messages[zh_figures.PLOTS_DOMAIN] = texts
    write_report(Path(app.confdir), messages)


def executes_nothing(app, env, docnames) -> None:
    """An edition other than English runs no code: its outputs are the English build's,
    from the execution cache. A page whose notebook is not there stops the build."""
    if app.config.language == "en":
        return
    will_execute = getattr(env, "glossary_will_execute", None) or []
    if will_execute:
        from sphinx.util import logging

        logging.getLogger(__name__).error(
            "the %s edition runs no code, and %d pages have no outputs in the execution "
            "cache (%s): build the English edition first (make docs-en)",
            app.config.language, len(will_execute),
            ", ".join(will_execute[:3]) + (", ..." if len(will_execute) > 3 else ""))
        # Those pages are not read (no kernel starts); the error fails the build (-W).
        docnames[:] = [d for d in docnames if d not in will_execute]
        env.glossary_will_execute = []


def coverage_nodes(report: dict) -> list:
    """What the Chinese index says of its translation: a sentence, then every page's figure."""
    from docutils import nodes

    from .i18n import _

    pages = report["pages"]
    total = sum(p["messages"] for p in pages.values())
    done = {d: p["messages"] - p["untranslated"] - p["fuzzy"] for d, p in pages.items()}
    below = [d for d, p in pages.items() if done[d] < p["messages"]]
    if below:
        text = _("{below} of {pages} pages of this edition are not fully translated yet: "
                 "there, the English shows.")
    else:
        text = _("Every page of this edition is translated in full: {pages} pages, "
                 "{messages} messages, from the English of this same build.")
    lead = nodes.paragraph("", str(text).format(below=len(below), pages=len(pages),
                                                messages=total))
    items = nodes.bullet_list(classes=["translation-coverage-list"])
    for docname, p in pages.items():
        percent = 100.0 * done[docname] / p["messages"] if p["messages"] else 100.0
        items += nodes.list_item("", nodes.paragraph(
            "", f"{docname}: {percent:.0f} % ({done[docname]}/{p['messages']})"))
    return [lead, items]


def coverage_directive():
    from sphinx.util.docutils import SphinxDirective

    class TranslationCoverage(SphinxDirective):
        """In an edition other than English: how much of each page is translated (from the
        report of the English build before it). Nothing in the English edition."""

        def run(self):
            from docutils import nodes

            if self.config.language == "en":
                return []
            root = Path(self.env.app.confdir)
            path = report_path(root)
            self.env.note_dependency(str(path))
            if not path.is_file():
                raise self.error("no translation report: build the English edition first")
            box = nodes.container(classes=["translation-coverage"])
            box += coverage_nodes(json.loads(path.read_text(encoding="utf-8")))
            return [box]

    return TranslationCoverage


def setup(app) -> None:
    from . import upstream

    app.add_directive("translation-coverage", coverage_directive())

    upstream.read_glue_in_translations()
    app.connect("doctree-read", lambda app, doctree: upstream.forget_page_renderer(app.env.docname))
    app.connect("build-finished", check_catalogs)
    # After the engine has found which pages would execute (glossary_site.engine.deps),
    # before its kernels start (priority 900).
    app.connect("env-before-read-docs", executes_nothing, priority=800)


def lint_catalog(path: Path) -> list[str]:
    """Each problem of a catalog's translations, on a line naming the file and message."""
    problems = []
    for message in read_catalog(path) or []:
        if not message.id:
            continue
        where = f"{path}: {message.id[:60]!r}"
        if not message.string:
            problems.append(f"{where}: untranslated")
            continue
        if message.fuzzy:
            problems.append(f"{where}: fuzzy")
        names_may_stay = path.stem == settings.PLOTS_CATALOG
        problems += [f"{where}: {problem}"
                     for problem in lint(message.id, message.string, names_may_stay)]
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["lint"] and len(args) > 1:
        problems = [p for path in args[1:] for p in lint_catalog(Path(path))]
        print("\n".join(problems) or f"{len(args) - 1} catalogs: no problem")
        return 1 if problems else 0
    if args != ["update"]:
        print("usage: python -m glossary_site.translations update | lint FILE.po...",
              file=sys.stderr)
        return 2
    changed = update()
    print(f"{len(changed)} catalogs changed in {catalog_dir().relative_to(settings.ROOT)}")
    report = json.loads(report_path().read_text(encoding="utf-8"))
    print("\n".join(summary(write_report(settings.ROOT, report["msgids"]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

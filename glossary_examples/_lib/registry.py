"""The term registry: ``glossary_examples/terms.toml``, read and checked.

The CLI, the Sphinx extension (index page, titles, related-term links, the
claims page) and the tests all read this module; nothing else lists terms.
The file's order is the site's one order: sections as their ``[[section]]``
entries come, terms within a section as their ``[[term]]`` entries come.

The file is checked as it is read: a mistake in it raises
:class:`RegistryError` with one sentence naming the entry.

>>> term("dropout").zh, term("dropout").zh_aliases
('暂退法', ('丢弃法', '丢弃', '随机失活'))
>>> term("vanishing-gradient").module
'vanishing_gradient'
>>> resolve("暂退法").slug, resolve("sgd").slug, resolve("Mini Batch").slug
('dropout', 'gradient-descent', 'batch')
>>> [s.key for s in SECTIONS][:2]
['foundations', 'neurons']
>>> load('[[section]]\\nkey = "x"\\nname = "X"\\nzh = "叉"\\n')
Traceback (most recent call last):
...
glossary_examples._lib.registry.RegistryError: terms.toml: there is no [[term]] entry
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

# Next to the term modules, not in _lib: a translator or teacher edits it.
TERMS_FILE = Path(__file__).resolve().parent.parent / "terms.toml"


@dataclass(frozen=True)
class Section:
    key: str
    name: str
    zh: str


@dataclass(frozen=True)
class Claim:
    """A statement learners read elsewhere, checked on the term's page."""

    id: str
    text: str


@dataclass(frozen=True)
class Concept:
    """A related concept that is not another name for the term (and has no page here)."""

    name: str
    zh: str
    note: str  # how it relates to the term, shown after the names

    @property
    def names(self) -> tuple[str, ...]:
        """Its names, a name in parentheses counting as another name of its own.

        >>> Concept("LSTM (long short-term memory)", "长短期记忆网络", "").names
        ('LSTM (long short-term memory)', '长短期记忆网络', 'LSTM', 'long short-term memory')
        >>> Concept("Glorot (Xavier) initialisation", "Xavier 初始化", "").names[2:]
        ('Glorot initialisation', 'Xavier')
        """
        inner = re.findall(r"\(([^()]+)\)", self.name)
        outer = re.sub(r"\s*\([^()]+\)", "", self.name).strip()
        return (self.name, self.zh, *([outer, *inner] if inner else []))


@dataclass(frozen=True)
class Term:
    slug: str
    name: str
    zh: str
    section: str
    summary: str
    learn_first: tuple[str, ...] = ()  # prerequisites: slugs of earlier terms
    contrast: tuple[str, ...] = ()  # as written on this term; see relations() for both ways
    part_of: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    zh_aliases: tuple[str, ...] = ()
    claims: tuple[Claim, ...] = field(default=())
    concepts: tuple[Concept, ...] = field(default=())

    @property
    def module(self) -> str:
        """The example module's name: the slug with ``_`` for ``-``."""
        return self.slug.replace("-", "_")

    @property
    def title(self) -> str:
        """Page title, English then Chinese: ``Dropout · 暂退法``."""
        return f"{self.name} · {self.zh}"

    @property
    def zh_title(self) -> str:
        """The Chinese edition's page title, Chinese first: ``暂退法 · Dropout``."""
        return f"{self.zh} · {self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the term: English name, Chinese name, aliases, Chinese aliases."""
        return (self.name, self.zh, *self.aliases, *self.zh_aliases)


class RegistryError(ValueError):
    """A mistake in ``terms.toml``; the message is one sentence naming the entry."""


class Registry(NamedTuple):
    sections: tuple[Section, ...]
    terms: tuple[Term, ...]


# What an entry may hold: key -> type; required keys first. A list holds strings.
_SECTION_KEYS = {"key": str, "name": str, "zh": str}
_TERM_KEYS = {
    "slug": str, "name": str, "zh": str, "section": str, "summary": str,
    "learn_first": list, "contrast": list, "part_of": list,
    "aliases": list, "zh_aliases": list, "claims": list, "concepts": list,
}
_RELATION_KEYS = ("learn_first", "contrast", "part_of")
_TERM_OPTIONAL = {"aliases", "zh_aliases", "claims", "concepts", *_RELATION_KEYS}
_CONCEPT_KEYS = {"name": str, "zh": str, "note": str}
_CLAIM_KEYS = {"id": str, "text": str}
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_SLUG_RULE = "lowercase letters and digits, words joined by '-'"
_CJK = re.compile(r"[\u4e00-\u9fff]")
# What a reader may write either way in a name: spaces, hyphens and dashes,
# underscores ("mini-batch", "minibatch", "mini batch"; "to_categorical").
# The site's search scorer removes the same characters (glossary_site.search).
NAME_SEPARATORS = r"[\s\-_\u2010-\u2015]+"


def normalise(name: str) -> str:
    """A name as lookups compare it: NFKC (full-width letters), lowercase, no separators.

    >>> normalise("Mini-batch"), normalise("ＳＧＤ"), normalise("to_categorical")
    ('minibatch', 'sgd', 'tocategorical')
    """
    return re.sub(NAME_SEPARATORS, "", unicodedata.normalize("NFKC", name).lower())


def _closest(word: str, candidates) -> str | None:
    matches = difflib.get_close_matches(word.lower(), list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _hint(word: str, candidates) -> str:
    match = _closest(word, candidates)
    return f" (did you mean '{match}'?)" if match else ""


class _Reader:
    """Builds the registry from parsed TOML, raising at the first mistake."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, message: str) -> RegistryError:
        return RegistryError(f"{self.source}: {message}")

    def entry(self, what: str, value: Any, spec: dict[str, type], optional=frozenset()) -> dict:
        """``value`` checked against ``spec``: a table, no unknown key, none missing, types."""
        if not isinstance(value, dict):
            raise self.fail(f"{what} is not a table")
        for key in value:
            if key not in spec:
                hint = _hint(key, spec) or f" (known: {', '.join(spec)})"
                raise self.fail(f"{what} has an unknown key '{key}'{hint}")
        for key, kind in spec.items():
            if key not in value or value[key] in ("", []):
                if key in optional:
                    continue
                if key == "zh":
                    raise self.fail(f"{what} has no Chinese name (zh)")
                raise self.fail(f"{what} has no {key}")
            got = value[key]
            if kind is str and not isinstance(got, str):
                raise self.fail(f"{what} has {key} = {got!r}, which is not a string")
            if kind is list and key not in ("claims", "concepts") and not (
                isinstance(got, list) and all(isinstance(v, str) and v for v in got)
            ):
                raise self.fail(f"{what} has {key} = {got!r}, which is not a list of strings")
        return value

    def chinese(self, what: str, key: str, text: str) -> None:
        if not _CJK.search(text):
            raise self.fail(f"{what} has {key} = '{text}', which has no Chinese character")

    def table_array(self, data: dict, key: str) -> list:
        entries = data.get(key, [])
        if not isinstance(entries, list):
            raise self.fail(f"'{key}' must be written as [[{key}]] entries")
        if not entries:
            raise self.fail(f"there is no [[{key}]] entry")
        return entries

    def sections(self, data: dict) -> tuple[Section, ...]:
        sections: dict[str, Section] = {}
        for number, raw in enumerate(self.table_array(data, "section"), start=1):
            key = raw.get("key") if isinstance(raw, dict) else None
            named = isinstance(key, str) and key
            what = f"section '{key}'" if named else f"[[section]] entry {number}"
            self.entry(what, raw, _SECTION_KEYS)
            if not _SLUG.fullmatch(key):
                raise self.fail(f"{what} has a malformed key ({_SLUG_RULE})")
            if key in sections:
                raise self.fail(f"{what} is listed twice")
            self.chinese(what, "zh", raw["zh"])
            sections[key] = Section(key, raw["name"], raw["zh"])
        return tuple(sections.values())

    def claims(self, slug: str, raw_claims: Any, aliases: tuple[str, ...], seen: dict[str, str]):
        """The term's claims; ``seen`` maps the claim ids read so far to their terms."""
        if not isinstance(raw_claims, list):
            raise self.fail(
                f"term '{slug}' has claims = {raw_claims!r}; write them as [[term.claims]] entries"
            )
        # a claim id starts with the term: its slug's first word or a one-word alias (cnn-...)
        words = [a.lower() for a in aliases if re.fullmatch(r"[A-Za-z0-9]+", a)]
        prefixes = [slug.split("-")[0], *words]
        claims = []
        for number, raw in enumerate(raw_claims, start=1):
            cid = raw.get("id") if isinstance(raw, dict) else None
            what = (
                f"claim '{cid}' of term '{slug}'" if isinstance(cid, str) and cid
                else f"claim {number} of term '{slug}'"
            )
            self.entry(what, raw, _CLAIM_KEYS)
            if not _SLUG.fullmatch(cid):
                raise self.fail(f"{what} has a malformed id ({_SLUG_RULE})")
            if cid.split("-")[0] not in prefixes:
                allowed = " or ".join(f"'{p}-'" for p in prefixes)
                raise self.fail(f"{what} has an id that does not start with {allowed}")
            if cid in seen:
                raise self.fail(
                    f"claim id '{cid}' is used twice (terms '{seen[cid]}' and '{slug}')"
                )
            seen[cid] = slug
            claims.append(Claim(cid, raw["text"]))
        return tuple(claims)

    def concepts(self, slug: str, raw_concepts: Any, names: set[str]) -> tuple[Concept, ...]:
        """The term's related concepts; none may also be one of its names (an alias)."""
        if not isinstance(raw_concepts, list):
            raise self.fail(
                f"term '{slug}' has concepts = {raw_concepts!r}; write them as [[term.concepts]] entries"
            )
        concepts = []
        for number, raw in enumerate(raw_concepts, start=1):
            what = f"concept {number} of term '{slug}'"
            self.entry(what, raw, _CONCEPT_KEYS)
            self.chinese(what, "zh", raw["zh"])
            concept = Concept(raw["name"], raw["zh"], raw["note"])
            for name in concept.names:
                if normalise(name) in names:
                    raise self.fail(
                        f"{what} is '{name}', which is also a name of the term; a related"
                        " concept is not an alias"
                    )
            concepts.append(concept)
        return tuple(concepts)

    def terms(self, data: dict, sections: tuple[Section, ...]) -> tuple[Term, ...]:
        section_keys = [s.key for s in sections]
        terms: dict[str, Term] = {}
        numbers: dict[str, int] = {}
        claim_ids: dict[str, str] = {}
        for number, raw in enumerate(self.table_array(data, "term"), start=1):
            slug = raw.get("slug") if isinstance(raw, dict) else None
            named = isinstance(slug, str) and slug
            what = f"term '{slug}'" if named else f"[[term]] entry {number}"
            self.entry(what, raw, _TERM_KEYS, _TERM_OPTIONAL)
            if not _SLUG.fullmatch(slug):
                raise self.fail(f"{what} has a malformed slug ({_SLUG_RULE})")
            if slug in terms:
                raise self.fail(
                    f"{what} is listed twice ([[term]] entries {numbers[slug]} and {number})"
                )
            self.chinese(what, "zh", raw["zh"])
            for alias in raw.get("zh_aliases", []):
                self.chinese(what, "a Chinese alias (zh_aliases)", alias)
            if raw["section"] not in section_keys:
                raise self.fail(
                    f"{what} is in section '{raw['section']}', which is not a section"
                    + _hint(raw["section"], section_keys)
                )
            for key in _RELATION_KEYS:
                listed = raw.get(key, [])
                if slug in listed:
                    raise self.fail(f"{what} lists itself in {key}")
                for other in listed:
                    if listed.count(other) > 1:
                        raise self.fail(f"{what} lists '{other}' twice in {key}")
            aliases = tuple(raw.get("aliases", ()))
            terms[slug] = Term(
                slug=slug,
                name=raw["name"],
                zh=raw["zh"],
                section=raw["section"],
                summary=raw["summary"],
                learn_first=tuple(raw.get("learn_first", ())),
                contrast=tuple(raw.get("contrast", ())),
                part_of=tuple(raw.get("part_of", ())),
                aliases=aliases,
                zh_aliases=tuple(raw.get("zh_aliases", ())),
                claims=self.claims(slug, raw.get("claims", []), aliases, claim_ids),
                concepts=self.concepts(
                    slug, raw.get("concepts", []),
                    {normalise(n) for n in (slug, raw["name"], raw["zh"], *aliases,
                                            *raw.get("zh_aliases", ()))},
                ),
            )
            numbers[slug] = number
        self.relations(terms, section_keys)
        self.unique_names(terms.values())
        return tuple(terms.values())

    def relations(self, terms: dict[str, Term], section_keys: list[str]) -> None:
        """Every relation names a term; the site's order puts prerequisites first.

        The site reads the terms section by section, each section's terms in
        file order (:func:`site_order`); a term listed in another's
        ``learn_first`` must come before it there. That makes the order a
        topological order of the prerequisite graph, and the graph acyclic.
        """
        for t in terms.values():
            for key in _RELATION_KEYS:
                for other in getattr(t, key):
                    if other not in terms:
                        raise self.fail(
                            f"term '{t.slug}' lists '{other}' in {key}, which is not a term"
                            + _hint(other, terms)
                        )
        order = sorted(terms.values(), key=lambda t: section_keys.index(t.section))
        position = {t.slug: i for i, t in enumerate(order)}
        for t in order:
            for other in t.learn_first:
                if position[other] > position[t.slug]:
                    raise self.fail(
                        f"term '{t.slug}' lists '{other}' in learn_first but comes before it"
                        " in the site's order; move it after, or move its section"
                    )
        linked = {s for t in terms.values() for key in _RELATION_KEYS
                  for s in (t.slug, *getattr(t, key)) if getattr(t, key)}
        for t in terms.values():
            if t.slug not in linked:
                raise self.fail(
                    f"term '{t.slug}' has no relation to another term (learn_first,"
                    " contrast or part_of, on it or on another term)"
                )

    def unique_names(self, terms) -> None:
        """No name (compared as :func:`normalise` does) belongs to two terms.

        The command line and the site's search take any name to its term; a
        name of two terms would leave them to guess. A related concept may not
        be another term's name either (it would then be that term).
        """
        owner: dict[str, tuple[str, str]] = {}  # normalised name -> (slug, name as written)
        for t in terms:
            for name in (t.slug, *t.names):
                key = normalise(name)
                slug, first = owner.setdefault(key, (t.slug, name))
                if slug != t.slug:
                    raise self.fail(
                        f"term '{t.slug}' has the name '{name}', which is already"
                        f" '{first}' of term '{slug}'"
                    )
        for t in terms:
            for number, c in enumerate(t.concepts, start=1):
                for name in c.names:
                    if normalise(name) in owner and owner[normalise(name)][0] != t.slug:
                        raise self.fail(
                            f"concept {number} of term '{t.slug}' is '{name}', which is a"
                            f" name of term '{owner[normalise(name)][0]}'; relate that term"
                            " instead (learn_first, contrast or part_of)"
                        )


def load(text: str, source: str = "terms.toml") -> Registry:
    """The sections and terms of a ``terms.toml`` text, checked.

    ``source`` names the file in error messages.

    >>> load(TERMS_FILE.read_text(encoding="utf-8")).terms == TERMS
    True
    """
    reader = _Reader(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise reader.fail(f"this is not valid TOML: {err}") from None
    for key in data:
        if key not in ("section", "term"):
            raise reader.fail(f"unknown top-level key '{key}' (known: section, term)")
    sections = reader.sections(data)
    return Registry(sections, reader.terms(data, sections))


SECTIONS, TERMS = load(TERMS_FILE.read_text(encoding="utf-8"))
_BY_SLUG = {t.slug: t for t in TERMS}


class UnknownTermError(LookupError):
    """Raised for a name that is not a term's; carries the slug of the closest term.

    ``name`` is the closest name as written, when it is not the slug itself.
    ``concept``: that name is a related concept explained on the term's page
    (the word itself is one when ``name`` is None).
    """

    def __init__(self, slug: str, suggestion: str | None, name: str | None = None,
                 concept: bool = False):
        self.slug = slug
        self.suggestion = suggestion
        if concept and name is None:
            message = (f"'{slug}' is not a term but a related concept, explained on the page"
                       f" of the term '{suggestion}'")
        elif concept:
            message = (f"unknown term '{slug}'; did you mean '{name}' (a related concept,"
                       f" explained on the page of the term '{suggestion}')?")
        elif suggestion and name and normalise(name) != normalise(suggestion):
            message = f"unknown term '{slug}'; did you mean '{name}' (the term '{suggestion}')?"
        elif suggestion:
            message = f"unknown term '{slug}'; did you mean '{suggestion}'?"
        else:
            message = f"unknown term '{slug}'"
        super().__init__(message)


def closest_slug(slug: str) -> str | None:
    """The registered slug nearest to ``slug``, or None if none is close.

    >>> closest_slug("dropuot")
    'dropout'
    >>> closest_slug("zzzzzz") is None
    True
    """
    return _closest(slug, _BY_SLUG)


def term(slug: str) -> Term:
    """The registry entry for ``slug``.

    >>> term("relu").name
    'ReLU'
    >>> term("dropuot")
    Traceback (most recent call last):
    ...
    glossary_examples._lib.registry.UnknownTermError: unknown term 'dropuot'; did you mean 'dropout'?
    """
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise UnknownTermError(slug, closest_slug(slug)) from None


# Every name of every term, and of every related concept, as normalise() writes them.
_BY_NAME = {normalise(n): t for t in TERMS for n in (t.slug, *t.names)}
_CONCEPTS = {normalise(n): t for t in TERMS for c in t.concepts for n in c.names}
# For suggestions: each normalised name as written (the slug where a name is the slug).
_WRITTEN = {normalise(n): n for t in TERMS for n in reversed((t.slug, *t.names))}
_WRITTEN.update({normalise(n): n for t in TERMS for c in t.concepts for n in c.names})


def resolve(text: str) -> Term:
    """The term one of whose names (or slug) is ``text``, in any language.

    Case, full-width letters, spaces, hyphens and underscores do not matter.
    Otherwise :class:`UnknownTermError` names the closest name (of a term or
    of a related concept) and its term.

    >>> resolve("Dropout").slug, resolve("BATCH_SIZE").slug, resolve("丢弃法").slug
    ('dropout', 'batch', 'dropout')
    >>> resolve("暂退")
    Traceback (most recent call last):
    ...
    glossary_examples._lib.registry.UnknownTermError: unknown term '暂退'; did you mean '暂退法' (the term 'dropout')?
    >>> resolve("chain rule")
    Traceback (most recent call last):
    ...
    glossary_examples._lib.registry.UnknownTermError: 'chain rule' is not a term but a related concept, explained on the page of the term 'backpropagation'
    """
    key = normalise(text)
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key in _CONCEPTS:
        raise UnknownTermError(text, _CONCEPTS[key].slug, concept=True)
    close = difflib.get_close_matches(key, [*_BY_NAME, *_CONCEPTS], n=1, cutoff=0.6)
    if not close:
        raise UnknownTermError(text, None)
    (match,) = close
    owner = _BY_NAME.get(match) or _CONCEPTS[match]
    raise UnknownTermError(text, owner.slug, _WRITTEN[match], concept=match not in _BY_NAME)


def sections() -> list[Section]:
    """The sections that have at least one term, in file order."""
    used = {t.section for t in TERMS}
    return [s for s in SECTIONS if s.key in used]


def terms_in(section: str) -> list[Term]:
    """The terms of one section, in file order."""
    return [t for t in TERMS if t.section == section]


def all_claims() -> list[tuple[Term, Claim]]:
    """Every source claim with the term it belongs to."""
    return [(t, c) for t in TERMS for c in t.claims]


# ── The prerequisite graph and the other relations ──

def site_order() -> list[Term]:
    """Every term in the site's reading order: section by section, file order within.

    The registry has checked that it is a topological order of ``learn_first``.

    >>> [t.slug for t in site_order()][:3]
    ['tensor', 'deep-learning-framework', 'vectorization']
    """
    return [t for s in SECTIONS for t in terms_in(s.key)]


def before(slug: str) -> list[Term]:
    """The terms to read before ``slug`` (its ``learn_first``), in site order.

    >>> [t.slug for t in before("dropout")]
    ['layers', 'regularization']
    """
    wanted = set(term(slug).learn_first)
    return [t for t in site_order() if t.slug in wanted]


def after(slug: str) -> list[Term]:
    """The terms that list ``slug`` in their ``learn_first``, in site order.

    >>> [t.slug for t in after("regularization")]
    ['dropout', 'early-stopping', 'data-augmentation']
    """
    return [t for t in site_order() if slug in t.learn_first]


# A pair of terms has one label: the first of these that applies.
RELATION_KINDS = ("part of", "includes", "contrast", "prerequisite", "next")


def relations(slug: str) -> list[tuple[Term, str]]:
    """Every term related to ``slug``, with how it relates, in site order.

    ``part of``: the term is part or a kind of the other (``part_of``);
    ``includes``: the converse; ``contrast``: either lists the other in
    ``contrast``; ``prerequisite``: read the other first (``learn_first``);
    ``next``: the other lists this one in its ``learn_first``.

    >>> [(t.slug, kind) for t, kind in relations("dropout")]
    [('layers', 'prerequisite'), ('regularization', 'part of')]
    >>> [(t.slug, kind) for t, kind in relations("overfitting")][:3]
    [('epoch', 'prerequisite'), ('underfitting', 'contrast'), ('regularization', 'next')]
    """
    this = term(slug)
    found: dict[str, str] = {}
    for other in site_order():
        if other.slug == slug:
            continue
        kinds = []
        if other.slug in this.part_of:
            kinds.append("part of")
        if slug in other.part_of:
            kinds.append("includes")
        if other.slug in this.contrast or slug in other.contrast:
            kinds.append("contrast")
        if other.slug in this.learn_first:
            kinds.append("prerequisite")
        if slug in other.learn_first:
            kinds.append("next")
        if kinds:
            found[other.slug] = min(kinds, key=RELATION_KINDS.index)
    return [(term(s), kind) for s, kind in found.items()]

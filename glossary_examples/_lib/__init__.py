"""The shared code behind the term modules; none of it is a glossary term.

- :mod:`.registry`: the list of terms, their names and claims;
- :mod:`.runtime`: quiet, seeded, deterministic access to Keras;
- :mod:`.claims`: :class:`~.claims.ClaimCheck`, a verdict on a source claim;
- :mod:`.report`: plain-text formatting of what the examples print;
- :mod:`.page`: runs a term module's ``PAGE``, the functions its page calls;
- :mod:`.cli`: ``python -m glossary_examples``.

The term modules themselves (``dropout.py``, ...) sit one level up.
Importing this package imports nothing else.
"""

"""The fixture's stand-in for ``glossary_examples``: pages import it."""

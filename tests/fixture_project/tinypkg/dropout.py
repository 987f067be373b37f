"""What the fixture's term page calls: one example and the claims' verdicts."""

from glossary_examples._lib.report import glue

from .report import line


def show_example() -> None:
    print(line("kept", 4))
    glue("kept_fraction", 0.4951)  # what the prose shows, as measured


def check(claim_id: str, verdict: str) -> str:
    return f"evidence for {claim_id}: none, this is a fixture\nverdict[{claim_id}]: {verdict}"

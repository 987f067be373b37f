"""What the fixture's term page calls: one example and the claims' verdicts."""

from .report import line


def show_example() -> None:
    print(line("kept", 4))


def check(claim_id: str, verdict: str) -> str:
    return f"evidence for {claim_id}: none, this is a fixture\nverdict[{claim_id}]: {verdict}"

"""What reading a statement proposes: each field's value with its confidence and place (`Proposal`), what a check
withheld and why (`Withheld`), and both together with what the lines that are no field's read (`Extraction`):
made by extraction.py, held to the rules by checks.py."""

from dataclasses import dataclass, field

from service.crm.ocr.engine import Box


@dataclass(frozen=True)
class Proposal:
    """Confidence is the mean of its characters'."""

    field: str
    value: str | int
    confidence: float
    box: Box
    chars: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Withheld:
    field: str
    read: str
    rule: str


@dataclass
class Extraction:
    """`context`: what the lines that are no field's read (a tier's kWh each, the meter readings, the tax)."""

    proposals: dict[str, Proposal]
    withheld: list[Withheld]
    context: dict[str, list[str]] = field(default_factory=dict)
    issuer: str | None = None  # the supplier's name as its header reads, shown to the operator
    confirmed: set[str] = field(default_factory=set)  # fields another read names alike (the postal code's city)

    def withhold(self, name: str, rule: str) -> None:
        """A proposal found to break a check: not proposed, and why."""
        proposal = self.proposals.pop(name, None)
        if proposal is not None:
            self.withheld.append(Withheld(name, str(proposal.value), rule))

"""The PII policy, loaded from `policy.yaml` beside this module and checked on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

POLICY_PATH = Path(__file__).with_name("policy.yaml")
OPERATORS = ("numbered", "typed", "redact")


@dataclass(frozen=True)
class EntityRule:
    """What happens to one entity type: minimum score, operator and placeholder label."""

    entity: str
    threshold: float
    operator: str
    label: str

    def placeholder(self, number: int) -> str:
        if self.operator == "numbered":
            return f"<{self.label}_{number}>"
        if self.operator == "typed":
            return f"<{self.label}>"
        return ""


@dataclass(frozen=True)
class Policy:
    language: str
    entities: dict[str, EntityRule]
    recognizers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def entity_names(self) -> list[str]:
        return list(self.entities)

    def settings(self, recognizer: str) -> dict[str, Any]:
        return dict(self.recognizers.get(recognizer, {}))


def load_policy(path: Path | str = POLICY_PATH) -> Policy:
    """Read and validate a policy file; a typo in an operator fails here, not mid-run."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return parse_policy(raw)


def parse_policy(raw: dict[str, Any]) -> Policy:
    entities: dict[str, EntityRule] = {}
    for name, spec in (raw.get("entities") or {}).items():
        operator = spec.get("operator", "numbered")
        if operator not in OPERATORS:
            raise ValueError(f"policy: entity {name}: unknown operator {operator!r}")
        threshold = float(spec.get("threshold", 0.5))
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"policy: entity {name}: threshold {threshold} outside [0, 1]")
        entities[name] = EntityRule(name, threshold, operator, spec.get("label", name))
    if not entities:
        raise ValueError("policy: no entities")
    return Policy(raw.get("language", "en"), entities, raw.get("recognizers") or {})

"""The policy document both drafters produce, and its Markdown rendering.

The LLM answers in this shape (a JSON schema in the request, validated with
pydantic on the way back); the template drafter fills the same shape, so a
reviewer sees one format whoever wrote the draft.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoleDuty(_Strict):
    role: str = Field(min_length=1, max_length=200)
    responsibilities: list[str] = Field(min_length=1, max_length=20)


class Statement(_Strict):
    text: str = Field(min_length=1, max_length=2000)
    criteria: list[str] = Field(
        min_length=1, max_length=20, description="SOC 2 criterion refs, e.g. CC6.1"
    )
    controls: list[str] = Field(default_factory=list, max_length=20)


class PolicyDocument(_Strict):
    title: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=3000)
    scope: str = Field(min_length=1, max_length=3000)
    roles: list[RoleDuty] = Field(min_length=1, max_length=20)
    statements: list[Statement] = Field(min_length=1, max_length=80)
    review_cadence: str = Field(min_length=1, max_length=500)
    exceptions: str = Field(min_length=1, max_length=2000)
    enforcement: str = Field(min_length=1, max_length=2000)

    def criteria(self) -> set[str]:
        return {ref for statement in self.statements for ref in statement.criteria}


def json_schema() -> dict[str, object]:
    """The schema sent as ``response_format`` (strict mode wants every property required)."""
    schema = PolicyDocument.model_json_schema()

    def tighten(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["required"] = list(node["properties"])
                node["additionalProperties"] = False
            for value in node.values():
                tighten(value)
        elif isinstance(node, list):
            for value in node:
                tighten(value)

    tighten(schema)
    return schema


def to_markdown(document: PolicyDocument) -> str:
    lines = [
        f"# {document.title}",
        "",
        "## Purpose",
        "",
        document.purpose,
        "",
        "## Scope",
        "",
        document.scope,
        "",
    ]
    lines += ["## Roles and responsibilities", ""]
    for duty in document.roles:
        lines.append(f"**{duty.role}**")
        lines += [f"- {item}" for item in duty.responsibilities]
        lines.append("")
    lines += ["## Policy statements", ""]
    for number, statement in enumerate(document.statements, start=1):
        refs = ", ".join(statement.criteria + statement.controls)
        lines.append(f"{number}. {statement.text} _({refs})_")
    lines += [
        "",
        "## Review",
        "",
        document.review_cadence,
        "",
        "## Exceptions",
        "",
        document.exceptions,
    ]
    lines += ["", "## Enforcement", "", document.enforcement, ""]
    return "\n".join(lines)

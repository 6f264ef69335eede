"""OSCAL 1.2 exports: Assessment Results and a Plan of Action and Milestones.

Each gap becomes an observation, a risk and a finding (Assessment Results) or
a POA&M item with its risk (POA&M). Every one names its SOC 2 criterion as the
OSCAL control id (``cc6.1``) and the control library entry behind it in a
namespaced ``control`` property, so a GRC tool can trace it back. UUIDs are
derived from the assessment and its version: exporting the same version twice
gives the same identifiers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

OSCAL_VERSION = "1.2.1"
NS = "https://github.com/readiness-engine/ns/oscal"
_NAMESPACE = uuid.UUID("6f1c2f4e-5a2b-4c6d-9e8f-0a1b2c3d4e5f")
_RISK_LEVEL = {"CRITICAL": "high", "HIGH": "high", "MEDIUM": "moderate", "LOW": "low"}
_LIFECYCLE = {"DESIGN": "recommendation", "EVIDENCE": "recommendation", "OPERATING": "planned"}


def _uuid(content: dict[str, Any], *parts: object) -> str:
    a = content["assessment"]
    return str(uuid.uuid5(_NAMESPACE, "/".join(map(str, [a["id"], a["version"], *parts]))))


def control_id(ref: str) -> str:
    """OSCAL control ids are lowercase tokens: CC6.1 -> cc6.1."""
    return ref.lower()


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value, "ns": NS}


def _metadata(content: dict[str, Any], title: str) -> dict[str, Any]:
    a = content["assessment"]
    return {
        "title": title,
        "last-modified": content["generated_at"],
        "version": str(a["version"]),
        "oscal-version": OSCAL_VERSION,
        "props": [
            _prop("framework", f"{a['framework']['key']}@{a['framework']['version']}"),
            _prop("readiness", f"{content['readiness']:.2f}"),
        ],
    }


def _gap_props(gap: dict[str, Any]) -> list[dict[str, str]]:
    props = [
        _prop("gap-id", gap["id"]),
        _prop("gap-kind", gap["kind"].lower()),
        _prop("severity", gap["severity"].lower()),
        _prop("criterion", gap["criterion"]),
    ]
    if gap["control"]:
        props.append(_prop("control", gap["control"]))
    return props


def _observation(content: dict[str, Any], gap: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": _uuid(content, "observation", gap["id"]),
        "title": gap["title"],
        "description": f"{gap['kind'].title()} gap found by the readiness questionnaire.",
        "props": _gap_props(gap),
        "methods": ["INTERVIEW"],
        "types": ["finding"],
        "collected": content["generated_at"],
    }


def _risk(content: dict[str, Any], gap: dict[str, Any]) -> dict[str, Any]:
    generated = datetime.fromisoformat(content["generated_at"])
    risk: dict[str, Any] = {
        "uuid": _uuid(content, "risk", gap["id"]),
        "title": f"{gap['criterion']}: {gap['title']}",
        "description": f"{gap['criterion']} ({gap['criterion_title']}) is not yet met.",
        "statement": f"An auditor would raise an exception against {gap['criterion']}.",
        "props": [*_gap_props(gap), _prop("risk-level", _RISK_LEVEL[gap["severity"]])],
        "status": "open",
        "related-observations": [{"observation-uuid": _uuid(content, "observation", gap["id"])}],
    }
    if gap["kind"] in _LIFECYCLE:
        weeks = max(int(gap["effort_weeks"] or 1), 1)
        risk["deadline"] = (generated + timedelta(weeks=weeks)).isoformat()
        risk["remediations"] = [
            {
                "uuid": _uuid(content, "remediation", gap["id"]),
                "lifecycle": _LIFECYCLE[gap["kind"]],
                "title": f"Remediate {gap['control'] or gap['criterion']}",
                "description": gap["remediation"] or gap["title"],
                "props": [_prop("effort-weeks", str(weeks))],
            }
        ]
    return risk


def assessment_results(content: dict[str, Any]) -> dict[str, Any]:
    gaps = content["gaps"]
    findings = [
        {
            "uuid": _uuid(content, "finding", gap["id"]),
            "title": f"{gap['criterion']}: {gap['title']}",
            "description": gap["remediation"] or gap["title"],
            "props": _gap_props(gap),
            "target": {
                "type": "objective-id",
                "target-id": control_id(gap["criterion"]),
                "status": {"state": "not-satisfied"},
            },
            "related-observations": [
                {"observation-uuid": _uuid(content, "observation", gap["id"])}
            ],
            "related-risks": [{"risk-uuid": _uuid(content, "risk", gap["id"])}],
        }
        for gap in gaps
    ]
    findings += [
        {
            "uuid": _uuid(content, "met", criterion["ref"]),
            "title": f"{criterion['ref']}: met",
            "description": f"{criterion['title']}: met, score {criterion['score']:.1f}.",
            "target": {
                "type": "objective-id",
                "target-id": control_id(criterion["ref"]),
                "status": {"state": "satisfied"},
            },
        }
        for criterion in content["criteria"]
        if criterion["status"] == "MET"
    ]
    result: dict[str, Any] = {
        "uuid": _uuid(content, "result"),
        "title": f"SOC 2 readiness of {content['organization']}",
        "description": (
            f"Self-assessment '{content['assessment']['name']}': "
            f"readiness {content['readiness']:.1f} of 100."
        ),
        "start": content["generated_at"],
        "props": [_prop("readiness", f"{content['readiness']:.2f}")],
        "reviewed-controls": {
            "control-selections": [
                {
                    "include-controls": [
                        {"control-id": control_id(c["ref"])} for c in content["criteria"]
                    ]
                }
                if content["criteria"]
                else {"include-all": {}}
            ]
        },
    }
    if gaps:
        result["observations"] = [_observation(content, gap) for gap in gaps]
        result["risks"] = [_risk(content, gap) for gap in gaps]
    if findings:
        result["findings"] = findings
    return {
        "assessment-results": {
            "uuid": _uuid(content, "assessment-results"),
            "metadata": _metadata(
                content, f"SOC 2 readiness assessment results: {content['organization']}"
            ),
            "import-ap": {"href": f"#{_uuid(content, 'assessment-plan')}"},
            "results": [result],
        }
    }


def poam(content: dict[str, Any]) -> dict[str, Any]:
    """One POA&M item per gap that needs work (unanswered questions are not plan items)."""
    gaps = [gap for gap in content["gaps"] if gap["kind"] != "UNANSWERED"]
    items = [
        {
            "uuid": _uuid(content, "poam-item", gap["id"]),
            "title": f"{gap['criterion']}: {gap['title']}",
            "description": gap["remediation"] or gap["title"],
            "props": [*_gap_props(gap), _prop("effort-weeks", str(gap["effort_weeks"]))],
            "related-observations": [
                {"observation-uuid": _uuid(content, "observation", gap["id"])}
            ],
            "related-risks": [{"risk-uuid": _uuid(content, "risk", gap["id"])}],
        }
        for gap in gaps
    ]
    document: dict[str, Any] = {
        "uuid": _uuid(content, "poam"),
        "metadata": _metadata(
            content, f"SOC 2 readiness plan of action and milestones: {content['organization']}"
        ),
        "system-id": {
            "identifier-type": "https://ietf.org/rfc/rfc4122",
            "id": _uuid(content, "system"),
        },
        "poam-items": items,
    }
    if gaps:
        document["observations"] = [_observation(content, gap) for gap in gaps]
        document["risks"] = [_risk(content, gap) for gap in gaps]
    return {"plan-of-action-and-milestones": document}

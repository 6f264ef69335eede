"""Small, valid catalog documents for tests to mutate."""

from __future__ import annotations

import copy
from typing import Any


def framework() -> dict[str, Any]:
    return copy.deepcopy(
        {
            "kind": "framework",
            "key": "mini",
            "name": "Mini framework",
            "categories": [
                {"key": "SECURITY", "title": "Security", "description": "Keep systems safe."},
                {"key": "PRIVACY", "title": "Privacy", "description": "Respect personal data."},
            ],
            "series": [
                {"key": "CC1", "title": "Basics", "category": "SECURITY"},
                {"key": "P1", "title": "Notice", "category": "PRIVACY"},
            ],
            "criteria": [
                {
                    "ref": "CC1.1",
                    "category": "SECURITY",
                    "series": "CC1",
                    "title": "Access",
                    "description": "People get only the access they need.",
                    "weight": 3,
                    "points_of_focus": [{"topic": "least privilege"}, {"topic": "reviews"}],
                },
                {
                    "ref": "CC1.2",
                    "category": "SECURITY",
                    "series": "CC1",
                    "title": "Logging",
                    "description": "Security events are recorded.",
                    "points_of_focus": [{"topic": "log sources"}],
                },
                {
                    "ref": "P1.1",
                    "category": "PRIVACY",
                    "series": "P1",
                    "title": "Notice",
                    "description": "People are told how their data is used.",
                    "points_of_focus": [{"topic": "privacy notice"}],
                },
            ],
            "policy_families": [
                {
                    "key": "access-control",
                    "title": "Access Control Policy",
                    "description": "Access.",
                },
                {"key": "privacy", "title": "Privacy Policy", "description": "Privacy."},
            ],
            "controls": [
                {
                    "key": "IAM-01",
                    "name": "Access reviews",
                    "domain": "identity-access",
                    "description": "Access is reviewed quarterly.",
                    "criteria": ["CC1.1"],
                    "frequency": "QUARTERLY",
                    "key_control": True,
                    "evidence": ["Signed quarterly review records"],
                    "policy_family": "access-control",
                    "remediation": "Schedule quarterly reviews.",
                    "effort_weeks": 2,
                    "mappings": {"iso27001_2022": ["A.5.18"], "nist_csf_2": ["PR.AA-05"]},
                },
                {
                    "key": "LOG-01",
                    "name": "Central logging",
                    "domain": "logging-monitoring",
                    "description": "Logs are centralised.",
                    "criteria": ["CC1.2"],
                    "frequency": "CONTINUOUS",
                    "evidence": ["Log pipeline configuration"],
                    "policy_family": "access-control",
                    "remediation": "Ship logs to a SIEM.",
                    "effort_weeks": 3,
                    "mappings": {"iso27001_2022": ["A.8.15"], "nist_csf_2": ["DE.CM-01"]},
                },
                {
                    "key": "PRV-01",
                    "name": "Privacy notice",
                    "domain": "privacy",
                    "description": "A privacy notice is published.",
                    "criteria": ["P1.1"],
                    "frequency": "ANNUAL",
                    "evidence": ["Published notice"],
                    "policy_family": "privacy",
                    "remediation": "Publish a notice.",
                    "effort_weeks": 1,
                },
            ],
        }
    )


def questionnaire() -> dict[str, Any]:
    return copy.deepcopy(
        {
            "kind": "questionnaire",
            "key": "mini-readiness",
            "name": "Mini readiness",
            "framework": "mini",
            "scope_rules": [{"category": "PRIVACY", "when": "scope.personal_data == 'yes'"}],
            "sections": [
                {
                    "key": "scoping",
                    "title": "Scoping",
                    "questions": [
                        {
                            "key": "scope.personal_data",
                            "text": "Do you process personal data?",
                            "kind": "YES_NO",
                            "role": "SCOPING",
                        },
                    ],
                },
                {
                    "key": "access",
                    "title": "Access",
                    "questions": [
                        {
                            "key": "iam.reviews",
                            "text": "Do you review access quarterly?",
                            "kind": "YES_PARTIAL_NO",
                            "controls": ["IAM-01"],
                            "points_of_focus": ["CC1.1#1", "CC1.1#2"],
                        },
                        {
                            "key": "iam.months",
                            "text": "For how many months have reviews run?",
                            "kind": "MONTHS",
                            "controls": ["IAM-01"],
                        },
                        {
                            "key": "log.central",
                            "text": "How mature is logging?",
                            "kind": "MATURITY",
                            "controls": ["LOG-01"],
                            "points_of_focus": ["CC1.2#1"],
                            "allow_na": True,
                        },
                        {
                            "key": "prv.notice",
                            "text": "Is a privacy notice published?",
                            "kind": "YES_NO",
                            "controls": ["PRV-01"],
                            "points_of_focus": ["P1.1#1"],
                            "show_if": "scope.personal_data == 'yes'",
                        },
                    ],
                },
            ],
        }
    )

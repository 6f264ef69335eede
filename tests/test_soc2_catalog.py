"""Facts about the shipped SOC 2 catalog that the corrections of issue 15 established."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from service.assessment.engine_model import build_engine_model
from service.catalog.loader import read_bundle
from service.catalog.models import QuestionKind, QuestionRole
from service.scoring.plan import plan
from tests.scoring_support import versions

ROOT = Path(__file__).resolve().parent.parent
_framework, _questionnaires = read_bundle(ROOT / "frameworks" / "soc2")
assert _framework is not None
FRAMEWORK, QUESTIONNAIRE = versions(_framework, _questionnaires[0])
CONTROLS = {c.key: c for c in FRAMEWORK.model.controls}
QUESTIONS = [q for s in QUESTIONNAIRE.model.sections for q in s.questions]
# What a cloud-hosted SaaS company with a remote team typically answers.
CLOUD_SAAS = {
    "scope.hosting": "cloud",
    "scope.personal_data": "yes",
    "scope.transaction_processing": "no",
    "scope.subservice": "yes",
    "scope.confidential_data": "yes",
    "scope.availability_commitments": "yes",
    "scope.offices": "no",
    "scope.endpoints": "managed",
    "scope.develops_software": "yes",
}


def test_each_control_appears_once() -> None:
    # Each merged into the control that does the same thing (see docs/catalog.md).
    merged = {
        "MON-04": "VUL-03",
        "HR-05": "PRV-18",
        "PRV-14": "INC-05",
        "NET-06": "LOG-04",
        "COM-09": "VND-03",
        "POL-03": "COM-01",
        "POL-05": "GOV-06",
        "END-06": "LOG-06",
        "GOV-04": "HR-08",
        "MON-06": "GOV-09",
        "INC-04": "INC-05",
    }
    for removed, kept in merged.items():
        assert removed not in CONTROLS and kept in CONTROLS
    pentest = CONTROLS["VUL-03"]
    assert pentest.key_control and {"CC4.1", "CC7.1"} <= set(pentest.criteria)
    assert CONTROLS["INC-05"].key_control and {"CC7.4", "P6.6"} <= set(CONTROLS["INC-05"].criteria)
    names = Counter(c.name.lower() for c in CONTROLS.values())
    assert [n for n, count in names.items() if count > 1] == []
    referenced = {k for q in QUESTIONS for k in q.controls}
    assert referenced == set(CONTROLS)


def test_backups_and_restore_tests_belong_to_the_common_criteria() -> None:
    for key in ("BAK-01", "BAK-02", "BAK-03", "BAK-04"):
        criteria = set(CONTROLS[key].criteria)
        assert criteria & {"A1.2", "A1.3"} and criteria & {"CC7.5", "CC9.1"}, key
    model = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
    shown = plan(model, frozenset({"SECURITY"}), CLOUD_SAAS).question_keys
    assert {"bak.coverage", "bak.restore_test", "bak.evidence_restore_tests"} <= shown


def test_a_security_only_assessment_fits_in_an_afternoon() -> None:
    model = build_engine_model(FRAMEWORK, QUESTIONNAIRE)
    shown = plan(model, frozenset({"SECURITY"}), CLOUD_SAAS).questions
    # 258 before the corrections; about one minute each for the design questions.
    assert len(shown) <= 210
    assert sum(q.role.value == "DESIGN" for q in shown) <= 125


def test_months_are_asked_per_family_of_controls_that_start_together() -> None:
    months = [q for q in QUESTIONS if q.kind is QuestionKind.MONTHS]
    timed = Counter(k for q in months for k in q.controls)
    assert set(timed) == set(CONTROLS) and set(timed.values()) == {1}
    family = {k: q.key for q in months for k in q.controls}
    # "SSO for 12 months, access reviews for 1"; backups and restore tests likewise.
    assert family["IAM-01"] != family["IAM-07"] != family["IAM-04"]
    assert family["BAK-01"] != family["BAK-04"]
    assert max(len(q.controls) for q in months) <= 9


def test_evidence_questions_read_as_written_by_hand() -> None:
    evidence = [q for q in QUESTIONS if q.effective_role is QuestionRole.EVIDENCE]
    key_controls = {k for k, c in CONTROLS.items() if c.key_control}
    assert {k for q in evidence for k in q.controls} == key_controls
    for question in evidence:
        assert not re.search(r"\b[A-Z]{2,3}-\d{2}\b", question.text), question.key
        assert "(ticket, log, sign-off)" not in question.text, question.key
        assert "each run of" not in question.text.lower(), question.key
        assert question.help and "samples occurrences" not in question.help, question.key
    assert len({q.text for q in evidence}) == len(evidence)
    assert len({q.help for q in evidence}) == len(evidence)


def test_iso_mappings_use_clauses_where_annex_a_is_not_the_target() -> None:
    iso = {k: set(c.mappings.iso27001_2022) for k, c in CONTROLS.items()}
    assert "6.1.2" in iso["RSK-03"]
    assert "9.2" in iso["MON-03"]
    assert "9.3" in iso["GOV-09"]
    assert "A.5.35" not in iso["GOV-09"] and "A.5.35" not in iso["MON-02"]

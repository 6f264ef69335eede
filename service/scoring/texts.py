"""The title and remediation of each kind of gap, from the catalog's words.

The engine writes gaps with these; a stored report keeps only what varies
(kind, control or question, months operated) and takes the words from here
again when it is read, so the catalog's texts are not copied into every
assessment. Pure functions over the engine model.
"""

from __future__ import annotations

from service.scoring.model import EngineControl, EngineModel, EngineQuestion, GapKind

NOT_IN_PLACE = "not in place"
PARTLY_IN_PLACE = "only partly in place"


def design(control: EngineControl, *, partial: bool) -> tuple[str, str]:
    state = PARTLY_IN_PLACE if partial else NOT_IN_PLACE
    return f"{control.name}: {state}", control.remediation


def operating(control: EngineControl, months: int, window: int) -> tuple[str, str]:
    return (
        f"{control.name}: operated {months} of the {window} months the window needs",
        "Keep the control running and retaining evidence for "
        f"{window - months} more month(s). {control.remediation}",
    )


def evidence(control: EngineControl) -> tuple[str, str]:
    return (
        f"{control.name}: runs without evidence an auditor can sample",
        "Record each run (tickets, logs, sign-offs) and keep the records for the whole window. "
        + control.remediation,
    )


def unanswered(question: EngineQuestion) -> tuple[str, str]:
    return (
        f"Unanswered: {question.text}",
        "Answer this question so the assessment can judge the control.",
    )


def of_gap(
    model: EngineModel,
    kind: GapKind,
    *,
    control: str | None,
    question: str | None,
    detail: int,
    window: int,
) -> tuple[str, str]:
    """The words of a stored gap. ``detail`` is the months operated for OPERATING gaps and
    1 for a partial (0 for a missing) control's DESIGN gap."""
    if kind is GapKind.UNANSWERED:
        return unanswered(model.question_index[str(question)])
    found = model.control_index[str(control)]
    if kind is GapKind.DESIGN:
        return design(found, partial=bool(detail))
    if kind is GapKind.OPERATING:
        return operating(found, detail, window)
    return evidence(found)

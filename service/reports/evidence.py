"""The dry run in the report: content, the evidence request list (CSV) and a heat map.

``operating_document`` turns a dry run into plain data the formats render: per
in-scope control, what the auditor will ask for (the control library's
evidence), the population, the sample size, the verdict and the months of the
window as cells (``PASS``, ``EXCEPTION``, ``MISSED`` or ``NONE``) for the heat map.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from markupsafe import Markup

from service.assessment.ledger import ControlRun, DryRun
from service.catalog.catalog import FrameworkVersion
from service.reports.charts import GRID, INK, MUTED, el, svg
from service.scoring.rules import add_months

# Evidence references listed per control in the CSV; the rest are counted.
LISTED_REFERENCES = 50
EVIDENCE_COLUMNS = [
    "control",
    "control_name",
    "frequency",
    "evidence_requested",
    "population",
    "sample_size",
    "performed",
    "missed_periods",
    "exceptions",
    "exception_probability",
    "verdict",
    "on_file",
]
STATE_COLOURS = {"PASS": "#16a34a", "EXCEPTION": "#ea580c", "MISSED": "#b91c1c", "NONE": GRID}
VERDICT_ORDER = (
    "EXCEPTIONS_LIKELY",
    "AT_RISK",
    "EFFECTIVE",
    "NOT_YET_TESTABLE",
    "NO_EVIDENCE",
    "NOT_APPLICABLE",
)


def _months(start: date, end: date) -> list[date]:
    first = start.replace(day=1)
    months = []
    while first <= end:
        months.append(first)
        first = add_months(first, 1)
    return months


def _cells(run: ControlRun, months: list[date]) -> list[str]:
    """Per month of the window: MISSED if a period ending in it was missed, else EXCEPTION
    if an exception is on file in it, PASS if a passing occurrence is, else NONE."""
    states = dict.fromkeys(months, "NONE")
    rank = {"NONE": 0, "PASS": 1, "EXCEPTION": 2, "MISSED": 3}
    for tested in run.outcome.population if run.outcome else ():
        if tested.occurrences:
            for occurrence in tested.occurrences:
                month = occurrence.day.replace(day=1)
                state = "PASS" if occurrence.passed else "EXCEPTION"
                if month in states and rank[state] > rank[states[month]]:
                    states[month] = state
        else:
            month = tested.period.end.replace(day=1)
            if month in states:
                states[month] = "MISSED"
    return [states[m] for m in months]


def _reference(occurrence: Any) -> str | None:
    row = occurrence.ref
    return row.get("evidence_ref") if isinstance(row, dict) else None


def operating_document(run: DryRun, framework: FrameworkVersion) -> dict[str, Any]:
    window = run.window
    months = _months(window.start, min(window.end, window.as_of))
    controls = []
    for control_run in run.controls:
        control = framework.controls[control_run.control]
        outcome = control_run.outcome
        missed = outcome.missed if outcome else ()
        probability = outcome.exception_probability if outcome else 0.0
        references = [
            ref
            for tested in (outcome.population if outcome else ())
            for o in tested.occurrences
            if (ref := _reference(o))
        ]
        controls.append(
            {
                "control": control.key,
                "name": control.name,
                "frequency": control_run.frequency,
                "evidence": list(control.evidence),
                "population": len(outcome.population) if outcome else 0,
                "sample_size": outcome.sample_size if outcome else 0,
                "performed": outcome.performed if outcome else 0,
                "exceptions": outcome.exceptions if outcome else 0,
                "missed_periods": [[p.start.isoformat(), p.end.isoformat()] for p in missed],
                "exception_probability": round(probability, 4),
                "verdict": control_run.verdict.value,
                "months": _cells(control_run, months),
                "on_file": references,
            }
        )
    counts = {v: sum(1 for c in controls if c["verdict"] == v) for v in VERDICT_ORDER}
    return {
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
        "as_of": window.as_of.isoformat(),
        "months": [m.isoformat()[:7] for m in months],
        "sampling_profile": dict(run.profile),
        "verdicts": counts,
        "controls": controls,
    }


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell must not start with a formula character.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_evidence_requests(content: dict[str, Any]) -> str:
    """One row per in-scope control: what the auditor will ask for and what is on file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EVIDENCE_COLUMNS)
    operating = content["operating_effectiveness"]
    for c in operating["controls"] if operating else ():
        if c["verdict"] == "NOT_APPLICABLE":
            continue
        listed = c["on_file"][:LISTED_REFERENCES]
        more = len(c["on_file"]) - len(listed)
        on_file = "; ".join(listed) + (f"; and {more} more" if more > 0 else "")
        row = {
            **c,
            "control_name": c["name"],
            "evidence_requested": " | ".join(c["evidence"]),
            "missed_periods": "; ".join(f"{s} to {e}" for s, e in c["missed_periods"]),
            "on_file": on_file,
        }
        writer.writerow([_cell(row[column]) for column in EVIDENCE_COLUMNS])
    return buffer.getvalue()


def heat_map(operating: dict[str, Any], limit: int = 40) -> Markup:
    """One row per control with something on file, one cell per month of the window."""
    rows = [
        c for c in operating["controls"] if c["verdict"] not in ("NO_EVIDENCE", "NOT_APPLICABLE")
    ]
    rows.sort(key=lambda c: (VERDICT_ORDER.index(c["verdict"]), c["control"]))
    rows = rows[:limit]
    months = operating["months"]
    cell, left, top = 22, 90, 24
    width = left + cell * max(len(months), 1) + 150
    height = top + cell * max(len(rows), 1) + 30
    body = [
        el(
            "text",
            m[2:],
            x=left + i * cell + cell / 2,
            y=16,
            font_size=9,
            text_anchor="middle",
            fill=MUTED,
        )
        for i, m in enumerate(months)
    ]
    for r, control in enumerate(rows):
        y = top + r * cell
        body.append(
            el("text", control["control"], x=left - 6, y=y + 15, font_size=11, text_anchor="end")
        )
        for i, state in enumerate(control["months"]):
            body.append(
                el(
                    "rect",
                    class_=f"cell {state.lower()}",
                    x=left + i * cell + 1,
                    y=y + 1,
                    width=cell - 2,
                    height=cell - 2,
                    rx=2,
                    fill=STATE_COLOURS[state],
                )
            )
        body.append(
            el(
                "text",
                control["verdict"].replace("_", " ").lower(),
                x=left + cell * len(months) + 8,
                y=y + 15,
                font_size=11,
                fill=INK,
            )
        )
    legend_y = top + cell * max(len(rows), 1) + 18
    for i, (state, colour) in enumerate(STATE_COLOURS.items()):
        x = left + i * 90
        body.append(el("rect", x=x, y=legend_y - 10, width=12, height=12, fill=colour))
        body.append(el("text", state.lower(), x=x + 16, y=legend_y, font_size=11, fill=MUTED))
    return svg("Occurrences per control and month", width, height, body)

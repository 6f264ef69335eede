"""Rendering the report content as JSON, CSV, Markdown and a self-contained HTML page.

Names, titles and notes come from tenants (an organisation's name, its own imported
framework) and so are hostile until shown otherwise. HTML autoescapes them; Markdown
escapes every interpolated value (``_md``): HTML special characters become entities,
Markdown punctuation that could open a link, image, emphasis or code span gets a
backslash, and a ``javascript:``-style scheme loses its colon, so a value can neither
inject raw HTML nor become a link; CSV cells cannot start a spreadsheet formula.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.reports.charts import category_bars, gap_bars, timeline
from service.reports.content import CATEGORY_TITLES, KIND_ORDER, SEVERITY_ORDER
from service.reports.evidence import heat_map

CSV_COLUMNS = [
    "number",
    "id",
    "criterion",
    "criterion_title",
    "control",
    "control_name",
    "kind",
    "severity",
    "title",
    "remediation",
    "effort_weeks",
    "policy_family",
    "question",
]
_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def to_json(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, sort_keys=False, default=str) + "\n"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell must not start with a formula character.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(content: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for gap in content["gaps"]:
        writer.writerow([_cell(gap[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


# Markdown punctuation that can start a link, image, emphasis, code span or table cell.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()!|~])")
# Schemes a renderer could turn into an active link (GFM autolinks, sanitiser gaps).
_ACTIVE_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data|file)\s*:")


def _md(text: Any) -> str:
    """A tenant-supplied value as inert Markdown text on one line."""
    value = html.escape(str(text if text is not None else ""), quote=False)
    value = _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)
    value = _ACTIVE_SCHEME.sub(r"\1&#58;", value)
    return " ".join(value.splitlines())


def remediation_plan(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's plan when the content has it (most date-moving first, waits last);
    otherwise design work by severity then effort, then evidence, then operating time."""
    if "plan" in content:
        return [g for g in content["plan"] if g["kind"] != "UNANSWERED"]
    order = {"DESIGN": 0, "EVIDENCE": 1, "OPERATING": 2}
    gaps = [g for g in content["gaps"] if g["kind"] in order]
    return sorted(
        gaps,
        key=lambda g: (order[g["kind"]], SEVERITY_ORDER.index(g["severity"]), -g["effort_weeks"]),
    )


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows),
        "",
    ]


def _summary(content: dict[str, Any]) -> list[str]:
    a = content["assessment"]
    scope = ", ".join(CATEGORY_TITLES[c] for c in a["scope"])
    counts = content["gap_counts"]["by_severity"]
    gaps = ", ".join(f"{n} {s.lower()}" for s, n in counts.items() if n) or "none"
    return [
        "## Executive summary",
        "",
        f"- **Readiness: {content['readiness']:.1f} / 100** over {scope}",
        f"- Completeness: {content['completeness']:.1f}% "
        f"({content['answered']} of {content['questions']} questions answered)",
        f"- Gaps: {len(content['gaps'])} ({gaps})",
        f"- Earliest observation start: **{content['earliest_observation_start'] or 'n/a'}**; "
        f"earliest report date: **{content['earliest_report_date'] or 'n/a'}**",
        "",
    ]


def _progress(comparison: dict[str, Any]) -> list[str]:
    deltas = comparison["category_deltas"]
    return [
        "## Progress since the previous assessment",
        "",
        f"Compared with _{_md(comparison['previous_assessment'])}_ "
        f"(readiness {comparison['previous_readiness']:.1f}): "
        f"**{comparison['readiness_delta']:+.1f}** points, "
        f"{comparison['gaps_closed']} gaps closed, {comparison['gaps_new']} new.",
        "",
        *_table(
            ["category", "change"],
            [[CATEGORY_TITLES.get(c, c), f"{d:+.1f}"] for c, d in deltas.items()],
        ),
    ]


def _plan(content: dict[str, Any]) -> list[str]:
    lines = ["## Remediation plan", ""]
    for number, gap in enumerate(remediation_plan(content), start=1):
        weeks = gap["effort_weeks"]
        effort = f" (about {weeks} week{'s' if weeks != 1 else ''})" if weeks else ""
        lines.append(
            f"{number}. **{_md(gap['title'])}** [{_md(gap['severity'])}, "
            f"{_md(gap['criterion'])}]{effort}: {_md(gap['remediation'])}"
        )
    return [*lines, ""]


BLOCKER_REASONS = {
    "DESIGN_GAP": "design work to finish",
    "OPERATING_HISTORY": "has run only since then",
    "NO_EVIDENCE": "no evidence kept of past runs",
    "UNANSWERED": "not answered",
}
# At most this many blockers are listed in a rendered report; the JSON export has all.
SHOWN_BLOCKERS = 15


def timeline_sentences(content: dict[str, Any]) -> list[str]:
    """The timeline in words: where the dates come from, and what closing the latest
    blockers would change. Markdown and HTML both say these."""
    a, t = content["assessment"], content["timeline"]
    if t["status"] == "INSUFFICIENT_ANSWERS":
        return [
            "Too few of the in-scope controls are answered to give a date yet "
            "(80% are needed, key controls counting twice)."
        ]
    sentences = [
        f"Observation can start on {t['earliest_observation_start']}; the report can land "
        f"between {t['earliest_report_date']} and {t['latest_report_date']} "
        f"({a['observation_window_months']}-month window, then fieldwork and issuance)."
        if a["audit_type"] == "TYPE_2"
        else f"The design can be tested on {t['earliest_observation_start']}; the report can "
        f"land between {t['earliest_report_date']} and {t['latest_report_date']}."
    ]
    latest = [b for b in t["blockers"] if b["latest"]]
    if latest and t["report_date_without_latest_blockers"]:
        names = ", ".join(b["control"] for b in latest[:5]) + (
            f" and {len(latest) - 5} more" if len(latest) > 5 else ""
        )
        sentences.append(
            f"Close {names} and the date becomes {t['report_date_without_latest_blockers']}."
        )
    if a["audit_type"] == "TYPE_2" and t["type1_report_date"]:
        sentences.append(f"A Type I report on the design could land on {t['type1_report_date']}.")
    if t["target_date"]:
        verdict = "meets" if t["meets_target"] else "misses"
        sentences.append(f"The earliest report date {verdict} the target date {t['target_date']}.")
    return sentences


def _timeline(content: dict[str, Any]) -> list[str]:
    t = content["timeline"]
    lines = ["## Timeline to the report", ""]
    lines += [f"{_md(sentence)}" for sentence in timeline_sentences(content)]
    lines.append("")
    if t["blockers"]:
        lines += ["What holds the observation window's start, latest first:", ""]
        lines += _table(
            ["control", "why", "holds the start until", "criteria"],
            [
                [
                    f"{b['control']} {b['control_name']}",
                    BLOCKER_REASONS[b["reason"]],
                    b["holds_start_until"],
                    ", ".join(b["criteria"]),
                ]
                for b in t["blockers"][:SHOWN_BLOCKERS]
            ],
        )
        if len(t["blockers"]) > SHOWN_BLOCKERS:
            lines += [f"And {len(t['blockers']) - SHOWN_BLOCKERS} more.", ""]
    return lines


def to_markdown(content: dict[str, Any]) -> str:
    a = content["assessment"]
    framework = f"framework {_md(a['framework']['key'])} v{_md(a['framework']['version'])}"
    lines = [
        f"# SOC 2 readiness: {_md(content['organization'])}",
        "",
        f"_{_md(a['name'])} · {a['audit_type'].replace('_', ' ')} · "
        f"window {a['observation_window_months']} months · {framework} · "
        f"generated {content['generated_at'][:10]}_",
        "",
        *_summary(content),
    ]
    if content.get("comparison"):
        lines += _progress(content["comparison"])
    lines += ["## Results by category", ""]
    lines += _table(
        ["category", "score", "criteria met"],
        [
            [c["title"], f"{c['score']:.1f}", f"{c['criteria_met']} / {c['criteria_total']}"]
            for c in content["categories"]
        ],
    )
    lines += ["## Gaps", ""]
    lines += _table(
        ["gap", "severity", "kind", "criterion", "control", "title"],
        [
            [g["number"], g["severity"], g["kind"], g["criterion"], g["control"] or "", g["title"]]
            for g in content["gaps"]
        ],
    )
    return "\n".join([*lines, *_plan(content), *_timeline(content)])


def to_html(content: dict[str, Any], pdf: bool = False) -> str:
    def parse(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    a, counts = content["assessment"], content["gap_counts"]
    charts = {
        "categories": category_bars(
            [
                (CATEGORY_TITLES.get(c["category"], c["category"]), c["score"])
                for c in content["categories"]
            ]
        ),
        "severity": gap_bars(
            "Gaps by severity", [(s.title(), counts["by_severity"][s]) for s in SEVERITY_ORDER]
        ),
        "kind": gap_bars("Gaps by kind", [(k.title(), counts["by_kind"][k]) for k in KIND_ORDER]),
        "timeline": timeline(
            date.fromisoformat(content["as_of"]),
            parse(content["earliest_observation_start"]),
            parse(content["earliest_report_date"]),
            a["observation_window_months"] if a["audit_type"] == "TYPE_2" else 0,
        ),
    }
    operating = content.get("operating_effectiveness")
    if operating:
        charts["heat_map"] = heat_map(operating)
    plan = remediation_plan(content)
    return _env.get_template("report.html.j2").render(
        c=content,
        pdf=pdf,
        top_actions=[g for g in plan if not g.get("waiting")][:10] if "plan" in content else [],
        charts=charts,
        operating=operating,
        at_risk=[
            c
            for c in (operating or {}).get("controls", ())
            if c["verdict"] in ("AT_RISK", "EXCEPTIONS_LIKELY")
        ],
        titles=CATEGORY_TITLES,
        plan=plan,
        timeline_sentences=timeline_sentences(content),
        blockers=content["timeline"]["blockers"][:SHOWN_BLOCKERS],
        more_blockers=max(0, len(content["timeline"]["blockers"]) - SHOWN_BLOCKERS),
        reasons=BLOCKER_REASONS,
        scope_titles=", ".join(CATEGORY_TITLES.get(s, s) for s in a["scope"]),
    )

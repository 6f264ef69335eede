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

CSV_COLUMNS = [
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
    """Design work first, by severity then effort; then evidence, then operating time."""
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


def _timeline(content: dict[str, Any]) -> list[str]:
    a = content["assessment"]
    start = content["earliest_observation_start"] or "n/a"
    operate = (
        f"2. Operate every control with evidence for the "
        f"{a['observation_window_months']}-month window."
        if a["audit_type"] == "TYPE_2"
        else "2. Type I: the auditor tests the design at that date."
    )
    return [
        "## Timeline to the report",
        "",
        f"1. Close the design gaps: observation can start on **{start}**.",
        operate,
        "3. Fieldwork and reporting: the report can land on "
        f"**{content['earliest_report_date'] or 'n/a'}**.",
        "",
    ]


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
        ["id", "severity", "kind", "criterion", "control", "gap"],
        [
            [g["id"], g["severity"], g["kind"], g["criterion"], g["control"] or "", g["title"]]
            for g in content["gaps"]
        ],
    )
    return "\n".join([*lines, *_plan(content), *_timeline(content)])


def to_html(content: dict[str, Any]) -> str:
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
    return _env.get_template("report.html.j2").render(
        c=content,
        charts=charts,
        titles=CATEGORY_TITLES,
        plan=remediation_plan(content),
        scope_titles=", ".join(CATEGORY_TITLES.get(s, s) for s in a["scope"]),
    )

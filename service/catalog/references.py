"""Identifiers of the external frameworks controls map to, as facts.

ISO/IEC 27001:2022 Annex A has 93 controls in four themes (organisational
A.5.1-A.5.37, people A.6.1-A.6.8, physical A.7.1-A.7.14, technological
A.8.1-A.8.34). NIST CSF 2.0 has 106 subcategories in 22 categories; the
numbering has gaps where CSF 1.1 outcomes were withdrawn or moved, so the
valid ones are listed rather than derived from a pattern.
"""

from __future__ import annotations

ISO27001_2022_THEMES = {5: 37, 6: 8, 7: 14, 8: 34}

ISO27001_2022_CONTROLS = frozenset(
    f"A.{theme}.{n}" for theme, count in ISO27001_2022_THEMES.items() for n in range(1, count + 1)
)

_CSF2 = {
    "GV.OC": (1, 2, 3, 4, 5),
    "GV.RM": (1, 2, 3, 4, 5, 6, 7),
    "GV.RR": (1, 2, 3, 4),
    "GV.PO": (1, 2),
    "GV.OV": (1, 2, 3),
    "GV.SC": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "ID.AM": (1, 2, 3, 4, 5, 7, 8),
    "ID.RA": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "ID.IM": (1, 2, 3, 4),
    "PR.AA": (1, 2, 3, 4, 5, 6),
    "PR.AT": (1, 2),
    "PR.DS": (1, 2, 10, 11),
    "PR.PS": (1, 2, 3, 4, 5, 6),
    "PR.IR": (1, 2, 3, 4),
    "DE.CM": (1, 2, 3, 6, 9),
    "DE.AE": (2, 3, 4, 6, 7, 8),
    "RS.MA": (1, 2, 3, 4, 5),
    "RS.AN": (3, 6, 7, 8),
    "RS.CO": (2, 3),
    "RS.MI": (1, 2),
    "RC.RP": (1, 2, 3, 4, 5, 6),
    "RC.CO": (3, 4),
}

NIST_CSF_2_CATEGORIES = frozenset(_CSF2)
NIST_CSF_2_SUBCATEGORIES = frozenset(
    f"{category}-{n:02d}" for category, numbers in _CSF2.items() for n in numbers
)


def iso27001_2022(ref: str) -> str:
    if ref not in ISO27001_2022_CONTROLS:
        raise ValueError(f"{ref!r} is not an ISO/IEC 27001:2022 Annex A control")
    return ref


def nist_csf_2(ref: str) -> str:
    if ref not in NIST_CSF_2_SUBCATEGORIES and ref not in NIST_CSF_2_CATEGORIES:
        raise ValueError(f"{ref!r} is not a NIST CSF 2.0 category or subcategory")
    return ref

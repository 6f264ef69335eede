"""Redacting what must not leave the service: emails, people's names, keys and tokens.

Applied to every free-text value (answer notes, profile facts) before it is
put in a prompt. Names are caught where text marks them as people: after
words like "ask", "owner", "by", "contact" or a title such as "Mr"; after a
role ("the admin is ...", "our CISO, ..."); before what people do ("...
approves", "... reviews"). Capitalised words alone are mostly product and
team names ("Google Workspace", "Access Control"), so they are kept.
"""

from __future__ import annotations

import re

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
        "[REDACTED KEY]",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[REDACTED TOKEN]"),
    (re.compile(r"\b(?:rk|sk|pk|ghp|gho|xox[abp]|glpat)[_-][A-Za-z0-9_-]{8,}"), "[REDACTED KEY]"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "[REDACTED KEY]"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{30,}"), "[REDACTED KEY]"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"), "[REDACTED KEY]"),
    (
        # A value already redacted above is left as it is.
        re.compile(
            r"(?i)\b(bearer|token|password|passwd|secret|api[_ -]?key)\s*[:=]?\s*(?!\[REDACTED)\S{6,}"
        ),
        r"\1 [REDACTED]",
    ),
    (re.compile(r"\b[A-Fa-f0-9]{32,}\b"), "[REDACTED TOKEN]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[REDACTED EMAIL]"),
    (re.compile(r"(?<!\w)\+?\d[\d ().-]{8,}\d\b"), "[REDACTED PHONE]"),
    (
        re.compile(
            r"((?i:\b(?:mr|mrs|ms|dr|ask|asked|contact|owner|owned by|managed by|by|with|from|cc|assigned to))"
            r"\.?:?\s+)[A-Z][a-z]+(?:\s+[A-Z][a-z'-]+)+"
        ),
        r"\1[REDACTED NAME]",
    ),
    (
        # "the admin is Priya Patel", "our CISO, Jane Doe": a role word marks a person.
        re.compile(
            r"((?i:\b(?:admin|administrator|owner|lead|manager|officer|ciso|cto|ceo|coo|dpo"
            r"|approver|reviewer|contact|engineer|founder)s?)(?:\s+(?:is|are|was)\s+|,\s+))"
            r"[A-Z][a-z]+(?:\s+[A-Z][a-z'-]+)+"
        ),
        r"\1[REDACTED NAME]",
    ),
    (
        # "John Smith approves access": a capitalised pair doing what people do.
        re.compile(
            r"\b[A-Z][a-z]+\s+[A-Z][a-z'-]+(?=\s+(?:approves|approved|reviews|reviewed|signs"
            r"|signed|owns|owned|manages|managed|handles|handled|runs|ran|checks|checked"
            r"|is responsible|was responsible|leads|led)\b)"
        ),
        "[REDACTED NAME]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text

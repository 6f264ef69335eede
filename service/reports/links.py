"""Share links: a report a client opens without an account, until it expires or is revoked.

A link's token is 256 random bits, shown once in its URL; only its SHA-256
digest is stored, so a database dump opens nothing. Opening a link renders the
report as a read-only principal of the link's organisation (``link:<id>``), and
the export records the open in the organisation's audit log like any export.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bson import ObjectId

from service.assessment.service import AssessmentService
from service.errors import InvalidInput, InvalidState, NotFound
from service.principal import Permission, Principal, PrincipalKind, Role
from service.storage.documents import ReportLink, now
from service.storage.repositories.report_link import ReportLinks
from service.storage.writes import audit_event

MAX_HOURS = 30 * 24
SHARED_PREFIX = "/shared/"


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ReportLinkService:
    def __init__(self, assessments: AssessmentService) -> None:
        self.assessments = assessments
        self.access = assessments.access

    async def create(self, assessment_id: ObjectId | None, hours: int) -> tuple[ReportLink, str]:
        """A new link to the assessment's report, and its token (OWNER, ASSESSOR)."""
        view = await self.assessments.get(assessment_id) if assessment_id else None
        if view is None:
            raise NotFound("assessment not found", ("input", "assessmentId"))
        record = view.record
        scope = await self.access.scope(record.organization_id, Permission.ASSESS)
        if not 1 <= hours <= MAX_HOURS:
            raise InvalidInput(
                f"a link lasts 1 to {MAX_HOURS} hours (30 days)", ("input", "expiresInHours")
            )
        token = secrets.token_urlsafe(32)
        moment = now()
        assert record.id is not None  # noqa: S101 - a stored assessment
        link = ReportLink(
            id=ObjectId(),
            organization_id=record.organization_id,
            assessment_id=record.id,
            digest=digest_of(token),
            expires_at=moment + timedelta(hours=hours),
            created_at=moment,
            created_by=scope.principal.subject,
        )
        event = audit_event(
            scope.principal,
            "createReportLink",
            "Assessment",
            record.id,
            record.organization_id,
            link=str(link.id),
            hours=hours,
        )
        await ReportLinks(scope).create(link, event)
        return link, token

    async def _owned(self, link_id: ObjectId | None) -> tuple[ReportLink, ReportLinks]:
        link = await ReportLinks.find(self.access, link_id) if link_id else None
        if link is None:
            raise NotFound("link not found", ("input", "linkId"))
        scope = await self.access.scope(link.organization_id, Permission.ASSESS)
        return link, ReportLinks(scope)

    async def revoke(self, link_id: ObjectId | None) -> ReportLink:
        """End a link at once (OWNER, ASSESSOR)."""
        link, links = await self._owned(link_id)
        if link.revoked_at is not None:
            raise InvalidState("the link is revoked already")
        event = audit_event(
            self.access.principal,
            "revokeReportLink",
            "Assessment",
            link.assessment_id,
            link.organization_id,
            link=str(link.id),
        )
        if not await links.revoke(link.id, event):  # type: ignore[arg-type]
            raise InvalidState("the link is revoked already")
        revoked = await links.get(link.id)  # type: ignore[arg-type]
        return revoked or link

    async def of_assessment(
        self, assessment_id: ObjectId, organization_id: ObjectId
    ) -> list[ReportLink]:
        scope = await self.access.scope(organization_id, Permission.ASSESS)
        return await ReportLinks(scope).of_assessment(assessment_id)


async def opened(token: str, moment: datetime | None = None) -> tuple[ReportLink, Principal] | None:
    """The live link a token names, and the principal its report is read as; None for a
    token that names none, or a link expired or revoked."""
    if not token or len(token) > 100:
        return None
    link = await ReportLinks.by_digest(digest_of(token))
    if link is None or link.revoked_at is not None:
        return None
    if link.expires_at.replace(tzinfo=None) <= (moment or now()).replace(tzinfo=None):
        return None
    principal = Principal(
        subject=f"link:{link.id}",
        kind=PrincipalKind.API_KEY,
        organization_id=link.organization_id,
        role=Role.VIEWER,
    )
    return link, principal

"""What an app instance runs on, and the domain services one caller gets from it.

``Services`` holds the long-lived collaborators of one app instance (settings,
database, caches, the catalog, the drafter); ``Services.for_principal`` builds
the per-request domain services for one caller. It sits below the API and the
app, so both import it and neither imports the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from service.assessment.engine_model import EngineModels
from service.assessment.ledger import HistoryCache, LedgerService
from service.assessment.organizations import OrganizationService
from service.assessment.provisioning import ProvisioningKeys
from service.assessment.records import Access, MembershipCache
from service.assessment.remediation import Remediation
from service.assessment.report_codec import DecodedReports
from service.assessment.service import AssessmentService
from service.auth.authenticator import Authenticator
from service.auth.limits import RateLimiter
from service.catalog.catalog import Catalog
from service.catalog.imports import CatalogImports
from service.catalog.repository import CatalogRepository
from service.drafting.progress import ProgressHub
from service.drafting.service import DraftingService
from service.drafting.writer import DraftingConfig, DraftRecovery
from service.principal import Principal
from service.reports.links import ReportLinkService
from service.reports.service import ReportService
from service.settings import Settings
from service.storage.database import Database
from service.storage.embedded import EmbeddedServer
from service.telemetry import Metrics
from service.webhooks.service import WebhookService
from service.webhooks.worker import WebhookWorker


@dataclass
class CallerServices:
    """The domain services of one request (or one WebSocket operation), for one principal."""

    access: Access
    organizations: OrganizationService
    catalog: CatalogRepository
    catalog_imports: CatalogImports
    assessments: AssessmentService
    ledger: LedgerService
    remediation: Remediation
    drafting: DraftingService
    reports: ReportService
    report_links: ReportLinkService
    webhooks: WebhookService
    provisioning: ProvisioningKeys


@dataclass
class Services:
    """Long-lived collaborators of one app instance, shared by all requests."""

    settings: Settings
    metrics: Metrics
    authenticator: Authenticator
    # Per principal (HTTP requests and WebSocket operations alike), and per client
    # address for failed authentications.
    limiter: RateLimiter | None = None
    failures: RateLimiter | None = None
    database: Database | None = None
    embedded: EmbeddedServer | None = None
    catalog: Catalog = field(default_factory=Catalog)
    catalog_loaded: bool = False
    engine_models: EngineModels = field(default_factory=EngineModels)
    # What organisations' evidence ledgers say of each control, by ledger stamp and day.
    ledger_histories: HistoryCache = field(default_factory=HistoryCache)
    # Stored reports as read back, by assessment version.
    decoded_reports: DecodedReports = field(default_factory=DecodedReports)
    memberships: MembershipCache = field(default_factory=MembershipCache)
    event_listeners: list[Any] = field(default_factory=list)
    drafting: DraftingConfig = field(
        default_factory=lambda: DraftingConfig(llm=None, daily_token_budget=0)
    )
    progress: ProgressHub = field(default_factory=ProgressHub)
    background: set[asyncio.Task[None]] = field(default_factory=set)
    # Sends webhook deliveries from the outbox (every pod runs one; leases keep them apart).
    webhook_worker: WebhookWorker | None = None
    # Takes over drafts whose pod stopped writing them (every pod runs one).
    draft_recovery: DraftRecovery | None = None
    clock: Callable[[], date] = field(default=lambda: datetime.now(UTC).date())
    extras: dict[str, object] = field(default_factory=dict)

    def for_principal(self, principal: Principal) -> CallerServices:
        access = Access(principal, self.memberships)
        catalog = CatalogRepository(self.catalog)
        assessments = AssessmentService(
            access,
            catalog,
            self.engine_models,
            self.clock,
            self.settings.report_lag_days,
            self.ledger_histories,
            self.decoded_reports,
        )
        organizations = OrganizationService(access)
        ledger = LedgerService(access, catalog, self.clock, self.ledger_histories)
        remediation = Remediation(assessments)
        return CallerServices(
            access=access,
            organizations=organizations,
            catalog=catalog,
            catalog_imports=CatalogImports(access, catalog),
            assessments=assessments,
            ledger=ledger,
            remediation=remediation,
            drafting=DraftingService(
                access, assessments, self.drafting, self.progress, self.background
            ),
            reports=ReportService(assessments, organizations, ledger, remediation),
            report_links=ReportLinkService(assessments),
            webhooks=WebhookService(access, self.settings.is_production),
            provisioning=ProvisioningKeys(access),
        )

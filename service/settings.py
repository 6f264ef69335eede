"""Runtime configuration: one settings object, built once at start-up.

Every knob is an environment variable (docs/configuration.md). Nothing else in the
package reads ``os.environ``; the object is passed down explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """All configuration of the service."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    environment: Literal["development", "production"] = "development"
    mongodb_uri: SecretStr | None = None
    mongodb_db: str = "readiness"
    data_dir: Path = Path("./.data")
    # How long a request waits for the database before failing with
    # SERVICE_UNAVAILABLE; short, so an outage shows quickly instead of hanging.
    mongodb_timeout_ms: int = Field(default=3000, ge=100, le=60000)

    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_jwks_path: Path | None = None
    platform_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None

    openai_timeout_seconds: float = Field(default=60.0, gt=0)
    openai_retries: int = Field(default=3, ge=0, le=10)
    openai_backoff_seconds: float = Field(default=1.0, ge=0)
    # Per organisation and UTC day; past it, drafting with the LLM answers LIMIT_EXCEEDED.
    draft_daily_token_budget: int = Field(default=200_000, ge=0)
    # Per principal and UTC day, across every organisation it drafts in (an API key counts
    # as the person who created it): new organisations bring no fresh budget.
    draft_daily_token_budget_per_principal: int = Field(default=400_000, ge=0)
    # The completion cap (``max_tokens``) of every LLM request. Each request reserves its
    # estimated prompt plus this much from both budgets before it is sent.
    draft_max_completion_tokens: int = Field(default=4_000, ge=256, le=32_000)

    # A pod writing a draft holds it for this long, renewing every third of it; when the pod
    # stops, any pod takes the draft over once the lease lapses (looking this often).
    draft_lease_seconds: float = Field(default=30.0, ge=1, le=600)
    draft_recovery_poll_seconds: float = Field(default=5.0, gt=0, le=300)

    # From the end of the observation window to the SOC 2 report: audit fieldwork plus
    # the firm's review and issuance, soonest and latest (the report date's range).
    report_lag_min_weeks: int = Field(default=4, ge=1, le=26)
    report_lag_max_weeks: int = Field(default=10, ge=1, le=52)

    frameworks_dir: Path = Path(__file__).resolve().parent.parent / "frameworks"
    log_level: str = "INFO"
    # Per principal and per pod: a token bucket refilled at this rate, holding at most `burst`.
    rate_limit_per_second: float = Field(default=50.0, gt=0)
    rate_limit_burst: int = Field(default=500, ge=1)
    max_subscriptions_per_connection: int = Field(default=5, ge=1, le=100)
    web_concurrency: int = Field(default=1, ge=1, le=64)
    # Failed authentications (a bearer token that does not verify) per client address and
    # pod: a token bucket refilled at this rate per minute, holding at most `burst`. Past
    # it, every request from that address gets 429 before its token is even looked at.
    auth_failures_per_minute: float = Field(default=10.0, gt=0)
    auth_failure_burst: int = Field(default=20, ge=1)
    # Set (by `readiness serve` when it runs several workers, or by the operator) to a
    # directory the workers share: each writes its metrics there and /metrics adds them up,
    # whichever worker answers (prometheus_client's multiprocess mode).
    prometheus_multiproc_dir: Path | None = None
    # When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: SecretStr | None = None

    # Webhook deliveries: retried with exponential backoff and jitter from the base, at most
    # this many attempts, each given this long to answer; workers look for due deliveries
    # this often. A webhook whose deliveries fail for good this many times in a row is paused.
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0, le=3600)
    webhook_max_attempts: int = Field(default=8, ge=1, le=20)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    webhook_pause_after_failures: int = Field(default=3, ge=1, le=100)

    @model_validator(mode="after")
    def _lag_range(self) -> Settings:
        if self.report_lag_max_weeks < self.report_lag_min_weeks:
            raise ValueError("REPORT_LAG_MAX_WEEKS must be at least REPORT_LAG_MIN_WEEKS")
        return self

    @property
    def report_lag_days(self) -> tuple[int, int]:
        return (7 * self.report_lag_min_weeks, 7 * self.report_lag_max_weeks)

    @field_validator("platform_admins", mode="before")
    @classmethod
    def _split_subjects(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def auth_problems(self) -> list[str]:
        """What stops a start: in production every caller is authenticated by OIDC, and the
        data lives in a real MongoDB (the embedded server is for development and tests)."""
        problems = []
        if self.is_production and self.mongodb_uri is None:
            problems.append("ENVIRONMENT=production requires MONGODB_URI (no embedded database)")
        if self.oidc_issuer and not self.oidc_audience:
            problems.append("OIDC_ISSUER is set without OIDC_AUDIENCE")
        if self.oidc_audience and not self.oidc_issuer:
            problems.append("OIDC_AUDIENCE is set without OIDC_ISSUER")
        if self.oidc_enabled and not (self.oidc_jwks_url or self.oidc_jwks_path):
            problems.append("OIDC is enabled but neither OIDC_JWKS_URL nor OIDC_JWKS_PATH is set")
        if self.is_production and not self.oidc_enabled:
            problems.append(
                "ENVIRONMENT=production requires OIDC_ISSUER, OIDC_AUDIENCE and "
                "OIDC_JWKS_URL or OIDC_JWKS_PATH (no local admin key in production)"
            )
        return problems

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key and self.openai_model)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_audience)

"""The gap engine: pure functions from answers to a readiness report (no I/O, no GraphQL)."""

from service.scoring.engine import evaluate, suggested_scope
from service.scoring.model import EngineModel, Parameters, Report

ENGINE_VERSION = "1"

__all__ = ["ENGINE_VERSION", "EngineModel", "Parameters", "Report", "evaluate", "suggested_scope"]

"""The gap engine: pure functions from answers to a readiness report (no I/O, no GraphQL)."""

from service.scoring.engine import evaluate
from service.scoring.model import EngineModel, Parameters, Report

# Part of every stored report's basis: bump it when results or their stored form change,
# and stored reports are recomputed when next read.
ENGINE_VERSION = "6"

__all__ = ["ENGINE_VERSION", "EngineModel", "Parameters", "Report", "evaluate"]

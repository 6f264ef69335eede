"""Policy drafting: an LLM drafts missing policies from the gap analysis, templates as fallback."""

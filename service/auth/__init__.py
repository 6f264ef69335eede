"""Who is calling: principals, roles, API keys and bearer-token authentication."""

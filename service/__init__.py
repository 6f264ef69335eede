"""SOC 2 Type II readiness engine: a GraphQL API over MongoDB.

The package is layered one way: ``api`` (Strawberry) calls the domain
packages (``assessment``, ``catalog``, ``drafting``, ``reports``), which call
``scoring`` (pure functions) and ``storage`` (Beanie documents and
repositories).
"""

__version__ = "0.1.0"

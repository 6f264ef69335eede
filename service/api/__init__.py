"""The GraphQL API: Strawberry types, queries, mutations, DataLoaders and extensions.

Only this package imports Strawberry. Resolvers stay thin: they decode ids,
call a domain service or a DataLoader, and map domain errors to payloads.
"""

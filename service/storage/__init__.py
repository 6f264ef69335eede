"""MongoDB access: Beanie documents, repositories, the connection and the embedded server.

Only this package (and repositories in it) imports Beanie or PyMongo
collection APIs; domain code works through repositories.
"""

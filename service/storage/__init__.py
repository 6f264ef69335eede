"""MongoDB access: Beanie documents, repositories, the connection and the embedded server.

Only this package imports Beanie or PyMongo. Every query is built in
``repositories/base.py``, starting from the organisations in scope, and a driver
error leaves the package as ``service.errors.DatabaseUnavailable``.
"""

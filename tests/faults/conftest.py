# The kill-and-restart harness's throwaway database: a file SQLite database, or a fresh
# one in the PostgreSQL cluster when the suite runs on PostgreSQL.
from tests.newsletter.test_worker_crash import database_url  # noqa: F401

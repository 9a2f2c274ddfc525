"""Every scipy module the project uses, imported together, first, by each package that needs scipy.

dbt-duckdb runs Python models in threads: the CLV fit importing scipy.optimize and the experiments
model importing scipy.stats at the same moment deadlocked in importlib (CI, 2026-12-06:
`_DeadlockError: deadlock detected by _ModuleLock('scipy.linalg.cython_lapack')`). Both packages
import this module before anything else, so the second thread waits on this one module's import
lock, holding no scipy lock, until the first has imported all of them.
"""

import scipy.integrate  # noqa: F401
import scipy.optimize  # noqa: F401
import scipy.special  # noqa: F401
import scipy.stats  # noqa: F401

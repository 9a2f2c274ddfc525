"""dbt Python models on the `spark` target in session mode (README "Scaling out").

dbt-spark 1.11 submits Python models only to Databricks (submission methods job_cluster and
all_purpose_cluster: a notebook run over the REST API). With method: session the SparkSession lives
in the dbt process itself, so the model can run right there: SessionPythonJobHelper executes dbt's
compiled model code (the model, dbt's dbtObj and dbt-spark's py_write_table epilogue, which saves
the returned Spark DataFrame as the model's table) with `spark` bound to that session.
`journey spark-build` registers it as submission method `session` before invoking dbt in-process;
a plain `dbt` command does not know it (it would fail on the Python models only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SUBMISSION_METHOD = "session"


class SessionPythonJobHelper:
    """dbt PythonJobHelper running the compiled model in this process's SparkSession."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        self.parsed_model = parsed_model
        self.credentials = credentials

    def submit(self, compiled_code: str) -> None:
        from orchestration.spark.session import get_session

        namespace: dict[str, Any] = {"__name__": f"dbt_model_{self.parsed_model['alias']}"}
        namespace["spark"] = get_session()
        exec(compile(compiled_code, self.parsed_model["original_file_path"], "exec"), namespace)


def register_session_helper() -> None:
    """Add submission method `session` to dbt-spark's adapter (idempotent)."""
    from dbt.adapters.spark.impl import SparkAdapter

    helpers = SparkAdapter.python_submission_helpers.fget  # type: ignore[attr-defined]
    default = SparkAdapter.default_python_submission_method.fget  # type: ignore[attr-defined]
    if getattr(helpers, "_journey_session", False):
        return

    def python_submission_helpers(self: SparkAdapter) -> dict[str, Any]:
        return {**helpers(self), SUBMISSION_METHOD: SessionPythonJobHelper}

    def default_python_submission_method(self: SparkAdapter) -> str:
        # method: session has no cluster to submit to: run in-process unless a model says otherwise
        if str(self.config.credentials.method) == "session":
            return SUBMISSION_METHOD
        return default(self)

    python_submission_helpers._journey_session = True  # type: ignore[attr-defined]
    SparkAdapter.python_submission_helpers = property(python_submission_helpers)  # type: ignore[method-assign]
    SparkAdapter.default_python_submission_method = property(default_python_submission_method)  # type: ignore[method-assign]


def dbt_spark(args: Sequence[str]) -> bool:
    """Invoke dbt in this process with the session helper registered; True when it succeeded."""
    from dbt.cli.main import dbtRunner

    register_session_helper()
    result = dbtRunner().invoke(list(args))
    return bool(result.success)

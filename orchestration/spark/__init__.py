"""Apache Spark as a second dbt target (README "Scaling out"): the raw layer and the session."""

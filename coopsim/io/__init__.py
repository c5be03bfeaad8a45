"""Input and output of runs on disk: a run's directory (tables, ``metadata.json``
written last, ``failure.json``; :mod:`~coopsim.io.run_dir`), its provenance
(code version, packages, run id; :mod:`~coopsim.io.provenance`), and sweeps
(failures reported, a sweep's tables collected; :mod:`~coopsim.io.sweeps`).
"""

from coopsim.io.provenance import code_version, run_id, with_provenance
from coopsim.io.run_dir import (
           FAILURE,
           METADATA,
           StreamedTable,
           completed_run,
           record_failure,
           write_metadata,
           write_tables,
)
from coopsim.io.sweeps import collect, failures

__all__ = ["FAILURE", "METADATA", "StreamedTable", "code_version", "collect", "completed_run", "failures",
           "record_failure", "run_id", "with_provenance", "write_metadata", "write_tables"]

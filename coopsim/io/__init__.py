"""Input and output of runs on disk: a run's directory (tables and
``metadata.json`` with their checksums moved in whole, or ``failure.json``;
:mod:`~coopsim.io.run_dir`), its provenance (code version, packages, run id;
:mod:`~coopsim.io.provenance`), and sweeps (every point checked before any
runs, failures reported, a sweep's tables collected from verified runs only;
:mod:`~coopsim.io.sweeps`), Hydra's side of it (the door that checks a run or a
sweep before anything is made, the checked sweeper, workers that stop with
their sweep; :mod:`~coopsim.io.launch`), and the console scripts' one way of
saying no (:mod:`~coopsim.io.console`).

(The face holds the run directory's names; ``coopsim.io.sweeps`` is imported from
its module, which ``python -m coopsim.io.sweeps`` also runs.)
"""

from coopsim.io.provenance import code_version, run_id, with_provenance
from coopsim.io.run_dir import FAILURE, METADATA, RunDirError, RunState, inspect, locked, record_failure

__all__ = ["FAILURE", "METADATA", "RunDirError", "RunState", "code_version", "inspect", "locked", "record_failure",
           "run_id", "with_provenance"]

"""Submitit on SLURM: a cancelled job array's tasks that never started.

Submitit learns that a SLURM task has ended only from ``sacct``. When a job array is cancelled while some of
its tasks are still pending, the accounting may record those tasks under the array's own id (``148|CANCELLED
by 0``) instead of as tasks (``148_[1-3%1]|CANCELLED``); submitit then never sees tasks 1-3 end and the
launcher waits for ever (seen on the single-node SLURM of CI). :func:`install` gives submitit's SLURM jobs a
watcher that takes such a task's state from its array's own record once that record has ended; a task that
``sacct`` lists, or an array still pending or running, reads as before.

>>> w = ArrayEndWatcher(delay_s=600)
>>> w._info_dict = w.read_info("JobID|State|NodeList\\n148_0|COMPLETED|vm\\n148|CANCELLED by 0|None\\n")
>>> w.get_state("148_2", mode="cache"), w.is_done("148_2", mode="cache"), w.get_state("148_0", mode="cache")
('CANCELLED by 0', True, 'COMPLETED')
>>> w._info_dict = w.read_info("JobID|State|NodeList\\n148_0|COMPLETED|vm\\n148_[1-3%1]|PENDING|None\\n")
>>> w.is_done("148_2", mode="cache"), w.get_state("149_1", mode="cache")
(False, 'UNKNOWN')
"""

from __future__ import annotations

from submitit.slurm import slurm

#: The states in which submitit counts a job as not yet ended.
INCOMPLETE = ("READY", "PENDING", "RUNNING", "UNKNOWN", "REQUEUED", "COMPLETING", "PREEMPTED")


class ArrayEndWatcher(slurm.SlurmInfoWatcher):  # type: ignore[misc]
    """Submitit's sacct watcher, reading a task missing from sacct from its ended array's own record."""

    def get_state(self, job_id: str, mode: str = "standard") -> str:
        state = str(super().get_state(job_id, mode))
        if state == "UNKNOWN" and "_" in str(job_id):
            array = str(self._info_dict.get(str(job_id).split("_", 1)[0], {}).get("State", ""))
            if array and array.split()[0].upper() not in INCOMPLETE:
                return array
        return state


def install() -> None:
    """Make submitit's SLURM jobs use :class:`ArrayEndWatcher` (once; the jobs share one watcher)."""
    if not isinstance(slurm.SlurmJob.watcher, ArrayEndWatcher):
        slurm.SlurmJob.watcher = ArrayEndWatcher(delay_s=600)

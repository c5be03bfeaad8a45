"""Analysis of runs, from their tables only (never the engine's objects).

- :mod:`~coopsim.analysis.outcomes`: the outcome vocabulary (column, unit, which direction is better);
- :mod:`~coopsim.analysis.statistics`: paired differences on common seeds, t-intervals;
- :mod:`~coopsim.analysis.resilience`: depth and recovery of income after a shock;
- :mod:`~coopsim.analysis.runs`, :mod:`~coopsim.analysis.report`, :mod:`~coopsim.analysis.figures`,
  :mod:`~coopsim.analysis.html`: the comparison report of a sweep;
- :mod:`~coopsim.analysis.replay`, :mod:`~coopsim.analysis.validation`: the history replay and the
  facts the model was not calibrated to;
- :mod:`~coopsim.analysis.markdown`: Markdown tables for the generated documents.
"""

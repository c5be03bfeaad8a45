"""Studies over many runs: tier comparisons and lever ablations paired on seeds
(:mod:`~coopsim.studies.study`), the calibration to Bijie's facts
(:mod:`~coopsim.studies.calibration`), the Morris sensitivity analysis
(:mod:`~coopsim.studies.sensitivity`), and the generated parts of the model
description (:mod:`~coopsim.studies.parameter_table`, :mod:`~coopsim.studies.odd`).

Every study composes its runs as the ``coopsim`` command does and takes its
parameters' ranges from the parameter vocabulary and its outcomes from the
outcome vocabulary.
"""

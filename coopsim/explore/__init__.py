"""The live explorer in the browser (``coopsim-explore``): a baseline against a reform on common random
numbers, run in the background from the page's controls, with the settings in the URL; finished sweeps
opened too. :mod:`~coopsim.explore.settings` checks what a visitor asks for, :mod:`~coopsim.explore.jobs`
runs it, :mod:`~coopsim.explore.views` makes what is shown, :mod:`~coopsim.explore.app` is the page and
:mod:`~coopsim.explore.server` the command."""

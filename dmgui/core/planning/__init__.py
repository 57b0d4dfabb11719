"""Capacity planning: how many VMs fit, static vs Dynamic Memory (issue 9).

* :mod:`~dmgui.core.planning.criterion` — what "fits" means, judged block by block;
* :mod:`~dmgui.core.planning.candidates` — the scenarios simulated (copies, static mode);
* :mod:`~dmgui.core.planning.evaluate` — one simulated point;
* :mod:`~dmgui.core.planning.search` — doubling then bisection over the count;
* :mod:`~dmgui.core.planning.executors` — inline, process pool or Dask;
* :mod:`~dmgui.core.planning.planner` — :func:`plan`, the answer and its JSON.
"""

"""The secretary's workflow before a ranking: start a competition (``workflow.init_competition``),
assign jurors (``assign``), send score sheets out (``sheets``), read them back (``collect``),
and draw synthetic competitions for tests and benchmarks (``simulate``).

It sits beside the scoring stages, above them: it loads and validates competitions through
``pipeline`` and ``validate``, and no stage or the pipeline imports it.
"""

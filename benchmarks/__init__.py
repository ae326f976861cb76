"""Performance benchmarks for kostra-functions (issue 7): medians, same-run baselines and ratios.

Run from the repository root::

    python -m benchmarks                 # every benchmark, full size (several minutes)
    python -m benchmarks --rask          # quick: few repeats, small sizes
    python -m benchmarks --bare 1,2,3    # pick benchmarks by number or name

Each figure is the **median** of repeated runs, printed next to a **baseline measured in the same
run** and the ratio ours / baseline. Results go to ``benchmarks/results/latest.json`` (git-ignored)
and, for a full-size run, to the committed ``benchmarks/RESULTS.md``. These are not timed tests:
nothing fails on a slow machine; the targets are reported as met or not.

=====  ============  ==========================================================================
 no.   name          what is measured
=====  ============  ==========================================================================
 1     scalar        ``KOSTRA_AVVIK`` / ``KOSTRA_FUNKSJON`` called as the Excel face calls them
 2     table         ``KOSTRA_AVVIK_TABELL`` for the example district passed as ranges
 3     ledger        read + validate + map + aggregate 1 M ledger rows (CSV as exported)
 4     recalc        headless recalculation of the district workbook vs LibreOffice and plain formulas
 5     regenerate    ``kostra regenerer``: four templates × 15 districts, wall time and peak memory
 6     growth        how the costs grow: 1×, 10×, 100× ledger rows; 1, 5, 15 districts
=====  ============  ==========================================================================
"""

"""kostra-functions: KOSTRA function mappings, deviation prognoses, authority checks and reporting
controls for Norwegian municipal budget follow-up, with Excel faces (xlwings, xlwings Server) and a
headless engine (``formulas``) generated from one table of Excel functions.

The library (everything outside ``excel/``, ``engine/`` and ``commands/``) imports no Excel face.
"""

__version__ = "0.1.0"

"""Runnable examples behind the executable glossary of deep learning.

One module per term (``dropout.py`` for the term ``dropout``); the term
registry is :mod:`glossary_examples.registry`. Importing the package is cheap:
TensorFlow loads only when an example first needs it
(:func:`glossary_examples.runtime.keras`).
"""

import os as _os

# Before NumPy loads: one BLAS thread, so sums are added in the same order on
# every machine and `run` prints what the page (built the same way) shows.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

"""Runnable examples behind the executable glossary of deep learning.

One module per term (``dropout.py`` for the term ``dropout``); the code they
share (the term registry, the runtime, claim checks, the command line) is the
subpackage
:mod:`glossary_examples._lib`. Importing the package is cheap (the command
line's ``list`` loads no TensorFlow); a term module imports Keras and
TensorFlow itself, with their public names, and
:mod:`glossary_examples._lib.runtime` sets them up when it is first imported.
"""

import os as _os

# The thread counts of BLAS and OpenMP: one thread, so sums are added in the
# same order on every machine. Set here before NumPy loads (a user's own
# setting wins), so `run` prints what the page shows; conf.py forces them for
# the build's kernels.
ONE_THREAD_ENV = {var: "1" for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
for _var, _value in ONE_THREAD_ENV.items():
    _os.environ.setdefault(_var, _value)

# Read by TensorFlow once, when it loads: its C++ log lines and oneDNN's
# start-up banner stay off the output, and oneDNN's fused kernels, which
# reorder float additions, are off for reproducible numbers. Set here (if
# unset), before any term module imports Keras, and by conf.py for the build's
# kernels.
TENSORFLOW_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
                  "KERAS_BACKEND": "tensorflow"}
for _var, _value in TENSORFLOW_ENV.items():
    _os.environ.setdefault(_var, _value)

# While the site is built, every figure a kernel displays is drawn in Chinese too, for the
# Chinese edition (glossary_examples/_lib/zh_figures.py); nothing of it outside a build.
if _os.environ.get("GLOSSARY_ZH_FIGURES"):
    from ._lib import zh_figures as _zh_figures

    _zh_figures.install()

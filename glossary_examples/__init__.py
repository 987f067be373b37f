"""Runnable examples behind the executable glossary of deep learning.

One module per term (``dropout.py`` for the term ``dropout``); the term
registry is :mod:`glossary_examples.registry`. Importing the package is cheap:
TensorFlow loads only when an example first needs it
(:func:`glossary_examples.runtime.keras`).
"""

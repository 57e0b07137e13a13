"""The ``csi-model`` command line.

One subcommand per step of the library (see DESIGN.md):

- ``csi-model fit SURVEY --model MODEL``: CB-SEM fit, summary on stdout, ``--json`` and
  ``--out`` files with the same names as the Python tables;
- ``csi-model measure SURVEY --model MODEL``: the measurement model (EFA, reliability,
  validity, CFA diagnostics), the same outputs;
- ``csi-model demo``: the telecom model on the embedded demo survey;
- ``csi-model models [NAME]``: the bundled models, or one model's syntax;
- ``csi-model pls SURVEY --model MODEL``: PLS path modelling (optionally bootstrapped);
- ``csi-model index SURVEY --model MODEL``: 0-100 index per latent and group, impacts, IPMA;
- ``csi-model paper build DIR``: every table and figure of a paper from its paper.toml;
- ``csi-model report SURVEY --model MODEL --out report.html``: one self-contained HTML report;
- ``csi-model compare SURVEY --model MODEL --by COLUMN``: invariance, path and index differences.

A user error (bad model, bad data, bad argument) exits with status 2 and one line on
stderr, ``csi-model: error: <message>`` (a model syntax error adds the offending line and a
caret); an unexpected error exits with status 1 and points to ``--debug``, which shows the
traceback. Output files are written atomically; inputs are never modified.

One module per subcommand (:mod:`.fit`, :mod:`.measure`, :mod:`.pls`, :mod:`.index`,
:mod:`.compare`, :mod:`.report`, :mod:`.paper`, :mod:`.demo`, :mod:`.models`), each with
``add_parser(sub, common)`` and ``run(args)``; the arguments they share (SURVEY, --model,
--missing-codes, --json, --out, --quiet) are defined once in :mod:`._common`. The rest of
csi_model is imported inside ``run`` so that ``csi-model --help`` stays fast.

Imports: every stage below (the top of the pipeline).

>>> main(["models"])                                    # doctest: +ELLIPSIS
name ...
0
"""
from ._main import build_parser, main

__all__ = ["main", "build_parser"]

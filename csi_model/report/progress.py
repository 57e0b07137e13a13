"""Progress of the long report steps: one tqdm.auto bar (a widget in Jupyter, a text bar on
stderr in a terminal or CLI), named by the step running; nothing at all when disabled.

>>> import io
>>> out = io.StringIO()
>>> steps = Steps(["one", "two"], enabled=True, desc="demo", file=out)
>>> with steps.step("one"):
...     pass
>>> with steps.step("two"):
...     pass
>>> steps.close()
>>> "demo: two" in out.getvalue() and "2/2" in out.getvalue()
True
>>> with Steps(["x"], enabled=False).step("x"):   # silent
...     pass
"""
from __future__ import annotations

import contextlib
import sys
from typing import Iterator, Sequence

__all__ = ["Steps"]


class Steps:
    """A bar of ``len(names)`` steps; ``with steps.step(name):`` runs one.

    Parameters
    ----------
    names : sequence of str
        The steps planned (the bar's total).
    enabled : bool
        False: nothing is shown (``--quiet``).
    desc : str
        The bar's label; the running step is shown after it.
    file : file, optional
        Where a text bar goes (default: stderr).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with Steps(["fit", "tables"], desc="build", file=out) as steps:
    ...     with steps.step("fit"):
    ...         pass
    ...     with steps.step("tables"):
    ...         pass
    >>> out.getvalue().replace("\\r", "\\n").strip().splitlines()[-1]
    'build: tables: 2/2 steps [00:00]'
    """

    def __init__(self, names: Sequence[str], *, enabled: bool = True, desc: str = "csi_model",
                 file=None):
        self.desc = desc
        self.bar = None
        self._begun = False
        if enabled and len(names):
            from tqdm.auto import tqdm
            self.bar = tqdm(total=len(names), desc=desc, unit="step", file=file or sys.stderr,
                            bar_format="{desc}: {n_fmt}/{total_fmt} steps [{elapsed}]",
                            leave=True)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one step: the bar shows ``name`` while the block runs and counts it when it ends.

        Examples
        --------
        >>> import io
        >>> out = io.StringIO()
        >>> steps = Steps(["fit"], desc="demo", file=out)
        >>> with steps.step("fit"):
        ...     pass
        >>> steps.close()
        >>> "demo: fit: 1/1 steps" in out.getvalue()
        True
        """
        if self.bar is None:
            yield
            return
        self.bar.set_description_str(f"{self.desc}: {name}")
        try:
            yield
        finally:
            self.bar.update(1)

    def begin(self, name: str) -> None:
        """Start step ``name`` (the step begun before it is done): for a sequence of steps
        that is not one ``with`` block each; :meth:`close` ends the last one.

        Examples
        --------
        >>> import io
        >>> out = io.StringIO()
        >>> steps = Steps(["a", "b"], desc="build", file=out)
        >>> steps.begin("a"); steps.begin("b"); steps.close()
        >>> "build: b: 2/2 steps" in out.getvalue()
        True
        """
        if self.bar is None:
            return
        if self._begun:
            self.bar.update(1)
        self._begun = True
        self.bar.set_description_str(f"{self.desc}: {name}")

    def close(self) -> None:
        """End the bar (and the step :meth:`begin` started); nothing when disabled.

        Examples
        --------
        >>> import io
        >>> out = io.StringIO()
        >>> steps = Steps(["a"], desc="demo", file=out)
        >>> steps.begin("a")
        >>> steps.close()                                # ends step "a" and the bar
        >>> "demo: a: 1/1 steps" in out.getvalue()
        True
        """
        if self.bar is not None:
            if self._begun:
                self.bar.update(1)
                self._begun = False
            self.bar.close()

    def __enter__(self) -> "Steps":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

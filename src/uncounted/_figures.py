"""Matplotlib figures without pyplot: no backend switch, no global figure registry.

The charts of the report, the regional analysis and the excess-deaths commands draw on
:class:`matplotlib.figure.Figure` objects made here. Unlike ``pyplot`` (and ``matplotlib.use``),
this changes nothing in the process: a notebook's or an application's backend stays as it was,
and a figure is freed when dropped. ``savefig`` picks the canvas for the file format itself.
:func:`pyplot` returns an object with the few ``pyplot`` functions the chart modules use.
"""

from __future__ import annotations

from .exceptions import require


class _FigureFunctions:
    """``figure``, ``subplots``, ``close``, ``get_cmap`` and ``FuncFormatter`` as in pyplot, on
    bare Figures."""

    def __init__(self):
        mpl = require("matplotlib", "report")
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter

        self._colormaps = mpl.colormaps
        self._figure_class = Figure
        self.FuncFormatter = FuncFormatter

    def figure(self, **kwargs):
        return self._figure_class(**kwargs)

    def subplots(self, nrows: int = 1, ncols: int = 1, *, figsize=None, squeeze: bool = True,
                 gridspec_kw=None, layout=None, **kwargs):
        fig = self._figure_class(figsize=figsize, layout=layout)
        return fig, fig.subplots(nrows, ncols, squeeze=squeeze, gridspec_kw=gridspec_kw, **kwargs)

    @staticmethod
    def close(fig) -> None:
        """Nothing to do: no registry holds the figure (kept so chart code reads like pyplot)."""

    def get_cmap(self, name: str):
        return self._colormaps[name]


def pyplot() -> _FigureFunctions:
    """The pyplot-like functions on bare Figures (imports matplotlib on first call)."""
    return _FigureFunctions()

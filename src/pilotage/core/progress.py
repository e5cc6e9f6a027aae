"""A terminal progress bar fed by the services' ``progress(done, total, message)`` callback.

CLI commands wrap a long service call in ``with ProgressBar(label, enabled) as progress:``
and pass ``progress`` (None when disabled) to the service.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

Progress = Callable[[int, int, str], None]


class ProgressBar:
    def __init__(self, label: str, enabled: bool = True, *, unit: str = "lines") -> None:
        self.label = label
        self.enabled = enabled
        self.unit = unit
        self.bar: tqdm[Any] | None = None

    def __enter__(self) -> Progress | None:
        if not self.enabled:
            return None
        bar = tqdm(desc=self.label, unit=self.unit, total=0, file=sys.stderr, dynamic_ncols=True)
        self.bar = bar

        def progress(done: int, total: int, message: str) -> None:
            if total and bar.total != total:
                bar.total = total
            bar.n = min(done, total) if total else done
            if message:
                bar.set_postfix_str(message, refresh=False)
            bar.refresh()

        return progress

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()

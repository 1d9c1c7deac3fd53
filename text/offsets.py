"""Offsets from cleaned passage text back to the original file, stored compactly.

A passage's character map is mostly contiguous runs (cleaning only removes or joins a few spans),
so it is stored as runs: a flat list [clean_0, orig_0, clean_1, orig_1, ...] where clean index i maps
to orig_k + (i - clean_k) for the last run with clean_k <= i. A 400-character passage with two
line-break mends needs 6 integers instead of 400.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np


def to_runs(offsets: list[int]) -> list[int]:
    if not offsets:
        return []
    o = np.asarray(offsets)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(o) != 1) + 1))  # where contiguity breaks
    return np.column_stack((starts, o[starts])).ravel().tolist()


def offset_at(runs: list[int], i: int) -> int:
    starts = runs[0::2]
    k = bisect_right(starts, i) - 1
    return runs[2 * k + 1] + (i - runs[2 * k])


def span(runs: list[int], i: int, j: int) -> tuple[int, int]:
    """Original [start, end) of cleaned characters [i, j)."""
    return offset_at(runs, i), offset_at(runs, j - 1) + 1

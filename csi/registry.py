"""Registries: named plug-ins (estimators, index methods, derivations, runners, renderers, …).

A registry maps a key to an object; its keys appear in error messages, so a wrong key tells the
user what the right ones are::

    INDEXERS = Registry[Indexer]("index method")

    @INDEXERS.register("acsi")
    class ACSIIndexer: ...

    INDEXERS.get("magic")   # CsiError: index method should be one of acsi, mean; got 'magic'

``register_lazy(key, "package.module:attr")`` names a plug-in that lives in a layer above the
registry's owner (a renderer that the results layer must not import): the module is imported on
first ``get``, as Python entry points are.  It keeps the import-layers contract honest: the lower
layer states a name, never an import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from csi.errors import CsiError

T = TypeVar("T")


class Registry(Generic[T]):
    """Key → plug-in, keys case-folded (``upper=True`` for upper-case keys such as ``ML``)."""

    def __init__(self, what: str, upper: bool = False) -> None:
        self.what = what
        self.upper = upper
        self._items: dict[str, T] = {}
        self._lazy: dict[str, str] = {}
        self._order: dict[str, None] = {}  # registration order, for messages and listings

    def _key(self, key: object) -> str:
        return str(key).upper() if self.upper else str(key).lower()

    def register(self, key: str, obj: T | None = None) -> Callable[[T], T]:
        """Register ``obj`` under ``key``; without ``obj`` a decorator.  A key is registered once."""
        k = self._key(key)

        def add(o: T) -> T:
            if k in self._order:
                raise ValueError(f"{self.what} {k!r} is registered already")
            self._items[k] = o
            self._order[k] = None
            return o

        if obj is not None:
            add(obj)
        return add

    def register_lazy(self, key: str, target: str) -> None:
        """Register ``"module:attribute"``, imported when first asked for."""
        k = self._key(key)
        if k in self._order:
            raise ValueError(f"{self.what} {k!r} is registered already")
        self._lazy[k] = target
        self._order[k] = None

    def unregister(self, key: str) -> None:
        """Remove a key (tests and plug-ins that replace a built-in)."""
        k = self._key(key)
        self._items.pop(k, None)
        self._lazy.pop(k, None)
        self._order.pop(k, None)

    def check(self, key: object) -> str:
        """The canonical key, or a CsiError naming the keys in registration order."""
        k = self._key(key)
        if k not in self._order:
            raise CsiError(f"{self.what} should be one of {', '.join(self.keys())}; got {key!r}")
        return k

    def get(self, key: object) -> T:
        k = self.check(key)
        if k not in self._items:
            module, _, attr = self._lazy.pop(k).partition(":")
            self._items[k] = getattr(importlib.import_module(module), attr)
        return self._items[k]

    def keys(self) -> list[str]:
        return list(self._order)

    def __contains__(self, key: object) -> bool:
        return self._key(key) in self._order

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

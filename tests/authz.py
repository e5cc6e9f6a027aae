"""Shared pieces of the authorization matrix, for ``tests/matrix_<area>.py`` modules.

An area module defines::

    MATRIX = '''
    # name                 method target   anon dlm ld  cla clb mgr lrn fac ait apu afi vna vnb out
    strategy:request_list  GET    -        302  200 ...
    '''
    TARGETS: dict[str, Filler] = {"req_cla": lambda cast, user: Target(kwargs={"pk": ...})}

Target names are global: prefix them with the area (``str_``, ``prg_``…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conftest import Cast

from pilotage.people.models import User


@dataclass
class Target:
    kwargs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] | None = None  # form body (POST)
    json: Any = None  # JSON body (API)


Filler = Callable[[Cast, Any], Target]


def someone_else() -> User:
    """A user no persona is: the owner of things that are out of everybody's reach."""
    user, _ = User.objects.get_or_create(email="someone-else@example.com", defaults={"display_name": "someone"})
    return user

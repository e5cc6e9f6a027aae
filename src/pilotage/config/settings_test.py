"""Test settings: the real settings module in ``test`` mode (fast hasher, immediate tasks)."""

import os

os.environ["PILOTAGE_ENV"] = "test"

from pilotage.config.settings import *  # noqa: E402,F403

"""Test settings: the real settings module in ``test`` mode (fast hasher, immediate tasks)."""

import os

os.environ["PILOTAGE_ENV"] = "test"

from pilotage.config.settings import *  # noqa: E402,F403

# Tests read messages in English whatever the catalogues hold; a test about French asks for
# it (Accept-Language, translation.override), and the browser tests start from a French locale.
LANGUAGE_CODE = "en"

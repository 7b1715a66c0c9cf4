"""Warnings that point at the user's line, not at skae's internals."""

import os
import sys
from importlib.util import find_spec

# Frames in these directories are skipped: skae's own, skorch's training loop
# (which calls skae's callbacks), and scikit-learn's wrappers (a Pipeline or a
# search calling fit), none of which is the user's. Found without importing
# them: only the training layer imports skorch.
_INTERNAL = tuple(os.path.dirname(origin) + os.sep for origin in (
    sys.modules[__package__].__file__, find_spec("skorch").origin, find_spec("sklearn").origin))


def user_stacklevel():
    """The ``stacklevel`` for ``warnings.warn`` that names the first frame outside skae.

    Call it from the function that calls ``warnings.warn``. How deep that
    function sits below the user's call (``fit`` directly, through a
    Pipeline, through ``partial_fit``) then does not matter.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame = frame.f_back
        level += 1
    return level

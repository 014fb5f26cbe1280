"""The hint annotator: colours flow-graph variables green, red or blue.

`annotate(func, green=[...])` returns a `HintAnnotation`; see its README.
"""

from hintannotator.annotation import HintAnnotation, annotate
from hintannotator.checker import ColourCheckError, check_colours
from hintannotator.errors import HintError
from hintannotator.hints import dont_look_inside, hint, purefunction

__all__ = ["hint", "purefunction", "dont_look_inside", "annotate", "HintAnnotation",
           "HintError", "check_colours", "ColourCheckError"]

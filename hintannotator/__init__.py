"""The hint annotator: colours flow-graph variables green, red or blue."""

from hintannotator.hints import dont_look_inside, hint, purefunction

__all__ = ["hint", "purefunction", "dont_look_inside"]
